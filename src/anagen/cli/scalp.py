"""``anagen scalp``: Simulate the follicle population of a human scalp (anagen, catagen, telogen, latency; pattern hair loss)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from anagen.cli._common import (
    check_output_path,
    check_seed,
    console,
    emit_json,
    progress,
    require_file,
)
from anagen.errors import InputError

app = typer.Typer(
    help="Simulate the follicle population of a human scalp (anagen, catagen, telogen, latency; pattern hair loss).",
    no_args_is_help=True,
)

_PLOT_SUFFIXES = {".png", ".svg", ".pdf"}
#: Longest run (years): a human lifetime; the model describes nothing beyond it.
MAX_YEARS = 150.0
#: Most sample times per run (each holds zones x phases counts; the plot and tables read them).
MAX_SAMPLES = 100_000
#: Runs with at least this many follicle-years show a progress bar.
_PROGRESS_FOLLICLE_YEARS = 2_000_000


def _positive(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise InputError(field=name, allowed="> 0", got=value)


@app.command("simulate")
def simulate_cmd(
    params_file: Annotated[
        Path | None,
        typer.Option("--params", help="TOML parameter file (merged over the defaults)."),
    ] = None,
    age: Annotated[float | None, typer.Option("--age", help="Age in years on day 0.")] = None,
    sex: Annotated[str, typer.Option("--sex", help="M or F.")] = "M",
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage", help="Norwood-Hamilton I..VII (IIIv) for men, Ludwig 0/I/II/III for women."
        ),
    ] = None,
    follicles: Annotated[
        int, typer.Option("--follicles", help="Simulated follicles (a scalp has ~100,000).")
    ] = 100_000,
    years: Annotated[
        float | None, typer.Option("--years", help="Length of the run in years.")
    ] = None,
    days: Annotated[float | None, typer.Option("--days", help="Length of the run in days.")] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed: the same seed gives the same output.")
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="stochastic or meanfield.")
    ] = "stochastic",
    every: Annotated[float, typer.Option("--every", help="Sampling interval in days.")] = 30.0,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a figure (.png, .svg or .pdf).")
    ] = None,
) -> None:
    """Simulate a scalp and report phase fractions, densities and the other observables."""
    from anagen.scalp import default_params, initial_scalp, load_params, simulate
    from anagen.scalp.state import DAYS_PER_YEAR, max_follicles

    # validate everything before any work, so that nothing is half-written
    check_output_path(plot, "--plot", (".png", ".svg", ".pdf"))
    if plot is not None and plot.suffix.lower() not in _PLOT_SUFFIXES:
        raise InputError(
            field="--plot", allowed="a file ending in .png, .svg or .pdf", got=plot.suffix
        )
    if (years is None) == (days is None):
        raise InputError(
            field="--years", allowed="given exactly once (or --days instead)", got=years
        )
    _positive("--years", years)
    _positive("--days", days)
    _positive("--every", every)
    if years is not None and years > MAX_YEARS:
        raise InputError(field="--years", allowed=f"in (0, {MAX_YEARS:g}] (a lifetime)", got=years)
    if days is not None and days > MAX_YEARS * 365.25:
        raise InputError(
            field="--days",
            allowed=f"in (0, {MAX_YEARS * 365.25:g}] ({MAX_YEARS:g} years)",
            got=days,
        )
    run_days = days if days is not None else years * 365.25
    if run_days / every > MAX_SAMPLES:
        raise InputError(
            field="--every",
            allowed=f">= {run_days / MAX_SAMPLES:.3g} days (at most {MAX_SAMPLES:,} samples per run)",
            got=every,
        )
    if engine not in ("stochastic", "meanfield"):
        raise InputError(field="--engine", allowed="one of stochastic, meanfield", got=engine)
    if fmt not in ("table", "json"):
        raise InputError(field="--format", allowed="one of table, json", got=fmt)
    limit = max_follicles()
    if follicles < 1 or follicles > limit:
        raise InputError(
            field="--follicles",
            allowed=f"between 1 and {limit} (half the free memory)",
            got=follicles,
        )
    check_seed(seed)
    params = (
        load_params(require_file(params_file, what="parameter file"))
        if params_file
        else default_params()
    )

    total_days = days if days is not None else years * DAYS_PER_YEAR
    seeds = np.random.SeedSequence(seed).spawn(3)
    state = initial_scalp(
        params, age=age, sex=sex, stage=stage, n_follicles=follicles, seed=seeds[0]
    )
    big = follicles * total_days / DAYS_PER_YEAR >= _PROGRESS_FOLLICLE_YEARS
    with progress("simulating scalp", total=follicles, enabled=big and fmt == "table") as advance:
        traj = simulate(
            params,
            state,
            days=total_days,
            every=every,
            seed=seeds[1],
            engine=engine,
            advance=advance,
        )

    from anagen.scalp.phototrichogram import phototrichogram

    photo_rng = np.random.default_rng(seeds[2])
    photos = {z: phototrichogram(traj, params, zone=z, seed=photo_rng) for z in traj.zone_names}
    if plot is not None:  # written once everything it reports has been computed
        from anagen.scalp.plots import plot_trajectory

        plot_trajectory(traj, plot)
    if fmt == "json":
        out = traj.to_dict()
        out["phototrichogram"] = {z: r.to_dict() for z, r in photos.items()}
        out["n_follicles"] = follicles
        out["seed"] = seed
        out["params_file"] = str(params_file) if params_file else None
        emit_json(out)
        return
    _print_tables(traj)
    v = photos["vertex"]
    console.print(
        f"phototrichogram, vertex 1 cm² at year {v.day / 365.25:.2f} (reading CV "
        f"{params.phototrichogram.count_cv:.1%}): {v.total_hairs:.0f} hairs, anagen "
        f"{v.anagen_percent:.0f} %, A:T {v.anagen_telogen_ratio:.2f}, vellus {v.vellus_hairs:.0f}"
    )
    if plot is not None:
        console.print(f"figure written to {plot}")


def _print_tables(traj) -> None:
    d = traj.to_dict()
    t = traj.t_days
    rows = np.unique(np.linspace(0, t.size - 1, min(t.size, 11)).round().astype(int))
    over = Table(title=f"Whole scalp over time ({traj.engine} engine, sex {traj.sex})")
    for col in (
        "year",
        "stage",
        "anagen%",
        "catagen%",
        "telogen%",
        "latency%",
        "hairs/cm²",
        "shed/d",
    ):
        over.add_column(col, justify="right", no_wrap=True)
    for i in rows:
        over.add_row(
            f"{t[i] / 365.25:.2f}",
            d["stage"][i],
            *(
                f"{100 * traj.fractions[p][i]:.1f}"
                for p in ("anagen", "catagen", "telogen", "latency")
            ),
            f"{d['density_per_cm2']['scalp'][i]:.1f}",
            "-" if i == 0 else f"{d['shedding_per_day']['scalp'][i]:.0f}",
        )
    console.print(over)
    zones = Table(
        title=f"By zone at year {t[-1] / 365.25:.2f} (*run mean; mm/cm²: summed shaft diameters)",
        collapse_padding=True,
    )
    zones.add_column("zone", no_wrap=True, min_width=9)
    for col in ("term/cm²", "vell/cm²", "anagen%", "A:T", "shed/d*", "diam µm", "mm/cm²"):
        zones.add_column(col, justify="right", no_wrap=True)
    # shedding per day averaged over the whole run (the last interval may be short)
    run_shed = traj.shed[1:].sum(axis=0) / traj.scale / max(t[-1] - t[0], 1e-12)
    for j, name in enumerate(traj.zone_names):
        zones.add_row(
            name,
            f"{traj.terminal_density_per_cm2[-1, j]:.1f}",
            f"{traj.vellus_density_per_cm2[-1, j]:.1f}",
            f"{traj.anagen_percent[-1, j]:.1f}",
            f"{traj.anagen_telogen_ratio[-1, j]:.2f}",
            f"{run_shed[j]:.1f}",
            f"{traj.mean_diameter_um[-1, j]:.1f}",
            f"{traj.cumulative_thickness_mm_per_cm2[-1, j]:.2f}",
        )
    console.print(zones)
