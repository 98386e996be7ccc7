"""``anagen assess``: is stem-cell therapy effective for this person, compared with what?

Every input is validated before any computation (patient file, protocol, output path, format,
settings), so bad input ends with one line naming the field, exit code 2, and no file written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anagen.cli._assessment import (
    DrawsOpt,
    FolliclesOpt,
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
from anagen.cli._common import console, emit_json, esc, require_file
from anagen.decision._size import DEFAULT_SIZE
from anagen.errors import InputError

__all__ = ["assess"]


#: The cost-per-hair cell of an option whose effect it divides by is withheld, by the start of
#: its note (the same words as the effect table's cells for the same reason).
_WITHHELD_MARKS = {"unknown": "unknown†", "not open": "not open", "not estimated": "not est.*"}


def per_hair_cell(c) -> str:
    """Dollars per hair per cm² gained; "-" when there is none (no gain, no total), or the
    effect table's marker when the effect it divides by is withheld."""
    if c.per_hair_low is None or c.per_hair_high is None:
        return next((m for k, m in _WITHHELD_MARKS.items() if c.per_hair_note.startswith(k)), "-")
    if round(c.per_hair_low) == round(c.per_hair_high):
        return f"${c.per_hair_low:,.0f}"
    return f"${c.per_hair_low:,.0f}-{c.per_hair_high:,.0f}"


def _print_text(a) -> None:
    from rich import box
    from rich.table import Table

    console.print(
        "[bold]Is stem-cell therapy for hair loss effective for this person?[/]", highlight=False
    )
    console.print(esc(a.disclaimer), highlight=False, soft_wrap=True)
    print_source_banner(a)
    console.print()
    console.print("[bold]Verdict[/]")
    for line in a.verdict:
        console.print(f"- {esc(line)}", highlight=False, soft_wrap=True)
    console.print()
    print_effects(a)
    t = Table(
        title="Cost (cited price ranges), evidence certainty",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
    )
    t.add_column("option", overflow="fold", min_width=20)
    t.add_column(
        f"total cost over {a.provenance.course_months} months (US dollars)", overflow="fold"
    )
    t.add_column("dollars per hair per cm² gained", overflow="fold")
    t.add_column("evidence", overflow="fold")
    for o in a.options:
        c = o.cost
        t.add_row(esc(o.name), c.text(), per_hair_cell(c), esc(o.certainty.short))
    console.print(t)
    cells = {per_hair_cell(o.cost) for o in a.options}
    if used := [m for m in _WITHHELD_MARKS.values() if m in cells]:
        console.print(
            f"{' / '.join(used)}: no cost per hair where the 24-month effect "
            "it divides by is withheld (its reason is under the effect table) or is the model's "
            "extrapolation; the total cost is the cited price of the course.",
            highlight=False,
            soft_wrap=True,
        )
    console.print("[bold]Durability[/] (after treatment stops)")
    for o in a.options:
        if o.key != "none":
            console.print(
                f"- {esc(o.name)}: {esc(o.durability.text)}", highlight=False, soft_wrap=True
            )
    if a.not_modelled:
        console.print()
        console.print("[bold]What you told us that the model does not use[/]")
        for line in a.not_modelled:
            console.print(f"- {esc(line)}", highlight=False, soft_wrap=True)
    console.print()
    console.print(f"[dim]Visible improvement: {esc(a.visible_definition)}.[/]", highlight=False)
    console.print(f"[dim]Durability: {esc(a.durability_definition)}.[/]", highlight=False)
    s = a.provenance
    console.print(
        f"[dim]Model parameters: {s.parameter_source_text}. {s.n_draws} draws x whole-scalp "
        f"stochastic runs of {s.n_follicles:,} follicles, seed {s.seed}, anagen "
        f"{s.model_version}.[/]",
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
        Path | None,
        typer.Option(
            "--report",
            help="Write the report: a self-contained .html, or the same content as .pdf.",
        ),
    ] = None,
    seed: SeedOpt = DEFAULT_SIZE.seed,
    draws: DrawsOpt = DEFAULT_SIZE.n_draws,
    follicles: FolliclesOpt = DEFAULT_SIZE.n_follicles,
    source: SourceOpt = "posterior",
    workers: WorkersOpt = 0,
    data: Annotated[
        str,
        typer.Option("--data", help="Study rows: all (bundled + user-added), bundled, or user."),
    ] = "all",
) -> None:
    """Every option for one person: predicted density change at 6/12/24 months with 80 %
    intervals, chance of a visible improvement, durability, cost, downtime, side effects,
    candidacy and the certainty of the evidence. Decision support, not a diagnosis."""
    from anagen.decision._report import check_report_path, write_report
    from anagen.therapy import data_path, load_patient

    if fmt not in ("text", "json"):
        raise InputError(field="--format", allowed="text or json", got=fmt)
    if patient is not None and example:
        raise InputError(field="PATIENT", allowed="a patient file or --example, not both")
    workers = workers or default_workers()
    check_settings(seed=seed, n_draws=draws, n_follicles=follicles, source=source, workers=workers)
    if report is not None:
        check_report_path(report)
    path = data_path("example_patient.toml") if patient is None else patient
    pat = load_patient(require_file(Path(path), what="patient file"))
    protos = cli_protocols(protocol)

    from anagen.evidence._store import evidence_date, evidence_studies, use_evidence

    with use_evidence(data):
        if data == "user":  # an empty user folder is refused before any work
            evidence_studies(data)
        a = run_assessment(
            pat, workers=workers, protocols=protos, seed=seed, n_draws=draws,
            n_follicles=follicles, source=source,
        )  # fmt: skip
        # the evidence summary carries the date (computed on a worker, alongside the draws)
        date = getattr(a.evidence, "evidence_date", "") or evidence_date(evidence_studies(data))
    if report is not None:
        write_report(a, report)
    if fmt == "json":
        print_source_banner(a, stdout=False)
        out = a.to_dict()
        out["evidence_date"] = date
        if report is not None:
            out["report"] = str(report)
        emit_json(out)
        return
    _print_text(a)
    console.print(f"Evidence: {date}", highlight=False, markup=False)
    if report is not None:
        console.print(f"Report written to {report}", highlight=False)
