"""Numba kernels of the pooling engine's root finders: Paule-Mandel and the Q-profile.

Both look for where the generalised Q statistic ``Y' P(tau2) Y`` meets a target, by Brent's
zeroin step for step as R's ``uniroot`` (metafor 3.8 ``rma.uni`` and ``confint``; see
``docs/metafor-validation.md``). Arrays are *analysis-major*: ``Y[j, i]`` and ``V[j, i]`` are
the effect size and sampling variance of study ``i`` in analysis ``j``; each kernel is one loop
over analyses and every sum over studies is accumulated in study order, so an analysis gets
the same bits whether it is pooled alone (``pool``) or among thousands (``pool_many``).
Fisher scoring and the per-analysis sums are in :mod:`anagen.evidence._pool_lanes`; the
public functions in :mod:`anagen.evidence._pool` validate input and build the results.

Notation as in :mod:`anagen.evidence._pool`: ``wi = 1 / (vi + tau2)`` and ``P`` the residual
maker of the weighted intercept-only model.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_EPS = float(np.finfo(np.float64).eps)


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


@njit(cache=True, error_model="numpy", nogil=True)
def q_profile_rows(
    Y: np.ndarray,
    V: np.ndarray,
    tau2: np.ndarray,
    crit_l: float,
    crit_u: float,
    tol: float,
    maxiter: int,
    start: int,
    stop: int,
    lb: np.ndarray,
    ub: np.ndarray,
) -> None:
    """Q-profile confidence interval of tau² for rows ``start:stop`` (metafor ``confint``),
    written into ``lb`` and ``ub``; see :func:`anagen.evidence._pool._q_profile` for the rules
    at the ends of the search range."""
    for j in range(start, stop):
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


@njit(cache=True, error_model="numpy", nogil=True)
def paule_mandel_rows(
    Y: np.ndarray,
    V: np.ndarray,
    upper: np.ndarray,
    tol: float,
    maxiter: int,
    start: int,
    stop: int,
    tau2: np.ndarray,
    ok: np.ndarray,
) -> None:
    """Paule–Mandel tau² for rows ``start:stop``: root of ``Q(tau2) = k - 1`` on
    [0, upper] (0 when Q(0) < k - 1; not converged when Q(upper) > k - 1), as metafor with
    ``uniroot``; written into ``tau2`` and ``ok``."""
    target = float(Y.shape[1] - 1)
    for j in range(start, stop):
        y = Y[j]
        v = V[j]
        tau2[j] = 0.0
        ok[j] = True
        q0 = _q_row(y, v, 0.0) - target
        qmax = _q_row(y, v, upper[j]) - target
        if qmax > 0.0:
            ok[j] = False
            tau2[j] = np.nan
        elif q0 >= 0.0:
            tau2[j], ok[j] = _zeroin_q(y, v, target, 0.0, upper[j], q0, qmax, tol, maxiter)
