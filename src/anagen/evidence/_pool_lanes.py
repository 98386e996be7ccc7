"""Fisher scoring of tau² (REML, ML [1]_, EB [2]_) and the per-analysis sums, in SIMD lanes.

Each analysis is computed on its own, exactly as a scalar loop over its studies would: every
sum over studies is accumulated in study order, and every Fisher scoring step, halving and
stopping test is metafor 3.8 ``rma.uni``'s arithmetic (see ``docs/metafor-validation.md``).
What differs is the layout: ``lanes`` analyses sit side by side in study-major buffers
(``Yt[i, b]`` is study ``i`` of the analysis in lane ``b``), so the loops over lanes compile to
vector instructions, one analysis per vector element, each with its own sums in study order:
the bits are those of the scalar loop. In Fisher scoring a lane whose analysis stops takes the
next pending one, so lanes do not idle while work remains.

The result of an analysis therefore does not depend on what else is pooled with it, on the
number of lanes or on how the rows are split among threads (:mod:`anagen.evidence._row_threads`).
No fast-math (no reassociation, no fused multiply-add): the vector code does the scalar code's
IEEE operations. ``math.log`` stays in scalar per-lane loops, since a vectorised logarithm
(Intel SVML, where installed) may differ from the scalar one in the last bit.

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

from anagen.evidence._row_threads import run_rows

#: Estimator codes of :func:`fisher_scoring`.
REML, ML, EB = 0, 1, 2
#: Analyses computed side by side (a few vectors' worth; 16-64 measured alike on AVX-512).
LANES = 32

_EPS = float(np.finfo(np.float64).eps)
#: Typical Fisher scoring steps of an analysis (for sizing the work shared among threads).
_SCORING_STEPS = 10


@njit(cache=True, error_model="numpy", nogil=True)
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


@njit(cache=True, error_model="numpy", nogil=True)
def _load_lane(
    Y: np.ndarray, V: np.ndarray, j: int, b: int, Yt: np.ndarray, Vt: np.ndarray
) -> None:
    for i in range(Y.shape[1]):
        Yt[i, b] = Y[j, i]
        Vt[i, b] = V[j, i]


@njit(cache=True, error_model="numpy", nogil=True)
def _idle_lane(b: int, Yt: np.ndarray, Vt: np.ndarray) -> None:
    """A lane without an analysis computes harmless numbers (w = 1) that nobody reads."""
    for i in range(Yt.shape[0]):
        Yt[i, b] = 0.0
        Vt[i, b] = 1.0


@njit(cache=True, error_model="numpy", nogil=True)
def _ll_gap_rows(
    Y: np.ndarray,
    V: np.ndarray,
    rows: np.ndarray,
    tau2: np.ndarray,
    reml: bool,
    lanes: int,
    out: np.ndarray,
) -> None:
    """``out[m]`` = (restricted) log-likelihood at tau2 = 0 minus that at ``tau2[rows[m]]``.

    ``ll(t) = c - sum(log(v + t)) / 2 - [REML] log(sum(w)) / 2 - RSS(t) / 2``; the difference
    needs ``sum(log(1 + t / v))``, taken as the log of a product unless the product overflows
    (metafor's check for a local maximum, see :func:`fisher_scoring`).
    """
    k = Y.shape[1]
    L = lanes
    Yt = np.zeros((k, L))
    Vt = np.ones((k, L))
    W0 = np.empty((k, L))
    Wt = np.empty((k, L))
    t = np.zeros(L)
    prod = np.empty(L)
    sw0 = np.empty(L)
    swy0 = np.empty(L)
    swt = np.empty(L)
    swyt = np.empty(L)
    mu0 = np.empty(L)
    mut = np.empty(L)
    rss0 = np.empty(L)
    rsst = np.empty(L)
    m = rows.shape[0]
    for base in range(0, m, L):
        nb = min(L, m - base)
        for b in range(L):
            if b < nb:
                _load_lane(Y, V, rows[base + b], b, Yt, Vt)
                t[b] = tau2[rows[base + b]]
            else:
                _idle_lane(b, Yt, Vt)
                t[b] = 0.0
            prod[b] = 1.0
            sw0[b] = 0.0
            swy0[b] = 0.0
            swt[b] = 0.0
            swyt[b] = 0.0
            rss0[b] = 0.0
            rsst[b] = 0.0
        for i in range(k):
            yi = Yt[i]
            vi = Vt[i]
            w0 = W0[i]
            wt = Wt[i]
            for b in range(L):
                a0 = 1.0 / vi[b]
                at = 1.0 / (vi[b] + t[b])
                w0[b] = a0
                wt[b] = at
                prod[b] *= a0 * t[b] + 1.0
                sw0[b] += a0
                swy0[b] += a0 * yi[b]
                swt[b] += at
                swyt[b] += at * yi[b]
        for b in range(L):
            mu0[b] = swy0[b] / sw0[b]
            mut[b] = swyt[b] / swt[b]
        for i in range(k):
            yi = Yt[i]
            w0 = W0[i]
            wt = Wt[i]
            for b in range(L):
                r0 = yi[b] - mu0[b]
                rss0[b] += w0[b] * (r0 * r0)
                rt = yi[b] - mut[b]
                rsst[b] += wt[b] * (rt * rt)
        for b in range(nb):  # scalar: log, and the product's overflow branch
            log_ratio = math.log(prod[b])
            if not math.isfinite(log_ratio):
                log_ratio = 0.0
                for i in range(k):
                    log_ratio += math.log(W0[i, b] * t[b] + 1.0)
            diff = 0.5 * log_ratio - 0.5 * (rss0[b] - rsst[b])
            if reml:
                diff -= 0.5 * math.log(sw0[b] / swt[b])
            out[base + b] = diff


@njit(cache=True, error_model="numpy", nogil=True)
def fisher_rows(
    Y: np.ndarray,
    V: np.ndarray,
    method: int,
    stepadj: float,
    threshold: float,
    maxiter: int,
    ll_tol: float,
    start: int,
    stop: int,
    lanes: int,
    tau2: np.ndarray,
    converged: np.ndarray,
    stuck: np.ndarray,
) -> None:
    """:func:`fisher_scoring` for rows ``start:stop``, written into ``tau2``, ``converged`` and
    ``stuck`` (rows outside are not touched, so threads may share the outputs)."""
    k = Y.shape[1]
    L = lanes
    Yt = np.zeros((k, L))
    Vt = np.ones((k, L))
    W = np.empty((k, L))
    t = np.zeros(L)
    it = np.zeros(L, np.int64)
    row = np.full(L, -1, np.int64)
    sw = np.empty(L)
    swy = np.empty(L)
    sw2 = np.empty(L)
    sw3 = np.empty(L)
    s = np.empty(L)
    mu = np.empty(L)
    step = np.empty(L)
    check = np.empty(stop - start, np.int64)  # rows whose local-maximum check is pending
    n_check = 0
    nxt = start
    active = 0
    for b in range(L):
        if nxt < stop:
            _load_lane(Y, V, nxt, b, Yt, Vt)
            row[b] = nxt
            t[b] = max(0.0, _tau2_he_row(Y[nxt], V[nxt]))
            nxt += 1
            active += 1
    while active > 0:
        # vector part: the sums of one scoring step for every lane, in study order
        for b in range(L):
            sw[b] = 0.0
            swy[b] = 0.0
            sw2[b] = 0.0
            sw3[b] = 0.0
            s[b] = 0.0
        for i in range(k):
            vi = Vt[i]
            yi = Yt[i]
            wi = W[i]
            for b in range(L):
                wi[b] = 1.0 / (vi[b] + t[b])
            for b in range(L):
                sw[b] += wi[b]
                swy[b] += wi[b] * yi[b]
            for b in range(L):
                w2 = wi[b] * wi[b]
                sw2[b] += w2
                sw3[b] += w2 * wi[b]
        for b in range(L):
            mu[b] = swy[b] / sw[b]
        if method == EB:  # sum(w r^2)
            for i in range(k):
                yi = Yt[i]
                wi = W[i]
                for b in range(L):
                    r = yi[b] - mu[b]
                    s[b] += wi[b] * (r * r)
            for b in range(L):
                step[b] = (s[b] * k / (k - 1) - k) / sw[b]
        else:  # ML, REML: Y'PPY = sum(w^2 r^2)
            for i in range(k):
                yi = Yt[i]
                wi = W[i]
                for b in range(L):
                    r = yi[b] - mu[b]
                    s[b] += (wi[b] * wi[b]) * (r * r)
            if method == REML:
                for b in range(L):
                    sum_pp = sw2[b] - 2.0 * sw3[b] / sw[b] + (sw2[b] * sw2[b]) / (sw[b] * sw[b])
                    step[b] = (s[b] - (sw[b] - sw2[b] / sw[b])) / sum_pp
            else:
                for b in range(L):
                    step[b] = (s[b] - sw[b]) / sw2[b]
        # scalar part: metafor's step, halving and stopping rule, lane by lane
        for b in range(L):
            j = row[b]
            if j < 0:
                continue
            it[b] += 1
            tb = t[b]
            adj = step[b]
            adj = 0.0 if math.isnan(adj) else adj * stepadj
            ok = True
            if math.isinf(adj) or math.isinf(tb):  # overflow (extreme vi): cannot advance
                ok = False
                done = True
            else:
                if tb + adj < 0.0:
                    if tb <= 0.0:
                        adj = 0.0
                    else:
                        while tb + adj < 0.0:  # ends: |adj| halves below tb in ~1100 steps
                            adj /= 2.0
                new = tb + adj
                if it[b] > maxiter:
                    ok = False
                    done = True
                else:
                    done = not (abs(tb - new) > threshold)
                tb = new
            t[b] = tb
            if not done:
                continue
            tau2[j] = tb
            converged[j] = ok
            stuck[j] = False
            if method != EB and ok and tb > threshold:
                check[n_check] = j
                n_check += 1
            active -= 1
            if nxt < stop:  # the lane takes the next analysis
                _load_lane(Y, V, nxt, b, Yt, Vt)
                row[b] = nxt
                t[b] = max(0.0, _tau2_he_row(Y[nxt], V[nxt]))
                it[b] = 0
                nxt += 1
                active += 1
            else:
                row[b] = -1
                t[b] = 0.0
                _idle_lane(b, Yt, Vt)
    if n_check > 0:
        rows = check[:n_check]
        gap = np.empty(n_check)
        _ll_gap_rows(Y, V, rows, tau2, method == REML, L, gap)
        for m in range(n_check):
            if gap[m] > ll_tol:
                stuck[rows[m]] = True
                tau2[rows[m]] = 0.0


def fisher_scoring(
    Y: np.ndarray,
    V: np.ndarray,
    method: int,
    stepadj: float,
    threshold: float,
    maxiter: int,
    ll_tol: float,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """tau² by Fisher scoring for each row of ``Y``/``V`` (C-contiguous, n x k), as metafor.

    Start at max(0, Hedges); each step is ``adj * stepadj`` (0 if NaN); a step that would make
    tau² negative is halved until it does not (from tau² = 0 it is dropped); stop when
    ``|change| <= threshold``, fail after ``maxiter`` steps. For ML and REML, a converged
    tau² > ``threshold`` whose (restricted) likelihood is beaten by tau² = 0 by more than
    ``ll_tol`` is a local maximum: tau² is set to 0 and ``stuck`` is True. ``method`` is one
    of the codes :data:`REML`, :data:`ML`, :data:`EB`.

    Returns
    -------
    tau2, converged, stuck
        One entry per analysis (row of ``Y``), the same bits whatever ``threads`` (None: the
        default of :mod:`anagen.evidence._row_threads`). A failed analysis keeps its last tau².
    """
    n, k = Y.shape
    lanes = min(LANES, n)  # the bits do not depend on it; a single analysis needs one lane
    tau2 = np.empty(n)
    converged = np.empty(n, dtype=np.bool_)
    stuck = np.empty(n, dtype=np.bool_)

    def chunk(start: int, stop: int) -> None:
        fisher_rows(
            Y, V, method, stepadj, threshold, maxiter, ll_tol, start, stop, lanes,
            tau2, converged, stuck,
        )  # fmt: skip

    run_rows(chunk, n, _SCORING_STEPS * k, threads)
    return tau2, converged, stuck


@njit(cache=True, error_model="numpy", nogil=True)
def summary_rows(
    Y: np.ndarray,
    V: np.ndarray,
    tau2: np.ndarray,
    knha: bool,
    start: int,
    stop: int,
    lanes: int,
    sums: np.ndarray,
    weights: np.ndarray,
) -> None:
    """:func:`summarise` for rows ``start:stop`` (rows outside are not touched); ``sums``
    holds its seven per-analysis outputs as rows (one array: fewer arguments to dispatch)."""
    k = Y.shape[1]
    L = lanes
    Yt = np.zeros((k, L))
    Vt = np.ones((k, L))
    W = np.empty((k, L))
    t = np.zeros(L)
    sw = np.empty(L)
    swy = np.empty(L)
    sw2 = np.empty(L)
    sw3 = np.empty(L)
    mu = np.empty(L)
    rss = np.empty(L)
    swf = np.empty(L)
    swfy = np.empty(L)
    swf2 = np.empty(L)
    muf = np.empty(L)
    rssf = np.empty(L)
    for base in range(start, stop, L):
        nb = min(L, stop - base)
        for b in range(L):
            if b < nb:
                _load_lane(Y, V, base + b, b, Yt, Vt)
                t[b] = tau2[base + b]
            else:
                _idle_lane(b, Yt, Vt)
                t[b] = 0.0
            sw[b] = 0.0
            swy[b] = 0.0
            sw2[b] = 0.0
            sw3[b] = 0.0
            rss[b] = 0.0
            swf[b] = 0.0
            swfy[b] = 0.0
            swf2[b] = 0.0
            rssf[b] = 0.0
        for i in range(k):
            vi = Vt[i]
            yi = Yt[i]
            wi = W[i]
            for b in range(L):
                wi[b] = 1.0 / (vi[b] + t[b])
            for b in range(L):
                sw[b] += wi[b]
                swy[b] += wi[b] * yi[b]
            for b in range(L):
                w2 = wi[b] * wi[b]
                sw2[b] += w2
                sw3[b] += w2 * wi[b]
            for b in range(L):  # fixed-effect weights: Q and the typical variance
                wf = 1.0 / vi[b]
                swf[b] += wf
                swfy[b] += wf * yi[b]
                swf2[b] += wf * wf
        for b in range(L):
            mu[b] = swy[b] / sw[b]
            muf[b] = swfy[b] / swf[b]
        for i in range(k):
            vi = Vt[i]
            yi = Yt[i]
            wi = W[i]
            if knha:
                for b in range(L):
                    r = yi[b] - mu[b]
                    rss[b] += wi[b] * (r * r)
            for b in range(L):
                r = yi[b] - muf[b]
                rssf[b] += (1.0 / vi[b]) * (r * r)
            for b in range(L):  # weights in percent
                wi[b] = 100.0 * wi[b] / sw[b]
        for b in range(nb):
            j = base + b
            v_b = 1.0 / sw[b]
            if knha:
                s2w = 0.0 if rss[b] <= _EPS else rss[b] / (k - 1)
                v_b = s2w * v_b
            sums[0, j] = mu[b]
            sums[1, j] = v_b
            sums[2, j] = sw[b]
            sums[3, j] = sw2[b]
            sums[4, j] = sw2[b] - 2.0 * sw3[b] / sw[b] + (sw2[b] * sw2[b]) / (sw[b] * sw[b])
            sums[5, j] = max(0.0, rssf[b])
            sums[6, j] = (k - 1) / (swf[b] - swf2[b] / swf[b])
            for i in range(k):
                weights[j, i] = W[i, b]


def summarise(
    Y: np.ndarray, V: np.ndarray, tau2: np.ndarray, knha: bool, threads: int | None = None
) -> tuple[np.ndarray, ...]:
    """Everything a pooled analysis needs that sums over its studies, given tau².

    Returns
    -------
    estimate, vb, sw, sw2, tr_pp, q, vt, weights
        Weighted mean and its variance (Knapp–Hartung-scaled when ``knha``), ``sum(w)``,
        ``sum(w^2)``, ``tr(PP)``, Cochran's Q (fixed-effect weights, >= 0), the typical
        within-study variance ``(k - 1) / (sum(wf) - sum(wf^2) / sum(wf))`` (undefined for
        k = 1), and the study weights in percent (shape of ``Y``); the same bits whatever
        ``threads``.
    """
    n, k = Y.shape
    lanes = min(LANES, n)
    sums = np.empty((7, n))
    weights = np.empty((n, k))

    def chunk(start: int, stop: int) -> None:
        summary_rows(Y, V, tau2, knha, start, stop, lanes, sums, weights)

    run_rows(chunk, n, k, threads)
    return (*sums, weights)
