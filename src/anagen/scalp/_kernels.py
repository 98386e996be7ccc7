"""Numba kernel of the event-driven stochastic engine (pure: plain arrays, days, no I/O).

Each follicle is a renewal process, independent of all others (Halloy et al. 2000 [S1]), so the
kernel walks follicle by follicle from one phase exit to the next. The state observed at the
sample times is not recorded follicle by follicle: every event adds ``-1``/``+1`` to a *delta*
table at the first sample time at or after the event, and the caller takes a cumulative sum.
Time is therefore O(events) and memory O(follicles + samples); no time step is involved, so
the result is exact for the renewal process (up to floating point).

Phase codes: 0 anagen, 1 catagen, 2 telogen, 3 latency (kenogen), 4 dead.
Distribution codes: 0 lognormal, 1 gamma, 2 exponential.

References
----------
.. [S1] Halloy J, Bernard BA, Loussouarn G, Goldbeter A. Modeling the dynamics of human hair
   cycles by a follicular automaton. PNAS 2000;97:8328-8333.
.. [S4] Bernard BA. The human hair follicle, a bistable organ? Exp Dermatol 2012;21:401-403.
"""

# Numba kernels draw from Numba's own generator, seeded per call from the caller's Generator:
# ruff: noqa: NPY002
from __future__ import annotations

import math

import numpy as np
from numba import njit

ANAGEN, CATAGEN, TELOGEN, LATENCY, DEAD = 0, 1, 2, 3, 4
N_PHASES = 5
LOGNORMAL, GAMMA, EXPONENTIAL = 0, 1, 2


@njit(cache=True, nogil=True)
def _draw(dist: int, mean: float, cv: float) -> float:
    """One duration with the given mean and coefficient of variation."""
    if dist == LOGNORMAL:
        s2 = math.log1p(cv * cv)
        return mean * math.exp(math.sqrt(s2) * np.random.standard_normal() - 0.5 * s2)
    if dist == GAMMA:
        k = 1.0 / (cv * cv)
        return np.random.gamma(k, mean / k)
    return np.random.exponential(mean)


@njit(cache=True, nogil=True)
def _lognormal(
    gen: np.random.Generator, mean: float, sig: float, buf: int, j: int
) -> tuple[float, int]:
    """A lognormal duration whose standard normal comes from ``gen``; returns it and the new ``j``.

    ``buf > 0`` replays a stream drawn in blocks of ``buf`` normals, of which ``j`` are used:
    past the block, Numba's own generator (seeded by the caller) draws instead, as the engine
    always has (see :func:`run_segment`). ``buf < 0`` draws every normal from ``gen``.
    """
    if buf < 0 or j < buf:
        zz = gen.standard_normal()
        j += 1
    else:
        zz = np.random.standard_normal()
    return mean * math.exp(sig * zz - 0.5 * sig * sig), j


@njit(cache=True, nogil=True)
def _skip(gen: np.random.Generator, count: int) -> None:
    """Draw and drop ``count`` standard normals (the unused end of a block)."""
    for _ in range(count):
        gen.standard_normal()


@njit(cache=True, nogil=True)
def seed_kernel(seed: int) -> None:
    """Seed Numba's internal generator of the calling thread (gamma, exponential and fade draws)."""
    np.random.seed(seed)


@njit(cache=True)
def draw_many(dist: int, mean: float, cv: float, out: np.ndarray) -> None:
    """Fill ``out`` with durations (used by tests and as the benchmark floor)."""
    for i in range(out.size):
        out[i] = _draw(dist, mean, cv)


@njit(cache=True, nogil=True)
def _row(sample_t: np.ndarray, te: float, inv_h: float) -> int:
    """``np.searchsorted(sample_t, te, side="left")``, guessed from the first sampling gap.

    Exact: a guess ``k`` is returned only where ``sample_t[k - 1] < te <= sample_t[k]``
    holds; otherwise (uneven sample days, rounding) the binary search decides.
    """
    ns = sample_t.size
    g = te * inv_h
    if g >= 0.0 and g < ns:  # False for NaN
        k = int(g) + 1
        if sample_t[k - 1] < te:
            if k == ns or te <= sample_t[k]:
                return k
        elif k >= 2 and sample_t[k - 2] < te:
            return k - 1
    return np.searchsorted(sample_t, te, side="left")


@njit(cache=True, nogil=True)
def _epoch(ep_t: np.ndarray, t: float) -> int:
    e = np.searchsorted(ep_t, t, side="right") - 1
    return max(e, 0)


@njit(cache=True, nogil=True)
def run_segment(
    t0: float,
    t1: float,
    sample_t: np.ndarray,
    phase: np.ndarray,
    t_exit: np.ndarray,
    q: np.ndarray,
    d0: np.ndarray,
    diam: np.ndarray,
    zone: np.ndarray,
    origin: np.ndarray,
    sens: np.ndarray,
    dist: int,
    means: np.ndarray,
    cvs: np.ndarray,
    vellus: np.ndarray,
    aga: np.ndarray,
    inc: np.ndarray,
    aga_start: float,
    ep_t: np.ndarray,
    fa: np.ndarray,
    fl: np.ndarray,
    fp: np.ndarray,
    rev: np.ndarray,
    hold: np.ndarray,
    fade: np.ndarray,
    lag: float,
    qt: np.ndarray,
    d_count: np.ndarray,
    d_term: np.ndarray,
    d_vel: np.ndarray,
    d_diam: np.ndarray,
    shed: np.ndarray,
    gen: np.random.Generator,
    buf: int,
    reserve: int,
) -> tuple[int, int]:
    """Advance every follicle through all its events in ``(t0, t1]``.

    Parameters
    ----------
    means
        ``[anagen, catagen, telogen, latency]`` means of a normal follicle (days).
    cvs
        ``[anagen, telogen, latency]`` coefficients of variation.
    vellus
        ``[anagen mean, latency mean, diameter um]`` of a fully miniaturised follicle.
    aga
        ``[cycles_to_vellus, critical_cycles, vellus_threshold_um]``.
    inc
        Miniaturisation gained per completed cycle, by origin zone (pace x sensitivity); each
        follicle multiplies it by its own ``sens``.
    aga_start
        Day from which completed cycles add miniaturisation.
    ep_t, fa, fl, fp, rev, hold, fade
        Modulation epochs and per-zone factors (see :class:`anagen.scalp.Modulation`). Where
        ``hold`` is finite the treatment's gains fade: the follicle keeps its own
        miniaturisation in ``q``; while the treatment is still used (an anagen entry before
        ``hold``) its reversals add up in ``qt``, the follicle's miniaturisation under the
        treatment, as they do in ``q`` for a treatment that does not fade; from the first entry
        after ``hold`` the reversal thickens the hair of that anagen only (the follicle is back
        on ``q``: what the treatment undid is lost); and the part of an anagen the treatment
        adds beyond the untreated duration ends at ``hold + Exp(fade)`` at the latest.
    lag
        Emergence lag (days): a hair that enters anagen is counted once its shaft has grown
        past the method's detection length, ``lag`` days later (or when its anagen ends).
    qt
        Per follicle: its miniaturisation under a fading treatment still in use, NaN for none.
        Read and written only where ``hold`` is finite, so a run whose ``hold`` is infinite
        everywhere passes an empty array.
    d_count, d_term, d_vel, d_diam, shed
        Delta tables, row ``k`` = first sample time >= the event (``len(sample_t)`` = later).
    gen, buf, reserve
        Source of the standard normals of lognormal durations (a NumPy generator, drawn from
        in place). With ``buf < 0`` every normal comes from ``gen``. With ``buf > 0`` the
        normals come in blocks of ``buf``: before each follicle, if fewer than ``reserve``
        are left in the block, the rest of it is drawn and dropped and a new block begins;
        within a follicle, normals past the end of the block come from Numba's generator;
        the end of the last block is drawn and dropped too. This replays exactly the stream
        of the engine's earlier design, which pre-drew blocks of ``buf`` normals with
        ``gen.standard_normal(buf)``, so that populations simulated in one chunk keep their
        numbers. ``buf == 0``: no normals are drawn from ``gen`` (gamma, exponential).

    Returns
    -------
    (int, int)
        Number of random durations drawn, and ``len(phase)``; or ``-1 - i`` instead if
        follicle ``i`` could not advance (a duration was NaN or negative), which the caller
        turns into an error.
    """
    n = phase.size
    m_a, catagen, m_t, m_l = means[0], means[1], means[2], means[3]
    cv_a, cv_t, cv_l = cvs[0], cvs[1], cvs[2]
    sg_a = math.sqrt(math.log1p(cv_a * cv_a))
    sg_t = math.sqrt(math.log1p(cv_t * cv_t))
    sg_l = math.sqrt(math.log1p(cv_l * cv_l))
    limit = buf - reserve
    lognormal = dist == LOGNORMAL
    lr_a = math.log(vellus[0] / m_a)
    lr_l = math.log(vellus[1] / m_l)
    dv = vellus[2]
    ctv, crit, thr = aga[0], aga[1], aga[2]
    n_ep = ep_t.size
    inv_h = 1.0 / (sample_t[1] - sample_t[0]) if sample_t.size > 1 else 0.0
    ns_t = sample_t.size
    draws = 0
    j = 0  # normals used of the current block (buf > 0)
    i = 0
    while i < n:
        if buf > 0 and j > limit:
            _skip(gen, buf - j)
            j = 0
        ph = phase[i]
        if ph == DEAD:
            i += 1
            continue
        te = t_exit[i]
        z = zone[i]
        tc = t0
        while True:
            if ph == LATENCY:
                # residual latency is rescaled at each epoch boundary b in (tc, min(te, t1)]
                e = _epoch(ep_t, tc) if n_ep > 1 else 0
                while e + 1 < n_ep:
                    b = ep_t[e + 1]
                    if b <= tc or b > t1 or b >= te:
                        break
                    te = b + (te - b) * fl[e + 1, z] / fl[e, z]
                    e += 1
            if te > t1:
                break
            k = _row(sample_t, te, inv_h)
            e = _epoch(ep_t, te) if n_ep > 1 else 0
            if ph == ANAGEN:
                if catagen > 0.0:
                    new = CATAGEN
                    ne = te + catagen
                else:
                    new = TELOGEN
                    if lognormal:
                        dur, j = _lognormal(gen, m_t, sg_t, buf, j)
                    else:
                        dur = _draw(dist, m_t, cv_t)
                    ne = te + dur
                    draws += 1
            elif ph == CATAGEN:
                new = TELOGEN
                if lognormal:
                    dur, j = _lognormal(gen, m_t, sg_t, buf, j)
                else:
                    dur = _draw(dist, m_t, cv_t)
                ne = te + dur
                draws += 1
            elif ph == TELOGEN:
                # the club hair is shed: the follicle is empty until the next anagen
                new = LATENCY
                shed[k, z] += 1.0
                d = diam[i]
                if d >= thr:
                    d_term[k, z] -= 1.0
                else:
                    d_vel[k, z] -= 1.0
                d_diam[k, z] -= d
                mm = min(q[i] / ctv, 1.0)
                # exp(0) == 1 exactly: a follicle without miniaturisation skips the call
                mean = m_l * math.exp(lr_l * mm) if mm != 0.0 else m_l
                if lognormal:
                    dur, j = _lognormal(gen, mean, sg_l, buf, j)
                else:
                    dur = _draw(dist, mean, cv_l)
                ne = te + dur * fl[e, z]
                draws += 1
            else:  # LATENCY -> next anagen: one completed cycle
                gain = inc[origin[i]] * sens[i] * fp[e, z] if te >= aga_start else 0.0
                transient = hold[e, z] < np.inf
                # a fading treatment: the follicle keeps its own course in q; while the
                # treatment is used its reversals add up in qt (from q at the first entry),
                # after it the hair of this anagen is all the reversal thickens
                held = transient and te < hold[e, z]
                base = qt[i] if held and qt[i] == qt[i] else q[i]  # qt NaN: no course yet
                qq = base * (1.0 - rev[e, z]) + gain
                if transient:
                    q_true = q[i] + gain
                    qt[i] = qq if held else np.nan
                else:
                    q_true = qq
                q[i] = q_true
                if qq >= crit:
                    new = DEAD
                    ne = np.inf
                else:
                    new = ANAGEN
                    mm = min(qq / ctv, 1.0)
                    d = d0[i] * (1.0 - mm) + dv * mm
                    diam[i] = d
                    mean = m_a * math.exp(lr_a * mm) if mm != 0.0 else m_a
                    if lognormal:
                        dur, j = _lognormal(gen, mean, sg_a, buf, j)
                    else:
                        dur = _draw(dist, mean, cv_a)
                    draws += 1
                    treated = dur * fa[e, z]
                    if transient:
                        # same draw at the untreated mean; the treatment's extra anagen lasts
                        # until the hold ends plus an exponential fade at most
                        mm_u = min(q_true / ctv, 1.0)
                        untreated = dur * math.exp(lr_a * (mm_u - mm))
                        cap = max(hold[e, z] - te, 0.0)
                        if fade[e, z] > 0.0:
                            cap += np.random.exponential(fade[e, z])
                        treated = max(untreated, min(treated, cap))
                    ne = te + treated
                    # the hair is counted once it has emerged past the detection length
                    kv = k
                    if lag > 0.0:
                        tv = min(te + lag, ne)
                        if k < ns_t and tv > sample_t[k]:  # else it emerges in row k too
                            kv = _row(sample_t, tv, inv_h)
                    if d >= thr:
                        d_term[kv, z] += 1.0
                    else:
                        d_vel[kv, z] += 1.0
                    d_diam[kv, z] += d
            if not ne >= te:  # NaN or time running backwards: the state cannot advance
                phase[i] = ph
                t_exit[i] = te
                return draws, -1 - i
            d_count[k, z, ph] -= 1.0
            d_count[k, z, new] += 1.0
            ph = new
            tc = te
            te = ne
            if ph == DEAD:
                break
        phase[i] = ph
        t_exit[i] = te
        i += 1
    if buf > 0:
        _skip(gen, buf - j)
    return draws, i


@njit(cache=True, nogil=True)
def count_state(
    phase: np.ndarray,
    zone: np.ndarray,
    diam: np.ndarray,
    mask: np.ndarray,
    thr: float,
    n_zones: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Follicles by zone and phase, terminal and vellus hairs and diameter sums by zone.

    Over the follicles where ``mask`` holds (all of them if ``mask`` is empty); a hair is
    terminal where ``diam >= thr``, vellus where ``diam < thr``. The diameter sums add the
    hairs in array order (as ``np.bincount`` with weights does).
    """
    counts = np.zeros((n_zones, N_PHASES), dtype=np.int64)
    term = np.zeros(n_zones, dtype=np.int64)
    vel = np.zeros(n_zones, dtype=np.int64)
    dsum = np.zeros(n_zones)
    every = mask.size == 0
    for i in range(phase.size):
        if not every and not mask[i]:
            continue
        z = zone[i]
        ph = phase[i]
        counts[z, ph] += 1
        if ph < LATENCY:
            d = np.float64(diam[i])
            if d >= thr:
                term[z] += 1
            elif d < thr:
                vel[z] += 1
            dsum[z] += d
    return counts, term, vel, dsum
