"""pool_many() pools many analyses at once and equals pool() row by row."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from anagen.errors import ConvergenceError, InputError
from anagen.evidence import METHODS, PoolManyResult, _row_threads, pool, pool_many
from anagen.evidence import _pool_lanes as lanes
from anagen.evidence._zeroin import R_UNIROOT_TOL

REF = json.loads((Path(__file__).parent / "metafor" / "reference.json").read_text())
ROW_FIELDS = [
    "estimate", "se", "zval", "p", "ci_low", "ci_high", "tau2", "tau2_se", "tau", "i2", "h2",
    "q", "q_p", "pi_low", "pi_high", "tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high",
    "h2_ci_low", "h2_ci_high",
]  # fmt: skip


def _simulate(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    vi = rng.uniform(0.01, 0.2, (n, k))
    yi = rng.normal(0.3, np.sqrt(vi + rng.choice([0.0, 0.02, 0.1], (n, 1))))
    return yi, vi


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("knha", [False, True])
def test_rows_equal_pool(method: str, knha: bool):
    yi, vi = _simulate(7, 40, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        many = pool_many(yi, vi, method, knha=knha, errors="nan")
        assert isinstance(many, PoolManyResult) and len(many) == 40
        assert many.df == (5 if knha else None) and many.q_df == 5
        for i in range(yi.shape[0]):
            if not many.converged[i]:
                with pytest.raises(ConvergenceError):
                    pool(yi[i], vi[i], method, knha=knha)
                continue
            one = pool(yi[i], vi[i], method, knha=knha)
            for name in ROW_FIELDS:
                a, b = getattr(many, name)[i], getattr(one, name)
                assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(
                    b, rel=1e-12, abs=1e-14
                ), name
            np.testing.assert_allclose(many.weights[i], one.weights, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 15))
def test_pool_many_matches_pool_on_random_data(seed: int, k: int):
    yi, vi = _simulate(seed, 5, k)
    many = pool_many(yi, vi, "DL")
    for i in range(5):
        assert many.estimate[i] == pytest.approx(pool(yi[i], vi[i], "DL").estimate, rel=1e-12)


def test_failed_rows_are_reported_or_nan():
    # row 4 is the analysis on which metafor's default REML Fisher scoring oscillates
    osc = REF["oscillating"]["data"]
    yi, vi = _simulate(1, 5, 20)
    yi[3], vi[3] = osc["yi"], osc["vi"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = pool_many(yi, vi, "REML", errors="nan", tau2_ci=False, control="metafor")
    assert list(res.converged) == [True, True, True, False, True]
    assert res.status[3].startswith("not estimable") and res.status[0] == "converged"
    assert np.isnan(res.estimate[3]) and np.isfinite(res.estimate[res.converged]).all()
    with pytest.raises(ConvergenceError, match="analysis 4"):
        pool_many(yi, vi, "REML", tau2_ci=False, errors="raise", control="metafor")
    fixed = pool_many(yi, vi, "REML", stepadj=0.5, tau2_ci=False)
    assert fixed.converged.all()
    exact = pool_many(yi, vi, "REML")  # the default never aborts: the fallback is named
    assert exact.converged.all() and exact.status[3].startswith("fallback")
    one = pool(yi[3], vi[3], "REML")
    assert exact.tau2[3] == pytest.approx(one.tau2, rel=1e-12)


def test_frame_and_validation():
    yi, vi = _simulate(3, 4, 5)
    frame = pool_many(yi, vi, "DL").to_frame()
    assert frame.shape[0] == 4 and "tau2_ci_high" in frame
    assert np.isnan(pool_many(yi, vi, "DL", tau2_ci=False).tau2_ci_low).all()
    vi[2, 3] = -1.0
    with pytest.raises(InputError, match="analysis 3, study 4"):
        pool_many(yi, vi)
    with pytest.raises(InputError, match="2-D"):
        pool_many(yi[0], vi[0])
    with pytest.raises(InputError, match="'errors'"):
        pool_many(yi, np.abs(vi), errors="ignore")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# the Numba Fisher-scoring kernel against a plain-Python transcription of metafor's algorithm


def _acc(xs) -> float:
    """Left-to-right sum (as the kernel; Python >= 3.12's sum() compensates)."""
    total = 0.0
    for x in xs:
        total += x
    return total


def _rss(w: list[float], y: list[float]) -> float:
    mu = _acc(wi * yi for wi, yi in zip(w, y, strict=True)) / _acc(w)
    return _acc(wi * ((yi - mu) * (yi - mu)) for wi, yi in zip(w, y, strict=True))


def _fisher_reference(
    y: list[float], v: list[float], method: str, stepadj: float = 1.0
) -> tuple[float, bool, bool]:
    """metafor rma.uni Fisher scoring (REML, ML, EB), one analysis, no vectorisation."""
    k = len(y)
    mean = _acc(y) / k
    he = (_acc((yi - mean) * (yi - mean) for yi in y) - _acc(v) * (1.0 - 1.0 / k)) / (k - 1)
    t, it = max(0.0, he), 0
    while True:
        it += 1
        w = [1.0 / (vi + t) for vi in v]
        sw, sw2 = _acc(w), _acc(wi * wi for wi in w)
        mu = _acc(wi * yi for wi, yi in zip(w, y, strict=True)) / sw
        r2 = [(yi - mu) * (yi - mu) for yi in y]
        if method == "EB":
            adj = (_acc(wi * ri for wi, ri in zip(w, r2, strict=True)) * k / (k - 1) - k) / sw
        else:
            ypp = _acc((wi * wi) * ri for wi, ri in zip(w, r2, strict=True))
            if method == "REML":
                sw3 = _acc((wi * wi) * wi for wi in w)
                tr_pp = sw2 - 2.0 * sw3 / sw + (sw2 * sw2) / (sw * sw)
                adj = (ypp - (sw - sw2 / sw)) / tr_pp
            else:
                adj = (ypp - sw) / sw2
        adj = 0.0 if math.isnan(adj) else adj * stepadj
        if t + adj < 0.0:
            if t <= 0.0:
                adj = 0.0
            while t + adj < 0.0:
                adj /= 2.0
        new = t + adj
        change, t = abs(t - new), new
        if it > 100:
            return t, False, False
        if change <= 1e-5:
            break
    if method != "EB" and t > 1e-5:
        w0, wt = [1.0 / vi for vi in v], [1.0 / (vi + t) for vi in v]
        prod = 1.0
        for wi in w0:
            prod *= wi * t + 1.0
        log_ratio = (
            math.log(prod) if 0.0 < prod < math.inf else _acc(math.log(wi * t + 1.0) for wi in w0)
        )
        diff = 0.5 * log_ratio - 0.5 * (_rss(w0, y) - _rss(wt, y))
        if method == "REML":
            diff -= 0.5 * math.log(_acc(w0) / _acc(wt))
        if diff > R_UNIROOT_TOL:
            return 0.0, True, True
    return t, True, False


analyses = st.integers(2, 25).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-3.0, 3.0), min_size=k, max_size=k),
        st.lists(st.floats(1e-3, 2.0), min_size=k, max_size=k),
    )
)


# ML stops at a local maximum (tau2 reset to 0); default REML oscillates and fails
LOCAL_MAX = ([-0.39, 2.9, -0.43], [2.525, 0.002, 1.918])
OSCILLATING = (REF["oscillating"]["data"]["yi"], REF["oscillating"]["data"]["vi"])


@pytest.mark.parametrize("method", ["REML", "ML", "EB"])
@settings(max_examples=60, deadline=None)
@given(analyses, st.sampled_from([1.0, 0.5]), st.integers(0, 2**32 - 1))
@example(LOCAL_MAX, 1.0, 0)
@example(OSCILLATING, 1.0, 0)
@example(OSCILLATING, 0.5, 0)
def test_fisher_kernel_takes_metafors_steps(method, data, stepadj, seed):
    """Same tau2, convergence and local-maximum verdict as the reference, alone or in a batch
    (an analysis gets the same bits whatever else is pooled with it, whichever lane it takes
    and however the batch is split among threads)."""
    y, v = data
    want = _fisher_reference(y, v, method, stepadj)
    code = {"REML": lanes.REML, "ML": lanes.ML, "EB": lanes.EB}[method]
    n = 2 * lanes.LANES + 5  # lanes refill: the analysis starts in a lane freed by another
    batch_y, batch_v = _simulate(seed, n, len(y))
    row = seed % n
    batch_y[row], batch_v[row] = y, v
    cases = ((np.array([y]), np.array([v]), 0, 1), (batch_y, batch_v, row, 1))
    with patch.object(_row_threads, "MIN_CHUNK_WORK", 1):  # split even this small batch
        for Y, V, j, threads in (*cases, (batch_y, batch_v, row, 3)):
            tau2, conv, stuck = lanes.fisher_scoring(
                Y, V, code, stepadj, 1e-5, 100, R_UNIROOT_TOL, threads
            )
            assert (bool(conv[j]), bool(stuck[j])) == want[1:]
            assert tau2[j] == want[0]


@pytest.mark.parametrize("method", ["REML", "ML", "EB"])
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 30))
def test_iterative_pool_many_equals_pool_bit_for_bit(method: str, seed: int, k: int):
    yi, vi = _simulate(seed, 4, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        many = pool_many(yi, vi, method, errors="nan", tau2_ci=False)
        for i in range(4):
            if many.converged[i]:
                one = pool(yi[i], vi[i], method)
                assert (many.tau2[i], many.estimate[i], many.se[i]) == (
                    one.tau2,
                    one.estimate,
                    one.se,
                )


def test_local_maximum_warns_and_sets_tau2_to_zero():
    assert _fisher_reference(*LOCAL_MAX, "ML")[1:] == (True, True)
    with pytest.warns(RuntimeWarning, match="local maximum"):
        res = pool(*LOCAL_MAX, "ML")
    assert res.tau2 == 0.0
    with pytest.warns(RuntimeWarning, match="local maximum"):
        many = pool_many(np.array([LOCAL_MAX[0]] * 2), np.array([LOCAL_MAX[1]] * 2), "ML")
    assert (many.tau2 == 0.0).all() and many.estimate[0] == res.estimate
