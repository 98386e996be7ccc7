"""``anagen scalp``: Simulate the follicle population of a human scalp (anagen, catagen, telogen, latency; pattern hair loss)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Simulate the follicle population of a human scalp (anagen, catagen, telogen, latency; pattern hair loss).",
    no_args_is_help=True,
)
