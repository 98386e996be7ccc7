"""``anagen calibrate``: fit the regeneration and alternative-treatment parameters to the trials
(population Monte Carlo on a random-effects likelihood) and validate the fit leaving one study
out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anagen._io import check_output_path
from anagen.cli._common import check_seed, console, emit_json, esc, progress
from anagen.errors import InputError

app = typer.Typer(
    help="Calibrate the treatment parameters on the curated trials and validate the fit.",
    no_args_is_help=True,
)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise InputError(field="--format", allowed="table or json", got=fmt)


@app.command("run")
def run(
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            help="Simulated draws per parameter block (half from the prior, half adapted).",
        ),
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed: the same seed gives the same fit.")
    ] = 0,
    out: Annotated[
        Path,
        typer.Option("--out", help="Posterior file (.npz); provenance goes to .json beside it."),
    ] = Path("posterior.npz"),
    quantile: Annotated[
        float,
        typer.Option(
            "--quantile",
            help="Share of the draws resampled by weight into the stored posterior sample.",
        ),
    ] = 0.25,
    area: Annotated[
        float,
        typer.Option(
            "--area", help="Measured target area per model patient, cm2 (split over its zones)."
        ),
    ] = 8.0,
    scheduler: Annotated[
        str,
        typer.Option(
            "--scheduler",
            help="local (a 2-worker Dask LocalCluster), synchronous, or the address of a "
            "running Dask scheduler (tcp://host:8786).",
        ),
    ] = "local",
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    data: Annotated[
        str,
        typer.Option("--data", help="Study rows: all (bundled + user-added), bundled, or user."),
    ] = "all",
) -> None:
    """Fit the parameters to the curated trials (two-stage population Monte Carlo) and write the
    posterior."""
    from anagen.decision._calibrate import calibrate
    from anagen.decision._calibrate_trials import curated_trials

    _check_format(fmt)
    check_seed(seed)
    check_output_path(out, field="--out", suffixes=(".npz",))
    check_output_path(out.with_suffix(".json"), field="--out")
    if not 20 <= draws <= 1_000_000:
        raise InputError(field="--draws", allowed="an integer in [20, 1000000]", got=draws)
    if not 0.5 <= area <= 40:
        raise InputError(field="--area", allowed="in [0.5, 40]", got=area)
    if not 0 < quantile <= 1:
        raise InputError(field="--quantile", allowed="in (0, 1]", got=quantile)
    from anagen.evidence._store import evidence_date, evidence_studies, use_evidence

    with use_evidence(data):
        trials = curated_trials()
    date = evidence_date(evidence_studies(data))
    blocks = {t.block for t in trials}
    with progress("simulated draws", draws * len(blocks), enabled=fmt == "table") as advance:
        cal = calibrate(
            trials,
            n_draws=draws,
            quantile=quantile,
            seed=seed,
            area_cm2=area,
            scheduler=scheduler,
            progress=advance,
        )
    npz, js = cal.save(out)
    post = cal.posterior
    if fmt == "json":
        emit_json(
            {
                "posterior": str(npz),
                "provenance": str(js),
                "runtime_s": cal.runtime_s,
                "evidence_date": date,
                "summary": post.summary().to_dict("records"),
            }
        )
        return
    t = Table(title=f"Posterior vs prior ({draws} draws per block, {quantile:g} resampled)")
    for c in (
        "block",
        "parameter",
        "prior median",
        "prior 90 %",
        "posterior median",
        "posterior 90 %",
    ):
        t.add_column(c)
    for r in post.summary().itertuples():
        t.add_row(
            r.block,
            r.parameter,
            f"{r.prior_median:.3g}",
            r.prior_90,
            f"{r.posterior_median:.3g}",
            r.posterior_90,
        )
    console.print(t)
    ess = ", ".join(f"{k} {b.ess():.0f}" for k, b in post.blocks.items() if b.study_ids)
    console.print(f"effective sample size per block: {ess}", highlight=False)
    console.print(f"wrote {npz} and {js}; runtime {cal.runtime_s:.0f} s")
    console.print(f"Evidence: {date}", highlight=False, markup=False)


def _study_table(title: str, block: str, numbers: tuple[str, ...]) -> Table:
    """A table of one row per study: the study and block names fold in a narrow terminal, the
    number columns never wrap, so a number is never cut ("in": yes/NO, left-aligned)."""
    from rich import box

    t = Table(title=title, box=box.SIMPLE_HEAD, collapse_padding=True)
    t.add_column("study", overflow="fold", min_width=10)
    t.add_column(block, overflow="fold", min_width=9)
    for c in numbers:
        t.add_column(c, no_wrap=True, justify="left" if c == "in" else "right")
    return t


@app.command("loso")
def loso(
    posterior: Annotated[
        Path | None,
        typer.Option("--posterior", help="Posterior .npz (default: the shipped one)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Leave-one-study-out: predicted vs reported effect and coverage of the 80 % intervals."""
    from anagen.decision._calibrate import leave_one_study_out, load_posterior

    _check_format(fmt)
    res = leave_one_study_out(load_posterior(posterior))
    if fmt == "json":
        emit_json(res.to_dict())
        return
    t = _study_table(
        "Leave one study out (80 % predictive intervals)",
        "block",
        ("fit", "reported", "SE", "pred.", "80 % int.", "in", "ESS"),
    )
    for r in res.rows.itertuples():
        t.add_row(
            esc(r.study_id),
            esc(r.block),
            str(r.fit_on),
            f"{r.reported:.1f}",
            f"{r.se:.1f}",
            f"{r.predicted:.1f}",
            f"{r.lo80:.1f}–{r.hi80:.1f}",
            "yes" if r.covered else "NO",
            f"{r.ess:.0f}",
        )
    console.print(t)
    console.print(
        "fit: other studies of its block the row is predicted from; pred.: predicted median; "
        "in: reported value inside the 80 % interval; ESS: effective sample size of the weights",
        highlight=False,
    )
    n = len(res.rows)
    inside, n_studies = res.study_coverage_80
    console.print(
        f"coverage of the 80 % intervals: {res.coverage_80:.0%} "
        f"({int(res.rows['covered'].sum())} of {n} rows); by study, every row inside: "
        f"{inside} of {n_studies} ({inside / max(n_studies, 1):.0%})"
    )


@app.command("check")
def check(
    posterior: Annotated[
        Path | None,
        typer.Option("--posterior", help="Posterior .npz (default: the shipped one)."),
    ] = None,
    plot_ppc: Annotated[
        Path | None,
        typer.Option("--plot-ppc", help="Write the posterior predictive check (.png/.svg/.pdf)."),
    ] = None,
    plot_time: Annotated[
        Path | None,
        typer.Option(
            "--plot-time", help="Write model vs reported visits per study (.png/.svg/.pdf)."
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws", help="Accepted draws simulated per time course / population variant."
        ),
    ] = 30,
    populations: Annotated[
        bool,
        typer.Option(
            "--populations",
            help="Also re-simulate every study with its assumed population shifted "
            "(age -/+10 years, stage -/+1).",
        ),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Posterior predictive check per study, SE sensitivity, (with --populations) population
    sensitivity, and (with --plot-time) the model's time course against every trial's visits."""
    from anagen.decision._calibrate import load_posterior
    from anagen.decision._calibrate_check import (
        percentile_text,
        posterior_predictive,
        se_sensitivity,
    )

    _check_format(fmt)
    for p, name in ((plot_ppc, "--plot-ppc"), (plot_time, "--plot-time")):
        if p is not None:
            check_output_path(p, field=name, suffixes=(".png", ".svg", ".pdf"))
    if not 2 <= draws <= 1000:
        raise InputError(field="--draws", allowed="an integer in [2, 1000]", got=draws)
    post = load_posterior(posterior)
    ppc = posterior_predictive(post)
    sens = se_sensitivity(post)
    tc = None
    if plot_time is not None:
        from anagen.decision._calibrate_check import time_courses

        n = len({post.groups().get(s, s) for b in post.blocks.values() for s in b.study_ids})
        with progress("studies (time courses)", n, enabled=fmt == "table") as advance:
            tc = time_courses(post, n_draws=draws, advance=advance)
    pops = None
    if populations:
        from anagen.decision._calibrate_check import POPULATION_VARIANTS, population_sensitivity

        n = sum(len(b.study_ids) for b in post.blocks.values()) * (1 + len(POPULATION_VARIANTS))
        with progress("study x population runs", n, enabled=fmt == "table") as advance:
            pops = population_sensitivity(post, n_draws=draws, advance=advance)
    if plot_ppc is not None:
        from anagen._io import save_figure
        from anagen.decision._calibrate_plot import plot_ppc as _ppc

        save_figure(_ppc(ppc), plot_ppc)
    if tc is not None and plot_time is not None:
        from anagen._io import save_figure
        from anagen.decision._calibrate_plot import plot_time_courses

        save_figure(plot_time_courses(tc), plot_time)
    if fmt == "json":
        emit_json(
            {
                "ppc": ppc.to_dict("records"),
                "se_sensitivity": sens.to_dict("records"),
                "time_courses": None if tc is None else tc.to_dict("records"),
                "population_sensitivity": None if pops is None else pops.to_dict("records"),
            }
        )
        return
    t = _study_table(
        "Posterior predictive check (80 % bands; percentile of the reported value)",
        "family/block",
        ("reported", "posterior 80 %", "prior 80 %", "pctl"),
    )
    for r in ppc.itertuples():
        t.add_row(
            esc(r.study_id),
            esc(r.block),
            f"{r.reported:.1f}",
            f"{r.post_lo80:.1f}–{r.post_hi80:.1f}",
            f"{r.prior_lo80:.1f}–{r.prior_hi80:.1f}",
            percentile_text(r.percentile),
        )
    console.print(t)
    s = Table(title="Sensitivity: imputed SEs x factor (stored simulations, re-weighted)")
    s.add_column("", no_wrap=True)
    for f in sens["se_factor"]:
        s.add_column(f"SE x {f:g}", justify="right")
    for col in sens.columns[1:]:
        vals = sens[col].tolist()
        s.add_row(col, *[f"{v:.3g}" if isinstance(v, float) else str(v) for v in vals])
    console.print(s)
    if pops is not None:
        g = Table(title="Sensitivity: assumed populations (median simulated effect)")
        for c in pops.columns:
            g.add_column(str(c), no_wrap=c in ("study_id", "block"))
        for r in pops.itertuples(index=False):
            g.add_row(*[f"{v:.3g}" if isinstance(v, float) else esc(str(v)) for v in r])
        console.print(g)
