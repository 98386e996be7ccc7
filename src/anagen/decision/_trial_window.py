"""How far the evidence behind each arm of a virtual trial reaches: a visit past it is the model's
extrapolation, and every face of the trial says so.

The reach of an arm's evidence is the assessment's (:func:`anagen.decision._assess_window.follow_up`,
one table and one rule for both): the longest follow-up of a trial of the option, by sex
(finasteride in men 192 weeks [PRICE06]; minoxidil 96 weeks in men [PRICE99], 48 in women
[LUCK04]; laser 26 [JIM14]; PRP 26, assumed [C1]; a cell protocol its own study's). A visit counts
as followed when it falls no later than that follow-up rounded up to a whole month, as in the
assessment (:func:`known_months`, :func:`month_known`: a 48-week trial is the trials' "one
year"). The topical arm is the calibration's Tak 2020 extract, so its evidence is that study's.

A researcher may plan a longer trial than any that exists, so such a visit is simulated; its
effects and power are flagged per arm and visit (``extrapolated``, ``evidence_follow_up_weeks``)
with the limit and its source named. Placebo and untreated arms carry no treatment effect and no
limit here (the placebo ramp is the scalp model's, ``anagen.scalp.placebo``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from anagen.decision._assess_window import FollowUp, follow_up, known_months, month_known
from anagen.decision._trial_file import TrialSpec

__all__ = ["ArmEvidence", "TrialEvidence", "sexes_of_stage", "trial_evidence"]

_SEX_WORD = {"M": "men", "F": "women"}
#: Arms with no treatment effect to extrapolate.
_NO_EFFECT = ("placebo", "none")
#: The topical arm: the calibration's reference extract (``decision/_calibrate_trials.py``:
#: Tak 2020, 16 weeks of use), whose follow-up the window finds among the curated studies.
_TAK2020 = SimpleNamespace(
    protocol=SimpleNamespace(study="Tak 2020"), product=SimpleNamespace(key="topical")
)


def _option_spec(treatment: str) -> Any:
    """The assessment's option for an arm's ``treatment`` (what :func:`follow_up` reads)."""
    from anagen.decision._assess_plan import OptionSpec

    if treatment == "topical":
        return OptionSpec("topical", "topical extract", "topical", "topical", 0.0, 0, _TAK2020)
    from anagen.decision._trial_file import ALTERNATIVES

    if treatment in ALTERNATIVES:
        return OptionSpec(treatment, treatment, treatment, "alternative", 0.0, 0)
    from anagen.decision._assess_plan import protocol_option
    from anagen.therapy import load_protocol, protocol_paths

    return protocol_option(load_protocol(protocol_paths().get(treatment, treatment)))


def _shortest(weeks: Any) -> float | None:
    """The shortest of ``weeks`` (None when there are none, or one of them is None)."""
    w = list(weeks)
    return None if not w or any(x is None for x in w) else float(min(w))


def _limit_text(fu: FollowUp) -> str:
    src = f" [{']['.join(fu.sources)}]" if fu.sources else ""
    if fu.weeks is None:
        why = fu.note or "no trial follow-up of this option in the cited sources"
        return f"no follow-up ({why})"
    note = f"; {fu.note}" if fu.note else ""
    return f"{fu.weeks:g} weeks ({fu.what}{src}{note})"


@dataclass(frozen=True)
class ArmEvidence:
    """The follow-up of the evidence behind one arm, per sex in the trial's population."""

    arm: str
    treatment: str
    follow_ups: tuple[tuple[str, FollowUp], ...]  # (sex, follow-up), sexes in the population

    @property
    def weeks(self) -> float | None:
        """The shortest follow-up over the sexes (None: none for some sex)."""
        return _shortest(fu.weeks for _, fu in self.follow_ups)

    def past(self, week: float, sexes: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """The sexes (of ``sexes``, default all) for which ``week`` is past the evidence."""
        return tuple(
            s
            for s, fu in self.follow_ups
            if (sexes is None or s in sexes) and not month_known(fu, known_months(week))
        )

    def limit(self) -> str:
        """The follow-up and its source, per sex where the sexes differ."""
        texts = {s: _limit_text(fu) for s, fu in self.follow_ups}
        if len(set(texts.values())) == 1:
            return next(iter(texts.values()))
        return "; ".join(f"{_SEX_WORD[s]}: {t}" for s, t in texts.items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "arm": self.arm,
            "treatment": self.treatment,
            "evidence_follow_up_weeks": self.weeks,
            "evidence_follow_up": self.limit(),
            "by_sex": [
                {
                    "sex": s,
                    "weeks": fu.weeks,
                    "sources": list(fu.sources),
                    "what": fu.what,
                    "note": fu.note,
                }
                for s, fu in self.follow_ups
            ],
        }


@dataclass(frozen=True)
class TrialEvidence:
    """Per arm of a trial, its evidence's follow-up (None: no treatment effect to limit)."""

    spec: TrialSpec
    arms: tuple[ArmEvidence | None, ...]

    def _pair(self, arm: int) -> tuple[ArmEvidence, ...]:
        """The arms whose evidence a comparison of ``arm`` with the control rests on."""
        pair = (arm,) if arm == self.spec.control else (arm, self.spec.control)
        return tuple(e for e in (self.arms[i] for i in pair) if e is not None)

    def extrapolated(self, arm: int, week: float, sexes: tuple[str, ...] | None = None) -> bool:
        """Is the comparison of ``arm`` with the control (the arm's own outcome, for the
        control) at ``week`` past the evidence of either arm (for ``sexes``, default all)?"""
        return any(e.past(week, sexes) for e in self._pair(arm))

    def follow_up_weeks(self, arm: int) -> float | None:
        """The shortest evidence follow-up behind the comparison of ``arm`` with the control
        (None: an arm without any for some sex, or no treated arm in it)."""
        return _shortest(e.weeks for e in self._pair(arm))

    def flags(self, arm: int, week: float, sexes: tuple[str, ...] | None = None) -> dict:
        """The JSON fields of one arm (or comparison) at one visit."""
        return {
            "extrapolated": self.extrapolated(arm, week, sexes),
            "evidence_follow_up_weeks": self.follow_up_weeks(arm),
        }

    def notes(self, arms: tuple[int, ...] | None = None, weeks=None) -> tuple[str, ...]:
        """One line per treatment with visits past its evidence (of ``arms`` and ``weeks``,
        default all; arms of one treatment share a line): which arms and visits, the follow-up
        limit and its source."""
        lines: dict[tuple[str, str, str], list[str]] = {}
        for i, e in enumerate(self.arms):
            if e is None or (arms is not None and i not in arms):
                continue
            visits = [w for w in (weeks or self.spec.visits_weeks) if e.past(w)]
            if not visits:
                continue
            when = ", ".join(
                f"{w:g}" if len(e.past(w)) == len(e.follow_ups)
                else f"{w:g} ({' and '.join(_SEX_WORD[s] for s in e.past(w))})"
                for w in visits
            )  # fmt: skip
            lines.setdefault((e.treatment, when, e.limit()), []).append(e.arm)
        return tuple(
            f"EXTRAPOLATION: {', '.join(names)} ({treatment}) at week {when} "
            f"{'is' if len(names) == 1 else 'are'} past the longest follow-up of "
            f"{'its' if len(names) == 1 else 'their'} evidence, {limit}: the effects and power "
            "there are the model's extrapolation past the evidence, not supported by a trial."
            for (treatment, when, limit), names in lines.items()
        )

    def primary_notes(self) -> tuple[str, ...]:
        """:meth:`notes` of the primary comparison at the primary visit (what the power and the
        sample size are about)."""
        s = self.spec
        return self.notes((s.compared[0], s.control), (float(s.follow_up_weeks),))

    def to_dict(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.arms if e is not None]


def _sexes(spec: TrialSpec) -> tuple[str, ...]:
    out = []
    if spec.male_fraction > 0:
        out.append("M")
    if spec.male_fraction < 1:
        out.append("F")
    return tuple(out)


@lru_cache(maxsize=32)
def trial_evidence(spec: TrialSpec) -> TrialEvidence:
    """The evidence follow-up of every arm of ``spec`` (cached per spec)."""
    sexes = _sexes(spec)
    arms: list[ArmEvidence | None] = []
    for a in spec.arms:
        if a.treatment in _NO_EFFECT:
            arms.append(None)
            continue
        option = _option_spec(a.treatment)
        arms.append(
            ArmEvidence(a.name, a.treatment, tuple((s, follow_up(option, s)) for s in sexes))
        )
    return TrialEvidence(spec, tuple(arms))


def sexes_of_stage(spec: TrialSpec, stage: str) -> tuple[str, ...]:
    """The sexes in whose stage range ``stage`` lies (a stage subgroup's people)."""
    out = tuple(
        s for s in _sexes(spec) if stage in (spec.stages_male if s == "M" else spec.stages_female)
    )
    return out or _sexes(spec)
