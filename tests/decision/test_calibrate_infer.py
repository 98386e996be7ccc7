"""The calibration's inference: the random-effects likelihood, the latent prior transform, the
resampling and the weighted quantiles, each against a direct computation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from anagen.decision._calibrate_infer import (
    TAU_PRIOR,
    ess,
    log_likelihood,
    log_normal_pdf,
    normalise,
    systematic_resample,
    tau_scale_of,
    values_from_latent,
    weighted_quantile,
)
from anagen.decision._calibrate_trials import block_priors


def test_likelihood_is_the_random_effects_normal_density():
    rng = np.random.default_rng(0)
    sims = rng.normal(10, 3, size=(5, 4))
    tau = np.array([0.0, 1.0, 2.5, 7.0, 20.0])
    rep = np.array([12.0, 9.0, 15.0, 30.0])
    se = np.array([2.0, 3.0, 1.5, 4.0])
    scale = np.array([1.0, 1.0, 1.0, 0.7])
    groups = ("a", "a", "a", "b")  # three visits of one study share the random effect
    got = log_likelihood(sims, tau, rep, se, scale, groups)
    for i in range(5):
        ga = np.diag(se[:3] ** 2) + tau[i] ** 2 * np.outer(scale[:3], scale[:3])
        want = stats.multivariate_normal(sims[i, :3], ga).logpdf(rep[:3])
        want += stats.norm(sims[i, 3], np.hypot(se[3], tau[i] * scale[3])).logpdf(rep[3])
        assert got[i] == pytest.approx(want, rel=1e-10)
    # leaving a study out drops its term; leaving everything out leaves nothing
    only_b = log_likelihood(sims, tau, rep, se, scale, groups, drop={0, 1, 2})
    for i in range(5):
        sd = np.hypot(se[3], tau[i] * scale[3])
        assert only_b[i] == pytest.approx(stats.norm(sims[i, 3], sd).logpdf(rep[3]))
    assert not log_likelihood(sims, tau, rep, se, scale, groups, drop={0, 1, 2, 3}).any()


def test_latent_transform_follows_the_priors():
    from anagen.decision._calibrate_trials import sample_block

    rng = np.random.default_rng(3)
    for block in ("minoxidil", "finasteride", "lllt", "prp"):
        pri = block_priors(block)
        z = rng.standard_normal((20_000, len(pri) + 1))
        names, vals, tau = values_from_latent(block, z)
        assert names == tuple(pri)
        direct = [sample_block(block, rng) for _ in range(20_000)]
        for j, n in enumerate(names):
            ref = np.array([d[n] for d in direct])
            q = [0.1, 0.5, 0.9]
            spread = np.quantile(ref, 0.9) - np.quantile(ref, 0.1)
            assert np.quantile(vals[:, j], q) == pytest.approx(
                np.quantile(ref, q), abs=0.05 * spread
            ), (block, n)
        assert np.median(tau) == pytest.approx(0.6745 * tau_scale_of(block), rel=0.05)
    z = np.zeros((1, len(block_priors("lllt")) + 1))
    z[0, -1] = -1.0  # half-normal: |z| x scale
    assert values_from_latent("lllt", z)[2][0] == pytest.approx(tau_scale_of("lllt"))
    assert tau_scale_of("prp") == pytest.approx(TAU_PRIOR["regeneration"][0])
    # tau from the PRP meta-analysis: sqrt(I2 k SE^2), SE from the 95 % CI
    se = (41.06 - 14.04) / (2 * 1.959963984540054)
    assert TAU_PRIOR["regeneration"][0] == pytest.approx(np.sqrt(0.96 * 13 * se**2))


def test_gaussian_log_density():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 3))
    assert log_normal_pdf(z) == pytest.approx(stats.multivariate_normal(np.zeros(3)).logpdf(z))
    m = np.array([0.5, -1.0, 2.0])
    cov = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 0.5]])
    assert log_normal_pdf(z, m, cov) == pytest.approx(stats.multivariate_normal(m, cov).logpdf(z))


def test_resampling_and_weighted_quantiles():
    w = normalise(np.log(np.array([1.0, 0.0 + 1e-300, 3.0, 0.0 + 1e-300])))
    idx = systematic_resample(w, 400, np.random.default_rng(0))
    assert np.all(np.diff(idx) >= 0)
    counts = np.bincount(idx, minlength=4)
    assert counts[1] == counts[3] == 0
    assert counts[2] == pytest.approx(300, abs=1) and counts[0] == pytest.approx(100, abs=1)
    assert ess(np.full(10, 0.1)) == pytest.approx(10.0)
    assert ess(w) == pytest.approx(1.6)
    x = np.random.default_rng(2).normal(size=20_000)
    q = weighted_quantile(x, np.full(x.size, 1.0 / x.size), [0.1, 0.5, 0.9])
    assert q == pytest.approx(np.quantile(x, [0.1, 0.5, 0.9]), abs=0.01)
    # draws without weight do not count; the median moves towards the heavier values
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(y, np.array([0.0, 0.0, 1.0, 0.0]), [0.1, 0.9]) == pytest.approx(3.0)
    assert weighted_quantile(y, np.array([1.0, 1.0, 4.0, 1.0]), [0.5])[0] > 2.5
