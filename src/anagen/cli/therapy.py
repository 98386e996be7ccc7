"""``anagen therapy``: The treatment step by step (harvest, process, inject, regenerate) and the alternatives."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from anagen._io import save_figure
from anagen.cli._assessment import (
    DrawsOpt,
    SeedOpt,
    SourceOpt,
    WorkersOpt,
    check_settings,
    cli_protocols,
    default_workers,
    print_effects,
    print_source_banner,
    run_assessment,
)
from anagen.cli._assessment import FolliclesOpt as AssessFolliclesOpt
from anagen.cli._common import check_output_path, check_seed, console, emit_json, esc, require_file
from anagen.decision._size import DEFAULT_SIZE
from anagen.errors import InputError

if TYPE_CHECKING:
    from anagen.decision import OptionAssessment

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


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise InputError(field="--format", allowed="table or json", got=fmt)


def _check_plot(plot: Path | None) -> None:
    check_output_path(plot, "--plot", (".png", ".svg", ".pdf"))
    if plot is not None and plot.suffix.lower() not in _PLOT_SUFFIXES:
        raise InputError(
            field="--plot", allowed="a file ending in .png, .svg or .pdf", got=plot.suffix
        )


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


def _note(a=None) -> None:
    if a is None:
        console.print(
            "[dim italic]Stage by stage at the prior medians (what the protocol delivers); a "
            "person's predictions: anagen assess. Decision support, not a diagnosis.[/]"
        )
        return
    console.print(
        f"[dim italic]Model parameters: {a.parameter_source}; seed {a.provenance.seed}, "
        f"{a.provenance.n_draws} draws. {a.disclaimer}[/]",
        highlight=False,
    )


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
    seed: SeedOpt = DEFAULT_SIZE.seed,
    plot: PlotOpt = None,
) -> None:
    """Show a protocol stage by stage: harvest, process, inject (coverage, checks), regenerate."""
    from anagen.therapy import living_fraction_by_zone, patient_scalp, run_protocol

    check_seed(seed)
    _check_format(fmt)
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

        save_figure(plot_protocol(run), plot, dpi=120)
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
    z = Table(
        title="Injection plan per zone (coverage map; x ref: median dose over the product's "
        "reference dose, in the injected area)",
        collapse_padding=True,
    )
    for col in (
        "zone",
        "area cm2",
        "zone cm2",
        "coverage",
        "points",
        "volume mL",
        "dose per cm2",
        "x ref",
    ):
        # headers wrap rather than being cut
        z.add_column(col, justify="left" if col == "zone" else "right", overflow="fold")
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


def _alternative_or_protocol(name: str):
    """``(alternative key, None)`` or ``(None, Protocol)`` for the PROTOCOL argument."""
    from anagen.decision._assess_plan import ALTERNATIVES

    if name in ALTERNATIVES and not Path(name).exists():
        return name, None
    if name == "none":
        raise InputError(
            field="PROTOCOL",
            allowed="a protocol or an alternative (no treatment is always shown as comparator)",
            got=name,
        )
    try:
        return None, _resolve_protocol(name)
    except InputError as exc:  # not a file, not a shipped protocol: name the alternatives too
        if exc.field != "PROTOCOL" or exc.file is not None:
            raise
        alts = ", ".join(a for a in _ALTERNATIVES if a != "none")
        raise InputError(
            field="PROTOCOL", allowed=f"{exc.allowed}, or an alternative ({alts})", got=name
        ) from None


@app.command("simulate")
def simulate_cmd(
    protocol: Annotated[
        str,
        typer.Argument(
            help="Protocol TOML file, a shipped protocol name, or an alternative: "
            + ", ".join(a for a in _ALTERNATIVES if a != "none")
            + "."
        ),
    ],
    patient: Annotated[Path, typer.Option("--patient", help="Patient TOML file (required).")],
    seed: SeedOpt = DEFAULT_SIZE.seed,
    plot: PlotOpt = None,
    fmt: FormatOpt = "table",
    draws: DrawsOpt = DEFAULT_SIZE.n_draws,
    follicles: AssessFolliclesOpt = DEFAULT_SIZE.n_follicles,
    source: SourceOpt = "posterior",
    workers: WorkersOpt = 0,
) -> None:
    """One option for one person, treated vs untreated over 48 months: the same computation
    and numbers as ``anagen assess`` for that option (same seed, draws and source)."""
    from anagen.therapy import living_fraction_by_zone, patient_scalp, run_protocol

    _check_format(fmt)
    _check_plot(plot)
    workers = workers or default_workers()
    check_settings(seed=seed, n_draws=draws, n_follicles=follicles, source=source, workers=workers)
    pat = _load_patient(patient)
    alt, proto = _alternative_or_protocol(protocol)
    a = run_assessment(
        pat, workers=workers, protocols=[proto] if proto is not None else [],
        options=[alt] if alt else [], seed=seed, n_draws=draws, n_follicles=follicles,
        source=source, with_evidence=False, with_maps=False,
    )  # fmt: skip
    o, none = a.options[0], a.option("none")
    checks = []
    sessions: tuple[float, ...] = ()
    if proto is not None:
        sessions = tuple(proto.sessions.days)
        alive = living_fraction_by_zone(patient_scalp(pat, n_follicles=follicles, seed=seed)[1])
        checks = [
            c
            for c in run_protocol(proto, pat, seed=seed, living_fraction=alive).inject.checks
            if c.level != "ok"
        ]
    if plot is not None:
        from anagen.decision._report import fan_figure

        save_figure(fan_figure(a), plot, dpi=120)
    if fmt == "json":
        from anagen.decision._codec import to_plain

        emit_json(
            {
                "option": o.to_dict(),
                "no_treatment": none.to_dict(),
                "outcome": a.outcome,
                "unit": a.unit,
                "provenance": to_plain(a.provenance),
                "session_days": list(sessions),
                "checks": [c.to_dict() for c in checks],
            }
        )
        return
    print_source_banner(a)
    print_effects(a, [o, none])
    t = Table(title=f"{a.outcome} ({a.unit}): median [80% interval] over {draws} draws")
    t.add_column("month", justify="right")
    t.add_column(esc(o.name), justify="right")
    t.add_column("no treatment", justify="right")
    tr, un = o.trajectory, none.trajectory
    known = o.months_known
    for m in (0, 6, 12, 24, 36, 48):
        t.add_row(
            str(m),
            f"{tr.p50[m]:.1f} [{tr.p10[m]:.1f}, {tr.p90[m]:.1f}]"
            if known is None or m == 0 or m <= known
            else "unknown\u2020",
            f"{un.p50[m]:.1f} [{un.p10[m]:.1f}, {un.p90[m]:.1f}]",
        )
    console.print(t)
    if known is not None and known < 48:
        console.print(
            "\u2020 "
            + esc(
                f"after month {known}, no number is shown: " + _beyond_follow_up(o)
                if o.safe
                else "no number is shown for an option not open to this person: "
                + o.candidacy.why()
            ),
            highlight=False,
        )
    console.print(f"Durability: {esc(o.durability.text)}", highlight=False, soft_wrap=True)
    if sessions:
        console.print("sessions on days: " + ", ".join(f"{d:g}" for d in sessions), highlight=False)
    for c in checks:
        console.print(f"[yellow]{c.level}[/] {esc(c.field)}: {esc(c.message)}", highlight=False)
    _note(a)


def _beyond_follow_up(o: OptionAssessment) -> str:
    """Why the trajectory stops: the reason of a withheld horizon, or - when every reporting
    month is inside the follow-up (finasteride in men: 192 weeks) - the follow-up itself."""
    withheld = [h for h in o.horizons if not h.known]
    if withheld:
        return withheld[-1].unknown_reason
    from anagen.decision._assess_window import FollowUp, unknown_text

    return unknown_text(FollowUp(o.follow_up_weeks, (), "")).removeprefix("unknown: ")


@app.command("compare")
def compare_cmd(
    patient: Annotated[Path, typer.Option("--patient", help="Patient TOML file (required).")],
    seed: SeedOpt = DEFAULT_SIZE.seed,
    fmt: FormatOpt = "table",
    plot: PlotOpt = None,
    draws: DrawsOpt = DEFAULT_SIZE.n_draws,
    follicles: AssessFolliclesOpt = DEFAULT_SIZE.n_follicles,
    source: SourceOpt = "posterior",
    workers: WorkersOpt = 0,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol", help="Protocol files or shipped names to compare (default: all shipped)."
        ),
    ] = None,
) -> None:
    """All options side by side for one person (the assessment of ``anagen assess``, shown as
    effect, cost, downtime, invasiveness, regulation and candidacy)."""
    from anagen.therapy import option_info, provider_questions

    _check_format(fmt)
    _check_plot(plot)
    workers = workers or default_workers()
    check_settings(seed=seed, n_draws=draws, n_follicles=follicles, source=source, workers=workers)
    pat = _load_patient(patient)
    protos = cli_protocols(protocol)
    a = run_assessment(
        pat, workers=workers, protocols=protos, seed=seed, n_draws=draws, n_follicles=follicles,
        source=source, with_maps=False,
    )  # fmt: skip
    if plot is not None:
        from anagen.decision._report import options_figure

        save_figure(options_figure(a), plot, dpi=120)
    if fmt == "json":
        emit_json(a.to_dict())
        return
    print_source_banner(a)
    print_effects(a)
    f = Table(
        title="Cost, downtime, invasiveness, regulatory status (cited; see docs/therapy.md)",
        show_lines=True,
    )
    for col in ("option", "total cost (US dollars)", "downtime", "invasiveness", "regulatory (US)"):
        f.add_column(col, overflow="fold")
    for o in a.options:
        info = option_info(o.option)
        f.add_row(esc(o.name), o.cost.text(), o.downtime, info.invasiveness, o.regulatory_us)
    console.print(f)
    console.print("Questions to ask a provider of a cell therapy:")
    for q, src in provider_questions("adipose_cells"):
        console.print(f"  - {q} [{']['.join(src)}]", highlight=False, markup=False)
    _note(a)
