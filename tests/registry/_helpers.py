"""Small builders shared by the registry tests (real databases, no mocks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anagen.registry import service as svc

D = dt.date


def patient_in(pseudonym: str = "P001", **kw: Any) -> svc.PatientIn:
    data = {
        "pseudonym": pseudonym,
        "birth_year": 1980,
        "sex": "M",
        "stage": "III",
        "onset_year": 2015,
        "consent_version": "v2",
        "consent_date": D(2024, 1, 5),
        "consent_evidence_sharing": True,
    }
    data.update(kw)
    return svc.PatientIn(**data)


def baseline_in(pseudonym: str = "P001", **kw: Any) -> svc.VisitIn:
    data = {
        "patient": pseudonym,
        "visit_date": D(2024, 1, 10),
        "kind": "baseline",
        "target_area": "vertex",
        "total_density_per_cm2": 160.0,
        "terminal_density_per_cm2": 120.0,
        "vellus_density_per_cm2": 40.0,
        "shaft_diameter_um": 62.0,
        "anagen_percent": 80.0,
    }
    data.update(kw)
    return svc.VisitIn(**data)


def treatment_in(
    pseudonym: str = "P001", option: str = "minoxidil_5", **kw: Any
) -> svc.TreatmentIn:
    data = {
        "patient": pseudonym,
        "option": option,
        "start_date": D(2024, 1, 20),
        "n_draws": 5,
        "n_follicles": 2000,
    }
    data.update(kw)
    return svc.TreatmentIn(**data)


def seed(reg: Any, actor: Any, pseudonym: str = "P001", *, treat: bool = True) -> dict[str, int]:
    """A patient with a baseline visit (and a treatment with frozen predictions)."""
    with reg.session(actor) as s:
        p = svc.add_patient(s, actor, patient_in(pseudonym))
        v = svc.add_visit(s, actor, baseline_in(pseudonym))
        out = {"patient": p.id, "visit": v.id}
        if treat:
            t = svc.add_treatment(s, actor, treatment_in(pseudonym))
            out["treatment"] = t.id
    return out
