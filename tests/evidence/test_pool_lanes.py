"""The lane kernels and the thread split never change a bit (issue 12).

Fisher scoring and the per-analysis sums compute many analyses side by side in SIMD lanes and
share large batches among threads; an analysis must get the same bits with one lane (the plain
scalar loop) as with many, on one thread as on several, alone as in a batch.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import _pool_lanes as lanes
from anagen.evidence import _row_threads, pool_many
from anagen.evidence._pool_control import score, score_rows
from anagen.evidence._zeroin import R_UNIROOT_TOL

OSC = json.loads((Path(__file__).parent / "metafor" / "reference.json").read_text())["oscillating"]
FIELDS = (
    "estimate", "se", "zval", "p", "ci_low", "ci_high", "tau2", "tau2_se", "tau", "i2", "h2",
    "q", "q_p", "pi_low", "pi_high", "tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high",
    "h2_ci_low", "h2_ci_high", "weights", "converged", "status",
)  # fmt: skip


def _mixed(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary analyses mixed with boundary (tau2 = 0), oscillating and extreme ones."""
    rng = np.random.default_rng(np.random.SeedSequence([15, seed, k]))
    v = rng.uniform(0.01, 0.2, (n, k))
    y = rng.normal(0.3, np.sqrt(v + rng.choice([0.0, 0.0, 0.05], (n, 1))))
    kind = rng.integers(0, 5, n)
    v[kind == 1] = rng.uniform(1.0, 10.0, ((kind == 1).sum(), k))  # oscillation-prone
    v[kind == 2] = 10.0 ** rng.uniform(-8, 8, ((kind == 2).sum(), k))
    y[kind == 3] = 0.7
    return y, v


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
    return np.array_equal(a, b)


@pytest.mark.parametrize("method", ["REML", "ML", "EB", "PM", "DL"])
@pytest.mark.parametrize("control", [None, "metafor"])
def test_same_bits_on_any_number_of_threads(method, control, monkeypatch):
    monkeypatch.setattr(_row_threads, "MIN_CHUNK_WORK", 64)  # split even small batches
    y, v = _mixed(1, 301, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        runs = [
            pool_many(y, v, method, knha=knha, control=control, threads=t)
            for knha in (False, True)
            for t in (1, 2, 3)
        ]
    for i in (1, 2, 4, 5):
        ref = runs[0 if i < 3 else 3]
        for name in FIELDS:
            assert _same(getattr(runs[i], name), getattr(ref, name)), name
    assert runs[0].status.size == 301


@pytest.mark.parametrize("method", [lanes.REML, lanes.ML, lanes.EB])
@pytest.mark.parametrize("k", [2, 3, 9, 20, 40])
def test_fisher_lanes_equal_the_scalar_loop(method, k):
    """One lane is the plain scalar loop over analyses; 7 and 32 lanes give its bits."""
    y, v = _mixed(2, 150, k)
    if k == 20:  # metafor's oscillating data set, three times (its default control fails)
        y[[0, 37, 149]], v[[0, 37, 149]] = OSC["data"]["yi"], OSC["data"]["vi"]
    controls = ((1.0, 1e-12, 1000), (1.0, 1e-5, 100), (0.5, 1e-12, 1000))
    outs = {}
    for n_lanes in (1, 7, lanes.LANES):
        for ctl in controls:
            t, c, s = np.empty(150), np.empty(150, np.bool_), np.empty(150, np.bool_)
            lanes.fisher_rows(y, v, method, *ctl, R_UNIROOT_TOL, 0, 150, n_lanes, t, c, s)
            outs[n_lanes, ctl] = (t, c, s)
    for (n_lanes, ctl), arrays in outs.items():
        want = outs[1, ctl]
        assert all(_same(a, b) for a, b in zip(arrays, want, strict=True)), (n_lanes, ctl)
    if k == 20 and method == lanes.REML:
        assert not outs[1, controls[1]][1][[0, 37, 149]].any()


@pytest.mark.parametrize("knha", [False, True])
def test_summary_lanes_equal_the_scalar_loop(knha):
    y, v = _mixed(3, 77, 5)
    tau2 = np.random.default_rng(3).choice([0.0, 1e-14, 0.02, 3.0], 77)
    outs = []
    for n_lanes in (1, 4, lanes.LANES):
        out = (np.empty((7, 77)), np.empty((77, 5)))
        lanes.summary_rows(y, v, tau2, knha, 0, 77, n_lanes, *out)
        outs.append(out)
    for out in outs[1:]:
        assert all(_same(a, b) for a, b in zip(out, outs[0], strict=True))


@pytest.mark.parametrize("method", ["REML", "ML", "EB", "PM"])
def test_score_rows_equals_score_row_by_row(method):
    y, v = _mixed(4, 60, 23)  # k > 8: NumPy sums pairwise, not in order
    t = np.random.default_rng(4).choice([0.0, 0.01, 5.0], 60)
    many = score_rows(y, v, t, method)
    assert all(many[j] == score(y[j], v[j], float(t[j]), method) for j in range(60))


@pytest.mark.parametrize("n", [1, 5, 64, 1000])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_run_rows_covers_each_row_once(n, threads, monkeypatch):
    monkeypatch.setattr(_row_threads, "MIN_CHUNK_WORK", 8)
    seen = np.zeros(n, dtype=int)

    def fn(a: int, b: int) -> None:
        seen[a:b] += 1

    _row_threads.run_rows(fn, n, 4, threads)
    assert (seen == 1).all()


def test_worker_errors_reach_the_caller(monkeypatch):
    monkeypatch.setattr(_row_threads, "MIN_CHUNK_WORK", 8)

    def fn(a: int, b: int) -> None:
        if a > 0:
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        _row_threads.run_rows(fn, 100, 4, 2)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_threads_must_be_a_positive_integer(bad):
    with pytest.raises(InputError, match="threads"):
        pool_many(np.zeros((2, 3)), np.ones((2, 3)), threads=bad)


def _pool_in_child(conn) -> None:  # runs in a forked child
    y, v = _mixed(5, 200, 6)
    res = pool_many(y, v, "REML", threads=2)
    conn.send((res.tau2.tobytes(), res.status.tolist()))
    conn.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_forked_child_pools_on_threads_too(monkeypatch):
    """A child forked after the parent used its worker threads gets new ones (no hang)."""
    monkeypatch.setattr(_row_threads, "MIN_CHUNK_WORK", 64)
    y, v = _mixed(5, 200, 6)
    want = pool_many(y, v, "REML", threads=2)  # the parent's pool now has live threads
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_pool_in_child, args=(child,))
    proc.start()
    assert parent.poll(120), "the forked child did not answer"
    tau2, status = parent.recv()
    proc.join(30)
    assert proc.exitcode == 0
    assert tau2 == want.tau2.tobytes() and status == want.status.tolist()


def test_concurrent_callers_share_the_helpers(monkeypatch):
    """Several threads pooling at once (a web server, say) each get their own, exact results."""
    monkeypatch.setattr(_row_threads, "MIN_CHUNK_WORK", 64)
    batches = [_mixed(10 + i, 150, 5) for i in range(4)]
    want = [pool_many(y, v, "REML", threads=1).tau2 for y, v in batches]
    got: list[np.ndarray | None] = [None] * 4

    def run(i: int) -> None:
        got[i] = pool_many(*batches[i], "REML", threads=2).tau2

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(g is not None and _same(g, w) for g, w in zip(got, want, strict=True))
