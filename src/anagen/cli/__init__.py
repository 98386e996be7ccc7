"""The ``anagen`` command line: a thin face over the library.

Each domain has its own sub-command module (``evidence``, ``scalp``, ``therapy``, ``assess``,
``calibrate``, ``trial``); commands parse options, call the library, and print. Errors of input (:class:`anagen.InputError`) end
with a one-line message on stderr and exit code 2 — never a traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from anagen.cli import assess, calibrate, evidence, registry, scalp, serve, therapy, trial
from anagen.cli._common import err_console, esc
from anagen.errors import InputError

app = typer.Typer(
    name="anagen",
    help=(
        "Is stem-cell therapy for hair loss effective — for whom, by how much, for how long? "
        "Evidence, an in-silico scalp, and decision support for a conversation with a "
        "specialist (not a diagnosis)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(evidence.app, name="evidence")
app.add_typer(scalp.app, name="scalp")
app.add_typer(therapy.app, name="therapy")
app.command("assess")(assess.assess)
app.add_typer(calibrate.app, name="calibrate")
app.add_typer(trial.app, name="trial")
app.command("serve")(serve.serve)
app.add_typer(registry.app, name="registry")


def _print_version(value: bool) -> None:
    if value:
        from anagen import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """anagen: evidence, scalp model and decision support for hair-loss therapies."""


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, ``timeout``, a service manager) unwinds like an exit: every
    ``finally`` runs, so an output being written leaves no ``.anagen-*.tmp`` file behind."""
    raise SystemExit(128 + signum)


@contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit`` for the command's duration (main thread only, and only
    where nobody chose another handler); the previous handler is restored afterwards."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        with _exit_on_sigterm():
            app(args=argv, standalone_mode=True)
    except InputError as exc:
        err_console.print(f"[bold red]error:[/] {esc(exc)}", highlight=False, soft_wrap=True)
        return 2
    except SystemExit as exc:  # click's normal exit path (and SIGTERM: 143)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
