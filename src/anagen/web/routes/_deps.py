"""Shared dependencies and helpers of the routers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from anagen.errors import InputError
from anagen.web._jobs import JobManager
from anagen.web._settings import Settings
from anagen.web.schemas import AssessmentRequest, PowerRequest

__all__ = ["JobsDep", "SettingsDep", "assessment_payload", "power_payload"]


def _jobs(request: Request) -> JobManager:
    return request.app.state.jobs


def _settings(request: Request) -> Settings:
    return request.app.state.settings


JobsDep = Annotated[JobManager, Depends(_jobs)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def assessment_payload(req: AssessmentRequest, settings: Settings) -> dict[str, Any]:
    """Validate the person with the library (cross-field rules) and build the job payload."""
    from anagen.therapy import Patient

    pdict = req.patient_dict()
    Patient.from_dict(pdict)  # InputError naming the field -> 422
    return {
        "patient": pdict,
        "protocols": list(dict.fromkeys(req.protocols)) if req.protocols else None,
        "seed": req.seed,
        "source": req.source,
        "n_draws": settings.assess_draws,
        "n_follicles": settings.assess_follicles,
    }


def power_payload(req: PowerRequest, settings: Settings) -> dict[str, Any]:
    """Validate the trial with the library and build the job payload."""
    from anagen.decision import trial_from_dict

    if req.trials > settings.trial_max_trials:
        raise InputError(
            field="trials",
            allowed=f"<= {settings.trial_max_trials} on this server",
            got=req.trials,
        )
    if req.age_min > req.age_max:
        raise InputError(field="age_max", allowed=f">= age_min ({req.age_min:g})", got=req.age_max)
    data = req.trial_dict()
    trial_from_dict(data)  # InputError naming the key -> 422
    return {
        "trial": data,
        "mode": req.mode,
        "n_values": sorted(set(req.n_values)),
        "target": req.target,
        "max_n": req.max_n,
    }
