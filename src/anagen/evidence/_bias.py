"""Small-study effects: Egger's regression test and Duval & Tweedie's trim and fill.

Both follow metafor 3.8: :func:`egger_test` is ``regtest(rma(yi, vi, method = "FE"),
model = "lm", predictor = "sei")`` and :func:`trim_and_fill` is ``trimfill(rma(yi, vi,
method = method), estimator = ...)``.

References
----------
.. [1] Egger, M., Davey Smith, G., Schneider, M., & Minder, C. (1997). Bias in meta-analysis
   detected by a simple, graphical test. *BMJ*, 315(7109), 629-634.
.. [2] Sterne, J. A. C., & Egger, M. (2005). Regression methods to detect publication and other
   bias in meta-analysis. In H. R. Rothstein, A. J. Sutton, & M. Borenstein (Eds.),
   *Publication Bias in Meta-Analysis* (pp. 99-110). Wiley.
.. [3] Duval, S., & Tweedie, R. (2000). Trim and fill: A simple funnel-plot-based method of
   testing and adjusting for publication bias in meta-analysis. *Biometrics*, 56(2), 455-463.
.. [4] Duval, S., & Tweedie, R. (2000). A nonparametric "trim and fill" method of accounting for
   publication bias in meta-analysis. *Journal of the American Statistical Association*,
   95(449), 89-98.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from anagen.errors import ConvergenceError, InputError
from anagen.evidence._moderators import _tau2_mods
from anagen.evidence._pool import PoolResult, _check_level, _check_method, _check_pair, pool

__all__ = ["EggerResult", "TrimFillResult", "egger_test", "trim_and_fill"]


@dataclass(frozen=True, slots=True)
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry.

    The weighted least-squares regression ``yi = b0 + b1 * sei`` with weights ``1 / vi`` and a
    multiplicative dispersion parameter is fitted; ``b1`` is the intercept of Egger's original
    regression of ``yi / sei`` on ``1 / sei`` (the asymmetry), and ``b0`` is the expected effect
    of an infinitely precise study ("limit estimate").

    Attributes
    ----------
    stat, df, p
        t statistic of ``b1`` on ``df = k - 2`` degrees of freedom and its two-sided p-value.
    slope, slope_se
        ``b1`` and its standard error.
    intercept, intercept_se, ci_low, ci_high
        ``b0`` (metafor's ``est``), its standard error and t-based confidence interval.
    """

    k: int
    stat: float
    df: int
    p: float
    slope: float
    slope_se: float
    intercept: float
    intercept_se: float
    ci_low: float
    ci_high: float
    level: float


def egger_test(
    yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray, level: float = 0.95
) -> EggerResult:
    """Egger's regression test, exactly as metafor ``regtest(model = "lm", predictor = "sei")``.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances (k >= 3).
    level
        Confidence level of the interval for the intercept.

    Returns
    -------
    EggerResult

    References
    ----------
    Egger et al. 1997 [1]_; Sterne & Egger 2005 [2]_.
    """
    level = _check_level(level)
    y, v = _check_pair(yi, vi, ndim=1)
    k = y.size
    if k < 3:
        raise InputError(
            "Egger's test regresses on the standard error: needs k - 2 >= 1 residual df",
            field="k",
            allowed=">= 3",
            got=k,
        )
    sei = np.sqrt(v)
    X = np.column_stack([np.ones(k), sei])
    w = 1.0 / v
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = xtwx_inv @ (X.T @ (w * y))
    df = k - 2
    sigma2 = float(np.sum(w * (y - X @ beta) ** 2)) / df
    se = np.sqrt(np.diag(xtwx_inv) * sigma2)
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = beta / se
    p = float(2.0 * stats.t.sf(abs(tval[1]), df))
    crit = float(stats.t.isf((1.0 - level) / 2.0, df))
    return EggerResult(
        k=k,
        stat=float(tval[1]),
        df=df,
        p=p,
        slope=float(beta[1]),
        slope_se=float(se[1]),
        intercept=float(beta[0]),
        intercept_se=float(se[0]),
        ci_low=float(beta[0] - crit * se[0]),
        ci_high=float(beta[0] + crit * se[0]),
        level=level,
    )


@dataclass(frozen=True, slots=True)
class TrimFillResult:
    """Trim and fill: the number of studies estimated missing and the filled-in analysis.

    Attributes
    ----------
    k0, k0_se
        Estimated number of missing studies and its standard error (metafor ``se.k0``).
    side
        Side of the funnel plot on which studies were filled (``"left"`` or ``"right"``).
    estimator
        ``"L0"`` or ``"R0"``.
    estimate, se, ci_low, ci_high
        Pooled effect of the observed plus filled studies.
    filled_yi, filled_vi
        The imputed studies (mirror images ``2 * centre - yi`` of the ``k0`` most extreme).
    pool
        The full :class:`~anagen.evidence.PoolResult` of the observed plus filled studies (the
        original analysis when ``k0 = 0``).
    """

    k0: int
    k0_se: float
    side: str
    estimator: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    filled_yi: tuple[float, ...]
    filled_vi: tuple[float, ...]
    pool: PoolResult


def _slope_sign(y: np.ndarray, v: np.ndarray, method: str) -> float:
    """Slope of the meta-regression of yi on sei (metafor's choice of side)."""
    k = y.size
    X = np.column_stack([np.ones(k), np.sqrt(v)])
    tau2, _ = _tau2_mods(y, v, X, method)
    w = 1.0 / (v + tau2)
    beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * y))
    return float(beta[1])


def _ranks_first(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties broken by order of appearance (R ``rank(ties.method = "first")``)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[order] = np.arange(1, x.size + 1)
    return ranks


def trim_and_fill(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    estimator: Literal["L0", "R0"] = "L0",
    side: Literal["left", "right"] | None = None,
    level: float = 0.95,
    maxiter: int = 100,
    control: str | Mapping[str, Any] | None = None,
) -> TrimFillResult:
    """Duval & Tweedie's trim and fill, as metafor ``trimfill(rma(yi, vi, method = method))``.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances (k >= 3).
    method
        Estimator used for every pooled fit (as :func:`~anagen.evidence.pool`).
    estimator
        ``"L0"`` (default) or ``"R0"`` [3]_, [4]_.
    side
        Side on which studies are missing; by default chosen as metafor does: ``"right"`` if
        the slope of the meta-regression of ``yi`` on ``sqrt(vi)`` (same method) is negative,
        else ``"left"``.
    level
        Confidence level.
    maxiter
        Maximum number of trim-and-fill iterations.
    control
        Convergence control of every pooled fit, as :func:`~anagen.evidence.pool`: ``None``
        (default) converges to the true optimum (metafor with tight control);
        ``"metafor"`` reproduces a default ``rma()`` fit step for step.

    Returns
    -------
    TrimFillResult

    Raises
    ------
    ConvergenceError
        If the number of missing studies does not settle within ``maxiter`` iterations.

    References
    ----------
    Duval & Tweedie 2000 [3]_, [4]_.
    """
    method = _check_method(method)
    level = _check_level(level)
    y0, v0 = _check_pair(yi, vi, ndim=1)
    k = y0.size
    if k < 3:
        raise InputError(field="k", allowed=">= 3 for trim and fill", got=k)
    if estimator not in ("L0", "R0"):
        raise InputError(field="estimator", allowed="'L0' or 'R0'", got=estimator)
    if side is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            side = "right" if _slope_sign(y0, v0, method) < 0 else "left"
    elif side not in ("left", "right"):
        raise InputError(field="side", allowed="'left', 'right' or None", got=side)
    sign = -1.0 if side == "right" else 1.0
    y = sign * y0
    order = np.argsort(y, kind="stable")
    y, v = y[order], v0[order]

    k0, k0_prev, it = 0, -1, 0
    se_k0 = math.nan
    beta = math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        while k0 != k0_prev:
            k0_prev = k0
            it += 1
            if it > maxiter:
                raise ConvergenceError(
                    f"trim and fill did not settle in {maxiter} iterations; try estimator='R0' "
                    "or another method"
                )
            beta = pool(
                y[: k - k0], v[: k - k0], method if k - k0 > 1 else "FE", control=control
            ).estimate
            yc = y - beta
            signed = np.sign(yc) * _ranks_first(np.abs(yc))
            if estimator == "R0":
                k0_raw = (k - np.max(-signed[signed < 0])) - 1 if (signed < 0).any() else k - 1
                se_k0 = math.sqrt(2.0 * max(0.0, k0_raw) + 2.0)
            else:
                sr = float(np.sum(signed[signed > 0]))
                k0_raw = (4.0 * sr - k * (k + 1)) / (2 * k - 1)
                var_sr = (
                    k * (k + 1) * (2 * k + 1)
                    + 10 * k0_raw**3
                    + 27 * k0_raw**2
                    + 17 * k0_raw
                    - 18 * k * k0_raw**2
                    - 18 * k * k0_raw
                    + 6 * k**2 * k0_raw
                ) / 24.0
                se_k0 = 4.0 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan
            k0 = int(max(0.0, float(np.round(k0_raw))))
            se_k0 = max(0.0, se_k0)
        if k0 > 0:
            fill_y = sign * (2.0 * beta - y[k - k0 :])
            fill_v = v[k - k0 :]
            res = pool(
                np.concatenate([y0, fill_y]),
                np.concatenate([v0, fill_v]),
                method,
                level=level,
                control=control,
            )
        else:
            fill_y = fill_v = np.empty(0)
            res = pool(y0, v0, method, level=level, control=control)
    return TrimFillResult(
        k0=k0,
        k0_se=float(se_k0),
        side=side,
        estimator=estimator,
        estimate=res.estimate,
        se=res.se,
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        filled_yi=tuple(float(x) for x in fill_y),
        filled_vi=tuple(float(x) for x in fill_v),
        pool=res,
    )
