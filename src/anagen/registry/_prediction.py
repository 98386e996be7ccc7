"""The frozen prediction: anagen's answer for a patient at treatment time, stored once.

Only :func:`_assess` and :func:`_rows_from` know the shape of :class:`anagen.decision.Assessment`
(the adapter: when the Assessment changes, only these two change). The registry stores, for
each planned visit month, the option's predicted change from today of the assessment's outcome
(hairs per cm² in the 1 cm² target area, in the zone of the baseline visit's target area;
median and 80 % interval, 10th-90th percentile over parameter draws × stochastic simulation)
and the model's **untreated** change at the same month, with the model version, parameter
source, seed, provenance (data checksums) and the option's full frozen answer.

Months: the Assessment reports 6, 12 and 24 months (:data:`PLANNED_MONTHS`), so those are the
visits a prediction can be frozen for.

"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from anagen.errors import InputError

__all__ = ["ALTERNATIVES", "PLANNED_MONTHS", "PredictionSettings", "predict", "to_model_patient"]

#: Months after the start of treatment at which the Assessment reports predictions.
PLANNED_MONTHS: tuple[int, ...] = (6, 12, 24)
#: Non-cell options the Assessment computes, plus "none" (untreated comparator).
ALTERNATIVES = (
    "minoxidil_5",
    "minoxidil_2",
    "finasteride_1mg",
    "lllt",
    "prp",
    "transplant",
    "none",
)


class PredictionSettings:
    """How much computing a frozen prediction gets (stored with it)."""

    def __init__(
        self, n_draws: int = 20, n_follicles: int = 4000, n_scalps: int = 2, seed: int = 0
    ) -> None:
        if not 5 <= n_draws <= 500:
            raise InputError(field="--draws", allowed="in [5, 500]", got=n_draws)
        if not 2000 <= n_follicles <= 100_000:
            raise InputError(field="--follicles", allowed="in [2000, 100000]", got=n_follicles)
        if not 0 <= seed < 2**31:
            raise InputError(field="--seed", allowed="in [0, 2^31)", got=seed)
        self.n_draws, self.n_follicles, self.n_scalps, self.seed = (
            n_draws,
            n_follicles,
            n_scalps,
            seed,
        )

    def key(self) -> tuple[int, int, int, int]:
        return (self.n_draws, self.n_follicles, self.n_scalps, self.seed)


def to_model_patient(patient: Any, at: dt.date, baseline: Any | None) -> Any:
    """The registry patient as :class:`anagen.therapy.Patient` on date ``at``."""
    from anagen.therapy import Patient

    age = at.year - patient.birth_year
    data: dict[str, Any] = {
        "patient": {
            "age": age,
            "sex": patient.sex,
            "stage": patient.stage,
            "years_since_onset": max(0, min(age, at.year - patient.onset_year)),
        },
        "health": dict(patient.health or {}),
    }
    if baseline is not None and baseline.total_density_per_cm2 is not None:
        data["follicles"] = {
            "measured_density_per_cm2": {baseline.target_area: baseline.total_density_per_cm2}
        }
    return Patient.model_validate(data)


def _assess(
    model_patient: Any, option: str, protocol: str | None, target: str | None, s: PredictionSettings
) -> Any:
    """The adapter's single call into :mod:`anagen.decision`."""
    from anagen.decision import assess_patient

    alternatives = [option] if option in ALTERNATIVES and option != "none" else []
    return assess_patient(
        model_patient,
        protocols=[protocol] if protocol else (),
        options=alternatives,
        seed=s.seed,
        n_draws=s.n_draws,
        n_follicles=s.n_follicles,
        n_scalps=s.n_scalps,
        with_evidence=False,
        with_maps=False,
        target=target,
    )


def _rows_from(a: Any, option: str, months: tuple[int, ...], s: PredictionSettings) -> list[dict]:
    if option in ALTERNATIVES:
        opt = a.option(option)
    else:
        opt = next(o for o in a.options if o.kind == "stem-cell")
    none = a.option("none")
    d = a.to_dict()
    prov = d["provenance"]

    def _plain(key: str) -> dict:
        od = next(o for o in d["options"] if o["key"] == key)
        return {k: v for k, v in od.items() if k != "trajectory"}

    settings = {
        "schema_version": d.get("schema_version"),
        "provenance": prov,
        "option_key": opt.key,
        "option_name": opt.name,
        "target_zone": opt.target_zone,
        "outcome": a.outcome,
        "unit": a.unit,
        "baseline_model": {
            "median": opt.baseline.median,
            "low": opt.baseline.low,
            "high": opt.baseline.high,
        },
        "frozen_option": _plain(opt.key),
        "frozen_untreated": _plain(none.key),
    }
    rows = []
    for mth in months:
        c, u = opt.at(mth).change_vs_today, none.at(mth).change_vs_today
        rows.append(
            {
                "month": mth,
                "change_median": c.median,
                "change_low": c.low,
                "change_high": c.high,
                "untreated_median": u.median,
                "untreated_low": u.low,
                "untreated_high": u.high,
                "model_version": str(prov["model_version"])[:40],
                "parameter_source": a.parameter_source[:200],
                "seed": s.seed,
                "settings": settings,
            }
        )
    return rows


@lru_cache(maxsize=256)
def _cached(
    patient_key: str,
    protocol: str | None,
    target: str | None,
    skey: tuple,
    option: str,
    months: tuple[int, ...],
) -> tuple:
    import json

    from anagen.therapy import Patient

    s = PredictionSettings(*skey)
    mp = Patient.model_validate(json.loads(patient_key))
    return tuple(_rows_from(_assess(mp, option, protocol, target, s), option, months, s))


def predict(
    model_patient: Any,
    option: str,
    protocol: str | None,
    months: tuple[int, ...],
    settings: PredictionSettings,
    target: str | None = None,
) -> list[dict]:
    """Frozen prediction rows for ``option`` at ``months`` (same inputs -> same numbers; cached
    within the process, since the assessment is deterministic given its seed)."""
    for mth in months:
        if mth not in PLANNED_MONTHS:
            raise InputError(
                field="planned_months",
                allowed="among " + ", ".join(map(str, PLANNED_MONTHS)),
                got=mth,
            )
    key = model_patient.model_dump_json()
    rows = _cached(key, protocol, target, settings.key(), option, tuple(months))
    return [dict(r) for r in rows]
