"""Fast path of the event-driven engine: lognormal durations, one modulation epoch, no fading.

:func:`run_plain` gives the same bits as :func:`anagen.scalp._kernels.run_segment` (the same
arithmetic in the same order on the same normals from the same streams) in the case most runs
are: an untreated scalp, or one whose modulation has a single epoch and keeps its gains
(``Modulation.none()``, the CLI's ``scalp simulate``, the burn-in of pattern hair loss). It
drops what that case never uses (epoch look-ups, the rescaling of latencies at epoch
boundaries, fading gains, gamma and exponential draws) and differs in how it works, not in what
it computes:

* the standard normals are drawn from the generator :data:`BATCH` at a time into a small
  buffer by a tight loop, and the events read them from there: the same stream in the same
  order (a batch never reaches past the block of normals that ``run_segment`` would use);
* a follicle without miniaturisation that cannot gain any in the segment (pattern hair loss
  has not begun by its end) runs through its cycle as straight-line code (:func:`_static`):
  its durations have the normal means and each new hair its terminal diameter;
* sample rows are computed, not looked up, where the sampling is uniform and the event day is
  not within rounding of a sample day (:func:`_row_fast`, with the bound that makes it exact);
  the emergence row of a new hair is found without a data-dependent branch (the row of
  ``min(onset + lag, exit)``, which is the onset's row when no sample time lies between);
* for such a follicle, the next three durations (telogen, latency, anagen: the order in which
  a cycle draws them from the start of its anagen exit) are computed together from the
  buffered normals as soon as the anagen exit is known to fall in the segment, so that the
  three ``exp`` run ahead of the chain of event days instead of inside it; a duration computed
  for a cycle the follicle does not finish is dropped (its normal is not consumed); where the
  whole cycle (up to the next anagen onset) ends within the segment and catagen and the
  emergence lag are shorter than a sampling interval, its four events are counted at once,
  without a branch per phase (the same rows, the same additions in the same order);
* events are counted, not applied as ``-1``/``+1`` pairs: one table (``(zones, rows,
  N_COLS)``, zone-major so that a zone's rows stay in the level-1 cache) counts each kind of
  event by row (anagen exit, catagen exit, shedding of a terminal or a vellus hair, latency
  exit to anagen or to death, emergence of a terminal or a vellus hair), and holds the
  diameter deltas, which receive the same additions in the same order as in ``run_segment``.
  :func:`unpack` turns the counts into the phase, hair and shedding deltas; counts are whole
  numbers, so these sums are exact in any order and give the bits of ``run_segment``.
"""

# Numba's own generator draws past the end of a block, as in run_segment:
# ruff: noqa: NPY002
from __future__ import annotations

import math

import numpy as np
from numba import njit

from anagen.scalp._kernels import ANAGEN, CATAGEN, DEAD, LATENCY, TELOGEN, _skip

#: Standard normals drawn per batch into the kernels' buffer.
BATCH = 512
#: Columns of the packed table: events counted by kind (anagen -> catagen, anagen -> telogen,
#: catagen -> telogen, telogen -> latency shedding a terminal / a vellus hair, latency ->
#: anagen, latency -> dead, a terminal / vellus hair emerging), then the diameter deltas.
N_COLS = 10
_XAC, _XAT, _XC, _XTT, _XTV, _XLA, _XLD, _EMT, _EMV, _DIAM = range(N_COLS)


def pack(d_count, d_term, d_vel, d_diam, shed) -> np.ndarray:
    """A zone-major table ``(zones, rows, N_COLS)`` for ``run_plain``: no events counted yet,
    and the diameter deltas of ``d_diam`` (which the events add to in order)."""
    table = np.zeros((d_diam.shape[1], d_diam.shape[0], N_COLS))
    table[:, :, _DIAM] = d_diam.T
    return table


def unpack(table: np.ndarray, d_count, d_term, d_vel, d_diam, shed) -> None:
    """Add the events counted in a packed table to the five delta tables of ``run_segment``
    and copy its diameter deltas back.

    Every count is a whole number of at most 2**53, so the sums are exact whatever their
    order: the tables get the bits the per-event additions of ``run_segment`` give them.
    """
    t = table.transpose(1, 0, 2)
    a_c, a_t, c_t = t[:, :, _XAC], t[:, :, _XAT], t[:, :, _XC]
    lat_a, lat_d = t[:, :, _XLA], t[:, :, _XLD]
    shed_t, shed_v = t[:, :, _XTT], t[:, :, _XTV]
    t_l = shed_t + shed_v
    d_count[:, :, ANAGEN] += lat_a - (a_c + a_t)
    d_count[:, :, CATAGEN] += a_c - c_t
    d_count[:, :, TELOGEN] += (a_t + c_t) - t_l
    d_count[:, :, LATENCY] += t_l - (lat_a + lat_d)
    d_count[:, :, DEAD] += lat_d
    d_term[...] += t[:, :, _EMT] - shed_t
    d_vel[...] += t[:, :, _EMV] - shed_v
    d_diam[...] = t[:, :, _DIAM]
    shed[...] += t_l


@njit(cache=True, nogil=True)
def _row_of(sample_t: np.ndarray, te: float, inv_h: float, g_max: float) -> int:
    """``np.searchsorted(sample_t, te, side="left")`` (as ``_kernels._row``, cheaper).

    The guess ``k = floor(te * inv_h) + 1`` is returned only where ``sample_t[k - 1] < te <=
    sample_t[k]`` holds (``g_max = len(sample_t) - 1``); otherwise the binary search decides.
    Unsigned indices: no negative-index handling.
    """
    g = te * inv_h
    if g >= 0.0 and g < g_max:  # False for NaN
        k = np.uint64(g)
        if sample_t[k] < te and te <= sample_t[k + np.uint64(1)]:
            return np.int64(k) + 1
    return np.searchsorted(sample_t, te, side="left")


@njit(cache=True, nogil=True)
def _row_fast(sample_t: np.ndarray, te: float, inv_h: float, g_uni: float, g_max: float) -> int:
    """:func:`_row_of` without reading ``sample_t`` where the grid is uniform and ``te`` clear of it.

    Where ``sample_t[j] == j * h`` for ``j <= g_uni`` (``h = sample_t[1]``, ``inv_h = 1 / h``
    rounded, ``g_uni <= 2**20``) and ``g = te * inv_h`` has a fractional part in ``(1e-9,
    1 - 1e-9)`` with ``0 <= g < g_uni``, the row is ``floor(g) + 1``: ``g`` is within
    ``2.3e-16 g < 2.4e-10`` of ``te / h`` and each ``sample_t[j] / h`` within ``1.2e-10`` of
    ``j``, so ``sample_t[floor(g)] < te < sample_t[floor(g) + 1]``. Elsewhere :func:`_row_of`.
    The row is returned unsigned (an index that needs no negative-index handling).
    """
    g = te * inv_h
    if g >= 0.0 and g < g_uni:  # False for NaN
        m = np.uint64(g)
        f = g - np.float64(m)
        if f > 1e-9 and f < 1.0 - 1e-9:
            return m + np.uint64(1)
    return np.uint64(_row_of(sample_t, te, inv_h, g_max))


@njit(cache=True, nogil=True)
def _uniform_rows(sample_t: np.ndarray, inv_h: float) -> float:
    """The largest ``J <= 2**20`` with ``sample_t[j] == j * sample_t[1]`` for every ``j <= J``
    (0 if there is none, or if ``inv_h`` is not ``1 / sample_t[1]`` rounded)."""
    if sample_t.size < 2 or sample_t[0] != 0.0 or inv_h != 1.0 / sample_t[1]:
        return 0.0
    h = sample_t[1]
    j = 1
    while j + 1 < sample_t.size and j < (1 << 20) and sample_t[j + 1] == np.float64(j + 1) * h:
        j += 1
    return np.float64(j)


@njit(cache=True, nogil=True)
def _refill(
    gen: np.random.Generator, zb: np.ndarray, drawn: int, cap: int
) -> tuple[float, int, int, int]:
    """The buffer is used up: the next normal and the new ``(zp, zn, drawn)``.

    ``drawn`` normals of the current block (``cap`` long) have come from ``gen``; past the
    block, Numba's generator draws (and the buffer stays empty), as in ``run_segment``.
    """
    if drawn < cap:
        zn = min(BATCH, cap - drawn)
        for m in range(zn):
            zb[m] = gen.standard_normal()
        return zb[0], 1, zn, drawn + zn
    return np.random.standard_normal(), 0, 0, drawn


@njit(cache=True, nogil=True)
def _next_normal(
    gen: np.random.Generator, zb: np.ndarray, zp: int, zn: int, drawn: int, cap: int
) -> tuple[float, int, int, int]:
    """The next standard normal, from the buffer ``zb[zp:zn]`` or, used up, by :func:`_refill`;
    and the new ``(zp, zn, drawn)``."""
    if zp < zn:
        return zb[zp], zp + 1, zn, drawn
    return _refill(gen, zb, drawn, cap)


@njit(cache=True, nogil=True)
def _static(
    i: int,
    t1: float,
    sample_t: np.ndarray,
    inv_h: float,
    g_uni: float,
    phase: np.ndarray,
    t_exit: np.ndarray,
    q: np.ndarray,
    d0: np.ndarray,
    diam: np.ndarray,
    zone: np.ndarray,
    means: np.ndarray,
    sgs: np.ndarray,
    dv: float,
    thr: float,
    fa: np.ndarray,
    fl: np.ndarray,
    lag: float,
    table: np.ndarray,
    gen: np.random.Generator,
    zb: np.ndarray,
    zp: int,
    zn: int,
    drawn: int,
    cap: int,
    limit: int,
) -> tuple[int, int, int, int, int]:
    """Advance follicles ``i, i + 1, ...`` without miniaturisation, up to the first with some.

    Valid only where none can gain miniaturisation before ``t1`` and none can die of it (see
    :func:`run_plain`): a completed cycle then leaves ``q`` at ``+0``, so the durations keep
    their normal means and every new hair has the follicle's terminal diameter. ``sgs`` holds
    the lognormal sigmas and half-variances of anagen, telogen and latency. Returns the next
    follicle (or ``-1 - i`` if follicle ``i`` could not advance), the number of durations
    drawn and the state of the normal stream ``(zp, zn, drawn)``.

    From the exit of an anagen on, a cycle draws its durations in the order telogen,
    latency, anagen (with or without catagen); where three normals are left in the buffer,
    those three durations are computed at once (``pre``) and taken in that order. Where the
    cycle then reaches its next anagen onset within the segment (``whole``: catagen and the
    lag are shorter than a sampling interval, so the rows of the catagen exit and of the
    emergence follow from those of the anagen and latency exits), its events are counted
    without going through the phases one by one.
    """
    n = phase.size
    m_a, catagen, m_t, m_l = means[0], means[1], means[2], means[3]
    sg_a, sg_t, sg_l, hs_a, hs_t, hs_l = sgs[0], sgs[1], sgs[2], sgs[3], sgs[4], sgs[5]
    g_max = sample_t.size - 1.0
    # the table flattened, indexed by unsigned offsets (no negative-index handling)
    flat = table.reshape(-1)
    stride = np.uint64(N_COLS)
    # Rows k < k_uni have sample_t[k + 1] == (k + 1) h (h = sample_t[1]). There, a day t with
    # row k (sample_t[k - 1] < t <= sample_t[k]) and a day u in [t, t + d] with d < 0.999 h have
    # row k or k + 1: u <= t + d, rounded, is below sample_t[k] + h = sample_t[k + 1] (by 1e-3 h
    # against rounding errors of order 1e-16 (k + 1) h, k < 2**20). So the row of a catagen
    # exit (anagen exit + catagen) and of an emergence (min(anagen onset + lag, exit)) takes one
    # comparison with sample_t[k].
    h = sample_t[1] if sample_t.size > 1 else 0.0
    k_uni = np.uint64(g_uni)
    near_c = k_uni > 0 and catagen > 0.0 and catagen < 0.999 * h
    near_l = k_uni > 0 and lag > 0.0 and lag < 0.999 * h
    whole = near_c and near_l  # catagen and lag shorter than a sampling interval
    z_size = np.uint64(table.shape[1] * N_COLS)
    draws = 0
    while i < n:
        if drawn - zn + zp > limit:  # fewer than `reserve` normals left: a new block
            _skip(gen, cap - drawn)
            zp = zn = drawn = 0
        ph = phase[i]
        if ph == DEAD:
            i += 1
            continue
        if q[i] != 0.0:
            break
        te = t_exit[i]
        z = zone[i]
        at = np.uint64(z) * z_size  # the start of the zone's rows in the flattened table
        f_a, f_l = fa[z], fl[z]
        d = np.float64(diam[i])  # the current hair's diameter
        # a new hair: d0 (1 - mm) + dv mm at mm = 0, rounded as diam stores it
        d_new = np.float64(d0[i]) * (1.0 - 0.0) + dv * 0.0
        d_new32 = np.float64(np.float32(d_new))
        # the columns counting this follicle's sheddings and emergences (terminal or vellus)
        x_shed = _XTT if d >= thr else _XTV
        x_shed_new = _XTT if d_new32 >= thr else _XTV
        x_emerge = _EMT if d_new >= thr else _EMV
        entered = False
        near_a = False  # whether the catagen exit's row is found from the anagen exit's
        stuck = False
        pre = False
        while True:
            if ph == ANAGEN:
                if te > t1:
                    break
                # the next three durations (telogen, latency, anagen) from the normals in
                # the buffer, computed together ahead of the event days they extend
                if zn - zp >= 3:
                    pre = True
                    dur_t = m_t * math.exp(sg_t * zb[zp] - hs_t)
                    dur_l = m_l * math.exp(sg_l * zb[zp + 1] - hs_l) * f_l
                    dur_a = m_a * math.exp(sg_a * zb[zp + 2] - hs_a) * f_a
                    # the whole cycle at once where it ends within the segment
                    te_c = te + catagen
                    te_t = te_c + dur_t
                    te_l = te_t + dur_l
                    ne = te_l + dur_a
                    if (
                        whole
                        and te_l <= t1
                        and te_c >= te
                        and te_t >= te_c
                        and te_l >= te_t
                        and ne >= te_l
                    ):
                        k = _row_fast(sample_t, te, inv_h, g_uni, g_max)
                        if k < k_uni:
                            k_c = k + np.uint64(te_c > sample_t[k])
                        else:
                            k_c = _row_fast(sample_t, te_c, inv_h, g_uni, g_max)
                        k_t = _row_fast(sample_t, te_t, inv_h, g_uni, g_max)
                        k_l = _row_fast(sample_t, te_l, inv_h, g_uni, g_max)
                        tv = min(te_l + lag, ne)
                        if k_l < k_uni:
                            kv = k_l + np.uint64(tv > sample_t[k_l])
                        else:
                            kv = _row_fast(sample_t, tv, inv_h, g_uni, g_max)
                        flat[at + k * stride + np.uint64(_XAC)] += 1.0
                        flat[at + k_c * stride + np.uint64(_XC)] += 1.0
                        flat[at + k_t * stride + np.uint64(_DIAM)] -= d
                        flat[at + k_t * stride + np.uint64(x_shed)] += 1.0
                        flat[at + kv * stride + np.uint64(x_emerge)] += 1.0
                        flat[at + kv * stride + np.uint64(_DIAM)] += d_new
                        flat[at + k_l * stride + np.uint64(_XLA)] += 1.0
                        d = d_new32
                        x_shed = x_shed_new
                        entered = True
                        zp += 3
                        draws += 3
                        pre = False
                        te = ne
                        continue
                k = _row_fast(sample_t, te, inv_h, g_uni, g_max)
                near_a = near_c and k < k_uni
                if catagen > 0.0:
                    ne = te + catagen
                    new = CATAGEN
                    col = _XAC
                else:
                    col = _XAT
                    if pre:
                        ne = te + dur_t
                        zp += 1
                    else:
                        zz, zp, zn, drawn = _next_normal(gen, zb, zp, zn, drawn, cap)
                        ne = te + m_t * math.exp(sg_t * zz - hs_t)
                    draws += 1
                    new = TELOGEN
                if not ne >= te:
                    stuck = True
                    break
                flat[at + k * stride + np.uint64(col)] += 1.0
                ph = new
                te = ne
            if ph == CATAGEN:
                if te > t1:
                    break
                if near_a:  # the anagen exit's row k or the next one (see near_c)
                    k = k + np.uint64(te > sample_t[k])
                else:
                    k = _row_fast(sample_t, te, inv_h, g_uni, g_max)
                if pre:
                    ne = te + dur_t
                    zp += 1
                else:
                    zz, zp, zn, drawn = _next_normal(gen, zb, zp, zn, drawn, cap)
                    ne = te + m_t * math.exp(sg_t * zz - hs_t)
                draws += 1
                if not ne >= te:
                    stuck = True
                    break
                flat[at + k * stride + np.uint64(_XC)] += 1.0
                ph = TELOGEN
                te = ne
            if ph == TELOGEN:
                if te > t1:
                    break
                k = _row_fast(sample_t, te, inv_h, g_uni, g_max)
                # the club hair is shed: the follicle is empty until the next anagen
                flat[at + k * stride + np.uint64(_DIAM)] -= d
                if pre:
                    ne = te + dur_l
                    zp += 1
                else:
                    zz, zp, zn, drawn = _next_normal(gen, zb, zp, zn, drawn, cap)
                    ne = te + m_l * math.exp(sg_l * zz - hs_l) * f_l
                draws += 1
                if not ne >= te:
                    stuck = True
                    break
                flat[at + k * stride + np.uint64(x_shed)] += 1.0
                ph = LATENCY
                te = ne
            if ph == LATENCY:
                if te > t1:
                    break
                k = _row_fast(sample_t, te, inv_h, g_uni, g_max)
                entered = True
                if pre:
                    ne = te + dur_a
                    zp += 1
                    pre = False
                else:
                    zz, zp, zn, drawn = _next_normal(gen, zb, zp, zn, drawn, cap)
                    ne = te + m_a * math.exp(sg_a * zz - hs_a) * f_a
                draws += 1
                # the hair is counted once it has emerged past the detection length
                if lag > 0.0:
                    tv = min(te + lag, ne)
                    if near_l and k < k_uni:  # row k or the next one (see near_l)
                        kv = k + np.uint64(tv > sample_t[k])
                    else:
                        kv = _row_fast(sample_t, tv, inv_h, g_uni, g_max)
                else:
                    kv = k
                flat[at + kv * stride + np.uint64(x_emerge)] += 1.0
                flat[at + kv * stride + np.uint64(_DIAM)] += d_new
                d = d_new32
                x_shed = x_shed_new
                if not ne >= te:
                    stuck = True
                    break
                flat[at + k * stride + np.uint64(_XLA)] += 1.0
                ph = ANAGEN
                te = ne
        if entered:
            q[i] = 0.0
            diam[i] = d_new
        phase[i] = ph
        t_exit[i] = te
        if stuck:
            return -1 - i, draws, zp, zn, drawn
        i += 1
    return i, draws, zp, zn, drawn


@njit(cache=True, nogil=True)
def run_plain(
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
    means: np.ndarray,
    cvs: np.ndarray,
    vellus: np.ndarray,
    aga: np.ndarray,
    inc: np.ndarray,
    aga_start: float,
    fa: np.ndarray,
    fl: np.ndarray,
    fp: np.ndarray,
    rev: np.ndarray,
    lag: float,
    table: np.ndarray,
    gen: np.random.Generator,
    buf: int,
    reserve: int,
) -> tuple[int, int]:
    """:func:`~anagen.scalp._kernels.run_segment` for lognormal durations and one epoch.

    ``fa``, ``fl``, ``fp``, ``rev`` are that epoch's per-zone factors (its gains must not
    fade); ``table`` is the packed delta table (see :func:`pack`); the other arguments and
    the result are those of ``run_segment``.
    """
    n = phase.size
    m_a, catagen, m_t, m_l = means[0], means[1], means[2], means[3]
    cv_a, cv_t, cv_l = cvs[0], cvs[1], cvs[2]
    sg_a = math.sqrt(math.log1p(cv_a * cv_a))
    sg_t = math.sqrt(math.log1p(cv_t * cv_t))
    sg_l = math.sqrt(math.log1p(cv_l * cv_l))
    # 0.5 * sg * sg as run_segment computes it in each draw
    sgs = np.array([sg_a, sg_t, sg_l, 0.5 * sg_a * sg_a, 0.5 * sg_t * sg_t, 0.5 * sg_l * sg_l])
    hs_a, hs_t, hs_l = sgs[3], sgs[4], sgs[5]
    lr_a = math.log(vellus[0] / m_a)
    lr_l = math.log(vellus[1] / m_l)
    dv = vellus[2]
    ctv, crit, thr = aga[0], aga[1], aga[2]
    inv_h = 1.0 / (sample_t[1] - sample_t[0]) if sample_t.size > 1 else 0.0
    g_max = sample_t.size - 1.0
    g_uni = _uniform_rows(sample_t, inv_h)
    # no follicle gains miniaturisation in this segment, none without any dies of it, and a
    # follicle without any keeps its mean durations and terminal diameter: see _static
    static = aga_start > t1 and crit > 0.0 and ctv > 0.0 and math.isfinite(dv) and dv >= 0.0
    # normals: the current block is `cap` long (run_segment's `buf`; unbounded if buf < 0);
    # `drawn` of them have come from gen, zb[zp:zn] are drawn but unused
    cap = buf if buf > 0 else np.iinfo(np.int64).max
    limit = buf - reserve if buf > 0 else np.iinfo(np.int64).max
    zb = np.empty(BATCH)
    zp = zn = drawn = 0
    draws = 0
    i = 0
    while i < n:
        if static:
            i, n_static, zp, zn, drawn = _static(
                i, t1, sample_t, inv_h, g_uni, phase, t_exit, q, d0, diam, zone, means, sgs, dv, thr,
                fa, fl, lag, table, gen, zb, zp, zn, drawn, cap, limit,
            )  # fmt: skip
            draws += n_static
            if i < 0:
                return draws, i
            if i == n:
                break
        # follicle i, with miniaturisation (or any follicle where it may change)
        if drawn - zn + zp > limit:  # fewer than `reserve` normals left: a new block
            _skip(gen, cap - drawn)
            zp = zn = drawn = 0
        ph = phase[i]
        if ph == DEAD:
            i += 1
            continue
        te = t_exit[i]
        z = zone[i]
        while True:
            if te > t1:
                break
            k = _row_fast(sample_t, te, inv_h, g_uni, g_max)
            if ph == ANAGEN and catagen > 0.0:
                new = CATAGEN
                col = _XAC
                ne = te + catagen
            elif ph != LATENCY:
                # the next phase's duration: telogen after anagen/catagen, latency after telogen
                if ph == TELOGEN:
                    new = LATENCY
                    # the club hair is shed: the follicle is empty until the next anagen
                    d = diam[i]
                    col = _XTT if d >= thr else _XTV
                    table[z, k, _DIAM] -= d
                    mm = min(q[i] / ctv, 1.0)
                    mean = m_l * math.exp(lr_l * mm) if mm != 0.0 else m_l
                    sg, hs = sg_l, hs_l
                else:
                    new = TELOGEN
                    col = _XC if ph == CATAGEN else _XAT
                    mean, sg, hs = m_t, sg_t, hs_t
                zz, zp, zn, drawn = _next_normal(gen, zb, zp, zn, drawn, cap)
                dur = mean * math.exp(sg * zz - hs)
                draws += 1
                ne = te + dur * fl[z] if new == LATENCY else te + dur
            else:  # LATENCY -> next anagen: one completed cycle
                gain = inc[origin[i]] * sens[i] * fp[z] if te >= aga_start else 0.0
                qq = q[i] * (1.0 - rev[z]) + gain
                q[i] = qq
                if qq >= crit:
                    new = DEAD
                    col = _XLD
                    ne = np.inf
                else:
                    new = ANAGEN
                    col = _XLA
                    mm = min(qq / ctv, 1.0)
                    d = d0[i] * (1.0 - mm) + dv * mm
                    diam[i] = d
                    mean = m_a * math.exp(lr_a * mm) if mm != 0.0 else m_a
                    zz, zp, zn, drawn = _next_normal(gen, zb, zp, zn, drawn, cap)
                    dur = mean * math.exp(sg_a * zz - hs_a)
                    draws += 1
                    ne = te + dur * fa[z]
                    # the hair is counted once it has emerged past the detection length
                    kv = (
                        _row_fast(sample_t, min(te + lag, ne), inv_h, g_uni, g_max)
                        if lag > 0.0
                        else k
                    )
                    table[z, kv, _EMT if d >= thr else _EMV] += 1.0
                    table[z, kv, _DIAM] += d
            if not ne >= te:  # NaN or time running backwards: the state cannot advance
                phase[i] = ph
                t_exit[i] = te
                return draws, -1 - i
            table[z, k, col] += 1.0
            ph = new
            te = ne
            if ph == DEAD:
                break
        phase[i] = ph
        t_exit[i] = te
        i += 1
    if buf > 0:
        _skip(gen, cap - drawn)
    return draws, i
