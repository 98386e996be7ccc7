"""The engine on several threads: the same bits on any thread count, and small populations keep
the numbers they had before chunks ran in parallel (the shipped posterior was fitted on them)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.scalp import (
    Modulation,
    Transplant,
    default_params,
    initial_scalp,
    simulate,
    target_area_counts,
)
from anagen.scalp.engine import CHUNK
from tests.scalp._helpers import trajectory_arrays

_ONES = [1.0] * 6
#: A treatment with a fading gain (exercises the fade draws of Numba's own generator).
_MOD = Modulation(
    t_days=np.array([0.0, 30.0]),
    anagen_factor=np.array([_ONES, [1.5] * 6]),
    reversal=np.array([[0.0] * 6, [0.2] * 6]),
    hold_end_day=np.array([[np.inf] * 6, [200.0] * 6]),
    fade_days=np.array([[0.0] * 6, [30.0] * 6]),
)


def test_target_area_numbers_unchanged():
    """Numbers produced by the single-threaded engine (commit 2eac044) on the target-area path."""
    p = default_params()
    st = initial_scalp(p, age=45, sex="M", stage="III", n_follicles=20_000, seed=4)
    plain = target_area_counts(p, st, zone="vertex", visit_days=[0, 168, 336], seed=0)
    treated = target_area_counts(
        p, st, zone="vertex", visit_days=[0, 168, 336], seed=1, modulation=_MOD
    )
    assert plain.true_terminal_per_cm2.tolist() == [174.0, 172.0, 165.0]
    assert plain.terminal_per_cm2 == pytest.approx(
        [184.32728927941005, 164.43113504831535, 181.512517125943], rel=1e-12
    )
    assert treated.true_terminal_per_cm2.tolist() == [153.0, 154.0, 152.0]
    assert treated.terminal_per_cm2 == pytest.approx(
        [166.90315522445908, 145.36411238285552, 159.53818357040103], rel=1e-12
    )


def test_full_first_chunk_unchanged():
    """A population of exactly one chunk draws the stream it always drew (commit 2eac044)."""
    p = default_params()
    st = initial_scalp(p, age=40, sex="M", stage="IV", n_follicles=CHUNK, seed=8)
    tr = simulate(p, st, days=730, every=73, seed=9, modulation=_MOD)
    assert tr.terminal.sum(axis=1).astype(int).tolist() == [
        49715, 49698, 49789, 49925, 50158, 49893, 49526, 49438, 49308, 49208, 49108,
    ]  # fmt: skip
    assert tr.n_draws == 179227
    assert float(tr.diameter_sum_um[-1].sum()) == pytest.approx(2835473.4345309786, rel=1e-12)


@pytest.mark.parametrize("dist", ["lognormal", "gamma"])
def test_same_bits_on_one_and_two_threads(dist):
    p = default_params()
    p = replace(p, cycle=replace(p.cycle, distribution=dist))
    n = 2 * CHUNK + 1234  # three chunks
    st = initial_scalp(p, age=45, sex="M", stage="III", n_follicles=n, seed=3)
    mod = replace(_MOD, transplants=(Transplant(100.0, "occipital", "vertex", 300, 0.8),))
    runs = [
        simulate(p, st, days=300, every=30, seed=8, modulation=mod, threads=k) for k in (1, 2, None)
    ]
    for other in runs[1:]:
        for a, b in zip(trajectory_arrays(runs[0]), trajectory_arrays(other), strict=True):
            assert np.array_equal(a, b)


def test_chunks_draw_their_own_streams():
    """Chunks with identical follicles do not repeat each other's random numbers."""
    p = default_params()
    one = initial_scalp(p, n_follicles=CHUNK, seed=5)
    twice = replace(
        one,
        **{f: np.concatenate([getattr(one, f)] * 2) for f in
           ("phase", "t_exit", "q", "d0", "diam", "zone", "origin", "sens")},
    )  # fmt: skip
    tr = simulate(p, twice, days=400, every=400, seed=6, threads=2)
    fs = tr.final_state
    assert not np.array_equal(fs.t_exit[:CHUNK], fs.t_exit[CHUNK:])


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_threads_checked(bad):
    p = default_params()
    st = initial_scalp(p, n_follicles=10, seed=1)
    with pytest.raises(InputError, match="threads"):
        simulate(p, st, days=10, seed=1, threads=bad)


def test_same_bits_on_more_threads_than_two():
    """The calling thread and the pool's workers share one queue of chunks: any thread count
    (and more threads than chunks) gives the same bits."""
    p = default_params()
    st = initial_scalp(p, age=45, sex="M", stage="III", n_follicles=4 * CHUNK + 7, seed=2)
    runs = [simulate(p, st, days=60, every=30, seed=5, threads=k) for k in (1, 3, 5, 8)]
    for other in runs[1:]:
        for a, b in zip(trajectory_arrays(runs[0]), trajectory_arrays(other), strict=True):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("failing", [0, 2])
def test_a_failing_chunk_raises_and_stops_the_queue(monkeypatch, failing):
    """An exception in a chunk (the calling thread's chunk 0 or a worker's) reaches the caller;
    after a worker's, the chunks still queued do not start (the calling thread is busy with the
    day-0 counts while the worker reaches chunk 2)."""
    from anagen.scalp import engine

    started = []
    run_chunk = engine._run_chunk

    def flaky(job):
        lo = job[4]
        started.append(lo // CHUNK)
        if lo // CHUNK == failing:
            raise RuntimeError("chunk failed")
        return run_chunk(job)

    monkeypatch.setattr(engine, "_run_chunk", flaky)
    p = default_params()
    st = initial_scalp(p, n_follicles=12 * CHUNK, seed=1)
    with pytest.raises(RuntimeError, match="chunk failed"):
        simulate(p, st, days=30, every=30, seed=1, threads=2)
    if failing:
        assert len(started) < 12
