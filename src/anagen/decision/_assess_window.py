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

import math
from dataclasses import dataclass
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
    ("finasteride_1mg", "F"): FollowUp(52, ("WHIT99",), "the trial in women"),
    ("minoxidil_5", "M"): FollowUp(96, ("PRICE99",), "a trial of this option"),
    ("minoxidil_2", "M"): FollowUp(96, ("PRICE99",), "a trial of this option"),
    ("minoxidil_5", "F"): FollowUp(48, ("LUCK04",), "a trial of this option"),
    ("minoxidil_2", "F"): FollowUp(48, ("LUCK04",), "a trial of this option"),
    ("lllt", "M"): FollowUp(26, ("JIM14",), "a trial of this option"),
    ("lllt", "F"): FollowUp(26, ("JIM14",), "a trial of this option"),
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


def follow_up(spec: Any, sex: str) -> FollowUp:
    """Longest follow-up of the evidence behind ``spec`` (an option or a combination)."""
    if spec.parts:
        known = _COMBINATION_FOLLOW_UP.get(frozenset(p.key for p in spec.parts))
        if known is not None:
            return known
        parts = [follow_up(p, sex) for p in spec.parts]
        if any(f.weeks is None for f in parts):
            return FollowUp(None, (), "a trial of each part")
        short = min(parts, key=lambda f: f.weeks or 0.0)
        return FollowUp(short.weeks, short.sources, "a trial of its shortest-followed part")
    if spec.key == "none":
        return FollowUp(None, (), "no treatment")
    key = spec.key if spec.protocol is None else spec.option
    return _FOLLOW_UP.get((key, sex)) or _table_follow_up(key)


def month_known(fu: FollowUp, month: int) -> bool:
    """Is ``month`` within the follow-up (see the module docstring)?"""
    return month <= fu.months_known


def unknown_text(fu: FollowUp) -> str:
    """What a withheld number reads."""
    if fu.weeks is None:
        return "unknown: no trial follow-up of this option in the cited sources"
    return f"unknown: no trial followed patients beyond {fu.weeks:g} weeks"


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
