"""Who the evidence behind each option studied, and for how long: the limits of what is known.

Two questions, per option and person, answered from cited trials:

- **Did its trials enrol people like this one?** (:func:`extrapolation`) The enrolment of the
  trials behind each option (age range, stages by sex; the cell products' own trials from
  :data:`anagen.therapy.candidacy.TRIAL_WINDOWS`). A person outside it gets the model's numbers
  only as an extrapolation: flagged in every face of the answer, and never the headline.
- **How long did they follow patients?** (:func:`follow_up`) The longest follow-up of a trial of
  the option (for a combination: of a trial of the combination, else of its shortest-followed
  part). A reporting month after it is not known: the number is withheld (it reads "unknown: no
  trial followed patients beyond N weeks"). A month counts as followed when it is no later than
  the last trial visit rounded up to a whole month (a 48-week visit is the trials' "one year").
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from anagen.therapy.candidacy import TRIAL_WINDOWS, TrialWindow
from anagen.therapy.stage_scales import same_stage_on

__all__ = [
    "FollowUp",
    "extrapolation",
    "follow_up",
    "known_months",
    "month_known",
    "unknown_text",
]

DAYS_PER_WEEK = 7.0
_DAYS_PER_MONTH = 365.25 / 12

#: Enrolment of the trials behind the non-cell options (age range; stages by sex, empty: any
#: stage or not reported). PRP: the meta-analysis' trials enrolled ages 15-63, Norwood I-VII and
#: Ludwig I-III [C1], i.e. any stage.
_ALT_WINDOWS: dict[str, TrialWindow] = {
    "finasteride_1mg": TrialWindow(
        "the finasteride 1 mg trials (men 18-41 and 41-60)",
        ("any",),
        (),
        (18, 60),
        ("KAUF98", "WHIT03"),
    ),
    "minoxidil_5": TrialWindow(
        "the 5% minoxidil trials (men 18-49, women 18-49)",
        ("any",),
        ("any",),
        (18, 49),
        ("OLS02", "LUCK04"),
    ),
    "minoxidil_2": TrialWindow(
        "the 2% minoxidil trials (men 18-49, women 18-49)",
        ("any",),
        ("any",),
        (18, 49),
        ("OLS02", "LUCK04"),
    ),
    "lllt": TrialWindow(
        "the laser comb trials (aged 25-60)",
        ("IIa", "II", "III", "IIIa", "III-vertex", "IV", "IVa", "V", "Va"),
        ("I-4", "II-1", "II-2", "frontal"),
        (25, 60),
        ("JIM14",),
    ),
    "prp": TrialWindow("the PRP trials (aged 15-63)", ("any",), ("any",), (15, 63), ("C1",)),
}

#: Why finasteride is an extrapolation for any woman: its trials enrolled men, and the trial in
#: postmenopausal women found no effect on hair [WHIT99].
_FINASTERIDE_WOMEN = (
    "the finasteride trials enrolled men; in the one trial in (postmenopausal) women it did not "
    "change hair counts [WHIT99]: the model's finasteride effect comes from men's trials"
)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Longest follow-up of the trials behind an option (``weeks`` None: none reported)."""

    weeks: float | None
    sources: tuple[str, ...]
    what: str  # whose follow-up ("a trial of this option", "a trial of the combination", ...)
    #: said with every withheld number when the follow-up is assumed or absent for a reason
    note: str = ""

    @property
    def months_known(self) -> int:
        """Last whole month that counts as followed (0: none)."""
        return known_months(self.weeks)


def known_months(weeks: float | None) -> int:
    """The last trial visit (``weeks``) rounded up to a whole month (0: no follow-up)."""
    if weeks is None:
        return 0
    return math.ceil(weeks * DAYS_PER_WEEK / _DAYS_PER_MONTH - 1e-9)


#: Longest follow-up by option and sex where the cited trials give more than the effect table
#: (``anagen.therapy`` evidence.csv): finasteride to week 192 [PRICE06] (and 2 years [KAUF98]);
#: minoxidil in men to week 96 [PRICE99], in women the 48-week trial [LUCK04]; laser 26 weeks
#: [JIM14]; minoxidil + finasteride together 12 months [HU15].
_FOLLOW_UP: dict[tuple[str, str], FollowUp] = {
    ("finasteride_1mg", "M"): FollowUp(192, ("PRICE06",), "a trial of this option"),
    # no number for a woman: the one trial in women found no effect at its 12-month end, so
    # the model's effect (fitted to men's trials) is contradicted where it would be shown
    ("finasteride_1mg", "F"): FollowUp(
        None,
        ("WHIT99",),
        "the trial in women",
        "the one trial in (postmenopausal) women found no change in hair counts at 12 months "
        "[WHIT99]; the model's finasteride effect comes from men's trials",
    ),
    ("minoxidil_5", "M"): FollowUp(96, ("PRICE99",), "a trial of this option"),
    ("minoxidil_2", "M"): FollowUp(96, ("PRICE99",), "a trial of this option"),
    ("minoxidil_5", "F"): FollowUp(48, ("LUCK04",), "a trial of this option"),
    ("minoxidil_2", "F"): FollowUp(48, ("LUCK04",), "a trial of this option"),
    ("lllt", "M"): FollowUp(26, ("JIM14",), "a trial of this option"),
    ("lllt", "F"): FollowUp(26, ("JIM14",), "a trial of this option"),
}
#: PRP: the meta-analysis [C1] does not report the follow-up of its trials; the calibration fits its
#: pooled effect at an assumed 26 weeks (``decision/_calibrate_trials.py``), so that is the
#: follow-up shown, and said to be assumed.
_PRP = FollowUp(
    26, ("C1",), "the PRP trials (assumed)",
    "follow-up assumed: the PRP meta-analysis does not report the follow-up of its trials [C1]",
)  # fmt: skip
_FOLLOW_UP[("prp", "M")] = _FOLLOW_UP[("prp", "F")] = _PRP
#: Transplants: no outcome study in the sources.
_TRANSPLANT = FollowUp(
    None, (), "a transplant outcome study", "no outcome study of transplants in the sources"
)
#: Product groups of the curated stem-cell studies (``evidence/data/studies.csv``) per product.
_PRODUCT_GROUPS = {
    "svf": ("SVF",),
    "svf_enriched_fat": ("SVF",),
    "cultured_adsc": ("ADSC",),
    "hf_micrografts": ("HFSC-micrograft",),
    "bone_marrow_cells": ("bone-marrow",),
    "adsc_conditioned_medium": ("ADSC-CM",),
}
_COMBINATION_FOLLOW_UP: dict[frozenset[str], FollowUp] = {
    frozenset({"minoxidil_5", "finasteride_1mg"}): FollowUp(
        52, ("HU15",), "a trial of the combination"
    ),
}


def _table_follow_up(option: str) -> FollowUp:
    from anagen.therapy.treatments import evidence_priors

    rows = [e for e in evidence_priors(option) if e.weeks]
    if not rows:
        return FollowUp(None, (), "a trial of this option")
    best = max(rows, key=lambda e: e.weeks)
    return FollowUp(float(best.weeks), (best.source,), "a trial of this option")


@cache
def _studies() -> tuple[tuple[str, str, str, float], ...]:
    """(row id, study id, product group, longest follow-up in weeks) of the curated stem-cell
    studies that report a follow-up (the bundled table; read with ``csv``: no pandas here)."""
    import csv
    from importlib.resources import files

    text = files("anagen.evidence").joinpath("data/studies.csv").read_text(encoding="utf-8")
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        try:
            weeks = float(r.get("followup_weeks_max") or "nan")
        except ValueError:
            continue
        if weeks > 0:
            out.append((r["row_id"], r["study_id"], r["product_group"], weeks))
    return tuple(out)


def _study_follow_up(protocol: Any) -> FollowUp | None:
    """Longest follow-up (``followup_weeks_max``) in the curated studies of the protocol's own
    study (first author and year of its ``study`` text) or, failing that, of its product group."""
    m = re.match(r"\s*([A-Za-z-]+)\D*?(\d{4})", protocol.protocol.study)
    own = f"{m.group(1)}{m.group(2)}".lower() if m else None
    groups = _PRODUCT_GROUPS.get(protocol.product.key, ())
    for pick in (lambda r: r[1].lower() == own, lambda r: r[2] in groups):
        rows = [r for r in _studies() if pick(r)]
        if rows:
            row, study, _, weeks = max(rows, key=lambda r: r[3])
            return FollowUp(weeks, (row,), f"a study of this product ({study})")
    return None


def follow_up(spec: Any, sex: str) -> FollowUp:
    """Longest follow-up of the evidence behind ``spec`` (an option or a combination)."""
    if spec.parts:
        parts = [follow_up(p, sex) for p in spec.parts]
        withheld = [f for f in parts if f.weeks is None and f.note]
        if withheld:  # a part with no number for this person: none for the combination
            return withheld[0]
        known = _COMBINATION_FOLLOW_UP.get(frozenset(p.key for p in spec.parts))
        if known is not None:
            return known
        if any(f.weeks is None for f in parts):
            return FollowUp(None, (), "a trial of each part")
        short = min(parts, key=lambda f: f.weeks or 0.0)
        return FollowUp(short.weeks, short.sources, "a trial of its shortest-followed part")
    if spec.key == "none":
        return FollowUp(None, (), "no treatment")
    if spec.key == "transplant":
        return _TRANSPLANT
    key = spec.key if spec.protocol is None else spec.option
    fu = _FOLLOW_UP.get((key, sex)) or _table_follow_up(key)
    if spec.protocol is not None:  # the product's own studies may have followed longer
        own = _study_follow_up(spec.protocol)
        if own is not None and (fu.weeks is None or own.weeks > fu.weeks):
            fu = own
    return fu


def month_known(fu: FollowUp, month: int) -> bool:
    """Is ``month`` within the follow-up (see the module docstring)?"""
    return month <= fu.months_known


#: What a number withheld because the person may not have the option reads (the reasons are
#: in the option's candidacy).
NOT_OPEN_TEXT = "not open to this person"
#: What the chance of a visible gain reads for an option whose trials did not enrol people like
#: this person (:func:`extrapolation` gives the reasons): its effects are shown, marked as an
#: extrapolation, but no patient-facing probability is given that the trials cannot support.
NOT_ENROLLED_TEXT = "not estimated: its trials did not enrol people like this person"


def unknown_text(fu: FollowUp) -> str:
    """What a withheld number reads."""
    if fu.weeks is None:
        return f"unknown: {fu.note or 'no trial follow-up of this option in the cited sources'}"
    text = f"unknown: no trial followed patients beyond {fu.weeks:g} weeks"
    return f"{text} ({fu.note})" if fu.note else text


def _window_reasons(w: TrialWindow, patient: Any) -> list[str]:
    p = patient
    out = []
    enrolled = w.men if p.sex == "M" else w.women
    if enrolled and "any" not in enrolled:
        if same_stage_on(p.sex, p.stage, enrolled) == "outside":
            out.append(
                f"stage {p.stage} is outside the stages {w.trial} enrolled "
                f"({', '.join(enrolled)}) [{']['.join(w.sources)}]"
            )
    if w.age is not None and not w.age[0] <= p.age <= w.age[1]:
        out.append(
            f"age {p.age:g} is outside the ages {w.trial} enrolled ({w.age[0]:g}-{w.age[1]:g}) "
            f"[{']['.join(w.sources)}]"
        )
    return out


def extrapolation(spec: Any, patient: Any) -> tuple[str, ...]:
    """Why the option's trials did not enrol people like ``patient`` (empty: they did, or the
    enrolment is not in anagen's sources)."""
    if spec.parts:
        out: list[str] = []
        for p in spec.parts:
            out += [f"{p.name}: {r}" for r in extrapolation(p, patient)]
        return tuple(dict.fromkeys(out))
    if spec.key == "none":
        return ()
    if spec.protocol is not None:
        w = TRIAL_WINDOWS.get(spec.protocol.product.key)
        return tuple(_window_reasons(w, patient)) if w is not None else ()
    if spec.key == "finasteride_1mg" and patient.sex == "F":
        return (_FINASTERIDE_WOMEN,)
    w = _ALT_WINDOWS.get(spec.key)
    return tuple(_window_reasons(w, patient)) if w is not None else ()
