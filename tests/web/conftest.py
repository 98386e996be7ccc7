"""One app, one live server and one browser per test session.

The live server runs uvicorn in a thread on a free 127.0.0.1 port with small assessment sizes;
the browser is Debian's chromium driven by Playwright (Playwright's own download is not used).
Screenshots go to ``test-artifacts/web/`` at the repository root.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from anagen.web import Settings, create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SETTINGS = Settings(
    workers=1, assess_draws=5, assess_follicles=2000, trial_max_trials=200, secure_cookies=False
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app():
    """The app shared by the in-process client and the live server."""
    a = create_app(SETTINGS)
    yield a
    a.state.jobs.shutdown()


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app)  # no context manager: the session fixture owns the job pool


@contextlib.contextmanager
def serve(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields the base URL.

    Waits for uvicorn's own 'started' flag (with a deadline), so no request races the start."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    t_end = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > t_end or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the app served by uvicorn on a free loopback port."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on(
        "console",
        lambda m: (
            pg.csp_errors.append(m.text)  # type: ignore[attr-defined]
            if m.type == "error"
            else None
        ),
    )
    pg.on("pageerror", lambda e: pg.csp_errors.append(str(e)))  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def shot(page, name: str, full: bool = True) -> Path:
    """Save a screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path
