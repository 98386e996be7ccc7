"""``anagen serve``: bad flags are one line and exit 2; the real server starts and answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from anagen.cli import main
from tests.web.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--port", "0"], "--port"),
        (["--port", "70000"], "--port"),
        (["--workers", "0"], "--workers"),
        (["--draws", "1"], "--draws"),
        (["--db", "registry.db"], "--db"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(capsys, args, field):
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert f"'{field}'" in err and "Traceback" not in err


def test_anagen_serve_starts_and_answers():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "anagen", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        t_end = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > t_end or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200 and "anagen" in r.text
        assert r.headers["x-frame-options"] == "DENY"
        js = httpx.get(f"http://127.0.0.1:{port}/vendor/plotly.min.js", timeout=10)
        assert js.status_code == 200 and len(js.content) > 1_000_000  # plotly's bundled file
    finally:
        proc.terminate()
        proc.wait(timeout=30)
