"""Words of an assessment: each option's verdict, the headline rule and the overall verdict.

Headline rule (safety first, never overstated, the same for every seed): an option can be named
only if the person may take it (candidacy not "not eligible", and no safety warning - a label
or contraindication rule of :mod:`anagen.therapy.safety` - asking for a specialist first), its
trials enrolled people like this person (no extrapolation flag) and followed patients to 12
months (the number is known).
Options are named in three groups - stem-cell options, the other options, and options added to
what the person uses now (compared with that) - never ranked against another group. In a group,
the leader is the option with the largest median 12-month gain. The others are compared with
it draw by draw (the same parameter draw and the same simulated target area for every option:
paired, common random numbers): an option is "similar" to the leader - named with it, not ranked
- when the 80 % interval of the paired difference reaches within the visible threshold, i.e.
unless it falls short of the leader by a visible amount in more than 9 of 10 draws. When even
the leader shows no modelled gain (median 12-month gain of zero or less), no option is named.
The interval rule, not a difference of medians, keeps the named options the same across seeds:
an option is dropped only when it is clearly and visibly below the leader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from anagen.decision._assessment import Interval, OptionAssessment

__all__ = [
    "DISCLAIMER",
    "GROUPS",
    "HEADLINE_MONTH",
    "headline",
    "headlines",
    "not_ranked_reason",
    "option_verdict",
    "overall_verdict",
    "rank",
    "safety_flag",
]

DISCLAIMER = (
    "Decision support for a conversation with a hair-loss specialist - not a diagnosis and not "
    "medical advice."
)
HEADLINE_MONTH = 12


GROUPS = ("stem-cell", "other", "add-on")


def group_of(o: OptionAssessment) -> str:
    if o.is_add_on:
        return "add-on"
    return "stem-cell" if o.kind == "stem-cell" else "other"


def not_ranked_reason(o: OptionAssessment) -> str | None:
    """Why the option cannot be named in the headline (None: it can)."""
    if not o.safe:
        return "not open to this person (contraindication or candidacy rule)"
    if flag := safety_flag(o):
        return f"a safety warning asks for a specialist first ({flag})"
    if o.extrapolation:
        return "its trials did not enrol people like this person (" + o.extrapolation[0] + ")"
    h = o.at(HEADLINE_MONTH)
    if not h.known:
        return f"12 months is past its trials' follow-up ({h.unknown_text})"
    return None


def safety_flag(o: OptionAssessment) -> str:
    """The safety warning (a label or contraindication rule, with its sources) that asks for a
    specialist's judgement before ``o`` ("": none). Such an option is never the headline."""
    from anagen.therapy.safety import is_safety_reason

    for r in o.candidacy.reasons:
        if r.effect == "ask_specialist" and is_safety_reason(r):
            return f"{r.text} [{']['.join(r.sources)}]"
    return ""


def headline_effect(o: OptionAssessment, month: int = HEADLINE_MONTH) -> Interval:
    """The effect the headline compares: the gain over what the person uses now for an add-on,
    else over no treatment."""
    h = o.at(month)
    return h.added if (o.is_add_on and h.added is not None) else h.effect_vs_none


def rank(
    options: Sequence[OptionAssessment], effects: Mapping[str, np.ndarray]
) -> tuple[list[OptionAssessment], tuple[tuple[str, ...], ...]]:
    """Apply the headline rule (module docstring). ``effects``: per option key, the 12-month
    effect of every draw (for an add-on: the gain over what the person uses now), paired by
    draw. Returns the options with ``vs_leader``/``standing`` set, and the keys named per
    group of :data:`GROUPS`."""
    out = {o.key: o for o in options}
    groups = []
    for g in GROUPS:
        usable = []
        for o in options:
            if o.key == "none" or group_of(o) != g:
                continue
            why = not_ranked_reason(o)
            if why is None:
                usable.append(o)
            else:
                out[o.key] = replace(o, standing=f"not ranked: {why}")
        if not usable:
            groups.append(())
            continue
        med = {o.key: float(np.median(effects[o.key])) for o in usable}
        lead = max(usable, key=lambda o: (med[o.key], o.key))
        thr = lead.visible_threshold
        if med[lead.key] <= 0:
            for o in usable:
                out[o.key] = replace(o, standing="not named: no modelled gain in its group")
            groups.append(())
            continue
        named = []
        for o in usable:
            diff = Interval.of(effects[o.key] - effects[lead.key])
            if o.key == lead.key:
                standing = "the largest modelled 12-month gain in its group"
            elif diff.high >= -thr:
                standing = (
                    f"similar to {lead.name}: paired difference {diff.median:+.1f} hairs per cm² "
                    f"(80% interval {diff.low:+.1f} to {diff.high:+.1f}) reaches within the "
                    f"visible threshold ({thr:.1f})"
                )
            else:
                standing = (
                    f"visibly below {lead.name} in more than 9 of 10 draws: paired difference "
                    f"{diff.median:+.1f} hairs per cm² (80% interval {diff.low:+.1f} to "
                    f"{diff.high:+.1f}; visible threshold {thr:.1f})"
                )
            if o.key == lead.key or diff.high >= -thr:
                named.append(o.key)
            out[o.key] = replace(o, vs_leader=diff, standing=standing)
        groups.append(tuple(named))
    return [out[o.key] for o in options], tuple(groups)


def headlines(options: Sequence[OptionAssessment]) -> tuple[tuple[str, ...], ...]:
    """The keys named per group of :data:`GROUPS`, read back from a ranked answer (:func:`rank`)."""
    named = ("the largest", "similar")
    return tuple(
        tuple(o.key for o in options if group_of(o) == g and o.standing.startswith(named))
        for g in GROUPS
    )


def headline(options: Sequence[OptionAssessment], kind: str | None = None) -> tuple[str, ...]:
    """Keys named in the headline (of one group: ``"stem-cell"``, ``"other"``, ``"add-on"``)."""
    groups = dict(zip(GROUPS, headlines(options), strict=True))
    if kind is None:
        return tuple(k for g in GROUPS for k in groups[g])
    return groups[kind]


def option_verdict(o: OptionAssessment) -> str:
    cand = o.candidacy
    status = cand.status.replace("_", " ")
    h = o.at(HEADLINE_MONTH)
    if o.key == "none":
        ch = h.change_vs_today
        return (
            f"{o.name}: the model expects today's density to change by {ch.median:+.1f} hairs "
            f"per cm² in 12 months (80% interval {ch.low:+.1f} to {ch.high:+.1f}), as pattern "
            "loss goes on."
        )
    reasons = [r.text for r in cand.reasons if r.effect == cand.status]
    why = f" ({reasons[0]})" if reasons else ""
    extra = (
        " EXTRAPOLATION: its trials did not enrol people like you ("
        + "; ".join(o.extrapolation)
        + "); the numbers are the model's, not the trials'."
        if o.extrapolation
        else ""
    )
    if not h.known:
        return (
            f"{o.name}: at 12 months {h.unknown_text}; evidence: {o.certainty.rating}; "
            f"candidacy: {status}{why}.{extra}"
        )
    eff = headline_effect(o)
    p = o.shown_chance(HEADLINE_MONTH)  # None: withheld (its trials did not enrol such people)
    over = f"over {o.comparator_name.lower()}" if o.is_add_on else "over no treatment"
    if eff.high <= 0.5:
        size = f"little or no gain {over}"
    elif eff.low > 0 and p is not None and p.p >= 0.5:
        size = f"a gain {over} that may be visible"
    elif eff.median > 0:
        size = f"a possible gain {over}, uncertain in size"
    else:
        size = f"no clear gain {over}"
    return (
        f"{o.name}: the model suggests {size} at 12 months ({eff.median:+.1f} hairs per cm², "
        f"80% interval {eff.low:+.1f} to {eff.high:+.1f}; chance of a visible improvement "
        f"{p.text() if p is not None else h.chance_withheld}); evidence: {o.certainty.rating}; "
        f"candidacy: {status}{why}.{extra}"
    )


def _names(options: Sequence[OptionAssessment], keys: Sequence[str]) -> str:
    by = {o.key: o for o in options}
    parts = []
    for k in keys:
        e = headline_effect(by[k])
        parts.append(f"{by[k].name} ({e.median:+.1f}, 80% interval {e.low:+.1f} to {e.high:+.1f})")
    return "; ".join(parts)


def overall_verdict(
    patient,
    options: Sequence[OptionAssessment],
    source: str,
    unit_text: str,
    groups: tuple[tuple[str, ...], ...],
) -> tuple[str, ...]:
    sex = "man" if patient.sex == "M" else "woman"
    if source == "posterior":
        params_text = (
            "parameters calibrated to the published trials for the cell products, PRP, minoxidil, "
            "finasteride, laser and minoxidil with finasteride (the transplant keeps its prior: "
            "no trial to fit)"
        )
    else:
        params_text = "PRIOR parameters, NOT calibrated to the trials (--source prior)"
    lines = [
        f"For a {patient.age:g}-year-old {sex} at stage {patient.stage}: predicted changes in "
        f"{unit_text} come from the anagen scalp model with {params_text}, so they show what the "
        "model implies, not measured results for this person."
    ]
    none = next(o for o in options if o.key == "none")
    ch = none.at(HEADLINE_MONTH).change_vs_today
    lines.append(
        f"Without treatment, the model expects {ch.median:+.1f} hairs per cm² in 12 months (80% "
        f"interval {ch.low:+.1f} to {ch.high:+.1f})."
    )
    stem, alts, adds = groups
    rule = "not visibly below the largest (compared draw by draw; named together, not ranked)"
    if stem:
        word = f"modelled 12-month gains {rule}" if len(stem) > 1 else (
            "the largest modelled 12-month gain"
        )  # fmt: skip
        lines.append(
            f"Stem-cell options with {word} (hairs per cm² vs no treatment): "
            f"{_names(options, stem)}. The trial evidence behind stem-cell therapy is of very "
            "low certainty, and the calibration rests on the same few trials."
        )
    elif any(o.kind == "stem-cell" for o in options):
        lines.append(
            "Stem-cell options: none can be named for this person - none is open to them with "
            "trials that enrolled people like them, followed to 12 months and showing a modelled "
            "gain (see each option)."
        )
    if alts:
        head = (
            f"Other options open to this person with modelled 12-month gains {rule}"
            if len(alts) > 1
            else "The other option open to this person with the largest modelled 12-month gain"
        )
        lines.append(f"{head}: {_names(options, alts)}.")
    elif any(group_of(o) == "other" for o in options):
        lines.append(
            "Other options: none can be named for this person - none is open to them with "
            "trials that enrolled people like them, followed to 12 months and showing a modelled "
            "gain (see each option)."
        )
    if adds:
        now = next(o for o in options if o.key == adds[0]).comparator_name
        lines.append(
            f"Added to what this person uses now ({now}), gain over that alone, "
            f"{rule if len(adds) > 1 else 'the largest'}: {_names(options, adds)}."
        )
    extra = [o.name for o in options if o.safe and o.extrapolation]
    if extra:
        lines.append(
            "EXTRAPOLATION - their trials did not enrol people like this person, so their "
            "numbers are the model's, not the trials', and no chance of a visible gain is "
            "estimated for them (never named above): " + "; ".join(extra) + "."
        )
    beyond = [
        f"{o.name} ({o.at(HEADLINE_MONTH).unknown_reason})"
        for o in options
        if o.safe and not o.extrapolation and o.key != "none" and not o.at(HEADLINE_MONTH).known
    ]
    if beyond:
        lines.append(
            "Not known at 12 months (why, for each), so no number is shown and they are not "
            "named above: " + "; ".join(beyond) + "."
        )
    flagged = [f"{o.name} ({f})" for o in options if o.safe and (f := safety_flag(o))]
    if flagged:
        lines.append(
            "Ask a specialist first - a safety warning applies to this person, so they are never "
            "named above: " + "; ".join(flagged) + "."
        )
    blocked = [o.name for o in options if not o.safe]
    if blocked:
        lines.append(
            "Not open to this person (contraindication or candidacy rule; never ranked): "
            + "; ".join(blocked)
            + "."
        )
    if any(o.kind == "stem-cell" for o in options):
        lines.append(
            "Overall certainty of the trial evidence that stem-cell therapy increases hair "
            "density is very low; approved options (minoxidil, finasteride) rest on stronger "
            "evidence."
        )
    lines.append(DISCLAIMER)
    return tuple(lines)
