"""Fixed- and random-effects pooling of effect sizes, exact to R's metafor 3.8 ``rma.uni``.

The kernel works on 2-D arrays (one meta-analysis per row, all with the same ``k``) so that
:func:`pool_many` pools thousands of analyses at once; :func:`pool` is the one-row case.
Fisher scoring and the per-analysis sums are Numba kernels that compute many analyses side by
side in SIMD lanes, split among threads (:mod:`anagen.evidence._pool_lanes`); Paule–Mandel and
the Q-profile are Numba root finders (:mod:`anagen.evidence._pool_kernels`); the closed-form
estimators are NumPy, vectorised over analyses. Every estimator, its stopping rule and its root
finder follow ``metafor::rma()``, so with metafor's control results agree with R to
floating-point accuracy rather than to the estimator's convergence tolerance (see
``docs/metafor-validation.md``); by default tau² is converged exactly instead
(:mod:`anagen.evidence._pool_control`).

Notation: ``yi`` effect sizes, ``vi`` sampling variances, ``wi = 1 / (vi + tau2)`` weights,
``k`` studies, ``Q`` Cochran's heterogeneity statistic with fixed-effect weights, and
``P = W - W 1 (1' W 1)^-1 1' W`` the residual-maker of the weighted intercept-only model.

References
----------
.. [1] Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the
   random-effects model. *Journal of Educational and Behavioral Statistics*, 30(3), 261-293.
.. [2] Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
   *Journal of Statistical Software*, 36(3), 1-48.
.. [3] DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled
   Clinical Trials*, 7(3), 177-188.
.. [4] Paule, R. C., & Mandel, J. (1982). Consensus values and weighting factors. *Journal of
   Research of the National Bureau of Standards*, 87(5), 377-385.
.. [5] Sidik, K., & Jonkman, J. N. (2005). Simple heterogeneity variance estimation for
   meta-analysis. *Journal of the Royal Statistical Society C*, 54(2), 367-384.
.. [6] Hedges, L. V. (1983). A random effects model for effect sizes. *Psychological Bulletin*,
   93(2), 388-395.
.. [7] Morris, C. N. (1983). Parametric empirical Bayes inference: Theory and applications.
   *Journal of the American Statistical Association*, 78(381), 47-55.
.. [8] Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression
   with a single covariate. *Statistics in Medicine*, 22(17), 2693-2710.
.. [9] Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a
   meta-analysis. *Statistics in Medicine*, 21(11), 1539-1558.
.. [10] Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in
   meta-analysis. *Statistics in Medicine*, 26(1), 37-52.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import special

from anagen.errors import ConvergenceError, InputError
from anagen.evidence import _pool_kernels as _kernels
from anagen.evidence import _pool_lanes as _lanes
from anagen.evidence._pool_control import EXACT, Control, resolve_control, score_root, score_rows
from anagen.evidence._row_threads import chunks, run_rows
from anagen.evidence._zeroin import R_UNIROOT_TOL

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["METHODS", "PoolManyResult", "PoolResult", "pool", "pool_many"]

Method = Literal["FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB"]

#: Estimators of tau², with the name metafor gives them.
METHODS: dict[str, str] = {
    "FE": "fixed effect (inverse variance, tau2 = 0)",
    "DL": "DerSimonian-Laird method of moments",
    "REML": "restricted maximum likelihood (Fisher scoring)",
    "ML": "maximum likelihood (Fisher scoring)",
    "PM": "Paule-Mandel generalised Q",
    "SJ": "Sidik-Jonkman",
    "HE": "Hedges (unweighted method of moments)",
    "EB": "empirical Bayes (Morris)",
}

# metafor's rma() control defaults
_THRESHOLD = 1e-5  # Fisher scoring stops when |change in tau2| <= threshold
_MAXITER = 100  # Fisher scoring iterations and uniroot() iterations for PM
_TAU2_MAX = 100.0  # upper end of the PM search interval: max(100, 10 * mad(yi)^2)
_MAD_CONSTANT = 1.4826  # R's mad(): scales the median absolute deviation to an SD
_CONFINT_MAXITER = 1000  # uniroot() iterations in confint()
#: Work of one analysis, in passes over a study, for sizing what threads share (see
#: :mod:`anagen.evidence._row_threads`): a root search (~50 Q evaluations), a chi² p-value.
_ROOT_WORK, _CHDTRC_WORK = 50, 100
#: Estimators fitted by Fisher scoring, with their kernel codes.
_FISHER = {"REML": _lanes.REML, "ML": _lanes.ML, "EB": _lanes.EB}


@dataclass(frozen=True, slots=True)
class PoolResult:
    """One pooled meta-analysis, field by field as metafor ``rma``, ``predict`` and ``confint``.

    Attributes
    ----------
    method
        Estimator of tau² (one of :data:`METHODS`).
    k
        Number of studies.
    estimate, se
        Pooled effect and its standard error (Knapp–Hartung-scaled when ``knha``).
    zval
        Test statistic ``estimate / se``: a z value, or a t value on ``df`` degrees of freedom
        when ``knha`` (metafor calls both ``zval``).
    p
        Two-sided p-value of ``zval``.
    ci_low, ci_high
        Confidence interval of the pooled effect.
    tau2, tau2_se, tau
        Between-study variance, its standard error (NaN for FE or a fixed ``tau2``), and its
        square root.
    i2, h2
        I² (percent) and H², computed as metafor does for the method (from Q for FE, from
        ``tau2`` and the typical within-study variance otherwise).
    q, q_df, q_p
        Cochran's Q (fixed-effect weights), its degrees of freedom ``k - 1`` and p-value.
    pi_low, pi_high
        Prediction interval for the true effect in a new study (as metafor ``predict``);
        equal to the confidence interval for FE.
    tau2_ci_low, tau2_ci_high, i2_ci_low, i2_ci_high, h2_ci_low, h2_ci_high
        Q-profile confidence intervals (metafor ``confint``); NaN for FE or a fixed ``tau2``.
    knha
        Whether the Knapp–Hartung adjustment was used.
    level
        Confidence level (for example 0.95).
    df
        Degrees of freedom of the t distribution (``k - 1``) when ``knha``; ``None`` for z.
    weights
        Study weights in percent, as metafor ``weights()``.
    yi, vi
        The input effect sizes and sampling variances.
    """

    method: str
    k: int
    estimate: float
    se: float
    zval: float
    p: float
    ci_low: float
    ci_high: float
    tau2: float
    tau2_se: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2_ci_low: float
    i2_ci_high: float
    h2_ci_low: float
    h2_ci_high: float
    knha: bool
    level: float
    df: int | None
    weights: tuple[float, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-ready Python values (NaN where not applicable)."""
        out = asdict(self)
        if out["df"] is None:
            out["df"] = math.nan
        for key in ("weights", "yi", "vi"):
            out[key] = list(out[key])
        return out

    def to_frame(self) -> pd.DataFrame:
        """Return the scalar fields as a one-row :class:`pandas.DataFrame`."""
        import pandas as pd

        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, list)}
        return pd.DataFrame([row])


@dataclass(frozen=True, slots=True)
class PoolManyResult:
    """Many meta-analyses pooled at once: each field of :class:`PoolResult` as an array.

    Scalar settings (``method``, ``k``, ``knha``, ``level``, ``df``, ``q_df``) are shared by all
    rows; every other field is a 1-D array with one entry per analysis, except ``weights``
    (percent, shape ``(n, k)``). ``converged`` is False for rows whose tau² could not be
    estimated (their fields are NaN); ``status`` says, per row, ``"converged"``, which
    ``"fallback: ..."`` was used, or ``"not estimable: <reason>"``.
    """

    method: str
    k: int
    knha: bool
    level: float
    df: int | None
    q_df: int
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    tau2: np.ndarray
    tau2_se: np.ndarray
    tau: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    q: np.ndarray
    q_p: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    tau2_ci_low: np.ndarray
    tau2_ci_high: np.ndarray
    i2_ci_low: np.ndarray
    i2_ci_high: np.ndarray
    h2_ci_low: np.ndarray
    h2_ci_high: np.ndarray
    weights: np.ndarray
    converged: np.ndarray
    status: np.ndarray  # per analysis: "converged", "fallback: ...", "not estimable: ..."

    def __len__(self) -> int:
        return int(self.estimate.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Return one row per analysis with the per-analysis scalar fields."""
        import pandas as pd

        cols = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray) and getattr(self, f.name).ndim == 1
        }
        return pd.DataFrame(cols)


# --------------------------------------------------------------------------------------------
# validation (public functions check, kernels trust)


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise InputError(field="method", allowed=f"one of {', '.join(METHODS)}", got=method)
    return method


def _check_level(level: float) -> float:
    if not (isinstance(level, int | float) and 0.0 < float(level) < 1.0):
        raise InputError(field="level", allowed="a number in (0, 1), e.g. 0.95", got=level)
    return float(level)


def _check_stepadj(stepadj: float) -> float:
    if not (isinstance(stepadj, int | float) and 0.0 < float(stepadj) <= 1.0):
        raise InputError(field="stepadj", allowed="a number in (0, 1]", got=stepadj)
    return float(stepadj)


def _min_k(method: str, knha: bool) -> int:
    return 2 if (method != "FE" or knha) else 1


def _check_pair(
    yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray, *, ndim: int
) -> tuple[np.ndarray, np.ndarray]:
    """Check effect sizes and variances; rows in messages are 1-based studies."""
    try:
        y = np.asarray(yi, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(field="yi", allowed="numbers", got=str(exc)) from None
    try:
        v = np.asarray(vi, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(field="vi", allowed="numbers", got=str(exc)) from None
    if ndim == 1:
        y, v = np.atleast_1d(y), np.atleast_1d(v)
    for name, arr in (("yi", y), ("vi", v)):
        if arr.ndim != ndim:
            shape = "a 1-D sequence" if ndim == 1 else "a 2-D array (analyses x studies)"
            raise InputError(field=name, allowed=shape, got=f"shape {arr.shape}")
    if y.shape != v.shape:
        raise InputError(
            field="vi", allowed=f"the same shape as 'yi' {y.shape}", got=f"shape {v.shape}"
        )
    for name, arr, ok in (("yi", y, np.isfinite(y)), ("vi", v, np.isfinite(v) & (v > 0))):
        if not ok.all():
            bad = np.argwhere(~ok)[0]
            got = float(arr[tuple(bad)])
            allowed = "a finite number" if name == "yi" else "> 0 and finite"
            if ndim == 1:
                raise InputError(field=name, row=int(bad[0]) + 1, allowed=allowed, got=got)
            raise InputError(
                f"analysis {int(bad[0]) + 1}, study {int(bad[1]) + 1}",
                field=name,
                allowed=allowed,
                got=got,
            )
    return y, v


def _check_k(k: int, method: str, knha: bool) -> None:
    need = _min_k(method, knha)
    if k < need:
        why = "Knapp-Hartung needs k - 1 >= 1 degrees of freedom" if knha else "to estimate tau2"
        raise InputError(
            f"method {method} needs at least {need} studies ({why})",
            field="k",
            allowed=f">= {need}",
            got=k,
        )


# --------------------------------------------------------------------------------------------
# NumPy kernels (DL, HE, SJ, PM, Q-profile): Y, V are (k, n) float arrays, one analysis per
# *column* (study-major, so that the sums over studies are additions of contiguous rows). NumPy
# sums a lone column (pool()) pairwise instead, so pool() and pool_many() agree here to
# rounding (~1e-15), and to the last bit only in the Numba kernels.


def _colsum(x: np.ndarray) -> np.ndarray:
    """Sum over studies (axis 0)."""
    return x.sum(axis=0)


def _rss(w: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Weighted residual sum of squares ``Y' P Y`` of the intercept-only model."""
    mu = _colsum(w * Y) / _colsum(w)
    return _colsum(w * (Y - mu) ** 2)


def _q_at(tau2: np.ndarray, Y: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Generalised Q statistic ``Y' P(tau2) Y``."""
    return _rss(1.0 / (V + tau2), Y)


def _sum_pp(w: np.ndarray, sw: np.ndarray, sw2: np.ndarray) -> np.ndarray:
    """``sum(P * P)`` (= tr(PP)) for weights ``w`` with sums ``sw`` and ``sw2`` of w and w²."""
    return sw2 - 2.0 * (w**3).sum(axis=0) / sw + sw2**2 / sw**2


def _tau2_he(Y: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Hedges' estimator ``(RSS_ols - tr(P_ols V)) / (k - 1)``, untruncated [6]."""
    k = Y.shape[0]
    rss = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    tr_pv = V.sum(axis=0) * (1.0 - 1.0 / k)
    return (rss - tr_pv) / (k - 1)


def _tau2_upper(Y: np.ndarray) -> np.ndarray:
    """metafor's upper search limit for tau2: ``max(100, 10 * mad(yi)^2)`` per column."""
    med = np.median(Y, axis=0)
    mad = _MAD_CONSTANT * np.median(np.abs(Y - med), axis=0)
    return np.maximum(_TAU2_MAX, 10.0 * mad**2)


def _paule_mandel(
    Y: np.ndarray, V: np.ndarray, tol: float, maxiter: int, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Paule–Mandel: root of ``Q(tau2) = k - 1`` on [0, max(100, 10 mad(yi)^2)] by Brent's
    zeroin as R's ``uniroot`` [4] (``Y``, ``V`` analysis-major)."""
    n, k = Y.shape
    upper = _tau2_upper(Y.T)
    tau2, ok = np.empty(n), np.empty(n, dtype=bool)
    run_rows(
        lambda a, b: _kernels.paule_mandel_rows(Y, V, upper, tol, maxiter, a, b, tau2, ok),
        n, _ROOT_WORK * k, threads,
    )  # fmt: skip
    return tau2, ok


def _tau2_study_major(
    Y: np.ndarray, V: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """DL, HE, SJ and PM on study-major (k, n) arrays.

    Returns (tau2 truncated at 0, its standard error, converged) for each column; the standard
    error is None for PM, whose SE needs the final weights (computed by the summary kernel).
    """
    k, n = Y.shape
    p = 1
    ok = np.ones(n, dtype=bool)
    if method == "DL":
        w = 1.0 / V
        sw, sw2 = w.sum(axis=0), (w**2).sum(axis=0)
        tr_p = sw - sw2 / sw
        tau2 = np.maximum(0.0, (_rss(w, Y) - (k - p)) / tr_p)
        se = np.sqrt(
            (2.0 * (k - p) + 4.0 * tau2 * tr_p + 2.0 * tau2**2 * _sum_pp(w, sw, sw2)) / tr_p**2
        )
        return tau2, se, ok
    if method == "HE":
        tau2 = np.maximum(0.0, _tau2_he(Y, V))
        s1, s2 = V.sum(axis=0), (V**2).sum(axis=0)
        tr_pvpv = s2 - 2.0 * s2 / k + s1**2 / k**2
        tr_pv = s1 * (1.0 - 1.0 / k)
        se = np.sqrt((2.0 * tr_pvpv + 4.0 * tau2 * tr_pv + 2.0 * tau2**2 * (k - p)) / (k - p) ** 2)
        return tau2, se, ok
    if method == "SJ":
        tau2_0 = ((Y - Y.mean(axis=0)) ** 2).mean(axis=0)
        w = 1.0 / (V + tau2_0)
        tau2 = np.maximum(0.0, tau2_0 * _rss(w, Y) / (k - p))
        sw, sw2 = w.sum(axis=0), (w**2).sum(axis=0)
        sw2v = (w**2 * V).sum(axis=0)
        pvpv = (w**2 * V**2).sum(axis=0) - 2.0 * (w**3 * V**2).sum(axis=0) / sw + sw2v**2 / sw**2
        pvp = sw2v - 2.0 * (w**3 * V).sum(axis=0) / sw + sw2 * sw2v / sw**2
        se = np.sqrt(
            tau2_0**2
            / (k - p) ** 2
            * (2.0 * pvpv + 4.0 * tau2 * pvp + 2.0 * tau2**2 * _sum_pp(w, sw, sw2))
        )
        return tau2, se, ok
    raise AssertionError(method)  # PM runs in its Numba kernel


def _exact_fisher(
    Y: np.ndarray,
    V: np.ndarray,
    method: str,
    tau2: np.ndarray,
    conv: np.ndarray,
    status: np.ndarray,
    control: Control,
    threads: int | None,
) -> None:
    """Exact mode after Fisher scoring: boundary optimum set to exactly 0, and the fallbacks
    (step-halving, then the bracketed root of the score) for rows that did not converge."""
    code = _FISHER[method]
    # boundary: the optimum is tau2 = 0 when the score at 0 points down and scoring ran to ~0
    near0 = np.flatnonzero(conv & (tau2 > 0.0) & (tau2 <= 1e-6 * V.max()))
    if near0.size:
        near0 = near0[tau2[near0] <= 1e-6 * V[near0].min(axis=1)]  # row min only if needed
        down = score_rows(Y[near0], V[near0], np.zeros(near0.size), method) <= 0.0
        tau2[near0[down]] = 0.0
    bad = np.flatnonzero(~conv)
    for step in (0.5, 0.25):
        if bad.size == 0:
            return
        t, ok, _ = _lanes.fisher_scoring(
            np.ascontiguousarray(Y[bad]), np.ascontiguousarray(V[bad]), code, step,
            control.threshold, control.maxiter, R_UNIROOT_TOL, threads,
        )  # fmt: skip
        tau2[bad[ok]] = t[ok]
        conv[bad[ok]] = True
        status[bad[ok]] = f"fallback: stepadj {step}"
        bad = bad[~ok]
    for j in bad:
        t = score_root(Y[j], V[j], method)
        if math.isfinite(t):
            tau2[j], conv[j], status[j] = t, True, "fallback: bracketed root of the score"


def _q_profile(
    Y: np.ndarray,
    V: np.ndarray,
    tau2: np.ndarray,
    level: float,
    tol: float,
    maxiter: int,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Q-profile confidence interval for tau² as metafor ``confint()`` [10] (analysis-major).

    Searches [0, max(100, 10 tau2)]; a bound is 0 when Q(0) is already below its quantile
    (both are 0 when Q(0) is below the lower quantile), and the search limit when Q at the
    limit is still above it.
    """
    k = Y.shape[1]
    alpha = 1.0 - level
    crit_u = float(special.chdtri(k - 1, alpha / 2.0))  # chi2.isf
    crit_l = float(special.chdtri(k - 1, 1.0 - alpha / 2.0))  # chi2.ppf
    n = Y.shape[0]
    lb, ub = np.empty(n), np.empty(n)
    run_rows(
        lambda a, b: _kernels.q_profile_rows(
            Y, V, tau2, crit_l, crit_u, tol, maxiter, a, b, lb, ub
        ),
        n, 2 * _ROOT_WORK * k, threads,
    )  # fmt: skip
    return lb, ub


def _pool_kernel(
    Y: np.ndarray,
    V: np.ndarray,
    method: str,
    knha: bool,
    level: float,
    tau2_fixed: float | None = None,
    tau2_ci: bool = True,
    control: Control = EXACT,
    threads: int | None = None,
) -> dict[str, Any]:
    """Pool each row of ``Y``/``V`` (n x k, C-contiguous); return per-analysis arrays.

    Fisher scoring (ML, REML, EB) and every sum over studies run in the lane kernels of
    :mod:`anagen.evidence._pool_lanes`, PM and the Q-profile in those of
    :mod:`anagen.evidence._pool_kernels`; DL, HE and SJ run vectorised on a study-major copy,
    made only when one of them is needed.
    """
    n, k = Y.shape
    study_major: tuple[np.ndarray, np.ndarray] | None = None

    def transposed() -> tuple[np.ndarray, np.ndarray]:
        nonlocal study_major
        if study_major is None:
            study_major = np.ascontiguousarray(Y.T), np.ascontiguousarray(V.T)
        return study_major

    tau2_se: np.ndarray | None
    status = np.empty(n, dtype=object)
    status.fill("converged")  # (np.full is 20x slower for objects)
    if tau2_fixed is not None or method == "FE":
        tau2 = np.full(n, 0.0 if tau2_fixed is None else float(tau2_fixed))
        tau2_se = np.full(n, np.nan)
        conv = np.ones(n, dtype=bool)
    elif method in _FISHER:
        tau2, conv, stuck = _lanes.fisher_scoring(
            Y, V, _FISHER[method], control.stepadj, control.threshold, control.maxiter,
            R_UNIROOT_TOL, threads,
        )  # fmt: skip
        if stuck.any():
            warnings.warn(
                "Fisher scoring may have stopped at a local maximum; tau2 set to 0 "
                "(as metafor does). Check the profile likelihood.",
                RuntimeWarning,
                stacklevel=3,
            )
        if control.exact:
            _exact_fisher(Y, V, method, tau2, conv, status, control, threads)
        tau2_se = None
    elif method == "PM":
        tau2, conv = _paule_mandel(Y, V, control.tol, control.maxiter, threads)
        if control.exact:
            for j in np.flatnonzero(~conv):  # search range too small: bracket the root anew
                t = score_root(Y[j], V[j], "PM")
                if math.isfinite(t):
                    tau2[j], conv[j], status[j] = t, True, "fallback: wider search range"
        tau2_se = None
    else:
        tau2, tau2_se, conv = _tau2_study_major(*transposed(), method)
    status[~conv] = (
        "not estimable: Paule-Mandel found no root" if method == "PM"
        else "not estimable: Fisher scoring did not converge"
    )  # fmt: skip

    est, vb, sw, sw2, tr_pp, q, vt, weights = _lanes.summarise(Y, V, tau2, bool(knha), threads)
    if tau2_se is None:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # extreme vi
            if method == "ML":
                tau2_se = np.sqrt(2.0 / sw2)
            elif method == "REML":
                tau2_se = np.sqrt(2.0 / tr_pp)
            else:  # EB, PM
                tau2_se = np.sqrt(2.0 * k**2 / (k - 1) / sw**2)
    alpha = 1.0 - level
    se = np.sqrt(vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = est / se
    if knha:
        df: int | None = k - 1
        pval = 2.0 * special.stdtr(df, -np.abs(zval))  # t.sf
        crit = float(-special.stdtrit(df, alpha / 2.0))  # t.isf
    else:
        df = None
        pval = 2.0 * special.ndtr(-np.abs(zval))  # norm.sf
        crit = float(-special.ndtri(alpha / 2.0))  # norm.isf
    ci_low, ci_high = est - crit * se, est + crit * se
    half_pi = crit * np.sqrt(vb + tau2)
    pi_low, pi_high = est - half_pi, est + half_pi

    # heterogeneity: Q with fixed-effect weights, typical within-study variance vt
    if k > 1:
        if chunks(n, _CHDTRC_WORK, threads) == 1:
            q_p = special.chdtrc(k - 1, q)  # chi2.sf
        else:  # the costliest per-analysis function of a large batch: shared by threads
            q_p = np.empty(n)
            run_rows(
                lambda a, b: special.chdtrc(k - 1, q[a:b], out=q_p[a:b]), n, _CHDTRC_WORK, threads
            )
        if method == "FE" and tau2_fixed is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                i2 = np.maximum(0.0, np.nan_to_num(100.0 * (q - (k - 1)) / q, nan=0.0))
            h2 = q / (k - 1)
        else:
            i2 = 100.0 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1.0
    else:
        q, q_p, vt = np.zeros(n), np.ones(n), np.zeros(n)
        i2, h2 = np.zeros(n), np.ones(n)

    nan = np.full(n, np.nan)
    t2lo, t2hi = nan.copy(), nan.copy()
    if method != "FE" and tau2_fixed is None and tau2_ci and k > 1:
        t2lo, t2hi = _q_profile(Y, V, tau2, level, control.tol, control.confint_maxiter, threads)
    out = {
        "estimate": est,
        "se": se,
        "zval": zval,
        "p": pval,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "tau2": tau2,
        "tau2_se": tau2_se,
        "tau": np.sqrt(tau2),
        "i2": i2,
        "h2": h2,
        "q": q,
        "q_p": q_p,
        "pi_low": pi_low,
        "pi_high": pi_high,
        "tau2_ci_low": t2lo,
        "tau2_ci_high": t2hi,
        "i2_ci_low": 100.0 * t2lo / (vt + t2lo),
        "i2_ci_high": 100.0 * t2hi / (vt + t2hi),
        "h2_ci_low": t2lo / vt + 1.0,
        "h2_ci_high": t2hi / vt + 1.0,
        "weights": weights,
        "converged": conv,
        "status": status,
        "df": df,
    }
    if not conv.all():
        bad = ~conv
        for val in out.values():
            if isinstance(val, np.ndarray) and val.dtype == np.float64:
                val[bad] = np.nan
    return out


def _convergence_message(method: str, rows: np.ndarray) -> str:
    where = f" (analysis {', '.join(str(int(r) + 1) for r in rows[:5])})" if rows.size else ""
    if method == "PM":
        return (
            f"Paule-Mandel found no tau2 in [0, max(100, 10 mad(yi)^2)]{where}: the effects are "
            "far more heterogeneous than their variances allow. Check the units of yi and vi, "
            "or use method='DL' or 'REML'."
        )
    return (
        f"{method} Fisher scoring did not converge in {_MAXITER} iterations{where} (metafor "
        "fails here too). Try stepadj=0.5 (metafor control=list(stepadj=0.5)), or "
        "method='PM' or 'DL'."
    )


# --------------------------------------------------------------------------------------------
# public API


def pool(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: Method | str = "REML",
    knha: bool = False,
    level: float = 0.95,
    *,
    tau2: float | None = None,
    stepadj: float | None = None,
    control: str | Mapping[str, Any] | None = None,
) -> PoolResult:
    """Pool effect sizes with a fixed- or random-effects model, as metafor ``rma(yi, vi)``.

    Parameters
    ----------
    yi
        Effect sizes (one per study).
    vi
        Their sampling variances (> 0).
    method
        Estimator of tau²: ``FE`` (fixed effect), ``DL`` [3]_, ``REML`` and ``ML`` [1]_ (Fisher
        scoring), ``PM`` [4]_, ``SJ`` [5]_, ``HE`` [6]_ or ``EB`` [7]_. FE needs k >= 1, the
        others k >= 2.
    knha
        Knapp–Hartung adjustment [8]_: scale the variance of the estimate by the weighted
        residual mean square and use a t distribution with k - 1 df (metafor ``test="knha"``).
    level
        Confidence level of the intervals, in (0, 1).
    tau2
        Fix tau² at this value instead of estimating it (metafor ``rma(tau2=)``); its standard
        error and confidence interval are then NaN.
    stepadj
        Step length factor of Fisher scoring (ML, REML, EB), metafor ``control=list(stepadj=)``;
        giving it selects metafor's control with this step length (see ``control``).
    control
        ``None`` (default): exact — tau² converged to the true optimum (Fisher scoring to
        ``|change| <= 1e-12``, root finders to 1e-12, an optimum on the boundary is exactly 0,
        and oscillating Fisher scoring falls back to step-halving and then to a bracketed root
        of the score). ``"metafor"``: metafor's default control, reproduced exactly
        (``threshold = 1e-5``, ``uniroot`` tolerance ``eps^0.25``; failures raise as in R). A
        dict of ``threshold``, ``stepadj``, ``maxiter``, ``tol``: metafor with
        ``control=list(...)``.

    Returns
    -------
    PoolResult
        Pooled estimate, heterogeneity (Q, I², H² [9]_), prediction interval and Q-profile
        intervals for tau², I² and H² [10]_.

    Raises
    ------
    InputError
        For non-finite ``yi``, ``vi <= 0`` or non-finite, mismatched lengths, too few studies,
        an unknown method or a bad level.
    ConvergenceError
        With metafor's control, when Fisher scoring (ML/REML/EB) or the Paule–Mandel search
        fails as it does in R; in the exact default only when tau² is not estimable at all.

    References
    ----------
    See the module docstring for [1]_-[10]_: Viechtbauer 2005, 2010; DerSimonian & Laird
    1986; Paule & Mandel 1982; Sidik & Jonkman 2005; Hedges 1983; Morris 1983; Knapp &
    Hartung 2003; Higgins & Thompson 2002; Viechtbauer 2007.

    Examples
    --------
    >>> res = pool([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL")
    >>> round(res.estimate, 4), res.k
    (0.3089, 4)
    """
    method = _check_method(str(method))
    level = _check_level(level)
    y, v = _check_pair(yi, vi, ndim=1)
    _check_k(y.size, method, knha)
    if tau2 is not None and not (math.isfinite(tau2) and tau2 >= 0):
        raise InputError(field="tau2", allowed=">= 0 and finite", got=tau2)
    fixed = None if (tau2 is None or method == "FE") else float(tau2)
    ctl = resolve_control(control, None if stepadj is None else _check_stepadj(stepadj))
    out = _pool_kernel(y[None, :], v[None, :], method, knha, level, tau2_fixed=fixed, control=ctl)
    if not out["converged"][0]:
        raise ConvergenceError(_convergence_message(method, np.array([], dtype=int)))
    scalar = {
        key: float(val[0]) for key, val in out.items() if key not in ("weights", "df", "status")
    }
    return PoolResult(
        method=method,
        k=int(y.size),
        estimate=scalar["estimate"],
        se=scalar["se"],
        zval=scalar["zval"],
        p=scalar["p"],
        ci_low=scalar["ci_low"],
        ci_high=scalar["ci_high"],
        tau2=scalar["tau2"],
        tau2_se=scalar["tau2_se"],
        tau=scalar["tau"],
        i2=scalar["i2"],
        h2=scalar["h2"],
        q=scalar["q"],
        q_df=int(y.size) - 1,
        q_p=scalar["q_p"],
        pi_low=scalar["pi_low"],
        pi_high=scalar["pi_high"],
        tau2_ci_low=scalar["tau2_ci_low"],
        tau2_ci_high=scalar["tau2_ci_high"],
        i2_ci_low=scalar["i2_ci_low"],
        i2_ci_high=scalar["i2_ci_high"],
        h2_ci_low=scalar["h2_ci_low"],
        h2_ci_high=scalar["h2_ci_high"],
        knha=bool(knha),
        level=level,
        df=out["df"],
        weights=tuple(float(x) for x in out["weights"][0]),
        yi=tuple(float(x) for x in y),
        vi=tuple(float(x) for x in v),
    )


def pool_many(
    yi: np.ndarray,
    vi: np.ndarray,
    method: Method | str = "REML",
    knha: bool = False,
    level: float = 0.95,
    *,
    tau2_ci: bool = True,
    errors: Literal["raise", "nan"] = "nan",
    stepadj: float | None = None,
    control: str | Mapping[str, Any] | None = None,
    threads: int | None = None,
) -> PoolManyResult:
    """Pool many meta-analyses at once (rows of 2-D arrays), each exactly as :func:`pool`.

    Parameters
    ----------
    yi, vi
        Arrays of shape ``(n_analyses, k)``.
    method, knha, level
        As in :func:`pool`, shared by all analyses.
    tau2_ci
        Compute the Q-profile intervals for tau², I² and H² (the costliest part; set False when
        only estimates are needed).
    errors
        ``"nan"`` (default): never abort; analyses that cannot be estimated get NaN fields,
        ``converged`` False and their reason in ``status``. ``"raise"``: a
        :class:`~anagen.errors.ConvergenceError` naming them.
    stepadj, control
        As in :func:`pool` (exact by default).
    threads
        Threads sharing a large batch: ``None`` (default) as many as the CPUs available,
        at most ``NUMBA_NUM_THREADS``. Results are the same bits for any number.

    Returns
    -------
    PoolManyResult
        Each per-analysis field of :class:`PoolResult` as an array.

    References
    ----------
    As :func:`pool`.
    """
    method = _check_method(str(method))
    level = _check_level(level)
    if errors not in ("raise", "nan"):
        raise InputError(field="errors", allowed="'raise' or 'nan'", got=errors)
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 1024
    ):
        raise InputError(field="threads", allowed="None or an integer in [1, 1024]", got=threads)
    Y, V = _check_pair(yi, vi, ndim=2)
    n, k = Y.shape
    if n == 0:
        raise InputError(field="yi", allowed="at least one analysis (row)", got=Y.shape)
    _check_k(k, method, knha)
    ctl = resolve_control(control, None if stepadj is None else _check_stepadj(stepadj))
    Y, V = np.ascontiguousarray(Y), np.ascontiguousarray(V)
    out = _pool_kernel(Y, V, method, knha, level, tau2_ci=tau2_ci, control=ctl, threads=threads)
    conv = out.pop("converged")
    if errors == "raise" and not conv.all():
        raise ConvergenceError(_convergence_message(method, np.flatnonzero(~conv)))
    df = out.pop("df")
    return PoolManyResult(
        method=method, k=k, knha=bool(knha), level=level, df=df, q_df=k - 1, converged=conv, **out
    )
