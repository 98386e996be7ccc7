"""Regression: ``--scheduler`` pointing at a service that is not Dask is exit 2 (issue 12).

A server answering with bytes that read as a frame length of ~8 EiB made distributed raise an
uncaught numpy allocation error.
"""

from __future__ import annotations

import socket
import threading

import pytest

from tests.fuzz.conftest import run_cli


@pytest.fixture
def not_dask():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def serve():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                conn.sendall(b"\x7f" * 128)
            except OSError:
                pass
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join()
    srv.close()


def test_not_a_dask_scheduler(not_dask, capsys):
    args = ["trial", "simulate", "adsc_vs_placebo", "--trials", "2", "--scheduler", not_dask]
    assert run_cli(args, seconds=60) == 2
    assert "'--scheduler' must be" in capsys.readouterr().err
