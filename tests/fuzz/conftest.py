"""Shared helpers of the fuzz and regression tests: run a command, demand exit 0 or 2."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"


#: Factor on every time limit (see :func:`time_limit`).
HANG_MARGIN = 3.0


@contextmanager
def time_limit(seconds: float):
    """Fail (not hang) when the block runs longer than ``seconds`` (SIGALRM, main thread).

    The limit guards against hangs, not slowness: it is stretched by ``HANG_MARGIN`` so that a
    loaded machine (CI on 2 cores, other jobs) does not turn a slow run into a failure.
    """
    seconds = seconds * HANG_MARGIN

    def _alarm(signum, frame):  # pragma: no cover - only on a hang
        raise TimeoutError(f"command ran longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_cli(args: Sequence[str], *, seconds: float = 60.0) -> int:
    """Run ``anagen ARGS`` in process; any exception escaping ``main`` fails the test."""
    from anagen.cli import main

    with time_limit(seconds):
        return main(list(args))


@pytest.fixture
def corpus() -> Path:
    return CORPUS
