"""Words of an assessment: each option's verdict, the headline rule and the overall verdict.

Headline rule (safety first, never overstated): only options the person may take (candidacy not
"not eligible") can be named, stem-cell options and the others separately. Within a group, the
option with the largest median 12-month effect leads, and every option whose median is within
the visible threshold of the leader's (a difference a person could not see) is named with it
as "similar": an ordering inside that group would not be a visible difference. When even the
leader shows no modelled gain (median 12-month effect of zero or less), no option is named.
"""

from __future__ import annotations

from collections.abc import Sequence

from anagen.decision._assessment import OptionAssessment

__all__ = ["DISCLAIMER", "headline", "headlines", "option_verdict", "overall_verdict"]

DISCLAIMER = (
    "Decision support for a conversation with a hair-loss specialist - not a diagnosis and not "
    "medical advice."
)
HEADLINE_MONTH = 12


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
    eff = h.effect_vs_none
    reasons = [r.text for r in cand.reasons if r.effect == cand.status]
    why = f" ({reasons[0]})" if reasons else ""
    if eff.high <= 0.5:
        size = "little or no gain over no treatment"
    elif eff.low > 0 and h.p_visible.p >= 0.5:
        size = "a gain over no treatment that may be visible"
    elif eff.median > 0:
        size = "a possible gain over no treatment, uncertain in size"
    else:
        size = "no clear gain over no treatment"
    return (
        f"{o.name}: the model suggests {size} at 12 months ({eff.median:+.1f} hairs per cm², "
        f"80% interval {eff.low:+.1f} to {eff.high:+.1f}; chance of a visible improvement "
        f"{h.p_visible.text()}); evidence: {o.certainty.rating}; candidacy: {status}{why}."
    )


def headline(options: Sequence[OptionAssessment], kind: str | None = None) -> tuple[str, ...]:
    """Keys of the options named together at the top of a group (see the module docstring), in
    display order."""
    usable = [
        o for o in options
        if o.key != "none" and o.safe and (kind is None or o.kind == kind)
    ]  # fmt: skip
    if not usable:
        return ()
    top = max(usable, key=lambda o: (o.at(HEADLINE_MONTH).effect_vs_none.median, o.key))
    lead = top.at(HEADLINE_MONTH).effect_vs_none.median
    if lead <= 0:
        return ()
    return tuple(
        o.key
        for o in usable
        if o.at(HEADLINE_MONTH).effect_vs_none.median >= lead - top.visible_threshold
    )


def headlines(options: Sequence[OptionAssessment]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stem-cell group and the group of the other options."""
    stem = headline(options, "stem-cell")
    others = headline([o for o in options if o.kind != "stem-cell"])
    return stem, others


def _names(options: Sequence[OptionAssessment], keys: Sequence[str]) -> str:
    by = {o.key: o for o in options}
    parts = []
    for k in keys:
        e = by[k].at(HEADLINE_MONTH).effect_vs_none
        parts.append(f"{by[k].name} ({e.median:+.1f}, 80% interval {e.low:+.1f} to {e.high:+.1f})")
    return "; ".join(parts)


def overall_verdict(
    patient,
    options: Sequence[OptionAssessment],
    source: str,
    unit_text: str,
    groups: tuple[tuple[str, ...], tuple[str, ...]],
) -> tuple[str, ...]:
    sex = "man" if patient.sex == "M" else "woman"
    if source == "posterior":
        params_text = (
            "parameters calibrated to the published trials for the cell products, PRP, minoxidil, "
            "finasteride and laser (the transplant keeps its prior: no trial to fit)"
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
    stem, alts = groups
    if stem:
        word = (
            "modelled 12-month effects not visibly different from the largest (within the "
            "visible threshold of the leader)"
            if len(stem) > 1
            else "the largest modelled 12-month gain"
        )
        lines.append(
            f"Stem-cell options with {word} (hairs per cm² vs no treatment): "
            f"{_names(options, stem)}. The trial evidence behind stem-cell therapy is of very "
            "low certainty, and the calibration rests on the same few trials."
        )
    elif any(o.kind == "stem-cell" and o.safe for o in options):
        lines.append(
            "Stem-cell options: none shows a modelled gain over no treatment at 12 months for "
            "this person."
        )
    elif any(o.kind == "stem-cell" for o in options):
        lines.append(
            "Stem-cell options: none is open to this person on the safety and candidacy rules."
        )
    if alts:
        head = (
            "Other options open to this person whose modelled 12-month effects are not visibly "
            "different from the largest (within the visible threshold of the leader)"
            if len(alts) > 1
            else "The other option open to this person with the largest modelled 12-month gain"
        )
        lines.append(f"{head}: {_names(options, alts)}.")
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
