"""The frozen prediction: anagen's answer for a patient at treatment time, stored once.

Only :func:`_assess` and :func:`_rows_from` know the shape of :class:`anagen.decision.Assessment`
(the adapter: when the Assessment changes, only these two change). The registry stores, for
each planned visit month (any month from 1 to :data:`MAX_MONTH`), the option's predicted change
from today of the assessment's outcome (hairs per cm² in the 1 cm² target area, in the zone of
the baseline visit's target area; median and 80 % interval, 10th-90th percentile over parameter
draws × stochastic simulation) and the model's **untreated** change at the same month, with the
model version, parameter source, seed, provenance (data checksums) and the option's frozen
answer.

**Within the evidence's follow-up only.** A planned month the Assessment marks as not known
(``Horizon.known`` is False: past the longest follow-up of the option's trials, rounded up to a
whole month, by sex where the cited trials differ; see :mod:`anagen.decision._assess_window`)
is stored as *unknown*: the change columns are empty and ``settings["unknown_reason"]`` says
why; the model's extrapolation is kept in ``settings["model_extrapolation"]``, labelled, for
later study, never shown as a prediction. An option with no trial follow-up in the cited
sources is unknown at every month. The untreated columns follow the untreated course's own
``known`` flag (the Assessment reports the untreated course at every month).

**What the person uses now.** As ``anagen assess`` does, the registry's current treatments
(:data:`anagen.registry.models.MODELLED_CURRENT`, the patient file's words) are kept up
alongside the recorded option: a stem-cell protocol is predicted as "added to what you use now"
(the Assessment's combination), finasteride 1 mg added to minoxidil 5 % (or the reverse) as the
pair, an option the person already uses, or no new option, as what they use now.
``settings["added"]`` holds the Assessment's add-on number (the gain over what the person uses
now, paired per draw: what ``anagen assess`` shows for the option), ``settings["comparator"]``
what it is compared with. A person using a treatment the model does not represent (oral
minoxidil, dutasteride, ...), or an option the Assessment does not combine with what they use,
gets a prediction that is unknown at every month, with that reason: the registry never freezes
a number ``anagen assess`` would not give for the same person and plan.

**The planned course.** The Assessment assumes drugs, laser and PRP maintenance are used for
24 months and then stopped, and a procedure ends with its last session;
``settings["course"]`` says so and ``settings["note"]`` repeats it at a month after the stop of
a drug, device or PRP course.

``settings["fan"]`` and ``settings["untreated_fan"]`` hold the frozen monthly fan (change from
today, median and 80 % interval at months 0, 1, 2, ... up to the follow-up limit): the curve the
per-patient view draws between the planned visits.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from anagen.decision._size import DEFAULT_SIZE
from anagen.errors import InputError

__all__ = [
    "ALTERNATIVES",
    "MAX_MONTH",
    "PLANNED_MONTHS",
    "PredictionSettings",
    "add_on_gap",
    "predict",
    "split_current",
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
        self,
        n_draws: int = DEFAULT_SIZE.n_draws,
        n_follicles: int = DEFAULT_SIZE.n_follicles,
        n_scalps: int = DEFAULT_SIZE.n_scalps,
        seed: int = DEFAULT_SIZE.seed,
    ) -> None:
        if not 5 <= n_draws <= 2000:  # as anagen.decision.ASSESS_CONSTRAINTS
            raise InputError(field="--draws", allowed="in [5, 2000]", got=n_draws)
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


def split_current(words: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The registry's current treatments as (the model's words, in order; names of those the
    model does not represent)."""
    from anagen.registry.models import LEGACY_CURRENT, MODELLED_CURRENT, NOT_MODELLED_CURRENT

    names = NOT_MODELLED_CURRENT | LEGACY_CURRENT
    words = tuple(words or ())
    return (
        tuple(w for w in words if w in MODELLED_CURRENT),
        tuple(names.get(w, w) for w in words if w not in MODELLED_CURRENT),
    )


#: The pair the Assessment computes as one option added to either part.
_PAIR = frozenset({"minoxidil_5", "finasteride_1mg"})


def add_on_gap(current_words: Any, option: str) -> str:
    """Why ``anagen assess`` gives no number for ``option`` kept up with what the person uses
    now ("": it gives one)."""
    current, other = split_current(current_words)
    if other:
        return (
            f"unknown: the person also uses {', '.join(other)}, which anagen's model does not "
            "represent (it models minoxidil 2 % or 5 %, finasteride 1 mg, laser and PRP); "
            "anagen gives no number for it"
        )
    if not current or option not in ALTERNATIVES or option == "none" or option in current:
        return ""
    if {option, *current} == _PAIR:
        return ""
    return (
        f"unknown: anagen assess gives no number for {option} added to what the person uses "
        f"now ({', '.join(current)}): it combines what a person uses with the stem-cell "
        "protocols and with the minoxidil 5 % + finasteride 1 mg pair only"
    )


def to_model_patient(patient: Any, at: dt.date, baseline: Any | None) -> Any:
    """The registry patient as :class:`anagen.therapy.Patient` on date ``at`` (with the current
    treatments the model represents: :func:`split_current`)."""
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
        "treatments": {"current": list(split_current(patient.current_treatments)[0])},
    }
    if baseline is not None and baseline.total_density_per_cm2 is not None:
        data["follicles"] = {
            "measured_density_per_cm2": {baseline.target_area: baseline.total_density_per_cm2}
        }
    return Patient.model_validate(data)


def _alternatives(option: str, current: tuple[str, ...]) -> list[str]:
    """The alternatives to ask the Assessment for: the option, and for the pair added to what
    the person uses now both of its parts (the Assessment builds the pair only then)."""
    if option not in ALTERNATIVES or option == "none":
        return []
    if current and option not in current and {option, *current} == _PAIR:
        return ["minoxidil_5", "finasteride_1mg"]
    return [option]


def _assess(
    model_patient: Any, option: str, protocol: str | None, target: str | None, s: PredictionSettings
) -> Any:
    """The adapter's single call into :mod:`anagen.decision` (every month 1-48 reported)."""
    from anagen.decision import assess_patient

    return assess_patient(
        model_patient,
        protocols=[protocol] if protocol else (),
        options=_alternatives(option, tuple(model_patient.treatments.current)),
        seed=s.seed,
        n_draws=s.n_draws,
        n_follicles=s.n_follicles,
        n_scalps=s.n_scalps,
        with_evidence=False,
        with_maps=False,
        target=target,
        extra_months=tuple(range(1, MAX_MONTH + 1)),
    )


def _chosen(a: Any, option: str, current: tuple[str, ...]) -> Any:
    """The Assessment's option for ``option`` kept up with ``current`` (see the module
    docstring; :func:`add_on_gap` has already refused the cases it has no option for)."""
    if option not in ALTERNATIVES:
        stem = next(o for o in a.options if o.kind == "stem-cell")
        return a.option("+".join([*current, stem.key])) if current else stem
    if current and (option == "none" or option in current):
        return a.option("+".join(current))
    if current:
        return a.option("minoxidil_5+finasteride_1mg")
    return a.option(option)


def _course(a: Any, opt: Any) -> tuple[str, str]:
    """The planned course the numbers assume ("": none) and the Assessment's rule for it."""
    if opt.key in ("none", "transplant"):
        return "", ""
    stop = opt.durability.treatment_stops_month
    rule = a.durability_definition.split(". ")[0]
    if opt.kind == "stem-cell":
        return f"last session at month {stop:g}", rule
    if opt.kind != "combination":
        return f"{opt.name} used to month {stop:g}, then stopped", rule
    stem = next((o for o in a.options if o.kind == "stem-cell" and opt.key.endswith(o.key)), None)
    if stem is None:
        return f"{opt.name} used together to month {stop:g}, then stopped", rule
    last = stem.durability.treatment_stops_month
    return (
        f"{opt.comparator_name} used to month {stop:g}, then stopped; {stem.name}: last session "
        f"at month {last:g}",
        rule,
    )


def _note(opt: Any, h: Any, course: str) -> str:
    """What a face shows with a known frozen number: the add-on's gain over what the person
    uses now, and the planned course after its stop."""
    out = []
    if opt.is_add_on and h.added is not None:
        iv = h.added
        out.append(
            f"gain over {opt.comparator_name} {iv.median:+.1f} ({iv.low:+.1f} to {iv.high:+.1f})"
        )
    # a drug, device or PRP course stops by assumption (a procedure's last session is the plan)
    if course and opt.kind != "stem-cell" and h.month > opt.durability.treatment_stops_month:
        out.append(f"after the planned stop: {course}")
    return "; ".join(out)


def _fan(opt: Any) -> dict[str, list[float]]:
    """Monthly change-from-today fan of one option: month 0 and every month the Assessment
    reports as known (1 to the follow-up limit)."""
    out: dict[str, list[float]] = {
        "months": [0.0], "median": [0.0], "low": [0.0], "high": [0.0]
    }  # fmt: skip
    for h in sorted(opt.horizons, key=lambda h: h.month):
        if not h.known:
            break
        iv = h.change_vs_today
        out["months"].append(float(h.month))
        out["median"].append(iv.median)
        out["low"].append(iv.low)
        out["high"].append(iv.high)
    return out


def _unknown(h: Any, label: str | None, closed: str = "") -> str:
    """Why a month has no prediction: the Assessment's own words, and whose follow-up;
    ``closed``: the candidacy reasons of an option the person may not have."""
    who = f" ({label})" if label else " (untreated course)"
    if closed:
        return f"{h.unknown_text}{who}: {closed}; anagen gives no number for it"
    text = h.unknown_text or "unknown: past the follow-up of the trials"
    return f"{text}{who}; past that the model only extrapolates"


def _rows_from(
    a: Any, option: str, months: tuple[int, ...], s: PredictionSettings, gap: str = ""
) -> list[dict]:
    """The rows of the frozen prediction; ``gap`` (:func:`add_on_gap`): why the option, kept up
    with what the person uses now, has no number at any month (the untreated course stays)."""
    current = tuple(a.patient.treatments.current)
    none = a.option("none")
    opt = none if gap else _chosen(a, option, current)
    d = a.to_dict()
    prov = d["provenance"]
    fu = opt.durability.longest_follow_up_weeks
    closed = (opt.candidacy.why() or "contraindication or candidacy rule") if not opt.safe else ""
    course, rule = ("", "") if gap else _course(a, opt)
    empty: dict[str, list[float]] = {"months": [0.0], "median": [0.0], "low": [0.0], "high": [0.0]}

    def _plain(key: str) -> dict:
        od = next(o for o in d["options"] if o["key"] == key)
        od = {k: v for k, v in od.items() if k != "trajectory"}
        od["horizons"] = [h for h in od["horizons"] if h["month"] in months]
        return od

    common = {
        "schema_version": d.get("schema_version"),
        "provenance": prov,
        "option_key": None if gap else opt.key,
        "option_name": None if gap else opt.name,
        "target_zone": opt.target_zone,
        "outcome": a.outcome,
        "unit": a.unit,
        "baseline_model": {
            "median": opt.baseline.median,
            "low": opt.baseline.low,
            "high": opt.baseline.high,
        },
        "current_treatments": list(current),
        "comparator": opt.comparator,
        "comparator_name": opt.comparator_name,
        "course": course,
        "course_rule": rule,
        "stops_month": None if gap else opt.durability.treatment_stops_month,
        "follow_up_weeks": None if gap else fu,
        "fan": empty if gap else _fan(opt),
        "untreated_fan": _fan(none),
        "frozen_option": None if gap else _plain(opt.key),
        "frozen_untreated": _plain(none.key),
    }
    rows = []
    for mth in months:
        settings = dict(common)
        row: dict[str, Any] = {"month": mth}
        extrapolated = {}
        h = opt.at(mth)
        if gap:
            row.update(change_median=None, change_low=None, change_high=None)
            settings["unknown_reason"] = gap
        else:
            iv = h.change_vs_today
            for q in ("median", "low", "high"):
                row[f"change_{q}"] = getattr(iv, q) if h.known else None
            if h.known:
                if opt.is_add_on and h.added is not None:
                    settings["added"] = {
                        "median": h.added.median,
                        "low": h.added.low,
                        "high": h.added.high,
                    }
                settings["note"] = _note(opt, h, course)
            else:
                settings["unknown_reason"] = _unknown(h, opt.name, closed)
                extrapolated["change"] = {"median": iv.median, "low": iv.low, "high": iv.high}
        u = none.at(mth)
        for q in ("median", "low", "high"):
            row[f"untreated_{q}"] = getattr(u.change_vs_today, q) if u.known else None
        if not u.known:
            settings["untreated_unknown_reason"] = _unknown(u, None)
            extrapolated["untreated"] = {
                q: getattr(u.change_vs_today, q) for q in ("median", "low", "high")
            }
        if extrapolated:
            settings["model_extrapolation"] = {
                "note": "the model's numbers for an option this person may not have: not a "
                "prediction"
                if closed and "change" in extrapolated
                else "the model's numbers past the evidence's follow-up: not a prediction",
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
    gap: str = "",
) -> list[dict]:
    """Frozen prediction rows for ``option`` at ``months`` (same inputs -> same numbers; the
    assessment is cached within the process, since it is deterministic given its seed).

    A row whose month is past the evidence's follow-up has empty change (or untreated) numbers
    and says why in ``settings``; with ``gap`` (:func:`add_on_gap` of the person's current
    treatments) every month does, and only the untreated course is computed."""
    ms = check_months(months, "planned_months")
    key = model_patient.model_dump_json()
    if gap:
        a = _cached(key, None, target, settings.key(), "none")
    else:
        a = _cached(key, protocol, target, settings.key(), option)
    return _rows_from(a, option, ms, settings, gap)
