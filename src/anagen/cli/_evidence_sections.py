"""Printing of the newer ``evidence summary`` sections: other outcomes, pre-post, common scale,
indirect comparisons, coverage of published reviews. Kept apart from ``cli/evidence.py``."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from anagen.cli._common import console


def _row(res: Any) -> str:
    return f"{res.estimate:.1f} [{res.ci_low:.1f}, {res.ci_high:.1f}]"


def print_evidence_date(date: str) -> None:
    """One line: how current the evidence is."""
    console.print(f"Evidence: {date}", highlight=False, markup=False)


def print_other_outcomes(summary: Any) -> None:
    """Controlled analyses of thickness and of hair count (each on its own scale)."""
    if not summary.other_outcomes:
        return
    console.print("\n[bold]Other outcomes vs control (each on its own scale)[/]")
    for a in summary.other_outcomes:
        unit = a.scale
        console.print(
            f"  {a.name} [{unit}]: {_row(a.result)}; k = {a.k}, N = {a.n:g}; "
            f"certainty {a.certainty.rating}",
            highlight=False,
            markup=False,
        )
        for note in a.imputation:
            console.print(f"    imputed/assumed - {note}", highlight=False, markup=False)


def print_prepost(summary: Any, plot: Any = None) -> None:
    """Within-arm changes from baseline, with the minoxidil yardstick."""
    pp = summary.pre_post
    if pp is None:
        return
    from anagen.evidence._prepost import PREPOST_SCALES

    console.print("\n[bold]Within-arm change from baseline (pre-post; NOT an effect vs control)[/]")
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in ("outcome", "product", "unit", "k", "N", "change [95% CI]", "certainty"):
        t.add_column(col, no_wrap=col in ("k", "N", "change [95% CI]"))
    for a in pp.analyses:
        t.add_row(
            a.outcome_domain,
            escape(a.name),
            PREPOST_SCALES[a.scale],
            str(a.k),
            f"{a.n:g}",
            _row(a.result),
            a.certainty.rating,
        )
    console.print(t)
    for y in pp.yardsticks:
        console.print(
            f"Yardstick - {y.treatment}, same trials (k = {y.prepost.k} arms): treated arms "
            f"changed {_row(y.prepost)} hairs/cm² from baseline, placebo arms "
            f"{_row(y.placebo_prepost)}, the controlled effect is {_row(y.controlled)}: a "
            f"pre-post change overstates the controlled effect {y.ratio:.2f}-fold here.",
            highlight=False,
            markup=False,
        )
    console.print(
        "Certainty of every pre-post analysis starts low and is rated down two levels for "
        "the missing control (placebo response, regression to the mean).",
        highlight=False,
    )
    flagged = sorted({f for a in pp.analyses for f in a.flagged})
    for f in flagged:
        console.print(f"  assumed - {f}", highlight=False, markup=False)
    for a in pp.analyses:
        for rr, e, lo, hi in a.r_sensitivity:
            console.print(
                f"  sensitivity {a.name} ({a.outcome_domain}, {a.scale}), pre/post r = {rr:g}: "
                f"{e:.1f} [{lo:.1f}, {hi:.1f}]",
                highlight=False,
            )
    if plot is not None:
        console.print(f"pre-post plot written to {plot}")


def print_extensions(summary: Any) -> None:
    """Common-scale (ROM) pools, indirect comparisons and coverage, when present."""
    ext = summary.extensions
    cs = ext.get("common_scale")
    if cs is not None:
        console.print(
            "\n[bold]One common scale: ratio of means (percent and hairs/cm² together)[/]"
        )
        for line in cs.lines():
            console.print(f"  {line}", highlight=False, markup=False)
    ind = ext.get("indirect")
    if ind is not None:
        console.print("\n[bold]Indirect comparison with minoxidil (Bucher, via placebo)[/]")
        for line in ind.lines():
            console.print(f"  {line}", highlight=False, markup=False)
    rep = ext.get("published_vs_anagen")
    if rep is not None:
        console.print("\n[bold]Published vs anagen (reproduced where the inputs are held)[/]")
        for line in rep.lines():
            console.print(f"  {line}", highlight=False, markup=False)
    cov = ext.get("coverage")
    if cov is not None:
        console.print("\n[bold]Coverage of published reviews[/]")
        for line in cov.lines():
            console.print(f"  {line}", highlight=False, markup=False)
