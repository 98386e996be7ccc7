"""The inference of the calibration: a random-effects normal likelihood of the reported effects,
evaluated on the simulated effects, and a two-stage population Monte Carlo sampler.

Observation model (per parameter block, docs/calibration.md "Inference"):

    reported_j = f_j(theta) + c_j * delta_s(j) + e_j,   e_j ~ N(0, se_j^2),
    delta_s ~ N(0, tau^2) per study s (the visits of one study share it),

where ``f_j`` is the simulated effect of study row ``j`` (deterministic in ``theta``: common random
numbers), ``c_j`` converts hairs/cm2 to the row's scale (1, or 100 / baseline count for a percent
change) and ``tau`` is the between-study standard deviation (the random effect a meta-analysis
adds). ``tau`` is a parameter of the block with a half-normal prior whose scale is the
between-study SD of the closest cited meta-analysis (:data:`TAU_PRIOR`).

Sampler: all parameters are written as standard-normal latents ``z`` (each prior's quantile
transform, :func:`values_from_latent`), so the prior density is ``N(0, I)`` whatever the families.
Stage 1 draws ``z`` from the prior; stage 2 draws from a Gaussian fitted to the stage-1 posterior
(weighted mean, twice the weighted covariance); every draw is weighted by prior x likelihood over
the mixture of the two proposals it could have come from (deterministic-mixture importance
weights). The simulated effects of all draws are kept, so leaving a study out only re-weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anagen.decision._calibrate_trials import REGEN_BLOCKS, block_priors
from anagen.therapy import Prior

__all__ = [
    "TAU_PRIOR",
    "ess",
    "log_likelihood",
    "log_normal_pdf",
    "stage2_proposal",
    "systematic_resample",
    "tau_scale_of",
    "values_from_latent",
    "weighted_quantile",
]

_Z95 = 1.6448536269514722
_LOG2PI = float(np.log(2 * np.pi))


def _tau_from_meta(ci_low: float, ci_high: float, k: int, i2: float) -> float:
    """Between-study SD implied by a random-effects pooled 95 % CI, the number of studies and
    I2 (equal within-study variances s2: Var(pooled) = (tau2 + s2) / k, I2 = tau2 / (tau2 + s2))."""
    se = (ci_high - ci_low) / (2 * 1.959963984540054)
    return float(np.sqrt(i2 * k * se * se))


#: Half-normal prior scale of the between-study SD ``tau`` (hairs/cm2), per kind of block, with
#: where it comes from.
TAU_PRIOR: dict[str, tuple[float, str]] = {
    "regeneration": (
        _tau_from_meta(14.04, 41.06, 13, 0.96),
        "PRP vs placebo meta-analysis of 13 RCTs, +27.55 (14.04 to 41.06) hairs/cm2, I2 96 % "
        "[C1, Kieling 2024]: tau = sqrt(I2 * k * SE^2) = 24.3 (the only meta-analysis of a "
        "regenerative treatment's density effect; used for every regeneration family)",
    ),
    "drug": (
        float(np.sqrt(9.28)),
        "7 minoxidil vs placebo trials, REML tau2 = 9.28 (hairs/cm2)^2, I2 47 % "
        "(`anagen evidence`, pooled analysis of the bundled comparator rows [C4]): tau = 3.05; "
        "used for minoxidil, finasteride and laser",
    ),
}


def tau_scale_of(block: str) -> float:
    """Half-normal scale of a block's ``tau`` (hairs/cm2)."""
    return TAU_PRIOR["regeneration" if block in REGEN_BLOCKS else "drug"][0]


def _from_normal(p: Prior, z: np.ndarray) -> np.ndarray:
    """Quantile transform of a standard normal into the prior (the same law as Prior.sample)."""
    if p.dist == "uniform":
        from scipy.special import ndtr  # here: loading a posterior needs no SciPy (0.07 s)

        return p.low + (p.high - p.low) * ndtr(z)
    if p.dist == "normal":
        return p.median + max(p.high - p.median, p.median - p.low) / _Z95 * z
    return np.exp(np.log(p.median) + p.log_sigma * z)


def values_from_latent(block: str, z: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Parameter values of latents ``z`` (``(n, n_params + 1)``, the last column ``tau``'s).

    Returns the parameter names, their values ``(n, n_params)`` (regeneration values clipped as
    the prior sampler clips them) and ``tau`` ``(n,)`` = scale x |z_tau| (half-normal)."""
    from anagen.therapy.regenerate import clip_regeneration_values

    pri = block_priors(block)
    names = tuple(pri)
    vals = np.column_stack([_from_normal(pri[n], z[:, i]) for i, n in enumerate(names)])
    if block in REGEN_BLOCKS:
        clipped = clip_regeneration_values({n: vals[:, i] for i, n in enumerate(names)})
        vals = np.column_stack([clipped[n] for n in names])
    tau = tau_scale_of(block) * np.abs(z[:, len(names)])
    return names, vals, tau


def log_normal_pdf(z: np.ndarray, mean: np.ndarray | None = None, cov: np.ndarray | None = None):
    """Log density of N(mean, cov) (standard normal by default) at the rows of ``z``."""
    d = z.shape[1]
    if mean is None:
        return -0.5 * (np.sum(z * z, axis=1) + d * _LOG2PI)
    chol = np.linalg.cholesky(cov)
    u = np.linalg.solve(chol, (z - mean).T)
    return -0.5 * (np.sum(u * u, axis=0) + d * _LOG2PI) - np.sum(np.log(np.diag(chol)))


def log_likelihood(
    sims: np.ndarray,
    tau: np.ndarray,
    reported: np.ndarray,
    se: np.ndarray,
    scale: np.ndarray,
    groups: Sequence[str],
    drop: set[int] | None = None,
) -> np.ndarray:
    """Random-effects normal log-likelihood of every draw (rows of ``sims``), the rows ``drop``
    left out. The rows of one study (``groups``) share the random effect: their covariance is
    ``diag(se^2) + tau^2 c c'`` (Sherman-Morrison, so it is vectorised over draws)."""
    drop = drop or set()
    out = np.zeros(sims.shape[0])
    t2 = tau * tau
    for g in dict.fromkeys(groups):
        rows = [j for j, x in enumerate(groups) if x == g and j not in drop]
        if not rows:
            continue
        r = reported[rows] - sims[:, rows]
        d = se[rows] ** 2
        c = scale[rows]
        a = float(np.sum(c * c / d))
        b = r @ (c / d)
        q = np.sum(r * r / d, axis=1)
        den = 1.0 + t2 * a
        out += -0.5 * (np.sum(np.log(d)) + np.log(den) + q - t2 * b * b / den + len(rows) * _LOG2PI)
    return out


def normalise(logw: np.ndarray) -> np.ndarray:
    """Weights summing to 1 from log weights."""
    w = np.exp(logw - np.max(logw))
    return w / w.sum()


def ess(w: np.ndarray) -> float:
    """Kish effective sample size of normalised weights."""
    return float(1.0 / np.sum(w * w))


def stage2_proposal(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the stage-2 Gaussian: the weighted mean of the stage-1 latents and
    twice their weighted covariance (the usual population Monte Carlo kernel width), with a
    small ridge so that it stays positive definite when few draws carry the weight."""
    m = w @ z
    dz = z - m
    cov = 2.0 * (dz * w[:, None]).T @ dz + 0.01 * np.eye(z.shape[1])
    return m, cov


def systematic_resample(w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` indices drawn in proportion to ``w`` (systematic resampling; sorted)."""
    u = (rng.uniform() + np.arange(k)) / k
    idx = np.searchsorted(np.cumsum(w), u, side="left")
    return np.minimum(idx, w.size - 1)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of ``x`` under weights ``w`` (interpolated midpoints of the weighted CDF)."""
    o = np.argsort(x, kind="stable")
    xs, ws = x[o], w[o]
    keep = ws > 0
    xs, ws = xs[keep], ws[keep]
    cdf = np.cumsum(ws) - 0.5 * ws
    cdf /= ws.sum()
    return np.interp(np.asarray(q, dtype=float), cdf, xs)
