"""Moderators: mixed-effects meta-regression and subgroup analysis, as metafor ``rma(mods=)``.

The meta-regression kernel :func:`_rma_fit` is the matrix form of the estimators in
:mod:`anagen.evidence._pool` (which handles the intercept-only case for many analyses at once):
with design matrix ``X`` (k x p, first column the intercept), weights ``W = diag(1/(vi+tau2))``
and ``P = W - W X (X'WX)^-1 X'W``, each estimator of tau² is the one of metafor ``rma.uni``
(same starting values, stopping rules and root finder), so coefficients, tau², QE, QM and R²
agree with metafor to floating-point accuracy.

References
----------
.. [1] Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
   *Journal of Statistical Software*, 36(3), 1-48.
.. [2] Thompson, S. G., & Higgins, J. P. T. (2002). How should meta-regression analyses be
   undertaken and interpreted? *Statistics in Medicine*, 21(11), 1559-1573.
.. [3] Raudenbush, S. W. (2009). Analyzing effect sizes: Random-effects models. In H. Cooper,
   L. V. Hedges, & J. C. Valentine (Eds.), *The Handbook of Research Synthesis and
   Meta-Analysis* (2nd ed., pp. 295-315). Russell Sage Foundation. (R² as proportional
   reduction in tau².)
.. [4] Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression
   with a single covariate. *Statistics in Medicine*, 21(17), 2693-2710.
.. [5] Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009).
   *Introduction to Meta-Analysis*, ch. 19 (subgroup analyses; Q between). Wiley.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import stats

from anagen.errors import ConvergenceError, InputError
from anagen.evidence._pool import (
    _MAXITER,
    _THRESHOLD,
    PoolResult,
    _check_level,
    _check_method,
    _check_pair,
    _tau2_upper,
    pool,
)
from anagen.evidence._zeroin import R_UNIROOT_TOL, zeroin

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MetaRegressionResult", "SubgroupResult", "meta_regression", "subgroup_analysis"]

_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------------------------
# kernel: one fit with a design matrix


def _proj(X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X'WX)^-1`` and ``P = W - W X (X'WX)^-1 X'W`` for weights ``w``."""
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    wx = w[:, None] * X
    return xtwx_inv, np.diag(w) - wx @ xtwx_inv @ wx.T


def _qe(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    _, P = _proj(X, 1.0 / (v + tau2))
    return float(y @ P @ y)


def _reml_ll(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float, method: str) -> float:
    k, p = X.shape
    w = 1.0 / (v + tau2)
    xtwx = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(xtwx, X.T @ (w * y))
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    if method == "ML":
        return -0.5 * k * _LOG_2PI - 0.5 * float(np.sum(np.log(v + tau2))) - 0.5 * rss
    return (
        -0.5 * (k - p) * _LOG_2PI
        - 0.5 * float(np.sum(np.log(v + tau2)))
        - 0.5 * float(np.linalg.slogdet(xtwx)[1])
        - 0.5 * rss
    )


def _tau2_mods(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str) -> tuple[float, float]:
    """Estimate tau² (truncated at 0) and its standard error, as metafor ``rma.uni``."""
    k, p = X.shape
    if method == "FE":
        return 0.0, math.nan
    ym = y - y.mean()
    if method == "DL":
        w = 1.0 / v
        _, P = _proj(X, w)
        tr_p = float(np.trace(P))
        tau2 = max(0.0, (float(ym @ P @ ym) - (k - p)) / tr_p)
        se = math.sqrt((2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2**2 * np.sum(P * P)) / tr_p**2)
        return tau2, se
    if method == "SJ":
        tau2_0 = float(np.var(ym))
        w = 1.0 / (v + tau2_0)
        _, P = _proj(X, w)
        PV = P * v[None, :]
        tau2 = max(0.0, tau2_0 * float(ym @ P @ ym) / (k - p))
        se = math.sqrt(
            tau2_0**2
            / (k - p) ** 2
            * (2 * np.sum(PV * PV.T) + 4 * tau2 * np.sum(PV * P) + 2 * tau2**2 * np.sum(P * P))
        )
        return tau2, se
    # Hedges (also the starting value of ML/REML/EB)
    P_ols = np.eye(k) - X @ np.linalg.inv(X.T @ X) @ X.T
    PV = P_ols * v[None, :]
    tr_pv = float(np.trace(PV))
    tau2_he = (float(ym @ P_ols @ ym) - tr_pv) / (k - p)
    if method == "HE":
        tau2 = max(0.0, tau2_he)
        se = math.sqrt(
            (2 * np.sum(PV * PV.T) + 4 * tau2 * tr_pv + 2 * tau2**2 * (k - p)) / (k - p) ** 2
        )
        return tau2, se
    if method in ("ML", "REML", "EB"):
        tau2 = max(0.0, tau2_he)
        change, it = _THRESHOLD + 1.0, 0
        while change > _THRESHOLD:
            it += 1
            old = tau2
            w = 1.0 / (v + tau2)
            _, P = _proj(X, w)
            Py = P @ ym
            if method == "ML":
                adj = (float(Py @ Py) - w.sum()) / float(np.sum(w**2))
            elif method == "REML":
                adj = (float(Py @ Py) - float(np.trace(P))) / float(np.sum(P * P))
            else:
                adj = (float(ym @ Py) * k / (k - p) - k) / w.sum()
            if math.isnan(adj):
                adj = 0.0
            if tau2 <= 0.0 and adj < 0.0:
                adj = 0.0
            while tau2 + adj < 0.0:
                adj /= 2.0
            tau2 = tau2 + adj
            change = abs(old - tau2)
            if it > _MAXITER:
                raise ConvergenceError(
                    f"{method} Fisher scoring did not converge in {_MAXITER} iterations. Try "
                    "method='PM' or 'DL', or fewer moderators."
                )
        if method in ("ML", "REML") and tau2 > _THRESHOLD:
            ll0 = _reml_ll(y, v, X, 0.0, method)
            if ll0 - _reml_ll(y, v, X, tau2, method) > R_UNIROOT_TOL:
                warnings.warn(
                    "Fisher scoring may have stopped at a local maximum; tau2 set to 0 "
                    "(as metafor does).",
                    RuntimeWarning,
                    stacklevel=3,
                )
                tau2 = 0.0
        w = 1.0 / (v + tau2)
        if method == "ML":
            se = math.sqrt(2.0 / float(np.sum(w**2)))
        elif method == "REML":
            _, P = _proj(X, w)
            se = math.sqrt(2.0 / float(np.sum(P * P)))
        else:
            se = math.sqrt(2.0 * k**2 / (k - p) / w.sum() ** 2)
        return tau2, se
    # PM: root of Q(tau2) = k - p on [0, max(100, 10 mad(yi)^2)] with R's uniroot
    target = float(k - p)
    upper = float(_tau2_upper(y[:, None])[0])
    q0 = _qe(ym, v, X, 0.0) - target
    if q0 < 0.0:
        tau2 = 0.0
    else:
        qmax = _qe(ym, v, X, upper) - target
        if qmax > 0.0:
            raise ConvergenceError(
                f"Paule-Mandel found no tau2 in [0, {upper:g}]; check the units of yi and "
                "vi, or use method='DL' or 'REML'."
            )
        root, _ = zeroin(
            lambda x, idx: np.array([_qe(ym, v, X, float(x[0])) - target]),
            np.array([0.0]),
            np.array([upper]),
            np.array([q0]),
            np.array([qmax]),
            tol=R_UNIROOT_TOL,
            maxiter=_MAXITER,
        )
        tau2 = float(root[0])
    w = 1.0 / (v + tau2)
    return tau2, math.sqrt(2.0 * k**2 / (k - p) / w.sum() ** 2)


def _rma_fit(
    y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str, knha: bool, level: float
) -> dict[str, Any]:
    """Fit ``rma(yi, vi, mods = X[, -1], method, test)``; ``X[:, 0]`` is the intercept."""
    k, p = X.shape
    tau2, tau2_se = _tau2_mods(y, v, X, method)
    w = 1.0 / (v + tau2)
    vb, _ = _proj(X, w)
    beta = vb @ (X.T @ (w * y))
    if knha:
        rss = float(np.sum(w * (y - X @ beta) ** 2))
        vb = vb * (0.0 if rss <= np.finfo(np.float64).eps else rss / (k - p))
    se = np.sqrt(np.diag(vb))
    zval = beta / se
    alpha = 1.0 - level
    m = p - 1
    b, V = beta[1:], vb[1:, 1:]
    qm = float(b @ np.linalg.solve(V, b)) if m else math.nan
    if knha:
        dfs: int | None = k - p
        pval = 2.0 * stats.t.sf(np.abs(zval), dfs)
        crit = float(stats.t.isf(alpha / 2.0, dfs))
        qm = qm / m if m else math.nan
        qm_p = float(stats.f.sf(qm, m, k - p)) if m else math.nan
    else:
        dfs = None
        pval = 2.0 * stats.norm.sf(np.abs(zval))
        crit = float(stats.norm.isf(alpha / 2.0))
        qm_p = float(stats.chi2.sf(qm, m)) if m else math.nan
    wf = 1.0 / v
    _, P = _proj(X, wf)
    qe = max(0.0, float(y @ P @ y)) if k > p else 0.0
    qe_p = float(stats.chi2.sf(qe, k - p)) if k > p else 1.0
    vt = (k - p) / float(np.trace(P)) if k > p else 0.0
    if method == "FE":
        i2 = max(0.0, 100.0 * (qe - (k - p)) / qe) if qe > 0 else 0.0
        h2 = qe / (k - p) if k > p else 1.0
    else:
        i2 = 100.0 * tau2 / (vt + tau2) if k > p else 0.0
        h2 = tau2 / vt + 1.0 if k > p else 1.0
    return {
        "beta": beta,
        "se": se,
        "zval": zval,
        "p": pval,
        "ci_low": beta - crit * se,
        "ci_high": beta + crit * se,
        "vcov": vb,
        "tau2": tau2,
        "tau2_se": tau2_se,
        "qe": qe,
        "qe_p": qe_p,
        "qm": qm,
        "qm_p": qm_p,
        "i2": i2,
        "h2": h2,
        "df": dfs,
    }


# --------------------------------------------------------------------------------------------
# meta-regression


@dataclass(frozen=True, slots=True)
class MetaRegressionResult:
    """A mixed-effects meta-regression, as metafor ``rma(yi, vi, mods = ~ ...)``.

    Attributes
    ----------
    names
        Coefficient names (``"intrcpt"`` first, then the moderators).
    coef, se, zval, p, ci_low, ci_high
        Coefficients with standard errors, test statistics (t on ``df`` when ``knha``),
        p-values and confidence intervals.
    vcov
        Covariance matrix of the coefficients (nested tuples).
    qm, qm_df, qm_p
        Omnibus test of the moderators (chi² on ``qm_df``; F on (``qm_df``, ``df``) when
        ``knha``).
    qe, qe_df, qe_p
        Test for residual heterogeneity.
    tau2, tau2_se
        Residual between-study variance and its standard error.
    i2, h2
        Residual I² (percent) and H².
    r2
        Percent of tau² accounted for by the moderators, ``max(0, 100 (tau2_0 - tau2) /
        tau2_0)`` with ``tau2_0`` from the intercept-only model (metafor's definition); for FE,
        metafor's adjusted R² of the weighted least-squares fit.
    """

    method: str
    k: int
    knha: bool
    level: float
    df: int | None
    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    p: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    vcov: tuple[tuple[float, ...], ...]
    qm: float
    qm_df: int
    qm_p: float
    qe: float
    qe_df: int
    qe_p: float
    tau2: float
    tau2_se: float
    i2: float
    h2: float
    r2: float

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table, one row per coefficient."""
        import pandas as pd

        return pd.DataFrame(
            {
                "estimate": self.coef,
                "se": self.se,
                "zval": self.zval,
                "p": self.p,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            },
            index=pd.Index(self.names, name="term"),
        )


def _design(
    mods: np.ndarray | Mapping[str, Sequence[float]] | Sequence[Sequence[float]], k: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    if isinstance(mods, Mapping):
        names = tuple(str(n) for n in mods)
        cols = [np.asarray(mods[n], dtype=np.float64) for n in mods]
        M = np.column_stack(cols) if cols else np.empty((k, 0))
    else:
        M = np.asarray(mods, dtype=np.float64)
        if M.ndim == 1:
            M = M[:, None]
        names = tuple(f"x{j + 1}" for j in range(M.shape[1] if M.ndim == 2 else 0))
    if M.ndim != 2 or M.shape[0] != k:
        raise InputError(field="mods", allowed=f"{k} rows (one per study)", got=M.shape)
    if M.shape[1] == 0:
        raise InputError(field="mods", allowed="at least one moderator", got=0)
    bad = np.argwhere(~np.isfinite(M))
    if bad.size:
        i, j = bad[0]
        raise InputError(field=names[j], row=int(i) + 1, allowed="a finite number", got=M[i, j])
    X = np.column_stack([np.ones(k), M])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(
            "the moderators are collinear (or constant) with the intercept",
            field="mods",
        )
    if k <= X.shape[1]:
        raise InputError(field="k", allowed=f"> {X.shape[1]} (the number of coefficients)", got=k)
    return X, ("intrcpt", *names)


def meta_regression(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    mods: np.ndarray | Mapping[str, Sequence[float]] | Sequence[Sequence[float]],
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
) -> MetaRegressionResult:
    """Mixed-effects meta-regression of ``yi`` on moderators, as metafor ``rma(mods = ~ ...)``.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances.
    mods
        Moderators: a mapping ``name -> values`` (e.g. ``{"weeks": ..., "sessions": ...}``) or
        a k x m array (columns named ``x1, x2, ...``). An intercept is always added.
    method
        Estimator of the residual tau² (see :data:`~anagen.evidence.METHODS`).
    knha
        Knapp–Hartung adjustment [4]_ (t tests on k - p df, F test for the moderators).
    level
        Confidence level.

    Returns
    -------
    MetaRegressionResult

    References
    ----------
    See the module docstring: Viechtbauer 2010 [1]_; Thompson & Higgins 2002 [2]_;
    Raudenbush 2009 [3]_; Knapp & Hartung 2003 [4]_.
    """
    method = _check_method(method)
    level = _check_level(level)
    y, v = _check_pair(yi, vi, ndim=1)
    X, names = _design(mods, y.size)
    k, p = X.shape
    fit = _rma_fit(y, v, X, method, knha, level)
    if method == "FE":
        w = 1.0 / v
        yw = np.sum(w * y) / np.sum(w)
        tss = float(np.sum(w * (y - yw) ** 2))
        if tss == 0.0:
            r2 = 0.0
        else:
            beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * y))
            rss = float(np.sum(w * (y - X @ beta) ** 2))
            r2 = max(0.0, 100.0 * (1.0 - (rss / tss) * (k - 1) / (k - p)))
    else:
        tau2_0, _ = _tau2_mods(y, v, np.ones((k, 1)), method)
        r2 = 0.0 if tau2_0 == 0.0 else max(0.0, 100.0 * (tau2_0 - fit["tau2"]) / tau2_0)

    def tup(a: np.ndarray) -> tuple[float, ...]:
        return tuple(float(x) for x in a)

    return MetaRegressionResult(
        method=method,
        k=k,
        knha=bool(knha),
        level=level,
        df=fit["df"],
        names=names,
        coef=tup(fit["beta"]),
        se=tup(fit["se"]),
        zval=tup(fit["zval"]),
        p=tup(fit["p"]),
        ci_low=tup(fit["ci_low"]),
        ci_high=tup(fit["ci_high"]),
        vcov=tuple(tup(row) for row in fit["vcov"]),
        qm=fit["qm"],
        qm_df=p - 1,
        qm_p=fit["qm_p"],
        qe=fit["qe"],
        qe_df=k - p,
        qe_p=fit["qe_p"],
        tau2=fit["tau2"],
        tau2_se=fit["tau2_se"],
        i2=fit["i2"],
        h2=fit["h2"],
        r2=r2,
    )


# --------------------------------------------------------------------------------------------
# subgroups


@dataclass(frozen=True, slots=True)
class SubgroupResult:
    """Subgroup analysis: a pooled result per group and the test of subgroup differences.

    Attributes
    ----------
    groups
        Group labels in order of first appearance.
    results
        :class:`~anagen.evidence.PoolResult` per group (same order).
    tau2
        ``"separate"`` (each subgroup has its own tau²) or ``"common"``.
    qb, qb_df, qb_p
        Test of subgroup differences. ``separate``: Wald-type Q of the subgroup estimates
        with their own variances (a fixed-effect meta-analysis of the subgroup estimates,
        metafor ``rma(est, sei = se, method = "FE")``'s QE). ``common``: the omnibus QM of the
        meta-regression on group dummies (metafor ``rma(yi, vi, mods = ~ factor(group))``),
        an F statistic on (``qb_df``, k - G) when ``knha``.
    """

    groups: tuple[str, ...]
    results: tuple[PoolResult, ...]
    tau2: str
    qb: float
    qb_df: int
    qb_p: float

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup with its pooled estimate and heterogeneity."""
        import pandas as pd

        frames = [
            r.to_frame().assign(group=g) for g, r in zip(self.groups, self.results, strict=True)
        ]
        return pd.concat(frames, ignore_index=True).set_index("group")


def subgroup_analysis(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    groups: Sequence[Any],
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
    tau2: Literal["separate", "common"] = "separate",
    control: str | Mapping[str, Any] | None = None,
) -> SubgroupResult:
    """Pool within subgroups and test whether the subgroup effects differ.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances.
    groups
        Group label per study (at least two groups).
    method, knha, level
        As :func:`~anagen.evidence.pool`, used within each subgroup (groups with a single
        study are pooled with FE, which is what any estimator gives for k = 1).
    tau2
        ``"separate"`` (default; each subgroup its own tau², Borenstein et al. 2009 [5]_) or
        ``"common"`` (one tau² for all, the mixed-effects meta-regression on group dummies).
    control
        Convergence control of the within-subgroup fits, as :func:`~anagen.evidence.pool`:
        ``None`` (default) converges to the true optimum; ``"metafor"`` reproduces default
        ``rma()`` fits.

    Returns
    -------
    SubgroupResult

    References
    ----------
    Borenstein et al. 2009, ch. 19 [5]_; Viechtbauer 2010 [1]_.
    """
    method = _check_method(method)
    level = _check_level(level)
    y, v = _check_pair(yi, vi, ndim=1)
    labels = [str(g) for g in groups]
    if len(labels) != y.size:
        raise InputError(
            field="groups", allowed=f"{y.size} labels (one per study)", got=len(labels)
        )
    order = list(dict.fromkeys(labels))
    if len(order) < 2:
        raise InputError(field="groups", allowed="at least 2 distinct groups", got=len(order))
    if tau2 not in ("separate", "common"):
        raise InputError(field="tau2", allowed="'separate' or 'common'", got=tau2)
    lab = np.array(labels)
    results = []
    for g in order:
        idx = lab == g
        m = method if idx.sum() > 1 else "FE"
        results.append(
            pool(y[idx], v[idx], m, knha=knha and idx.sum() > 1, level=level, control=control)
        )
    G = len(order)
    if tau2 == "separate":
        est = np.array([r.estimate for r in results])
        var = np.array([r.se**2 for r in results])
        w = 1.0 / var
        qb = float(np.sum(w * (est - np.sum(w * est) / np.sum(w)) ** 2))
        qb_p = float(stats.chi2.sf(qb, G - 1))
    else:
        dummies = {g: (lab == g).astype(float) for g in order[1:]}
        reg = meta_regression(y, v, dummies, method=method, knha=knha, level=level)
        qb, qb_p = reg.qm, reg.qm_p
    return SubgroupResult(
        groups=tuple(order), results=tuple(results), tau2=tau2, qb=qb, qb_df=G - 1, qb_p=qb_p
    )
