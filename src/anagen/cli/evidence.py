"""``anagen evidence``: Published trials of stem-cell hair therapies and their alternatives, pooled as R metafor would."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Published trials of stem-cell hair therapies and their alternatives, pooled as R metafor would.",
    no_args_is_help=True,
)
