"""Figures of the evidence summary: forest plot per outcome scale, funnel plot."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from anagen.errors import InputError
from anagen.evidence._summary_types import EvidenceSummary, PublishedComparator
from anagen.evidence._summary_wording import _SCALES, short_citation

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["summary_forest_plot", "summary_funnel_plot"]


def _published_label(p: PublishedComparator) -> str:
    treatment = re.sub(r"\s*\(.*?\)", "", p.treatment).strip()
    people = re.search(r"\((men|women)[;)]", p.treatment)
    extra = re.search(r"(short|long) term", p.comparison)
    parts = [treatment]
    if people:
        parts.append(people.group(1))
    if extra:
        parts.append(extra.group(0))
    return ", ".join(parts) + f" ({short_citation(p.citation)})"


def summary_forest_plot(summary: EvidenceSummary) -> Figure:
    """Forest plot of the summary: one panel per outcome scale, comparators alongside.

    The percent-change panel holds the stem-cell trials reporting percent change (pooled
    overall and by product) and published finasteride estimates on the same scale; the
    hairs/cm² panel holds the stem-cell trials in hairs/cm², the minoxidil trials (pooled
    separately: stem-cell and minoxidil trials are never pooled together) and published PRP,
    minoxidil and laser estimates.
    """
    import matplotlib.pyplot as plt

    from anagen.evidence._plots import PublishedEstimate, forest_plot

    panels = []
    for measure, scale_key in (("MD_pct", "percent"), ("MD", "hairs_per_cm2")):
        items = [a for a in summary.analyses if a.measure == measure]
        overall = next((a for a in items if a.name.startswith("stem-cell therapy")), None)
        parts = [a for a in items if a is not overall]
        if not parts and overall is None:
            continue
        ys: list[float] = []
        vs: list[float] = []
        labels: list[str] = []
        groups: list[str] = []
        for a in parts:
            ys += list(a.yi)
            vs += list(a.vi)
            labels += list(a.studies)
            name = a.name if a.family == "comparator" else f"Stem cells: {a.name}"
            groups += [name[0].upper() + name[1:]] * a.k
        chosen = [p for p in summary.published if p.scale == scale_key]
        names = [_published_label(p) for p in chosen]
        seen: dict[str, int] = {}
        pub = []
        for p, lab in zip(chosen, names, strict=True):
            if names.count(lab) > 1:
                seen[lab] = seen.get(lab, 0) + 1
                lab = f"{lab} #{seen[lab]}"
            pub.append(PublishedEstimate(lab, p.estimate, p.ci_low, p.ci_high))
        panels.append((measure, ys, vs, labels, groups, overall, pub))
    heights = [
        len(p[1])
        + 2 * len(set(p[4]))
        + sum(1 for g in set(p[4]) if p[4].count(g) >= 2)
        + (2 + len(p[6]) if p[6] else 0)
        + (3 if p[5] else 0)
        + 3
        for p in panels
    ]
    fig = plt.figure(figsize=(11.5, 1.2 + 0.3 * sum(heights)))
    gs = fig.add_gridspec(
        len(panels),
        1,
        height_ratios=heights,
        hspace=0.35,
        left=0.36,
        right=0.66,
        top=1 - 0.6 / (1.2 + 0.3 * sum(heights)),
        bottom=0.7 / (1.2 + 0.3 * sum(heights)),
    )
    for i, (measure, ys, vs, labels, groups, overall, pub) in enumerate(panels):
        ax = fig.add_subplot(gs[i])
        forest_plot(
            ys,
            vs,
            labels,
            groups=groups,
            result=overall.result if overall is not None else None,
            overall=overall is not None,
            method=summary.method,
            published=pub,
            published_title="Published pooled estimates vs placebo (not re-analysed)",
            xlabel=_SCALES[measure][0].upper() + _SCALES[measure][1:],
            ax=ax,
            digits=1,
        )
    fig.suptitle(
        "Stem-cell therapies for androgenetic alopecia vs control, with established treatments",
        fontsize=11,
        fontweight="bold",
        x=0.02,
        ha="left",
    )
    return fig


def summary_funnel_plot(summary: EvidenceSummary) -> Figure:
    """Funnel plot of the largest analysis with at least three studies (with trim and fill)."""
    import matplotlib.pyplot as plt

    from anagen.evidence._plots import funnel_plot

    cands = [a for a in summary.analyses if a.k >= 3]
    if not cands:
        raise InputError(
            "no analysis has the 3 or more studies a funnel plot needs", field="--funnel"
        )
    a = max(cands, key=lambda x: x.k)
    fig, ax = plt.subplots(figsize=(6.5, 5.0))
    stem_k = max((x.k for x in summary.analyses if x.family == "stem-cell"), default=0)
    funnel_plot(
        a.yi,
        a.vi,
        result=a.result,
        trimfill=True,
        method=summary.method,
        xlabel=a.scale[0].upper() + a.scale[1:],
        title=f"{a.name[0].upper() + a.name[1:]} (k = {a.k})",
        ax=ax,
    )
    fig.text(
        0.01,
        0.005,
        f"Stem-cell analyses have k <= {stem_k}: too few studies for a funnel plot "
        "(Sterne et al. 2011 ask for at least 10).",
        fontsize=8,
        color="#444444",
    )
    return fig
