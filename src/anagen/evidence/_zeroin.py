"""Brent's root finder, vectorised over independent problems.

R's ``uniroot()`` (which metafor uses for the Paule–Mandel estimator and the Q-profile interval
for tau²) stops as soon as the bracket is narrower than ``tol = .Machine$double.eps^0.25``
(about 1.2e-4). Its answers are therefore only accurate to that tolerance, and matching them to
1e-6 means taking the *same* steps. This module implements the algorithm of Brent (1973) in the
form published by Forsythe, Malcolm & Moler (1977, routine ``zeroin``), which is the algorithm
behind R's ``uniroot()``, for many brackets at once: every problem follows its own sequence of
inverse-quadratic, secant and bisection steps, and problems that have converged stop moving.

References
----------
.. [1] Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4.
   Prentice-Hall.
.. [2] Forsythe, G. E., Malcolm, M. A., & Moler, C. B. (1977). *Computer Methods for
   Mathematical Computations*, section 7.2. Prentice-Hall.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["R_UNIROOT_TOL", "zeroin"]

#: R's default ``uniroot()`` tolerance, ``.Machine$double.eps^0.25``.
R_UNIROOT_TOL: float = float(np.finfo(np.float64).eps ** 0.25)

_EPS = float(np.finfo(np.float64).eps)


def zeroin(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lower: np.ndarray,
    upper: np.ndarray,
    f_lower: np.ndarray,
    f_upper: np.ndarray,
    tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Find a root of each bracketed problem with Brent's method.

    Parameters
    ----------
    f
        ``f(x, rows)`` evaluates problem ``rows`` (an integer index array) at ``x`` (same
        length) and returns the function values.
    lower, upper, f_lower, f_upper
        Brackets and the function values at their ends (signs must differ or be zero).
    tol
        Absolute tolerance of the bracket, as R's ``uniroot(tol=)``.
    maxiter
        Maximum number of function evaluations per problem.

    Returns
    -------
    root, converged
        The approximate roots and, per problem, whether it met the tolerance.
    """
    a = np.array(lower, dtype=np.float64, copy=True)
    b = np.array(upper, dtype=np.float64, copy=True)
    fa = np.array(f_lower, dtype=np.float64, copy=True)
    fb = np.array(f_upper, dtype=np.float64, copy=True)
    c = a.copy()
    fc = fa.copy()
    n = a.size
    converged = np.zeros(n, dtype=bool)
    # a root at an end of the bracket is accepted at once
    at_a = fa == 0.0
    b[at_a] = a[at_a]
    converged |= at_a | (fb == 0.0)
    active = np.flatnonzero(~converged)
    for _ in range(maxiter + 1):
        if active.size == 0:
            break
        ai, bi, ci = a[active], b[active], c[active]
        fai, fbi, fci = fa[active], fb[active], fc[active]
        prev_step = bi - ai
        swap = np.abs(fci) < np.abs(fbi)
        # make b the best approximation: (a, b, c) <- (b, c, b)
        ai = np.where(swap, bi, ai)
        bi, ci = np.where(swap, ci, bi), np.where(swap, ai, ci)
        fai = np.where(swap, fbi, fai)
        fbi, fci = np.where(swap, fci, fbi), np.where(swap, fai, fci)
        tol_act = 2.0 * _EPS * np.abs(bi) + tol / 2.0
        new_step = (ci - bi) / 2.0
        done = (np.abs(new_step) <= tol_act) | (fbi == 0.0)

        try_interp = (np.abs(prev_step) >= tol_act) & (np.abs(fai) > np.abs(fbi)) & ~done
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            cb = ci - bi
            secant = ai == ci
            t1_lin = fbi / fai
            p_lin = cb * t1_lin
            q_lin = 1.0 - t1_lin
            q0 = fai / fci
            t1 = fbi / fci
            t2 = fbi / fai
            p_quad = t2 * (cb * q0 * (q0 - t1) - (bi - ai) * (t1 - 1.0))
            q_quad = (q0 - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            p = np.where(secant, p_lin, p_quad)
            q = np.where(secant, q_lin, q_quad)
            q = np.where(p > 0.0, -q, q)
            p = np.abs(p)
            accept = (
                try_interp
                & (p < 0.75 * cb * q - np.abs(tol_act * q) / 2.0)
                & (p < np.abs(prev_step * q / 2.0))
            )
            new_step = np.where(accept, p / q, new_step)
        small = np.abs(new_step) < tol_act
        new_step = np.where(small, np.where(new_step > 0.0, tol_act, -tol_act), new_step)

        # store the finished problems (b is their answer)
        a[active], b[active], c[active] = ai, bi, ci
        fa[active], fb[active], fc[active] = fai, fbi, fci
        converged[active[done]] = True
        go = ~done
        rows = active[go]
        if rows.size == 0:
            active = rows
            break
        a_new = bi[go]
        fa_new = fbi[go]
        b_new = a_new + new_step[go]
        fb_new = np.asarray(f(b_new, rows), dtype=np.float64)
        same_sign = ((fb_new > 0.0) & (fci[go] > 0.0)) | ((fb_new < 0.0) & (fci[go] < 0.0))
        c[rows] = np.where(same_sign, a_new, ci[go])
        fc[rows] = np.where(same_sign, fa_new, fci[go])
        a[rows], fa[rows] = a_new, fa_new
        b[rows], fb[rows] = b_new, fb_new
        active = rows
    return b, converged
