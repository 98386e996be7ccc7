"""``anagen therapy``: The treatment step by step (harvest, process, inject, regenerate) and the alternatives."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anagen.cli._common import (
    check_output_path,
    check_seed,
    console,
    emit_json,
    esc,
    progress,
    require_file,
)
from anagen.errors import InputError

app = typer.Typer(
    help="The treatment step by step (harvest, process, inject, regenerate) and the alternatives.",
    no_args_is_help=True,
)

_PLOT_SUFFIXES = {".png", ".svg", ".pdf"}
_ALTERNATIVES = (
    "none",
    "minoxidil_2",
    "minoxidil_5",
    "finasteride_1mg",
    "prp",
    "lllt",
    "transplant",
)

ProtocolArg = Annotated[
    str,
    typer.Argument(
        help="Protocol TOML file, or the name of a shipped protocol (e.g. style_low_dose)."
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json.")]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", help="Write a figure (.png, .svg or .pdf).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same output.")]
YearsOpt = Annotated[float, typer.Option("--years", help="Horizon in years.")]
FolliclesOpt = Annotated[
    int, typer.Option("--follicles", help="Simulated follicles (a scalp has ~100,000).")
]
_DEFAULT_FOLLICLES = 100_000


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise InputError(field="--format", allowed="table or json", got=fmt)


def _check_plot(plot: Path | None) -> None:
    check_output_path(plot)
    if plot is not None and plot.suffix.lower() not in _PLOT_SUFFIXES:
        raise InputError(
            field="--plot", allowed="a file ending in .png, .svg or .pdf", got=plot.suffix
        )


def _check_years(years: float) -> None:
    if not math.isfinite(years) or not 0 < years <= 30:
        raise InputError(field="--years", allowed="in (0, 30]", got=years)


def _resolve_protocol(name: str):
    """A protocol file path, or the stem of a shipped protocol."""
    from anagen.therapy import load_protocol, protocol_paths

    path = Path(name)
    if path.exists():
        return load_protocol(require_file(path, what="protocol file"))
    shipped = protocol_paths()
    if name in shipped:
        return load_protocol(shipped[name])
    raise InputError(
        field="PROTOCOL",
        allowed=f"an existing TOML file or a shipped protocol ({', '.join(shipped)})",
        got=name,
    )


def _load_patient(path: Path | None):
    from anagen.therapy import load_patient

    if path is None:
        return None
    return load_patient(require_file(path, what="patient file"))


def _note() -> None:
    from anagen.therapy import STATUS_NOTE

    console.print(f"[dim italic]{STATUS_NOTE}[/]")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 1e4 or (abs(x) < 1e-2 and x != 0):
        return f"{x:.3g}"
    return f"{x:,.3g}" if abs(x) < 100 else f"{x:,.0f}"


@app.command("show")
def show_cmd(
    protocol: ProtocolArg,
    patient: Annotated[
        Path | None, typer.Option("--patient", help="Patient TOML (donor factors, dead zones).")
    ] = None,
    fmt: FormatOpt = "table",
    seed: SeedOpt = 0,
    plot: PlotOpt = None,
) -> None:
    """Show a protocol stage by stage: harvest, process, inject (coverage, checks), regenerate."""
    from anagen.therapy import living_fraction_by_zone, patient_scalp, run_protocol

    _check_format(fmt)
    check_seed(seed)
    _check_plot(plot)
    proto = _resolve_protocol(protocol)
    pat = _load_patient(patient)
    alive = None
    if pat is not None:  # which treated zones still have living follicles on this scalp
        alive = living_fraction_by_zone(patient_scalp(pat, n_follicles=20_000, seed=seed)[1])
    run = run_protocol(proto, pat, seed=seed, living_fraction=alive)
    data = run.to_dict()
    if plot is not None:
        from anagen.therapy.plot import plot_protocol

        plot_protocol(run).savefig(plot, dpi=120)
    if fmt == "json":
        emit_json(data)
        return
    p = data["protocol"]
    console.print(
        f"[bold]{esc(p['name'])}[/]  ({esc(p['product_name'])}; {esc(p['study'])}; "
        f"sources {esc(', '.join(p['sources']))})"
    )
    t = Table(title="Stages (median and 90 % interval over prior draws)")
    for col in ("stage", "quantity", "median", "5 %", "95 %", "unit"):
        t.add_column(col, justify="right" if col in ("median", "5 %", "95 %") else "left")
    t.add_row(
        "harvest",
        "tissue taken",
        _fmt(data["harvest"]["amount"]),
        "",
        "",
        data["harvest"]["amount_unit"],
    )
    for stage in ("harvest", "process"):
        for q in data[stage]["quantities"]:
            t.add_row(
                stage, q["name"], _fmt(q["median"]), _fmt(q["p05"]), _fmt(q["p95"]), q["unit"]
            )
    sf = data["process"]["target_shortfall_probability"]
    if sf is not None and math.isfinite(sf):
        t.add_row("process", "P(harvest short of target dose)", f"{sf:.0%}", "", "", "")
    for k, v in data["process"]["growth_factors_pg_per_cm2"].items():
        t.add_row("process", f"{k} delivered", _fmt(v), "", "", "pg/cm2 per session [T48]")
    t.add_row(
        "inject", "volume per session", _fmt(data["inject"]["session_volume_ml"]), "", "", "mL"
    )
    t.add_row(
        "sessions",
        "count / days",
        str(data["sessions"]["count"]),
        "",
        "",
        ", ".join(f"{d:g}" for d in data["sessions"]["days"]),
    )
    console.print(t)
    z = Table(title="Injection plan per zone (coverage map)")
    for col in (
        "zone",
        "area cm2",
        "zone cm2",
        "coverage",
        "points",
        "volume mL",
        "dose per cm2",
        "x reference",
    ):
        z.add_column(col, justify="left" if col == "zone" else "right")
    for row in data["inject"]["zones"]:
        z.add_row(
            row["zone"],
            _fmt(row["area_cm2"]),
            _fmt(row["zone_area_cm2"]),
            f"{row['coverage']:.0%}",
            str(row["n_points"]),
            _fmt(row["volume_ml"]),
            _fmt(row["dose_per_cm2"]),
            _fmt(row["relative_exposure"]),
        )
    console.print(z)
    for c in data["inject"]["checks"]:
        colour = {"ok": "green", "warning": "yellow", "error": "red"}[c["level"]]
        console.print(
            f"[{colour}]{c['level']}[/] {esc(c['field'])}: {esc(c['message'])}", highlight=False
        )
    reg = data["regenerate"]
    r = Table(
        title="Regenerate: exposure and response in the injected area after the last session (prior medians)"
    )
    r.add_column("days after last session", justify="right")
    r.add_column("relative exposure", justify="right")
    r.add_column("response (0-1)", justify="right")
    ex = reg["exposure_after_last_session"]
    for d, e, s in zip(ex["days_after_last"], ex["relative_exposure"], ex["response"], strict=True):
        r.add_row(str(d), _fmt(e), f"{s:.2f}")
    console.print(r)
    pm = reg["params_median"]
    console.print(
        "priors (median): " + ", ".join(f"{k}={v:g}" for k, v in pm.items()), highlight=False
    )
    _note()


@app.command("simulate")
def simulate_cmd(
    protocol: Annotated[
        str,
        typer.Argument(
            help="Protocol TOML file, a shipped protocol name, or an alternative: "
            + ", ".join(_ALTERNATIVES)
            + "."
        ),
    ],
    patient: Annotated[Path, typer.Option("--patient", help="Patient TOML file (required).")],
    years: YearsOpt = 3.0,
    seed: SeedOpt = 0,
    plot: PlotOpt = None,
    fmt: FormatOpt = "table",
    follicles: FolliclesOpt = _DEFAULT_FOLLICLES,
    injected_area: Annotated[
        bool,
        typer.Option(
            "--injected-area",
            help="Show the effect inside the injected area (as trials measure) instead of zone means.",
        ),
    ] = False,
    draws: Annotated[
        int,
        typer.Option("--draws", help="Also run this many draws of the priors: a 90 % prior band."),
    ] = 0,
) -> None:
    """Simulate the scalp treated vs untreated, per zone, over --years."""
    from anagen.therapy import (
        CellTherapy,
        living_fraction_by_zone,
        patient_scalp,
        run_protocol,
        simulate_treatment,
        standard_options,
    )

    _check_format(fmt)
    check_seed(seed)
    _check_plot(plot)
    _check_years(years)
    if follicles < 500 or follicles > 200_000:
        raise InputError(field="--follicles", allowed="in [500, 200000]", got=follicles)
    if not 0 <= draws <= 200:
        raise InputError(field="--draws", allowed="in [0, 200]", got=draws)
    pat = _load_patient(patient)
    scalp = patient_scalp(pat, n_follicles=follicles, seed=seed)
    checks = []
    alts = {t.key: t for t in standard_options()}
    if protocol in alts and not Path(protocol).exists():
        treatment = alts[protocol]
        sessions: tuple[float, ...] = (
            tuple(treatment.session_days(years * 365.25))
            if hasattr(treatment, "session_days")
            else ()
        )
    else:
        proto = _resolve_protocol(protocol)
        treatment = CellTherapy(proto, seed=seed, injected_area=injected_area)
        sessions = proto.sessions.days
        alive = living_fraction_by_zone(scalp[1])
        checks = [
            c
            for c in run_protocol(proto, pat, seed=seed, living_fraction=alive).inject.checks
            if c.level != "ok"
        ]
    with progress("prior draws", total=draws, enabled=draws > 0 and fmt == "table") as advance:
        run = simulate_treatment(
            treatment,
            pat,
            years=years,
            seed=seed,
            n_follicles=follicles,
            scalp=scalp,
            draws=draws,
            advance=advance,
        )
    if plot is not None:
        from anagen.therapy.plot import plot_run

        plot_run(run, sessions).savefig(plot, dpi=120)
    if fmt == "json":
        extra = {
            "session_days": list(sessions),
            "years": years,
            "seed": seed,
            "checks": [c.to_dict() for c in checks],
        }
        emit_json(run.to_dict() | extra)
        return
    horizons = [h for h in (0.5, 1, 2, 3, 5, 10, 20, 30) if h <= years]
    if years not in horizons:
        horizons.append(years)
    t = Table(title=f"{esc(run.name)}: density (hairs/cm2) treated vs untreated, per zone")
    t.add_column("zone")
    t.add_column("day 0", justify="right")
    for h in horizons:
        t.add_column(f"{h:g} y: treated / untreated (diff)", justify="right")
    band = run.effect_band()
    for i, z in enumerate(run.zone_names):
        cells = [f"{run.treated[0, i]:.0f}"]
        for h in horizons:
            tr = run._at(run.treated, h)[i]
            un = run._at(run.untreated, h)[i]
            text = f"{tr:.0f} / {un:.0f} ({tr - un:+.1f})"
            if band is not None:
                text += f" [{run._at(band[0], h)[i]:+.1f}, {run._at(band[1], h)[i]:+.1f}]"
            cells.append(text)
        t.add_row(z, *cells)
    console.print(t)
    if band is not None:
        console.print(
            f"[brackets]: 90 % band of the difference over {draws} prior draws",
            highlight=False,
            markup=False,
        )
    if sessions:
        console.print("sessions on days: " + ", ".join(f"{d:g}" for d in sessions), highlight=False)
    for c in checks:
        console.print(f"[yellow]{c.level}[/] {esc(c.field)}: {esc(c.message)}", highlight=False)
    _note()


@app.command("compare")
def compare_cmd(
    patient: Annotated[Path, typer.Option("--patient", help="Patient TOML file (required).")],
    years: YearsOpt = 3.0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = "table",
    plot: PlotOpt = None,
    follicles: FolliclesOpt = _DEFAULT_FOLLICLES,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol", help="Protocol files or shipped names to compare (default: all shipped)."
        ),
    ] = None,
) -> None:
    """All options side by side: density change, cost, downtime, invasiveness, risks, regulation, candidacy."""
    from anagen.therapy import compare_options, protocol_paths, provider_questions
    from anagen.therapy.protocol import load_protocol

    _check_format(fmt)
    check_seed(seed)
    _check_plot(plot)
    _check_years(years)
    if follicles < 500 or follicles > 200_000:
        raise InputError(field="--follicles", allowed="in [500, 200000]", got=follicles)
    pat = _load_patient(patient)
    protos = (
        [_resolve_protocol(p) for p in protocol]
        if protocol
        else [load_protocol(p) for p in protocol_paths().values()]
    )
    with progress("simulating options", total=7 + len(protos), enabled=fmt == "table") as advance:
        comp = compare_options(
            pat, protocols=protos, years=years, seed=seed, n_follicles=follicles, advance=advance
        )
    if plot is not None:
        from anagen.therapy.plot import plot_comparison

        plot_comparison(comp).savefig(plot, dpi=120)
    if fmt == "json":
        data = comp.to_dict()
        for o in data["options"]:
            o["questions_for_the_provider"] = [q for q, _ in provider_questions(o["option"])]
        emit_json(data)
        return
    t = Table(
        title=f"Modelled change vs no treatment (hairs/cm2, mean over {', '.join(comp.zones)}) and candidacy",
        show_lines=True,
    )
    t.add_column("option", overflow="fold")
    for h in comp.horizons_years:
        t.add_column(f"{h:g} y", justify="right")
    t.add_column("published effect (calibration target)", overflow="fold")
    t.add_column("candidacy", overflow="fold")
    f = Table(
        title="Cost, downtime, invasiveness, regulatory status (cited; see docs/therapy.md)",
        show_lines=True,
    )
    for col in ("option", "cost (USD)", "downtime", "invasiveness", "regulatory (US)"):
        f.add_column(col, overflow="fold")
    seen = set()
    for r in comp.rows:
        eff = [f"{r.target_effect(h, comp.zones):+.1f}" for h in comp.horizons_years]
        ev = r.evidence[0] if r.evidence else "no numeric effect in sources"
        colour = {"eligible": "green", "ask_specialist": "yellow", "not_eligible": "red"}[
            r.candidacy.status
        ]
        t.add_row(esc(r.run.name), *eff, esc(ev), f"[{colour}]{r.candidacy.summary()}[/]")
        if r.info.key not in seen:
            seen.add(r.info.key)
            f.add_row(
                r.info.name,
                r.info.cost_text(),
                r.info.downtime,
                r.info.invasiveness,
                r.info.regulatory_us,
            )
    console.print(t)
    console.print(f)
    console.print(
        "Side effects and full candidacy reasons: --format json. Questions to ask a provider of a cell therapy:"
    )
    for q, src in provider_questions("adipose_cells"):
        console.print(f"  - {q} [{']['.join(src)}]", highlight=False, markup=False)
    _note()
