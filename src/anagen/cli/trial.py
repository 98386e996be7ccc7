"""``anagen trial``: virtual trials on the simulated scalp — effect distribution, power, sample size."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anagen._io import save_figure
from anagen.cli._common import (
    check_output_path,
    check_seed,
    console,
    emit_json,
    err_console,
    esc,
    progress,
)
from anagen.decision._power_text import power_se_text, power_text
from anagen.errors import InputError

app = typer.Typer(
    help=(
        "Virtual trials on the simulated scalp (Dask): distribution of the estimated effects, "
        "power, sample size, time course per arm, subgroups. Effect sizes are model-based "
        "(the calibrated posterior by default)."
    ),
    no_args_is_help=True,
)

TrialArg = Annotated[
    str,
    typer.Argument(help="Trial TOML file, or the name of a shipped trial (e.g. adsc_vs_placebo)."),
]
TrialsOpt = Annotated[
    int | None, typer.Option("--trials", help="Simulated trials (default: the file's).")
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed (default: the file's); same seed, same result.")
]
SchedulerOpt = Annotated[
    str,
    typer.Option(
        "--scheduler",
        help="local (a 2-worker Dask LocalCluster), synchronous (no cluster), or the address "
        "of a running Dask scheduler (tcp://host:8786).",
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="posterior (draws of the calibrated posterior) or prior (the treatments' "
        "uncalibrated priors); default: the file's [model] source, itself posterior by default.",
    ),
]
SeOpt = Annotated[
    float,
    typer.Option(
        "--se",
        help="Largest Monte-Carlo SE of the power: patients are added until it is reached "
        "(or [model] max_pool).",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json.")]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", help="Write a figure (.png, .svg or .pdf).")
]


def _check(fmt: str, plot: Path | None) -> None:
    if fmt not in ("table", "json"):
        raise InputError(field="--format", allowed="table or json", got=fmt)
    check_output_path(plot, "--plot", (".png", ".svg", ".pdf"))
    if plot is not None and plot.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise InputError(
            field="--plot", allowed="a file ending in .png, .svg or .pdf", got=plot.suffix
        )


def _spec(trial: str, trials: int | None, seed: int | None, source: str | None = None):
    from anagen.decision._trial_file import load_trial

    if trials is not None and not 1 <= trials <= 100_000:
        raise InputError(field="--trials", allowed="in [1, 100000]", got=trials)
    check_seed(seed)
    if source is not None and source not in ("prior", "posterior"):
        raise InputError(field="--source", allowed="prior or posterior", got=source)
    spec = load_trial(trial)
    if source == "posterior" and spec.parameters == "median":
        raise InputError(
            field="--source",
            allowed="prior when the file's [model] parameters = 'median'",
            got=source,
        )
    return spec.with_(
        trials=spec.trials if trials is None else trials,
        seed=spec.seed if seed is None else seed,
        source=spec.source if source is None else source,
    )


def _num(x: float, digits: int = 1) -> str:
    return "-" if not math.isfinite(x) else f"{x:+.{digits}f}"


def _warn_prior(spec) -> None:
    if spec.source == "prior":
        console.print(
            "[bold red]WARNING: source = prior — the treatments' UNCALIBRATED priors, not the "
            "posterior fitted to the trials. Use --source posterior (the default) for "
            "calibrated effects.[/]"
        )


#: The marker of a number past the follow-up of its arms' evidence; the EXTRAPOLATION lines
#: under the tables (and on stderr) name the limit and its source.
_PAST = "*"


def _mark(text: str, past: bool) -> str:
    return f"{text}{_PAST}" if past else text


def _warn_extrapolation(notes) -> None:
    """Every EXTRAPOLATION line on stderr, whatever the format (:func:`_footnote`: under the
    tables)."""
    for n in notes:
        err_console.print(f"[bold yellow]WARNING: {esc(n)}[/]", highlight=False)


def _footnote(notes) -> None:
    for n in notes:
        console.print(f"[bold yellow]{_PAST} {esc(n)}[/]", highlight=False)


def _bar(spec):
    what = "patients" if spec.parameters != "per_trial" else "patients (per-trial draws)"
    total = spec.max_pool if spec.parameters != "per_trial" else None
    return what, total


@app.command("simulate")
def simulate_cmd(
    trial: TrialArg,
    trials: TrialsOpt = None,
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = "local",
    source: SourceOpt = None,
    se: SeOpt = 0.02,
    fmt: FormatOpt = "table",
    plot: PlotOpt = None,
) -> None:
    """Run the virtual trials: every arm vs the control at every visit, power, subgroups."""
    from anagen.decision._trial import simulate_trials

    _check(fmt, plot)
    spec = _spec(trial, trials, seed, source)
    if fmt == "table":
        _warn_prior(spec)
    what, total = _bar(spec)
    if total is None:
        total = spec.trials * sum(a.n for a in spec.arms)
    with progress(f"{what} simulated", total=total, enabled=fmt == "table") as advance:
        res = simulate_trials(spec, scheduler=scheduler, advance=advance, se_target=se)
    if plot is not None:
        from anagen.decision._trial_plot import plot_estimates

        save_figure(plot_estimates(res), plot, dpi=120)
    s = res.summary()
    _warn_extrapolation(s["extrapolation"])
    if fmt == "json":
        emit_json(res.to_dict())
        return
    past = s["extrapolated"]
    nt = int(s["simulated_trials"])
    q = s["quantiles_estimate"]
    ctrl = spec.arms[spec.control].name
    t = Table(title=esc(spec.name), show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    arms = ", ".join(f"{esc(a.name)} (n = {a.n})" for a in spec.arms)
    t.add_row("design", f"{spec.design}: {arms}; control: {esc(ctrl)}")
    t.add_row(
        "outcome",
        f"{s['outcome']} (re-found 1 cm2 target area, reading CV 6.3 % [S62]); "
        f"visits at week {', '.join(f'{w:g}' for w in spec.visits_weeks)}",
    )
    what = "calibrated posterior" if spec.source == "posterior" else "UNCALIBRATED priors"
    t.add_row("treatment parameters", f"{spec.parameters} draws of the {what}")
    t.add_row(
        "simulated trials",
        f"{s['simulated_trials']} (seed {spec.seed}), drawn from {s['simulated_patients']} "
        "simulated patients",
    )
    t.add_row(
        f"estimated effect ({esc(spec.arms[spec.compared[0]].name)} - {esc(ctrl)}, "
        f"week {_mark(f'{spec.follow_up_weeks:g}', past)})",
        f"mean {_num(s['mean_estimate'])}, SD {s['sd_estimate']:.1f}; "
        f"median {_num(q['p50'])}, 90 % of trials in [{_num(q['p05'])}, {_num(q['p95'])}]",
    )
    t.add_row(
        f"power (p < {spec.alpha:g}, two-sided)",
        f"{_mark(power_text(s['power'], nt), past)} (Monte-Carlo SE {s['power_se']:.3f}); "
        f"significant benefit {_mark(power_text(s['significant_benefit'], nt), past)}",
    )
    console.print(t)
    c = Table(title=f"Every arm vs {esc(ctrl)} ({res.unit}; 90 % of simulated trials)")
    for col in ("arm", "week", "mean arm outcome", "mean effect", "90 % of trials", "power"):
        c.add_column(col, justify="right" if col != "arm" else "left")
    means = {(r["arm"], r["week"]): r for r in s["time_course"]}
    for w in spec.visits_weeks:
        m = means[(ctrl, w)]
        c.add_row(
            esc(ctrl), _mark(f"{w:g}", m["extrapolated"]), _num(m["mean_outcome"]), "", "", ""
        )
    for r in s["comparisons"]:
        x = r["extrapolated"]
        c.add_row(
            esc(r["arm"]),
            _mark(f"{r['week']:g}", x),
            _num(means[(r["arm"], r["week"])]["mean_outcome"]),
            _mark(_num(r["mean_estimate"]), x),
            f"[{_num(r['p05'])}, {_num(r['p95'])}]",
            _mark(power_text(r["power"], nt), x),
        )
    console.print(c)
    if s["subgroups"]:
        g = Table(title=f"Subgroups (week {spec.follow_up_weeks:g}, vs {esc(ctrl)})")
        for col in ("subgroup", "level", "share of patients", "arm", "mean effect", "power"):
            g.add_column(col)
        for r in s["subgroups"]:
            g.add_row(
                r["subgroup"],
                r["level"],
                f"{r['share_of_patients']:.0%}",
                esc(r["arm"]),
                _mark(_num(r["mean_estimate"]), r["extrapolated"]),
                _mark(power_text(r["power"], nt), r["extrapolated"]),
            )
        console.print(g)
    _footnote(s["extrapolation"])
    console.print(f"[dim italic]{res.note}[/]")


@app.command("power")
def power_cmd(
    trial: TrialArg,
    target: Annotated[float, typer.Option("--target", help="Target power, in (0, 1).")] = 0.8,
    max_n: Annotated[
        int, typer.Option("--max-n", help="Largest n per arm to try (doubling search).")
    ] = 200,
    trials: TrialsOpt = None,
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = "local",
    source: SourceOpt = None,
    se: SeOpt = 0.02,
    fmt: FormatOpt = "table",
    plot: PlotOpt = None,
) -> None:
    """Sample size: the smallest n per arm reaching --target power, and the power curve."""
    from anagen.decision._trial import sample_size

    _check(fmt, plot)
    if not (isinstance(target, float | int) and 0 < target < 1):
        raise InputError(field="--target", allowed="in (0, 1)", got=target)
    if not 2 <= max_n <= 100_000:
        raise InputError(field="--max-n", allowed="in [2, 100000]", got=max_n)
    spec = _spec(trial, trials, seed, source)
    if fmt == "table":
        _warn_prior(spec)
    what, total = _bar(spec)
    if total is None:
        batches = 1 + max(0, math.ceil(math.log2(max(max_n, 4) / 4)))
        total = spec.trials * len(spec.arms) * 4 * (2**batches)
    with progress(f"{what} simulated", total=total, enabled=fmt == "table") as advance:
        curve = sample_size(
            spec, target, max_n=max_n, scheduler=scheduler, advance=advance, se_target=se
        )
    if plot is not None:
        from anagen.decision._trial_plot import plot_power

        save_figure(plot_power(curve), plot, dpi=120)
    d = curve.to_dict()
    _warn_extrapolation(d["extrapolation"])
    if fmt == "json":
        emit_json(d)
        return
    past = d["extrapolated"]
    unit = "patients (both halves)" if spec.design == "split-scalp" else "n per arm"
    cmp_ = f"{spec.arms[spec.compared[0]].name} vs {spec.arms[spec.control].name}"
    t = Table(
        title=f"{esc(spec.name)}: power of {esc(cmp_)} at week "
        f"{_mark(f'{spec.follow_up_weeks:g}', past)} by {unit} "
        f"({spec.trials} simulated trials each, from {curve.pool_size} simulated patients)"
    )
    t.add_column(unit, justify="right")
    t.add_column("power (MC SE)", justify="right")
    t.add_column("mean estimated effect", justify="right")
    n_all = curve.n
    show = sorted(
        {int(n) for n in n_all if n in (2, 4, 8, 16, 32, 64, 128) or n % 25 == 0}
        | ({curve.sample_size} if curve.sample_size else set())
        | ({curve.sample_size_stable} if curve.sample_size_stable else set())
        | {int(n_all[-1])}
    )
    for n in show:
        i = int(n - n_all[0])
        mark = " <- sample size" if n == curve.sample_size else ""
        t.add_row(
            f"{n}",
            f"{_mark(power_text(curve.power[i], spec.trials), past)} "
            f"({power_se_text(curve.power[i], spec.trials)}){mark}",
            _mark(_num(curve.mean_estimate[i]), past),
        )
    console.print(t)
    if curve.sample_size is not None:
        per = "patients" if spec.design == "split-scalp" else "per arm"
        stable = curve.sample_size_stable
        console.print(
            f"sample size: {curve.sample_size} {per} first reach power {target:g} "
            f"(alpha {spec.alpha:g}, {spec.design}); Monte-Carlo SE of the power there "
            f"{curve.se_at_answer:.3f}; "
            + (
                f"power stays >= {target:g} from {stable} {per} up to {int(curve.n[-1])}"
                if stable is not None
                else f"power falls below {target:g} again by {int(curve.n[-1])}"
            )
            + _past_text(spec, past),
            highlight=False,
        )
    else:
        console.print(
            f"power {target:g} not reached with up to {curve.n[-1]} per arm "
            f"(power {power_text(curve.power[-1], spec.trials)}, Monte-Carlo SE {curve.se_at_answer:.3f}); "
            "raise --max-n" + _past_text(spec, past),
            highlight=False,
        )
    _footnote(d["extrapolation"])
    console.print(f"[dim italic]{curve.note}[/]")


def _past_text(spec, past: bool) -> str:
    """What the power statement adds when its visit is past the evidence."""
    if not past:
        return ""
    return (
        f". {_PAST} Week {spec.follow_up_weeks:g} is past the follow-up of the evidence: this is "
        "the power of the model's extrapolated effect, not of an effect a trial has shown."
    )
