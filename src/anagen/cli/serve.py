"""``anagen serve``: the web app (assessment, evidence explorer, trial designer, registry)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from anagen.cli._common import console
from anagen.decision._size import DEFAULT_SIZE
from anagen.errors import InputError

__all__ = ["serve"]


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (1-65535).")] = 8000,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Registry database URL (default: the registry's SQLite file)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Processes for background jobs (1-64).")
    ] = 1,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            help="Parameter draws per assessment and per frozen registry prediction (5-2000).",
        ),
    ] = DEFAULT_SIZE.n_draws,
) -> None:
    """Serve the web app (no network access needed: scripts and styles ship with anagen)."""
    if not 1 <= port <= 65535:
        raise InputError(field="--port", allowed="in [1, 65535]", got=port)
    if not 1 <= workers <= 64:
        raise InputError(field="--workers", allowed="in [1, 64]", got=workers)
    from anagen.decision import ASSESS_CONSTRAINTS
    from anagen.decision._constraints import check

    check(ASSESS_CONSTRAINTS, "n_draws", draws, name="--draws")
    if db is not None and "://" not in db:
        raise InputError(
            field="--db",
            allowed="a database URL such as sqlite:///registry.db "
            "or postgresql+psycopg://user@host/db",
            got=db,
        )
    import uvicorn

    from anagen.web import Settings, create_app

    settings = Settings(
        db_url=db,
        workers=workers,
        assess_draws=draws,
        registry_draws=draws,  # a frozen prediction is the number the page showed
        secure_cookies=not _loopback(host),
    )
    app = create_app(settings)
    console.print(f"anagen serving on http://{host}:{port}/ (Ctrl-C to stop)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
