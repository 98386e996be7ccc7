"""pool_many() never aborts: 100,000 random and adversarial analyses, 0 exceptions (issue 12).

Tiny and huge sampling variances, k = 2, identical effects, outliers, mixed scales; every
analysis gets a status, converged ones carry finite estimates, and a sample of them equals the
single-analysis pool() (same kernels, same fallbacks; to rounding for the NumPy closed forms).
"""

from __future__ import annotations

import numpy as np
import pytest

from anagen.evidence import METHODS, pool, pool_many


def _batch(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    kind = rng.integers(0, 6, size=n)
    y = rng.normal(0.3, 0.5, (n, k))
    v = rng.uniform(1.0, 10.0, (n, k))  # the oscillation-prone regime
    tiny, huge, same, outlier, mixed = (kind == c for c in range(1, 6))
    v[tiny] = 10.0 ** rng.uniform(-12, -6, (tiny.sum(), k))
    v[huge] = 10.0 ** rng.uniform(6, 12, (huge.sum(), k))
    y[same] = 0.7
    y[outlier, 0] = 1e6
    v[mixed] = 10.0 ** rng.uniform(-8, 8, (mixed.sum(), k))
    return y, v


@pytest.mark.slow
@pytest.mark.parametrize("method", list(METHODS))
def test_100k_analyses_never_abort(method):
    rng = np.random.default_rng(np.random.SeedSequence([12, len(method), ord(method[0])]))
    total = 0
    for k, n in ((2, 3_000), (3, 3_000), (5, 2_500), (20, 4_000)):
        y, v = _batch(rng, n, k)
        res = pool_many(y, v, method)
        total += n
        assert res.status.shape == (n,) and all(isinstance(s, str) for s in res.status)
        ok = res.converged
        assert np.isfinite(res.estimate[ok]).all() and (res.tau2[ok] >= 0).all()
        assert all(s.startswith("not estimable") for s in res.status[~ok])
        for j in rng.choice(n, size=15, replace=False):
            if not ok[j]:
                continue
            one = pool(y[j], v[j], method)
            for f in ("estimate", "se", "tau2", "i2", "tau2_ci_low", "tau2_ci_high"):
                a, b = getattr(res, f)[j], getattr(one, f)
                # Numba kernels: the same bits; DL/SJ/HE sum in NumPy order: equal to rounding
                assert a == pytest.approx(b, rel=1e-9, abs=1e-12) or (
                    np.isnan(a) and np.isnan(b)
                ), f
    assert total == 12_500  # x 8 estimators = 100,000 analyses
