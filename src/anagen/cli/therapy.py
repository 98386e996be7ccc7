"""``anagen therapy``: The treatment step by step (harvest, process, inject, regenerate) and the alternatives."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The treatment step by step (harvest, process, inject, regenerate) and the alternatives.",
    no_args_is_help=True,
)
