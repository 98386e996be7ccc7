"""``anagen evidence``: Published trials of stem-cell hair therapies and their alternatives, pooled as R metafor would."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from anagen.cli._common import check_output_path, console, emit_json, esc
from anagen.errors import ConvergenceError, InputError

app = typer.Typer(
    help="Published trials of stem-cell hair therapies and their alternatives, pooled as R metafor would.",
    no_args_is_help=True,
)

_PLOT_SUFFIXES = (".png", ".svg", ".pdf")
_MEASURES = ("MD", "SMD", "ROM")
_MEASURE_LABEL = {
    "MD": "Mean difference",
    "SMD": "Standardised mean difference (Hedges' g)",
    "ROM": "Log ratio of means",
}


#: Most study rows printed in the table (longer files are summarised; JSON has them all).
MAX_TABLE_ROWS = 60


def _plot_path(path: Path | None, option: str) -> Path | None:
    if path is not None and path.suffix.lower() not in _PLOT_SUFFIXES:
        raise InputError(
            field=option,
            allowed="a file ending in .png, .svg or .pdf",
            got=path.suffix or str(path),
        )
    return check_output_path(path, option, _PLOT_SUFFIXES)


def _choice(value: str, option: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(field=option, allowed=f"one of {', '.join(allowed)}", got=value)
    return value


def _f(x: float, digits: int = 3) -> str:
    return "NA" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


@app.command("pool")
def pool_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with columns yi,vi or m1i,sd1i,n1i,m2i,sd2i,n2i (optional: study, group)."
        ),
    ],
    measure: Annotated[
        str,
        typer.Option("--measure", help="MD, SMD or ROM (for arm data; labels yi,vi data)."),
    ] = "MD",
    method: Annotated[
        str, typer.Option("--method", help="FE, DL, REML, ML, PM, SJ, HE or EB.")
    ] = "REML",
    knha: Annotated[bool, typer.Option("--knha", help="Knapp-Hartung adjustment.")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level.")] = 0.95,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    forest: Annotated[
        Path | None, typer.Option("--forest", help="Write a forest plot (.png, .svg or .pdf).")
    ] = None,
) -> None:
    """Pool your own effect sizes (random or fixed effects), exactly as metafor::rma."""
    from anagen.evidence import METHODS, pool, read_effects

    _choice(measure, "--measure", _MEASURES)
    _choice(method, "--method", tuple(METHODS))
    _choice(fmt, "--format", ("table", "json"))
    if not (0.0 < level < 1.0):
        raise InputError(field="--level", allowed="a number in (0, 1), e.g. 0.95", got=level)
    _plot_path(forest, "--forest")
    data = read_effects(file, measure=measure)
    need = 1 if (method == "FE" and not knha) else 2
    if data.k < need:
        raise InputError(
            f"method {method}{' with --knha' if knha else ''} needs at least {need} studies",
            field="k",
            file=str(file),
            allowed=f">= {need} data rows",
            got=data.k,
        )
    if forest is not None:
        from anagen.evidence._plots import MAX_FOREST_STUDIES

        if data.k > MAX_FOREST_STUDIES:
            raise InputError(
                f"a forest plot shows at most {MAX_FOREST_STUDIES} studies; this file has "
                f"{data.k:,} (pool without --forest, or plot a subset)",
                field="--forest",
                file=str(file),
            )
    sub = None
    try:
        res = pool(data.yi, data.vi, method=method, knha=knha, level=level)
        if data.groups is not None and len(set(data.groups)) >= 2:
            from anagen.evidence import subgroup_analysis

            sub = subgroup_analysis(
                data.yi, data.vi, data.groups, method=method, knha=knha, level=level
            )
    except ConvergenceError as exc:
        raise InputError(str(exc), field="--method", file=str(file)) from None
    if forest is not None:
        from anagen.evidence import forest_plot, save_figure

        label = (
            _MEASURE_LABEL[measure] if data.layout == "arms" or measure != "MD" else "Effect size"
        )
        ax = forest_plot(
            data.yi,
            data.vi,
            data.labels,
            groups=data.groups,
            result=res,
            level=level,
            method=method,
            knha=knha,
            xlabel=label,
        )
        save_figure(ax.figure, forest)
    groups = data.groups or (None,) * data.k
    studies = [
        {"study": s, "yi": y, "vi": v, "se": math.sqrt(v), "weight": w}
        | ({"group": g} if g is not None else {})
        for s, y, v, w, g in zip(data.labels, data.yi, data.vi, res.weights, groups, strict=True)
    ]
    if fmt == "json":
        out: dict[str, Any] = res.to_dict()
        out.update(measure=data.measure, file=str(file), studies=studies)
        if sub is not None:
            out["subgroups"] = {
                "groups": list(sub.groups),
                "results": [r.to_dict() for r in sub.results],
                "qb": sub.qb,
                "qb_df": sub.qb_df,
                "qb_p": sub.qb_p,
            }
        emit_json(out)
        return
    pct = f"{level:.0%}"
    t = Table(
        title=f"{esc(file.name)}: {data.k} studies, {res.method}{' + Knapp-Hartung' if knha else ''}"
    )
    for col in ("study", "yi", "se", "weight %"):
        t.add_column(col, justify="left" if col == "study" else "right")
    shown = studies if len(studies) <= MAX_TABLE_ROWS else studies[: MAX_TABLE_ROWS - 10]
    for s in shown:
        t.add_row(esc(s["study"]), f"{s['yi']:.4g}", f"{s['se']:.4g}", f"{s['weight']:.1f}")
    if len(shown) < len(studies):
        rest = studies[len(shown) :]
        t.add_row(
            f"... {len(rest):,} more studies",
            f"{min(r['yi'] for r in rest):.4g} to {max(r['yi'] for r in rest):.4g}",
            "",
            f"{sum(r['weight'] for r in rest):.1f}",
        )
    console.print(t)
    if len(shown) < len(studies):
        console.print(
            f"(first {len(shown)} of {len(studies):,} studies shown; all are in --format json)",
            highlight=False,
        )
    s = Table(show_header=False, box=None)
    s.add_column(style="bold")
    s.add_column()
    rows = [
        ("estimate", f"{res.estimate:.4g} (SE {res.se:.4g})"),
        (f"{pct} CI", f"{res.ci_low:.4g} to {res.ci_high:.4g}"),
        ("test", f"{'t' if knha else 'z'} = {res.zval:.3g}, p {_p_clause(res.p)}"),
        (f"{pct} prediction interval", f"{res.pi_low:.4g} to {res.pi_high:.4g}"),
        ("tau²", f"{_f(res.tau2, 4)} (CI {_f(res.tau2_ci_low)} to {_f(res.tau2_ci_high)})"),
        ("I²", f"{_f(res.i2, 3)}% (CI {_f(res.i2_ci_low)} to {_f(res.i2_ci_high)})"),
        ("H²", f"{_f(res.h2, 3)}"),
        ("Q", f"{res.q:.4g} on {res.q_df} df, p {_p_clause(res.q_p)}"),
    ]
    for a, b in rows:
        s.add_row(a, b)
    console.print(s)
    if sub is not None:
        g = Table(title="Subgroups (each with its own tau²)")
        for col in ("group", "k", f"estimate [{pct} CI]", "I²", "tau²"):
            g.add_column(col, justify="left" if col == "group" else "right")
        for name, r in zip(sub.groups, sub.results, strict=True):
            g.add_row(
                esc(name),
                str(r.k),
                f"{r.estimate:.4g} [{r.ci_low:.4g}, {r.ci_high:.4g}]",
                f"{r.i2:.3g}%" if r.k > 1 else "-",
                f"{r.tau2:.4g}" if r.k > 1 else "-",
            )
        console.print(g)
        console.print(
            f"test for subgroup differences: Q = {sub.qb:.4g} on {sub.qb_df} df, "
            f"p {_p_clause(sub.qb_p)}",
            highlight=False,
        )
    if forest is not None:
        console.print(f"forest plot written to {esc(str(forest))}")


def _print_summary(
    summary: Any, forest: Path | None, funnel: Path | None, prepost_plot: Path | None = None
) -> None:
    from anagen.cli._evidence_sections import (
        print_evidence_date,
        print_extensions,
        print_other_outcomes,
        print_prepost,
    )
    from anagen.evidence._summary import short_citation

    c = console
    c.print(f"[bold]{summary.question}[/]")
    c.print(f"[yellow]{summary.disclaimer}[/]", highlight=False, soft_wrap=True)
    print_evidence_date(summary.evidence_date)
    c.print()
    c.print("[bold]Verdict[/]")
    for line in summary.verdict:
        c.print(line, highlight=False, markup=False)
    c.print()
    t = Table(
        title="Pooled analyses (density outcome)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in (
        "analysis [scale]",
        "k",
        "N",
        "estimate [95% CI]",
        "I², tau²",
        "95% PI",
        "certainty",
    ):
        t.add_column(
            col,
            justify="left" if col in ("analysis [scale]", "certainty") else "right",
            no_wrap=col not in ("analysis [scale]", "certainty"),
            min_width={"analysis [scale]": 16, "certainty": 8}.get(col),
        )
    for a in summary.analyses:
        r = a.result
        multi = a.k > 1
        t.add_row(
            escape(f"{a.name} [{'%-points' if a.measure == 'MD_pct' else 'hairs/cm²'}]"),
            str(a.k),
            f"{a.n:g}",
            f"{r.estimate:.1f} [{r.ci_low:.1f}, {r.ci_high:.1f}]",
            f"{r.i2:.0f}%, {r.tau2:.3g}" if multi else "-",
            f"{r.pi_low:.1f}, {r.pi_high:.1f}" if multi else "-",
            a.certainty.rating,
        )
    c.print(t)
    c.print("[bold]Why this certainty[/]")
    for a in summary.analyses:
        c.print(f"[bold]{escape(a.name)}[/] ({a.certainty.rating}):", highlight=False)
        for line in a.certainty.explain().splitlines():
            c.print(f"  {line}", highlight=False, markup=False)
        c.print(f"  small-study test: {a.small_study_test}", highlight=False, markup=False)
        c.print(f"  sensitivity (drop imputed): {a.sensitivity}", highlight=False, markup=False)
        for rr, e, lo, hi in a.r_sensitivity:
            c.print(
                f"  sensitivity (split-scalp correlation r = {rr:g} instead of {summary.r:g}): "
                f"{e:.1f} [{lo:.1f}, {hi:.1f}]",
                highlight=False,
            )
        for note in a.imputation:
            c.print(f"  imputed/assumed - {note}", highlight=False, markup=False)
    print_other_outcomes(summary)
    print_prepost(summary, prepost_plot)
    print_extensions(summary)
    c.print("\n[bold]Synthesis without meta-analysis (direction of effect, SWiM)[/]")
    c.print(
        f"vs control: {summary.direction_controlled.sentence()}.", highlight=False, markup=False
    )
    c.print(
        f"vs baseline or an active treatment (not evidence of efficacy): "
        f"{summary.direction_uncontrolled.sentence()}.",
        highlight=False,
    )
    c.print("\n[bold]By product: every study, its comparison and direction of effect[/]")
    for line in summary.by_product:
        c.print(f"  {line}", highlight=False, markup=False)
    c.print("\n[bold]Published pooled estimates for established treatments (vs placebo)[/]")
    for p in summary.published:
        c.print(
            f"  {p.treatment} {p.comparison}: {p.estimate:g} [{p.ci_low:g}, {p.ci_high:g}] "
            f"({p.scale}) - {short_citation(p.citation)}",
            highlight=False,
        )
    c.print("\n[bold]What this evidence cannot support[/]")
    for line in summary.cannot_support:
        c.print(f"  - {line}", highlight=False, markup=False)
    if forest is not None:
        c.print(f"\nforest plot written to {forest}")
    if funnel is not None:
        c.print(f"funnel plot written to {funnel}")
    c.print(f"\n[bold yellow]{summary.disclaimer}[/]", highlight=False, soft_wrap=True)


@app.command("summary")
def summary_cmd(
    forest: Annotated[
        Path | None, typer.Option("--forest", help="Write the forest plot (.png, .svg or .pdf).")
    ] = None,
    funnel: Annotated[
        Path | None, typer.Option("--funnel", help="Write a funnel plot (.png, .svg or .pdf).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    method: Annotated[
        str, typer.Option("--method", help="tau² estimator: FE, DL, REML, ML, PM, SJ, HE or EB.")
    ] = "REML",
    r: Annotated[
        float,
        typer.Option(
            "--r", help="Assumed correlation between the two halves of split-scalp trials."
        ),
    ] = 0.5,
    prepost_plot: Annotated[
        Path | None,
        typer.Option("--prepost-plot", help="Write the pre-post (within-arm) plot."),
    ] = None,
    scale_plot: Annotated[
        Path | None,
        typer.Option("--scale-plot", help="Write the common-scale and indirect-comparison plot."),
    ] = None,
    data: Annotated[
        str,
        typer.Option(
            "--data", help="Which study rows: all (bundled + user-added), bundled, or user."
        ),
    ] = "all",
) -> None:
    """Is stem-cell therapy for hair loss effective? The bundled trials, pooled and rated."""
    from anagen.evidence import METHODS
    from anagen.evidence._store import DATA_CHOICES, evidence_studies

    _choice(fmt, "--format", ("text", "json"))
    _choice(method, "--method", tuple(METHODS))
    if not (math.isfinite(r) and -1.0 <= r <= 1.0):
        raise InputError(field="--r", allowed="a correlation in [-1, 1]", got=r)
    _plot_path(forest, "--forest")
    _plot_path(funnel, "--funnel")
    _plot_path(prepost_plot, "--prepost-plot")
    _plot_path(scale_plot, "--scale-plot")
    _choice(data, "--data", DATA_CHOICES)
    from anagen.evidence import (
        save_figure,
        summarise_evidence,
        summary_forest_plot,
        summary_funnel_plot,
    )

    summary = summarise_evidence(method=method, r=r, studies=evidence_studies(data))
    if prepost_plot is not None and summary.pre_post is not None:
        from anagen.evidence._prepost import prepost_plot as _pp_plot

        save_figure(_pp_plot(summary.pre_post, domain=None), prepost_plot)
    if scale_plot is not None and "common_scale" in summary.extensions:
        from anagen.evidence._common_scale import common_scale_plot

        ext = summary.extensions
        save_figure(common_scale_plot(ext["common_scale"], ext["indirect"]), scale_plot)
    if forest is not None:
        save_figure(summary_forest_plot(summary), forest)
    if funnel is not None:
        save_figure(summary_funnel_plot(summary), funnel)
    if fmt == "json":
        emit_json(summary.to_dict())
        return
    _print_summary(summary, forest, funnel, prepost_plot)


@app.command("studies")
def studies_cmd(
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """List the bundled stem-cell studies: design, product, direction of effect, citation."""
    from anagen.evidence import study_directions

    _choice(fmt, "--format", ("table", "json"))
    from anagen.evidence._store import evidence_date

    d = study_directions()
    if fmt == "json":
        emit_json(d.to_dict(orient="records"))
        return
    console.print(f"Evidence: {evidence_date()}", highlight=False, markup=False)
    t = Table(
        title=f"Bundled stem-cell studies (density outcome, {len(d)} studies)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("study", "product", "design", "vs", "n", "dir", "usable effect"):
        t.add_column(
            col,
            overflow="fold",
            no_wrap=col in ("study", "n", "dir"),
            ratio=3 if col == "usable effect" else None,
        )
    sign = {1.0: "+", -1.0: "-", 0.0: "0"}
    for rec in d.itertuples(index=False):
        t.add_row(
            str(rec.study_id),
            str(rec.product_group),
            str(rec.design),
            str(rec.comparison).replace("vs ", ""),
            "?" if not math.isfinite(rec.n) else f"{rec.n:g}",
            sign.get(rec.direction, "?"),
            "yes" if rec.quantified else f"no: {rec.reason}",
        )
    console.print(t)
    console.print(
        "dir: + favours treatment, - favours the comparison, 0 no difference, ? not reported"
    )
    console.print("[bold]Citations[/]")
    for rec in d.itertuples(index=False):
        console.print(f"  {rec.study_id}: {rec.citation}", highlight=False, markup=False)


@app.command("add")
def add_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV of new study rows with the studies.csv columns.")
    ],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Validate new study rows and store them in the user evidence folder (living evidence).

    The folder is $ANAGEN_EVIDENCE_DIR, else $XDG_DATA_HOME/anagen/evidence, else
    ~/.local/share/anagen/evidence. Nothing is written unless every row passes.
    """
    from anagen.evidence._store import add_study_rows, evidence_date, evidence_studies

    _choice(fmt, "--format", ("text", "json"))
    res = add_study_rows(file)
    date = evidence_date(evidence_studies("all"))
    if fmt == "json":
        emit_json({**res.to_dict(), "evidence_date": date})
        return
    console.print(
        f"added {len(res.added)} row(s) ({', '.join(res.added)}) to {res.directory / 'studies.csv'}; "
        f"{res.total_user_rows} user row(s) in total; provenance in "
        f"{res.directory / 'provenance.csv'} (sha256 {res.source_sha256[:12]}...)",
        highlight=False,
        markup=False,
    )
    console.print(f"Evidence: {date}", highlight=False, markup=False)


@app.command("coverage")
def coverage_cmd(
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    data: Annotated[
        str,
        typer.Option("--data", help="Study rows: all (bundled + user-added), bundled, or user."),
    ] = "all",
) -> None:
    """The published systematic reviews vs the trials anagen holds, and what each trial gives."""
    from anagen.evidence._reviews import coverage
    from anagen.evidence._store import DATA_CHOICES, evidence_date, evidence_studies

    _choice(fmt, "--format", ("table", "json"))
    _choice(data, "--data", DATA_CHOICES)
    studies = evidence_studies(data)
    cov = coverage(studies)
    date = evidence_date(studies)
    if fmt == "json":
        emit_json({**cov.to_dict(), "evidence_date": date})
        return
    console.print(f"Evidence: {date}", highlight=False, markup=False)
    t = Table(title="Published reviews vs anagen", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("review", "review k/N", "anagen k/N", "vs ctrl", "pre-post", "none"):
        t.add_column(col, no_wrap=True, min_width=21 if col == "review" else None)
    for r in cov.rows:
        t.add_row(
            escape(r.review_id),
            f"{r.k_review or '?'} / {(r.n_review or '?').split(' ')[0]}",
            f"{r.k_anagen} / {r.n_anagen:g}",
            str(r.k_controlled),
            str(r.k_prepost_only),
            str(r.k_no_number),
        )
    console.print(t)
    console.print(
        "anagen k / N: bundled trials inside the review's scope (products, and randomised only "
        "where the review is); the reviews' own lists of included trials are not in the stored "
        "abstracts.",
        highlight=False,
    )
    seen: dict[str, str] = {}
    for r in cov.rows:
        for sid, use in r.studies:
            seen.setdefault(sid, use)
    console.print("[bold]What each trial in these scopes gives[/]")
    for sid, use in sorted(seen.items()):
        console.print(f"  {sid}: {use}", highlight=False, markup=False)


def _p_clause(p: float) -> str:
    """``= 0.0123``, or ``< 1e-300`` where the tail probability underflows (never ``= 0``)."""
    from anagen._io import p_text

    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"
