"""Numba kernels of the pooling engine (pure: plain arrays in, plain arrays out, no checks).

Arrays are *analysis-major*: ``Y[j, i]`` and ``V[j, i]`` are the effect size and sampling
variance of study ``i`` in analysis ``j``. Each kernel is one loop over analyses, and every sum
over studies is accumulated in study order, so an analysis gets the same bits whether it is
pooled alone (``pool``) or among thousands (``pool_many``); this matters because Fisher
scoring stops on ``|change in tau2| <= threshold``, and a different rounding could change the
number of steps. The arithmetic follows metafor 3.8 ``rma.uni`` step for step (see
``docs/metafor-validation.md``); the public functions in :mod:`anagen.evidence._pool` validate
input and turn the outputs into results.

Notation as in :mod:`anagen.evidence._pool`: ``wi = 1 / (vi + tau2)``, ``P`` the residual
maker of the weighted intercept-only model, ``tr(PP) = sum(w^2) - 2 sum(w^3) / sum(w) +
sum(w^2)^2 / sum(w)^2`` and ``Y'PPY = sum(w^2 (y - mu)^2)``.

References
----------
.. [1] Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the
   random-effects model. *Journal of Educational and Behavioral Statistics*, 30(3), 261-293.
.. [2] Morris, C. N. (1983). Parametric empirical Bayes inference: Theory and applications.
   *Journal of the American Statistical Association*, 78(381), 47-55.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Estimator codes of :func:`fisher_scoring`.
REML, ML, EB = 0, 1, 2

_EPS = float(np.finfo(np.float64).eps)


@njit(cache=True, error_model="numpy")
def _tau2_he_row(y: np.ndarray, v: np.ndarray) -> float:
    """Hedges' estimator of one analysis, untruncated (the Fisher scoring start value)."""
    k = y.size
    s = 0.0
    for i in range(k):
        s += y[i]
    mean = s / k
    rss = 0.0
    sv = 0.0
    for i in range(k):
        r = y[i] - mean
        rss += r * r
        sv += v[i]
    return (rss - sv * (1.0 - 1.0 / k)) / (k - 1)


@njit(cache=True, error_model="numpy")
def _rss_row(w: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Weighted residual sum of squares of the intercept-only model, and ``sum(w)``."""
    sw = 0.0
    swy = 0.0
    for i in range(y.size):
        sw += w[i]
        swy += w[i] * y[i]
    mu = swy / sw
    rss = 0.0
    for i in range(y.size):
        r = y[i] - mu
        rss += w[i] * (r * r)
    return rss, sw


@njit(cache=True, error_model="numpy")
def _ll0_minus_ll_row(y: np.ndarray, v: np.ndarray, tau2: float, reml: bool) -> float:
    """(Restricted) log-likelihood at tau2 = 0 minus that at ``tau2`` (metafor's check).

    ``ll(t) = c - sum(log(v + t)) / 2 - [REML] log(sum(w)) / 2 - RSS(t) / 2``; the difference
    needs ``sum(log(1 + t / v))``, taken as the log of a product unless the product overflows.
    """
    k = y.size
    w0 = np.empty(k)
    wt = np.empty(k)
    prod = 1.0
    for i in range(k):
        w0[i] = 1.0 / v[i]
        wt[i] = 1.0 / (v[i] + tau2)
        prod *= w0[i] * tau2 + 1.0
    log_ratio = math.log(prod)
    if not math.isfinite(log_ratio):
        log_ratio = 0.0
        for i in range(k):
            log_ratio += math.log(w0[i] * tau2 + 1.0)
    rss0, sw0 = _rss_row(w0, y)
    rsst, swt = _rss_row(wt, y)
    diff = 0.5 * log_ratio - 0.5 * (rss0 - rsst)
    if reml:
        diff -= 0.5 * math.log(sw0 / swt)
    return diff


@njit(cache=True, error_model="numpy")
def _weight_sums(
    y: np.ndarray, v: np.ndarray, tau2: float, w: np.ndarray
) -> tuple[float, float, float, float]:
    """Fill ``w`` with 1 / (v + tau2); return sum(w), sum(w y), sum(w^2), sum(w^3)."""
    sw = 0.0
    swy = 0.0
    sw2 = 0.0
    sw3 = 0.0
    for i in range(y.shape[0]):
        wi = 1.0 / (v[i] + tau2)
        w[i] = wi
        sw += wi
        swy += wi * y[i]
        w2 = wi * wi
        sw2 += w2
        sw3 += w2 * wi
    return sw, swy, sw2, sw3


@njit(cache=True, error_model="numpy")
def fisher_scoring(
    Y: np.ndarray,
    V: np.ndarray,
    method: int,
    stepadj: float,
    threshold: float,
    maxiter: int,
    ll_tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """tau² by Fisher scoring (REML, ML [1]_ or EB [2]_) for each analysis, as metafor.

    Start at max(0, Hedges); each step is ``adj * stepadj`` (0 if NaN); a step that would make
    tau² negative is halved until it does not (from tau² = 0 it is dropped); stop when
    ``|change| <= threshold``, fail after ``maxiter`` steps. For ML and REML, a converged
    tau² > ``threshold`` whose (restricted) likelihood is beaten by tau² = 0 by more than
    ``ll_tol`` is a local maximum: tau² is set to 0 and ``stuck`` is True.

    Returns
    -------
    tau2, converged, stuck
        One entry per analysis (row of ``Y``). A failed analysis keeps its last tau².
    """
    n, k = Y.shape
    tau2 = np.empty(n)
    converged = np.ones(n, dtype=np.bool_)
    stuck = np.zeros(n, dtype=np.bool_)
    w = np.empty(k)
    for j in range(n):
        y = Y[j]
        v = V[j]
        t = max(0.0, _tau2_he_row(y, v))
        it = 0
        while True:
            it += 1
            sw, swy, sw2, sw3 = _weight_sums(y, v, t, w)
            mu = swy / sw
            s = 0.0  # EB: sum(w r^2); ML, REML: Y'PPY = sum(w^2 r^2)
            if method == EB:
                for i in range(k):
                    r = y[i] - mu
                    s += w[i] * (r * r)
                adj = (s * k / (k - 1) - k) / sw
            else:
                for i in range(k):
                    r = y[i] - mu
                    s += (w[i] * w[i]) * (r * r)
                if method == REML:
                    sum_pp = sw2 - 2.0 * sw3 / sw + (sw2 * sw2) / (sw * sw)
                    adj = (s - (sw - sw2 / sw)) / sum_pp
                else:
                    adj = (s - sw) / sw2
            adj = 0.0 if math.isnan(adj) else adj * stepadj
            if math.isinf(adj) or math.isinf(t):  # overflow (extreme vi): cannot advance
                converged[j] = False
                break
            if t + adj < 0.0:
                if t <= 0.0:
                    adj = 0.0
                else:
                    while t + adj < 0.0:  # ends: |adj| halves to below t within ~1100 steps
                        adj /= 2.0
            new = t + adj
            if it > maxiter:
                converged[j] = False
                t = new
                break
            done = not (abs(t - new) > threshold)
            t = new
            if done:
                break
        if method != EB and converged[j] and t > threshold:
            if _ll0_minus_ll_row(y, v, t, method == REML) > ll_tol:
                stuck[j] = True
                t = 0.0
        tau2[j] = t
    return tau2, converged, stuck


@njit(cache=True, error_model="numpy")
def summarise(Y: np.ndarray, V: np.ndarray, tau2: np.ndarray, knha: bool) -> tuple[np.ndarray, ...]:
    """Everything a pooled analysis needs that sums over its studies, given tau².

    Returns
    -------
    estimate, vb, sw, sw2, tr_pp, q, vt, weights
        Weighted mean and its variance (Knapp–Hartung-scaled when ``knha``), ``sum(w)``,
        ``sum(w^2)``, ``tr(PP)``, Cochran's Q (fixed-effect weights, >= 0), the typical
        within-study variance ``(k - 1) / (sum(wf) - sum(wf^2) / sum(wf))`` (undefined for
        k = 1), and the study weights in percent (shape of ``Y``).
    """
    n, k = Y.shape
    est = np.empty(n)
    vb = np.empty(n)
    sw_out = np.empty(n)
    sw2_out = np.empty(n)
    tr_pp = np.empty(n)
    q = np.empty(n)
    vt = np.empty(n)
    weights = np.empty((n, k))
    for j in range(n):
        y = Y[j]
        v = V[j]
        t = tau2[j]
        wt = weights[j]  # holds w until scaled to percent
        sw, swy, sw2, sw3 = _weight_sums(y, v, t, wt)
        mu = swy / sw
        b = 1.0 / sw
        if knha:
            rss = 0.0
            for i in range(k):
                r = y[i] - mu
                rss += wt[i] * (r * r)
            s2w = 0.0 if rss <= _EPS else rss / (k - 1)
            b = s2w * b
        # Q and vt with fixed-effect weights
        swf = 0.0
        swfy = 0.0
        swf2 = 0.0
        for i in range(k):
            wf = 1.0 / v[i]
            swf += wf
            swfy += wf * y[i]
            swf2 += wf * wf
        muf = swfy / swf
        rssf = 0.0
        for i in range(k):
            r = y[i] - muf
            rssf += (1.0 / v[i]) * (r * r)
        for i in range(k):
            wt[i] = 100.0 * wt[i] / sw
        est[j] = mu
        vb[j] = b
        sw_out[j] = sw
        sw2_out[j] = sw2
        tr_pp[j] = sw2 - 2.0 * sw3 / sw + (sw2 * sw2) / (sw * sw)
        q[j] = max(0.0, rssf)
        vt[j] = (k - 1) / (swf - swf2 / swf)
    return est, vb, sw_out, sw2_out, tr_pp, q, vt, weights


# --- root finding on the generalised Q (Paule-Mandel, Q-profile) ---------------------------


@njit(cache=True, error_model="numpy")
def _q_row(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """Generalised Q ``Y' P(tau2) Y`` of one analysis (sums in study order)."""
    sw = 0.0
    swy = 0.0
    for i in range(y.size):
        w = 1.0 / (v[i] + tau2)
        sw += w
        swy += w * y[i]
    mu = swy / sw
    s = 0.0
    for i in range(y.size):
        r = y[i] - mu
        s += (r * r) / (v[i] + tau2)
    return s


@njit(cache=True, error_model="numpy")
def _zeroin_q(
    y: np.ndarray,
    v: np.ndarray,
    target: float,
    a: float,
    b: float,
    fa: float,
    fb: float,
    tol: float,
    maxiter: int,
) -> tuple[float, bool]:
    """Root of ``Q(tau2) - target`` in [a, b] by Brent's zeroin, step for step as R's
    ``uniroot`` (Forsythe, Malcolm & Moler 1977, as :func:`anagen.evidence._zeroin.zeroin`)."""
    c, fc = a, fa
    if fa == 0.0:
        return a, True
    if fb == 0.0:
        return b, True
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b, True
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q0 = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q0 * (q0 - t1) - (b - a) * (t1 - 1.0))
                q = (q0 - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b = b + new_step
        fb = _q_row(y, v, b) - target
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c, fc = a, fa
    return b, False


@njit(cache=True, error_model="numpy")
def q_profile(
    Y: np.ndarray,
    V: np.ndarray,
    tau2: np.ndarray,
    crit_l: float,
    crit_u: float,
    tol: float,
    maxiter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Q-profile confidence interval of tau² per analysis (metafor ``confint``), see
    :func:`anagen.evidence._pool._q_profile` for the rules at the ends of the search range."""
    n = Y.shape[0]
    lb = np.empty(n)
    ub = np.empty(n)
    for j in range(n):
        y = Y[j]
        v = V[j]
        if math.isnan(tau2[j]):
            lb[j] = np.nan
            ub[j] = np.nan
            continue
        tmax = max(100.0, tau2[j] * 10.0)
        q_min = _q_row(y, v, 0.0)
        q_max = _q_row(y, v, tmax)
        if q_min < crit_l:
            lb[j] = 0.0
            ub[j] = 0.0
        elif q_max > crit_l:
            ub[j] = tmax
        else:
            ub[j] = _zeroin_q(
                y, v, crit_l, 0.0, tmax, q_min - crit_l, q_max - crit_l, tol, maxiter
            )[0]
        if q_max > crit_u:
            lb[j] = tmax
            ub[j] = tmax
        elif q_min < crit_u:
            lb[j] = 0.0
        else:
            lb[j] = _zeroin_q(
                y, v, crit_u, 0.0, tmax, q_min - crit_u, q_max - crit_u, tol, maxiter
            )[0]
    return lb, ub


@njit(cache=True, error_model="numpy")
def paule_mandel(
    Y: np.ndarray, V: np.ndarray, upper: np.ndarray, tol: float, maxiter: int
) -> tuple[np.ndarray, np.ndarray]:
    """Paule–Mandel tau² per analysis: root of ``Q(tau2) = k - 1`` on [0, upper] (0 when
    Q(0) < k - 1; not converged when Q(upper) > k - 1), as metafor with ``uniroot``."""
    n, k = Y.shape
    target = float(k - 1)
    tau2 = np.zeros(n)
    ok = np.ones(n, dtype=np.bool_)
    for j in range(n):
        y = Y[j]
        v = V[j]
        q0 = _q_row(y, v, 0.0) - target
        qmax = _q_row(y, v, upper[j]) - target
        if qmax > 0.0:
            ok[j] = False
            tau2[j] = np.nan
        elif q0 >= 0.0:
            tau2[j], ok[j] = _zeroin_q(y, v, target, 0.0, upper[j], q0, qmax, tol, maxiter)
    return tau2, ok
