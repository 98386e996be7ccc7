"""Step 3 of an assessment, option by option: its simulated draws summarised into the answer.

:func:`summarise_option` turns one option's draws into an
:class:`~anagen.decision.OptionAssessment`: effects at the reporting months (withheld past the
trials' follow-up, and for an option added to what the person uses now also its gain over
that, paired per draw), durability, cost, side effects, regulation, candidacy, certainty,
sources, the extrapolation flags (with them, no chance of a visible gain) and the effect the
headline rule compares. A combination's facts are those of its parts together
(:mod:`anagen.decision._assess_combine`). The verdict words and the headline rule come after,
over all options (:mod:`anagen.decision._assess_verdict`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from anagen.decision._assess_combine import (
    combined_candidacy,
    combined_certainty,
    combined_cost,
    combined_info,
)
from anagen.decision._assess_summary import (
    MODEL_PRIOR,
    certainty,
    cost,
    durability,
    horizons,
    per_hair_shown,
)
from anagen.decision._assess_window import (
    NOT_ENROLLED_TEXT,
    NOT_OPEN_TEXT,
    extrapolation,
    follow_up,
    unknown_text,
)
from anagen.decision._assessment import Interval, OptionAssessment, SideEffect, Trajectory

__all__ = ["Draws", "summarise_option"]

HEADLINE_MONTH = 12
COST_MONTH = 24


@dataclass(frozen=True)
class Draws:
    """The simulated outcomes of every option and what summarising them needs."""

    patient: Any
    specs: tuple[Any, ...]  # OptionSpec per simulated option (no treatment not included)
    untreated: np.ndarray  # (n_zones, n_draws, n_t) hairs per cm²
    treated: np.ndarray  # (n_opt, n_draws, n_t)
    spec_zone: tuple[int, ...]  # per option: index of its target area's zone in ``zones``
    zones: tuple[str, ...]
    months: np.ndarray  # 0 .. horizon, one per month
    report_months: tuple[int, ...]
    summary: Any  # the evidence summary (None: GRADE not assessed)
    model_text: str  # what the calibrated options' numbers come from
    calibrated: bool  # a posterior is used

    def index(self, key: str) -> int | None:
        for i, sp in enumerate(self.specs):
            if sp.key == key:
                return i
        return None


def option_facts(d: Draws, spec: Any, effect_24: float) -> tuple[Any, Any, Any, Any, set[str]]:
    """Cost, side effects and regulation, candidacy, certainty and sources of one option (a
    combination: of its parts together; an add-on costs what is added)."""
    from anagen.therapy import assess as candidacy
    from anagen.therapy import option_info

    parts = spec.parts or (spec,)
    model = d.model_text if (d.calibrated and spec.calibrated) else MODEL_PRIOR
    infos = [option_info(p.option) for p in parts]
    costs = [cost(p, i, effect_24) for p, i in zip(parts, infos, strict=True)]
    cands = [
        candidacy(d.patient, p.option, p.protocol.product.key if p.protocol else None)
        for p in parts
    ]
    certs = [certainty(p.option, d.summary, model, d.patient.sex) for p in parts]
    srcs = {t for i in infos for v in i.sources.values() for t in v}
    for p in parts:
        if p.protocol is not None:
            srcs |= set(p.protocol.protocol.sources)
    if len(parts) == 1:
        return costs[0], infos[0], cands[0], certs[0], srcs
    total = combined_cost(costs, effect_24)
    if spec.comparator != "none":  # an add-on costs what is added, per hair it adds
        now = set(spec.comparator.split("+"))
        extra = [c for p, c in zip(parts, costs, strict=True) if p.key not in now]
        one = extra[0] if len(extra) == 1 else combined_cost(extra, effect_24)
        total = dataclasses.replace(
            one,
            basis=f"added to what you use now: {one.basis}",
            per_hair_note=one.per_hair_note.replace("over no treatment", "over what you use now"),
        )
    return (
        total,
        combined_info(parts, infos),
        combined_candidacy(spec.key, parts, cands),
        combined_certainty(parts, certs),
        srcs,
    )


def _noted(dur, note: str):
    """The durability text, prefixed with why the follow-up is assumed or absent."""
    return (
        dataclasses.replace(dur, text=f"{note[0].upper()}{note[1:]}. {dur.text}") if note else dur
    )


def _not_open(dur, cand):
    """The durability of an option the person may not have: its reasons, no model number."""
    why = cand.why()
    text = f"not open to this person: {why}" if why else "not open to this person"
    return dataclasses.replace(dur, text=text[0].upper() + text[1:] + ".")


def summarise_option(
    d: Draws, spec: Any, dens: np.ndarray, zi: int, threshold: float
) -> tuple[OptionAssessment, np.ndarray]:
    """One option (``dens``: its outcome per draw and month, read in zone ``zones[zi]``;
    ``threshold``: the visible threshold there) as an :class:`OptionAssessment` without its
    verdict, and the 12-month effect per draw that the headline rule compares (for an add-on:
    the gain over what the person uses now)."""
    unt = d.untreated[zi]
    base = unt[:, 0]
    eff = dens - unt
    gain = dens - base[:, None]
    fu = follow_up(spec, d.patient.sex)
    added = comp = None
    k = d.index(spec.comparator) if spec.comparator != "none" else None
    if k is not None and d.spec_zone[k] == zi:  # the same target area, draw by draw
        comp = d.specs[k]
        added = dens - d.treated[k]
    vs = eff if added is None else added
    c, info, cand, cert, srcs = option_facts(d, spec, float(np.median(vs[:, COST_MONTH])))
    fu_weeks = fu.weeks if spec.key != "none" else None
    known_m, unknown = (None if spec.key == "none" else fu.months_known), unknown_text(fu)
    dur = durability(spec, d.months, gain, eff, fu_weeks)
    if cand.status == "not_eligible":  # safety first: no number for what they may not have
        known_m, unknown, dur = 0, NOT_OPEN_TEXT, _not_open(dur, cand)
    else:
        dur = _noted(dur, fu.note)
    ext = extrapolation(spec, d.patient)
    if spec.key != "none":  # no cost per hair from an effect no face shows
        c = per_hair_shown(c, COST_MONTH, known_m, unknown, NOT_ENROLLED_TEXT if ext else "")
    o = OptionAssessment(
        key=spec.key,
        name=spec.name,
        option=spec.option,
        kind=spec.kind,
        target_zone=d.zones[zi],
        baseline=Interval.of(base),
        visible_threshold=threshold,
        horizons=horizons(
            d.report_months,
            eff,
            gain,
            threshold,
            known_months=known_m,
            unknown=unknown,
            added=added,
            chance_unknown=NOT_ENROLLED_TEXT if ext else "",
        ),
        durability=dur,
        cost=c,
        downtime=info.downtime,
        side_effects=tuple(
            SideEffect(s.effect, s.frequency, tuple(s.sources)) for s in info.side_effects
        ),
        regulatory_us=info.regulatory_us,
        regulatory_eu=info.regulatory_eu,
        candidacy=cand,
        certainty=cert,
        sources=tuple(sorted(srcs)),
        verdict="",
        trajectory=Trajectory.of(d.months, dens),
        extrapolation=ext,
        comparator=comp.key if comp is not None else "none",
        comparator_name=comp.name if comp is not None else "No treatment",
        follow_up_weeks=fu_weeks,
    )
    return o, vs[:, HEADLINE_MONTH]
