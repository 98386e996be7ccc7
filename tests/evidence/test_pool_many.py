"""pool_many() pools many analyses at once and equals pool() row by row."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.errors import ConvergenceError, InputError
from anagen.evidence import METHODS, PoolManyResult, pool, pool_many

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
        res = pool_many(yi, vi, "REML", errors="nan", tau2_ci=False)
    assert list(res.converged) == [True, True, True, False, True]
    assert np.isnan(res.estimate[3]) and np.isfinite(res.estimate[res.converged]).all()
    with pytest.raises(ConvergenceError, match="analysis 4"):
        pool_many(yi, vi, "REML", tau2_ci=False)
    fixed = pool_many(yi, vi, "REML", stepadj=0.5, tau2_ci=False)
    assert fixed.converged.all()


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
