"""The frozen prediction: anagen's answer for a patient at treatment time, stored once.

Only :func:`_assess` and :func:`_rows_from` know the shape of :class:`anagen.decision.Assessment`
(the adapter: when the Assessment changes, only these two change). The registry stores, for
each planned visit month (any month from 1 to :data:`MAX_MONTH`), the option's predicted change
from today of the assessment's outcome (hairs per cm² in the 1 cm² target area, in the zone of
the baseline visit's target area; median and 80 % interval, 10th-90th percentile over parameter
draws × stochastic simulation) and the model's **untreated** change at the same month, with the
model version, parameter source, seed, provenance (data checksums) and the option's frozen
answer.

**Within the evidence's follow-up only.** A planned month later than the longest follow-up of
the option's trials (``OptionAssessment.durability.longest_follow_up_weeks``, the limit the
Assessment's durability text uses: "unknown beyond week N") is stored as *unknown*: the change
columns are empty and ``settings["unknown_reason"]`` says why; the model's extrapolation is kept
in ``settings["model_extrapolation"]``, labelled, for later study, never shown as a prediction.
An option with no trial follow-up in anagen's evidence is unknown at every month. The untreated
columns follow the same rule with the follow-up of the untreated (placebo) arms.

``settings["fan"]`` and ``settings["untreated_fan"]`` hold the frozen monthly fan (change from
today, median and 80 % interval at months 0, 1, 2, ... up to the follow-up limit): the curve the
per-patient view draws between the planned visits.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from anagen.errors import InputError

__all__ = [
    "ALTERNATIVES",
    "MAX_MONTH",
    "PLANNED_MONTHS",
    "PredictionSettings",
    "follow_up_months",
    "predict",
    "to_model_patient",
]

#: Default planned visits (months after the start of treatment) when a treatment names none.
PLANNED_MONTHS: tuple[int, ...] = (6, 12, 24)
#: Latest month a visit can be planned at (the Assessment simulates 48 months).
MAX_MONTH = 48
_DAYS_PER_MONTH = 365.25 / 12
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


def follow_up_months(weeks: float | None) -> float | None:
    """The longest follow-up of the evidence in months (``None``: no follow-up recorded)."""
    return None if weeks is None else float(weeks) * 7 / _DAYS_PER_MONTH


def _within(month: int, weeks: float | None) -> bool:
    return weeks is not None and month * _DAYS_PER_MONTH <= float(weeks) * 7 + 1e-9


def check_months(months: Any, field: str = "treatments.planned_months") -> tuple[int, ...]:
    """Planned months as a sorted tuple of distinct integers in [1, MAX_MONTH]."""
    out = []
    for mth in months:
        if isinstance(mth, bool) or not isinstance(mth, int) or not 1 <= mth <= MAX_MONTH:
            raise InputError(field=field, allowed=f"whole months in [1, {MAX_MONTH}]", got=mth)
        out.append(mth)
    if not out:
        raise InputError(field=field, allowed="at least one month")
    return tuple(sorted(set(out)))


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
    """The adapter's single call into :mod:`anagen.decision` (every month 1-48 reported)."""
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
        extra_months=tuple(range(1, MAX_MONTH + 1)),
    )


def _fan(opt: Any, weeks: float | None) -> dict[str, list[float]]:
    """Monthly change-from-today fan (months 0..follow-up limit) of one option."""
    months = [0] + [h.month for h in opt.horizons if _within(h.month, weeks)]
    out: dict[str, list[float]] = {"months": [], "median": [], "low": [], "high": []}
    for mth in sorted(set(months)):
        iv = opt.at(mth).change_vs_today if mth else None
        out["months"].append(float(mth))
        out["median"].append(iv.median if iv else 0.0)
        out["low"].append(iv.low if iv else 0.0)
        out["high"].append(iv.high if iv else 0.0)
    return out


def _unknown(label: str | None, weeks: float | None) -> str:
    """Why a month has no prediction (``label`` None: the untreated course, placebo arms)."""
    if weeks is None:
        what = label or "untreated patients (placebo arms)"
        return f"unknown: no trial of {what} in anagen's evidence reports a follow-up"
    fu = follow_up_months(weeks)
    if label is None:
        return (
            f"untreated course unknown beyond week {weeks:.0f}: no trial followed a placebo "
            f"arm beyond {weeks:.0f} weeks ({fu:.1f} months)"
        )
    return (
        f"unknown beyond week {weeks:.0f}: no trial of {label} followed patients beyond "
        f"{weeks:.0f} weeks ({fu:.1f} months); past that the model only extrapolates"
    )


def _rows_from(a: Any, option: str, months: tuple[int, ...], s: PredictionSettings) -> list[dict]:
    if option in ALTERNATIVES:
        opt = a.option(option)
    else:
        opt = next(o for o in a.options if o.kind == "stem-cell")
    none = a.option("none")
    d = a.to_dict()
    prov = d["provenance"]
    fu, fu_none = opt.durability.longest_follow_up_weeks, none.durability.longest_follow_up_weeks

    def _plain(key: str) -> dict:
        od = next(o for o in d["options"] if o["key"] == key)
        od = {k: v for k, v in od.items() if k != "trajectory"}
        od["horizons"] = [h for h in od["horizons"] if h["month"] in months]
        return od

    common = {
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
        "follow_up_weeks": fu,
        "untreated_follow_up_weeks": fu_none,
        "fan": _fan(opt, fu),
        "untreated_fan": _fan(none, fu_none),
        "frozen_option": _plain(opt.key),
        "frozen_untreated": _plain(none.key),
    }
    rows = []
    for mth in months:
        c, u = opt.at(mth).change_vs_today, none.at(mth).change_vs_today
        settings = dict(common)
        row: dict[str, Any] = {"month": mth}
        extrapolated = {}
        for name, iv, weeks, label in (
            ("change", c, fu, None if option == "none" else opt.name),
            ("untreated", u, fu_none, None),
        ):
            known = _within(mth, weeks)
            for q in ("median", "low", "high"):
                row[f"{name}_{q}"] = getattr(iv, q) if known else None
            if not known:
                settings[f"{'unknown' if name == 'change' else 'untreated_unknown'}_reason"] = (
                    _unknown(label, weeks)
                )
                extrapolated[name] = {"median": iv.median, "low": iv.low, "high": iv.high}
        if extrapolated:
            settings["model_extrapolation"] = {
                "note": "the model's numbers past the evidence's follow-up: not a prediction",
                **extrapolated,
            }
        row.update(
            model_version=str(prov["model_version"])[:40],
            parameter_source=a.parameter_source[:200],
            seed=s.seed,
            settings=settings,
        )
        rows.append(row)
    return rows


@lru_cache(maxsize=64)
def _cached(
    patient_key: str, protocol: str | None, target: str | None, skey: tuple, option: str
) -> Any:
    import json

    from anagen.therapy import Patient

    s = PredictionSettings(*skey)
    mp = Patient.model_validate(json.loads(patient_key))
    return _assess(mp, option, protocol, target, s)


def predict(
    model_patient: Any,
    option: str,
    protocol: str | None,
    months: Any,
    settings: PredictionSettings,
    target: str | None = None,
) -> list[dict]:
    """Frozen prediction rows for ``option`` at ``months`` (same inputs -> same numbers; the
    assessment is cached within the process, since it is deterministic given its seed).

    A row whose month is past the evidence's follow-up has empty change (or untreated) numbers
    and says why in ``settings``."""
    ms = check_months(months, "planned_months")
    key = model_patient.model_dump_json()
    a = _cached(key, protocol, target, settings.key(), option)
    return _rows_from(a, option, ms, settings)
