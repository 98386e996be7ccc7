"""The engine's fast path (``_kernel_plain.run_plain``) gives the bits of the general kernel
(``_kernels.run_segment``) wherever it is taken: same trajectories, same final states, same
number of draws, on one chunk (the caller's generator, in blocks) and on several (own streams)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from anagen.scalp import Modulation, Transplant, default_params, initial_scalp, simulate
from anagen.scalp import engine as engine_mod
from tests.scalp._helpers import trajectory_arrays

_NZ = 6
#: One epoch that changes every factor a single epoch may change, with a transplant.
_ONE_EPOCH = Modulation(
    t_days=np.zeros(1),
    anagen_factor=np.full((1, _NZ), 1.2),
    latency_factor=np.linspace(0.5, 1.5, _NZ)[None],
    progression_factor=np.full((1, _NZ), 0.4),
    reversal=np.full((1, _NZ), 0.05),
    fade_days=np.full((1, _NZ), 30.0),  # no effect while the gains are kept (hold = inf)
    transplants=(Transplant(200.0, "occipital", "vertex", 400, 0.8),),
)


def _both(monkeypatch, params, state, **kw):
    fast = simulate(params, state, **kw)
    with monkeypatch.context() as m:
        m.setattr(engine_mod, "_plain", lambda kernel: False)
        general = simulate(params, state, **kw)
    return fast, general


def _cases():
    p = default_params()
    no_lag = replace(p, phototrichogram=replace(p.phototrichogram, emergence_length_mm=0.0))
    no_catagen = replace(p, cycle=replace(p.cycle, catagen_days=0.0))
    odd_thr = replace(p, aga=replace(p.aga, vellus_threshold_um=30.3, terminal_diameter_sd_um=30.0))
    # a catagen and an emergence lag just shorter than the sampling gap (30 days): their rows
    # are found from the anagen's (one comparison), often one row later
    pt = p.phototrichogram
    near_gap = replace(
        p,
        cycle=replace(p.cycle, catagen_days=29.95),
        phototrichogram=replace(pt, emergence_length_mm=29.95 * pt.growth_mm_per_day),
    )
    return {
        "normal": (p, dict(n_follicles=3000, seed=1), dict(years=8.0, every=7.0)),
        "normal, one epoch": (p, dict(n_follicles=3000, seed=1), dict(years=5.0, modulation=_ONE_EPOCH)),
        "stage V": (p, dict(n_follicles=3000, seed=2, sex="M", stage="V"), dict(years=6.0)),
        "stage V, one epoch": (p, dict(n_follicles=2000, seed=2, sex="M", stage="V"), dict(years=6.0, modulation=_ONE_EPOCH)),
        "woman 55": (p, dict(n_follicles=2000, seed=3, sex="F", age=55), dict(years=6.0)),
        "no lag": (no_lag, dict(n_follicles=2000, seed=4, sex="M", stage="III"), dict(years=5.0)),
        "no catagen": (no_catagen, dict(n_follicles=2000, seed=5), dict(years=5.0, modulation=_ONE_EPOCH)),
        "threshold 30.3": (odd_thr, dict(n_follicles=2000, seed=6), dict(years=5.0)),
        "catagen, lag near the gap": (near_gap, dict(n_follicles=3000, seed=9), dict(years=6.0)),
        "explicit days": (p, dict(n_follicles=1000, seed=7, sex="M", stage="V"), dict(at=[0, 10, 33.5, 100, 101, 365, 800])),
        # a whole cycle's rows guessed on the uniform days, found by search after them
        "uniform, then uneven days": (p, dict(n_follicles=3000, seed=8), dict(at=[*range(0, 630, 30), 1000, 1500, 2190])),
    }  # fmt: skip


@pytest.mark.parametrize("case", list(_cases()))
def test_fast_path_same_bits_as_general_kernel(monkeypatch, case):
    params, initial, run = _cases()[case]
    state = initial_scalp(params, **initial)
    fast, general = _both(monkeypatch, params, state, seed=11, **run)
    assert fast.n_draws > 0
    for a, b in zip(trajectory_arrays(fast), trajectory_arrays(general), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fast_path_same_bits_on_several_chunks(monkeypatch):
    """Chunk 0 replays blocks of the caller's generator; the others draw their own streams."""
    monkeypatch.setattr(engine_mod, "CHUNK", 700)
    p = default_params()
    state = initial_scalp(p, n_follicles=2500, seed=8, sex="M", stage="III")
    for threads in (1, 2):
        fast, general = _both(monkeypatch, p, state, years=4.0, seed=3, threads=threads)
        for a, b in zip(trajectory_arrays(fast), trajectory_arrays(general), strict=True):
            np.testing.assert_array_equal(a, b)


def test_fast_path_taken_only_where_it_applies():
    p = default_params()
    kernel = engine_mod._kernel_params(p, "M")
    _, arrays = engine_mod._modulation_arrays(None)
    ep_t, fa, fl, fp, rev, hold, fade = arrays

    def packed(dist=0, hold=hold, ep_t=ep_t):
        return (dist, *kernel[1:], 0.0, ep_t, fa, fl, fp, rev, hold, fade, 1.0)

    assert engine_mod._plain(packed())
    assert not engine_mod._plain(packed(dist=1))  # gamma
    assert not engine_mod._plain(packed(hold=np.full_like(hold, 100.0)))  # fading gains
    two = np.array([0.0, 30.0])
    assert not engine_mod._plain(packed(ep_t=two))  # two epochs


@pytest.mark.parametrize(
    "days, every",
    [(7305.0, 30.0), (3652.5, 7.0), (1000.0, 0.1), (365.25, 7.0 / 3.0), (50.0, 50.0), (9.9, 1.0)],
)
def test_sample_rows_are_searchsorted(days, every):
    """The fast path's sample rows equal np.searchsorted(side="left"), also next to sample days."""
    from anagen.scalp._kernel_plain import _row_fast, _uniform_rows

    t = engine_mod.sample_days(days, every)
    inv_h = 1.0 / (t[1] - t[0])
    g_uni, g_max = _uniform_rows(t, inv_h), t.size - 1.0
    rng = np.random.default_rng(0)
    near = np.concatenate([t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf)])
    te = np.concatenate([rng.uniform(-1.0, days + 1.0, 20_000), near, near + 1e-9, near - 1e-9])
    want = np.searchsorted(t, te, side="left")
    got = np.array([_row_fast(t, x, inv_h, g_uni, g_max) for x in te])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("pending_half_word", [False, True])
def test_chunks_start_before_day0_draws_same_bits(monkeypatch, pending_half_word):
    """On several threads the chunks other than 0 take their seeds from a PCG64 moved past the
    day-0 uniforms (engine._ahead); they are the seeds the caller's generator then draws, also
    when it holds half of a 64-bit word from an earlier 32-bit draw."""
    monkeypatch.setattr(engine_mod, "CHUNK", 600)
    p = default_params()
    state = initial_scalp(p, n_follicles=2000, seed=9)

    def rng():
        g = np.random.default_rng(4)
        if pending_half_word:
            g.integers(0, 10, dtype=np.uint32)
        assert g.bit_generator.state["has_uint32"] == int(pending_half_word)
        return g

    one = simulate(p, state, years=3.0, seed=rng(), threads=1)
    two = simulate(p, state, years=3.0, seed=rng(), threads=2)
    for a, b in zip(trajectory_arrays(one), trajectory_arrays(two), strict=True):
        np.testing.assert_array_equal(a, b)


def test_counted_events_unpack_to_per_event_deltas():
    """The fast path counts events by kind; unpack adds to the tables what run_segment adds
    event by event (-1/+1 per phase change, sheddings, hairs lost and emerging), and returns
    the diameter deltas with the additions made to them in order."""
    from anagen.scalp import _kernel_plain as kp

    a, c, t, lat, dead = 0, 1, 2, 3, 4
    # column: (phase left, phase entered, terminal, vellus, shed)
    kinds = {
        kp._XAC: (a, c, 0, 0, 0), kp._XAT: (a, t, 0, 0, 0), kp._XC: (c, t, 0, 0, 0),
        kp._XTT: (t, lat, -1, 0, 1), kp._XTV: (t, lat, 0, -1, 1),
        kp._XLA: (lat, a, 0, 0, 0), kp._XLD: (lat, dead, 0, 0, 0),
        kp._EMT: (None, None, 1, 0, 0), kp._EMV: (None, None, 0, 1, 0),
    }  # fmt: skip
    rng = np.random.default_rng(5)
    rows, nz = 7, 6
    tables = [rng.integers(-40, 40, (rows, nz, 5)).astype(float)]
    tables += [rng.integers(-40, 40, (rows, nz)).astype(float) for _ in range(2)]
    tables += [rng.normal(0.0, 50.0, (rows, nz)), rng.integers(0, 40, (rows, nz)).astype(float)]
    want = [x.copy() for x in tables]
    packed = kp.pack(*tables)
    assert packed.shape == (nz, rows, kp.N_COLS)
    cols = list(kinds)
    for _ in range(5000):
        k, z, col = rng.integers(rows), rng.integers(nz), cols[rng.integers(len(cols))]
        packed[z, k, col] += 1.0
        left, entered, term, vel, shed = kinds[col]
        if left is not None:
            want[0][k, z, left] -= 1.0
            want[0][k, z, entered] += 1.0
        want[1][k, z] += term
        want[2][k, z] += vel
        want[4][k, z] += shed
        x = rng.normal(0.0, 70.0)  # a diameter added or removed in the same cell
        packed[z, k, kp._DIAM] += x
        want[3][k, z] += x
    kp.unpack(packed, *tables)
    for got, exp in zip(tables, want, strict=True):
        np.testing.assert_array_equal(got, exp)
    assert want[0].min() < -40 and want[0].max() > 40  # the events moved the counts
