"""``anagen assess``: is stem-cell therapy effective for this person, compared with what?

Every input is validated before any computation (patient file, protocol, output path, format,
settings), so bad input ends with one line naming the field, exit code 2, and no file written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anagen.cli._common import check_seed, console, emit_json, esc, require_file
from anagen.errors import InputError

__all__ = ["assess"]


def _interval(iv) -> str:
    return f"{iv.median:+.1f} [{iv.low:+.1f}, {iv.high:+.1f}]"


def _money_range(low: float, high: float) -> str:
    return f"${low:,.0f}" if round(low) == round(high) else f"${low:,.0f}-{high:,.0f}"


def _cost(o) -> str:
    c = o.cost
    if c["low"] is None:
        return "not computed"
    if c["low"] == c["high"]:
        return f"${c['low']:,.0f}"
    return f"${c['low']:,.0f}-{c['high']:,.0f}"


def _print_text(a) -> None:
    from rich.table import Table

    p = a.patient
    console.print(
        "[bold]Is stem-cell therapy for hair loss effective for this person?[/]", highlight=False
    )
    console.print(esc(a.disclaimer), highlight=False, soft_wrap=True)
    console.print()
    console.print("[bold]Verdict[/]")
    for line in a.verdict:
        console.print(f"- {esc(line)}", highlight=False, soft_wrap=True)
    console.print()
    from rich import box

    t = Table(
        title=(
            f"Change in terminal hairs/cm² vs no treatment: median [80% interval], mean over "
            f"{', '.join(a.zones)}; today {a.baseline_density.median:.0f}/cm² "
            f"({p['age']:g} y, {p['sex']}, stage {p['stage']})"
        ),
        box=box.SIMPLE_HEAD,
    )
    t.add_column("option", overflow="fold", min_width=20)
    for col in ("6 months", "12 months", "24 months"):
        t.add_column(col, justify="right")
    t.add_column("P(visible)\n12 mo", justify="right")
    for o in a.options:
        t.add_row(
            esc(o.name),
            *(_interval(o.effect_vs_none[m]) for m in (6, 12, 24)),
            f"{100 * o.p_visible[12]:.0f}%",
        )
    console.print(t)
    t = Table(
        title="Cost (cited price ranges), evidence certainty, candidacy",
        box=box.SIMPLE_HEAD,
    )
    t.add_column("option", overflow="fold", min_width=20)
    t.add_column(f"total cost {a.settings['course_months']} mo (USD)", overflow="fold")
    t.add_column("per hair/cm² gained", overflow="fold")
    t.add_column("evidence", overflow="fold")
    t.add_column("candidacy", overflow="fold")
    for o in a.options:
        cph = o.cost_per_hair
        t.add_row(
            esc(o.name),
            _cost(o),
            _money_range(cph["low"], cph["high"]) if cph.get("low") is not None else "-",
            o.certainty["short"],
            {"ask_specialist": "ask a specialist", "not_eligible": "NOT eligible"}.get(
                o.candidacy["status"], o.candidacy["status"]
            ),
        )
    console.print(t)
    console.print("[bold]Durability[/] (after treatment stops)")
    for o in a.options:
        if o.key != "none":
            console.print(f"- {esc(o.name)}: {esc(o.durability['text'])}", highlight=False)
    console.print()
    console.print(f"[dim]Visible improvement: {a.visible_definition}.[/]", highlight=False)
    console.print(f"[dim]Durability: {a.durability_definition}.[/]", highlight=False)
    s = a.settings
    console.print(
        f"[dim]Model parameters: {a.parameter_source}. {s['n_draws']} draws x whole-scalp "
        f"stochastic runs of {s['n_follicles']:,} follicles, seed {s['seed']}; computed in "
        f"{a.timings_s['total']:.1f} s.[/]",
        highlight=False,
    )


def assess(
    patient: Annotated[
        Path | None,
        typer.Argument(help="Patient TOML file (see docs/therapy.md); omit with --example."),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Use the bundled example patient.")
    ] = False,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol",
            help="Stem-cell protocol TOML file or shipped name (repeatable; default: all shipped).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same answer.")] = 0,
    draws: Annotated[int, typer.Option("--draws", help="Parameter draws (5-2000).")] = 30,
    follicles: Annotated[
        int, typer.Option("--follicles", help="Follicles of the simulated scalp (2,000-200,000).")
    ] = 8_000,
) -> None:
    """Every option for one person: predicted density change at 6/12/24 months with 80 %
    intervals, chance of a visible improvement, durability, cost, downtime, side effects,
    candidacy and the certainty of the evidence. Decision support, not a diagnosis."""
    from anagen.decision._assess import assess_patient, resolve_protocols
    from anagen.decision._report import check_report_path, write_report
    from anagen.therapy import data_path, load_patient

    if fmt not in ("text", "json"):
        raise InputError(field="--format", allowed="text or json", got=fmt)
    if patient is not None and example:
        raise InputError(field="PATIENT", allowed="a patient file or --example, not both")
    check_seed(seed)
    if not 5 <= draws <= 2000:
        raise InputError(field="--draws", allowed="in [5, 2000]", got=draws)
    if not 2_000 <= follicles <= 200_000:
        raise InputError(field="--follicles", allowed="in [2000, 200000]", got=follicles)
    if report is not None:
        check_report_path(report)
    path = data_path("example_patient.toml") if patient is None else patient
    pat = load_patient(require_file(Path(path), what="patient file"))
    protos = resolve_protocols(protocol or None)

    a = assess_patient(pat, protocols=protos, seed=seed, n_draws=draws, n_follicles=follicles)
    if report is not None:
        write_report(a, report)
    if fmt == "json":
        data = a.to_dict()
        if report is not None:
            data["report"] = str(report)
        emit_json(data)
        return
    _print_text(a)
    if report is not None:
        console.print(f"Report written to {report}", highlight=False)
