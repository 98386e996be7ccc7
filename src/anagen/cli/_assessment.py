"""The assessment as the commands show it: shared options, one call, and the tables.

``anagen assess``, ``anagen therapy simulate`` and ``anagen therapy compare`` all compute the
answer with :func:`anagen.decision.assess_patient` through :func:`run_assessment` and render it
here, so they print the same numbers for the same patient, option, seed and source.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from anagen.cli._common import console, err_console, esc

__all__ = [
    "DrawsOpt",
    "FolliclesOpt",
    "SeedOpt",
    "SourceOpt",
    "WorkersOpt",
    "print_effects",
    "print_source_banner",
    "run_assessment",
]

SeedOpt = Annotated[int, typer.Option("--seed", help="Same seed, same answer (0 to 2^63-1).")]
DrawsOpt = Annotated[int, typer.Option("--draws", help="Parameter draws (5-2000).")]
FolliclesOpt = Annotated[
    int, typer.Option("--follicles", help="Follicles of the simulated scalp (2,000-200,000).")
]
SourceOpt = Annotated[
    str,
    typer.Option(
        "--source",
        help="Model parameters: 'posterior' (calibrated to the trials; default) or 'prior' "
        "(uncalibrated, for comparison only).",
    ),
]
WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        help="Worker processes for the draws (0: up to 2; 1: none). Numbers do not change.",
    ),
]
#: CLI flag of each assess_patient parameter (errors name the flag the user typed).
FLAGS = {"seed": "--seed", "n_draws": "--draws", "n_follicles": "--follicles", "source": "--source"}


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def check_settings(**values: Any) -> None:
    """Check CLI settings against ``assess_patient.constraints``, naming the flags."""
    from anagen.decision._assess import ASSESS_CONSTRAINTS
    from anagen.decision._constraints import check
    from anagen.errors import InputError

    for k, v in values.items():
        if k == "workers":
            if not 1 <= v <= 64:
                raise InputError(field="--workers", allowed="an integer in [1, 64]", got=v)
            continue
        check(ASSESS_CONSTRAINTS, k, v, name=FLAGS[k])


@contextlib.contextmanager
def _working(n_draws: int | None) -> Iterator[None]:
    """A spinner on a terminal's stderr while the assessment runs (a few seconds; the first
    run after installing also compiles the model's numerical kernels, which takes longer)."""
    if not err_console.is_terminal:
        yield
        return
    with err_console.status(
        f"Simulating every option for this person ({n_draws or 60} parameter draws; the first "
        "run after installing also compiles the model's kernels, up to a minute)...",
        spinner="dots",
    ):
        yield


def run_assessment(patient, *, workers: int, **kw):
    """:func:`assess_patient` with a process pool of ``workers`` (the platform's default start
    method) when ``workers > 1``."""
    from concurrent.futures import ProcessPoolExecutor

    from anagen.decision import assess_patient
    from anagen.evidence._cache import CachedSummary, read_payload, store_summary, summary_key

    key = None
    if kw.get("evidence") is None and kw.get("with_evidence", True):
        # the evidence summary is deterministic: cached by a checksum of its inputs, and read
        # while the workers simulate (a miss: computed on a worker, then stored)
        key = summary_key()
        payload = read_payload(key)
        kw["evidence"] = None if payload is None else CachedSummary(payload)
    n = min(workers, 2 * (kw.get("n_draws") or 30))
    with _working(kw.get("n_draws")):
        if n <= 1:
            a = assess_patient(patient, **kw)
        else:
            from anagen.scalp.engine import warm_kernels

            warm_kernels()  # forked workers inherit the loaded kernels
            with ProcessPoolExecutor(n) as ex:
                a = assess_patient(patient, executor=ex, **kw)
    if key is not None and kw["evidence"] is None:
        store_summary(key, a.evidence)
    return a


def cli_protocols(protocol: list[str] | None):
    """Protocols named on the command line (``--protocol``; none given: all shipped)."""
    from anagen.decision import resolve_protocols
    from anagen.errors import InputError

    try:
        return resolve_protocols(protocol or None)
    except InputError as exc:
        if exc.field != "protocols":
            raise
        raise InputError(field="--protocol", allowed=exc.allowed, got=exc.got) from None


def print_source_banner(a, *, stdout: bool = True) -> None:
    """Loud line (stderr, and stdout for text output) when the numbers come from the
    uncalibrated priors."""
    if a.provenance.parameter_source == "prior":
        err_console.print(
            "[bold yellow]WARNING: --source prior: these numbers use the model's PRIOR "
            "parameters, NOT calibrated to the trials. Use the default (posterior) for advice.[/]",
            highlight=False,
        )
        if stdout:
            console.print(
                "[bold yellow]Parameters: PRIOR (not calibrated to the trials).[/]", highlight=False
            )


#: The marker of a withheld number in the effect table; its reason is printed under the table.
_UNKNOWN = "unknown†"
#: The chance of a visible gain of an option whose trials did not enrol people like this person
#: (explained by the EXTRAPOLATION footnote under the table).
_NOT_ESTIMATED = "not est.*"
#: The marker of an option counted in another zone than the person's area (footnoted).
_OTHER_ZONE = "‡"


def _zone(z: str) -> str:
    return z.replace("_", "-")


def _effect_cell(o, month: int) -> str:
    """One effect cell: the interval, a short marker where the number is withheld past the
    trials' follow-up (the reason is listed once under the table), or why it is not shown."""
    if o.safe and o.shown(month) is None:
        return _UNKNOWN
    return o.effect_text(month, brackets=True)


def _chance_cell(o, month: int) -> str:
    """The chance of a visible gain, or a short word for why it is withheld."""
    ch = o.shown_chance(month)
    if ch is not None:
        return ch.text()
    if not o.safe:
        return "not open"
    return "unknown" if not o.at(month).known else _NOT_ESTIMATED


def print_effects(a, options=None, *, title: str | None = None) -> None:
    """The effect table: change vs no treatment at 6, 12, 24 months and chance of a visible
    improvement at 12 months."""
    from rich import box
    from rich.table import Table

    p = a.patient
    t = Table(
        title=title or f"Change vs no treatment, {a.unit}: median [80% interval]",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
    )
    # fixed widths that fit the terminal without cutting anything (rich's own fitting crops the
    # last column at 80): an interval on one line when there is room, else folded at its space;
    # the option's name takes what is left
    num, chance, can = (20, 13, 17) if console.width >= 120 else (13, 10, 11)
    t.add_column(
        "option", overflow="fold", width=max(16, console.width - 3 * num - chance - can - 3)
    )
    for m in (6, 12, 24):
        t.add_column(f"{m} months", justify="right", overflow="fold", width=num)
    t.add_column(
        "chance of a visible gain at 12 months", justify="right", overflow="fold", width=chance
    )
    t.add_column("can I have it?", overflow="fold", width=can)
    for o in options if options is not None else a.options:
        if o.key == "none":
            t.add_row(o.name, "comparator", "", "", "", "")
            continue
        name = o.name + (" - EXTRAPOLATION*" if o.extrapolation else "")
        if o.target_zone != a.target_zone:
            name += f" - {_zone(o.target_zone)}{_OTHER_ZONE}"
        if o.is_add_on:
            name += f" - gain over {o.comparator_name.lower()}"
        t.add_row(
            esc(name),
            *(_effect_cell(o, m) for m in (6, 12, 24)),
            _chance_cell(o, 12),
            {"ask_specialist": "ask a specialist", "not_eligible": "NOT eligible"}.get(
                o.candidacy.status, o.candidacy.status
            ),
        )
    console.print(t)
    console.print(  # under the table, not its caption: a caption is cut to the table's width
        f"Outcome: {esc(a.outcome)}; today {a.baseline_density.median:.1f} "
        f"{esc(a.unit)} ({p.age:g} years, {'man' if p.sex == 'M' else 'woman'}, stage "
        f"{esc(p.stage)}). Visible gain: {esc(a.visible_definition)}.",
        highlight=False,
    )
    shown = options if options is not None else a.options
    elsewhere: dict[str, list[Any]] = {}
    for o in shown:
        if o.target_zone != a.target_zone:
            elsewhere.setdefault(o.target_zone, []).append(o)
    for zone, opts in elsewhere.items():
        console.print(
            f"{_OTHER_ZONE} counted in the {_zone(zone)} (where it acts; today "
            f"{opts[0].baseline.median:.1f} {esc(a.unit)}), not the {_zone(a.target_zone)}: "
            f"{esc('; '.join(o.name for o in opts))}; each is compared with no "
            f"treatment in the {_zone(zone)}.",
            highlight=False,
            soft_wrap=True,
        )
    withheld: dict[str, list[str]] = {}
    for o in shown:
        first = next((m for m in (6, 12, 24) if o.shown(m) is None), None)
        if o.key != "none" and o.safe and first is not None:
            withheld.setdefault(o.at(first).unknown_reason, []).append(o.name)
    if withheld:
        console.print(
            f"{_UNKNOWN} no number is shown past the follow-up of an option's trials:",
            highlight=False,
            soft_wrap=True,
        )
        for reason, names in withheld.items():
            console.print(
                f"  - {esc(reason)}: {esc('; '.join(names))}", highlight=False, soft_wrap=True
            )
    flagged = [o for o in shown if o.extrapolation]
    if flagged:
        console.print(
            "* EXTRAPOLATION: the trials behind these options did not enrol people like this "
            "person; their numbers are the model's, not the trials', they are never the "
            f"headline, and their chance of a visible gain is not estimated ({_NOT_ESTIMATED}):",
            highlight=False,
            soft_wrap=True,
        )
        for o in flagged:
            console.print(
                f"  - {esc(o.name)}: {esc('; '.join(o.extrapolation))}",
                highlight=False,
                soft_wrap=True,
            )
    closed = [o for o in shown if not o.safe]
    if closed:
        console.print(
            "NOT eligible: no number is shown for an option this person may not have:",
            highlight=False,
            soft_wrap=True,
        )
        for o in closed:
            why = [r for r in o.candidacy.reasons if r.effect == "not_eligible"]
            text = "; ".join(f"{r.text} [{']['.join(r.sources)}]" for r in why)
            console.print(f"  - {esc(o.name)}: {esc(text)}", highlight=False, soft_wrap=True)
