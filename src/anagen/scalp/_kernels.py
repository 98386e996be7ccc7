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


@njit(cache=True)
def _draw(dist: int, mean: float, cv: float) -> float:
    """One duration with the given mean and coefficient of variation."""
    if dist == LOGNORMAL:
        s2 = math.log1p(cv * cv)
        return mean * math.exp(math.sqrt(s2) * np.random.standard_normal() - 0.5 * s2)
    if dist == GAMMA:
        k = 1.0 / (cv * cv)
        return np.random.gamma(k, mean / k)
    return np.random.exponential(mean)


@njit(cache=True)
def _draw_buffered(
    dist: int, mean: float, cv: float, sig: float, zbuf: np.ndarray, zpos: np.ndarray
) -> float:
    """As :func:`_draw`, but lognormal draws take their standard normal from ``zbuf``.

    The buffer is filled by the caller from its seeded :class:`numpy.random.Generator`
    (ziggurat normals are cheaper than Numba's own); once it is used up, Numba's generator
    (seeded by the caller too) takes over, so results stay reproducible.
    """
    if dist == LOGNORMAL:
        j = zpos[0]
        if j < zbuf.size:
            zpos[0] = j + 1
            zz = zbuf[j]
        else:
            zz = np.random.standard_normal()
        return mean * math.exp(sig * zz - 0.5 * sig * sig)
    return _draw(dist, mean, cv)


@njit(cache=True)
def seed_kernel(seed: int) -> None:
    """Seed Numba's internal generator (used by every kernel draw)."""
    np.random.seed(seed)


@njit(cache=True)
def draw_many(dist: int, mean: float, cv: float, out: np.ndarray) -> None:
    """Fill ``out`` with durations (used by tests and as the benchmark floor)."""
    for i in range(out.size):
        out[i] = _draw(dist, mean, cv)


@njit(cache=True)
def _epoch(ep_t: np.ndarray, t: float) -> int:
    e = np.searchsorted(ep_t, t, side="right") - 1
    return max(e, 0)


@njit(cache=True)
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
    d_count: np.ndarray,
    d_term: np.ndarray,
    d_vel: np.ndarray,
    d_diam: np.ndarray,
    shed: np.ndarray,
    zbuf: np.ndarray,
    zpos: np.ndarray,
    i_start: int,
    reserve: int,
) -> tuple[int, int]:
    """Advance follicles ``i_start, i_start + 1, ...`` through all their events in ``(t0, t1]``.

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
        ``hold`` is finite the treatment's gains fade: reversal thickens the current hair only
        (the follicle keeps its miniaturisation) and the part of an anagen the treatment adds
        beyond the untreated duration ends at ``hold + Exp(fade)`` at the latest.
    lag
        Emergence lag (days): a hair that enters anagen is counted once its shaft has grown
        past the method's detection length, ``lag`` days later (or when its anagen ends).
    d_count, d_term, d_vel, d_diam, shed
        Delta tables, row ``k`` = first sample time >= the event (``len(sample_t)`` = later).
    zbuf, zpos
        Pre-drawn standard normals and the index of the next unused one (``zpos[0]``).
    i_start, reserve
        First follicle to process; the kernel stops before a follicle when fewer than
        ``reserve`` buffered normals are left, so the caller can refill the buffer.

    Returns
    -------
    (int, int)
        Number of random durations drawn, and the index of the next follicle to process
        (``len(phase)`` when all are done); ``-1 - i`` if follicle ``i`` could not advance (a
        duration was NaN or negative), which the caller turns into an error.
    """
    n = phase.size
    m_a, catagen, m_t, m_l = means[0], means[1], means[2], means[3]
    cv_a, cv_t, cv_l = cvs[0], cvs[1], cvs[2]
    sg_a = math.sqrt(math.log1p(cv_a * cv_a))
    sg_t = math.sqrt(math.log1p(cv_t * cv_t))
    sg_l = math.sqrt(math.log1p(cv_l * cv_l))
    limit = zbuf.size - reserve
    lr_a = math.log(vellus[0] / m_a)
    lr_l = math.log(vellus[1] / m_l)
    dv = vellus[2]
    ctv, crit, thr = aga[0], aga[1], aga[2]
    n_ep = ep_t.size
    draws = 0
    i = i_start
    while i < n:
        if zpos[0] > limit:
            break
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
            k = np.searchsorted(sample_t, te, side="left")
            e = _epoch(ep_t, te) if n_ep > 1 else 0
            if ph == ANAGEN:
                if catagen > 0.0:
                    new = CATAGEN
                    ne = te + catagen
                else:
                    new = TELOGEN
                    ne = te + _draw_buffered(dist, m_t, cv_t, sg_t, zbuf, zpos)
                    draws += 1
            elif ph == CATAGEN:
                new = TELOGEN
                ne = te + _draw_buffered(dist, m_t, cv_t, sg_t, zbuf, zpos)
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
                ne = (
                    te
                    + _draw_buffered(dist, m_l * math.exp(lr_l * mm), cv_l, sg_l, zbuf, zpos)
                    * fl[e, z]
                )
                draws += 1
            else:  # LATENCY -> next anagen: one completed cycle
                gain = inc[origin[i]] * sens[i] * fp[e, z] if te >= aga_start else 0.0
                qq = q[i] * (1.0 - rev[e, z]) + gain
                transient = hold[e, z] < np.inf
                # a fading treatment's reversal thickens this hair only: the follicle keeps
                # its own miniaturisation for the next cycle
                q_true = q[i] + gain if transient else qq
                q[i] = q_true
                if qq >= crit:
                    new = DEAD
                    ne = np.inf
                else:
                    new = ANAGEN
                    mm = min(qq / ctv, 1.0)
                    d = d0[i] * (1.0 - mm) + dv * mm
                    diam[i] = d
                    dur = _draw_buffered(dist, m_a * math.exp(lr_a * mm), cv_a, sg_a, zbuf, zpos)
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
                        kv = np.searchsorted(sample_t, min(te + lag, ne), side="left")
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
    return draws, i
