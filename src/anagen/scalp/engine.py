"""``simulate``: run a scalp forward in time with the stochastic or the mean-field engine.

References
----------
.. [S1] Halloy J, Bernard BA, Loussouarn G, Goldbeter A. Modeling the dynamics of human hair
   cycles by a follicular automaton. PNAS 2000;97:8328-8333.
.. [S2] Halloy J, Bernard BA, Loussouarn G, Goldbeter A. The follicular automaton model: effect
   of stochasticity and of synchronization of hair cycles. J Theor Biol 2002.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache

import numpy as np

from anagen.errors import InputError
from anagen.scalp._kernel_plain import N_COLS, pack, run_plain, unpack
from anagen.scalp._kernels import (
    DEAD,
    LATENCY,
    N_PHASES,
    count_state,
    run_segment,
    seed_kernel,
)
from anagen.scalp._modulation import ZONE_NAMES, Modulation
from anagen.scalp.params import ScalpParams
from anagen.scalp.state import DAYS_PER_YEAR, ScalpState, SeedLike, as_generator
from anagen.scalp.trajectory import ScalpTrajectory

__all__ = ["CHUNK", "sample_days", "simulate", "simulate_replicates", "warm_kernels"]

#: Follicles per chunk. Chunks are independent (their follicles are), run on as many threads
#: as there are cores, and each draws from a stream of its own: chunk 0 from the caller's
#: generator, exactly as the engine did before chunks ran in parallel (a population of up to
#: CHUNK follicles, such as a 1 cm² target area of ~230, keeps its numbers), chunk c > 0 from
#: ``SeedSequence(key, spawn_key=(segment, c))`` with ``key`` drawn once from the caller's
#: generator. Results depend only on the seed and the population size, not on the threads.
CHUNK = 1 << 16
_DIST = {"lognormal": 0, "gamma": 1, "exponential": 2}
#: Chunk 0 takes its lognormal normals in blocks (the engine once pre-drew them): at most
#: _BUFFER per block, and a new block begins before a follicle when fewer than _RESERVE are
#: left (see :func:`anagen.scalp._kernels.run_segment`). Smaller runs use smaller blocks
#: (see :func:`_buffer_size`).
_BUFFER = 1 << 18
_RESERVE = 256
#: Lognormal draws to budget per follicle-year: a normal scalp draws about 0.94 (18.8 M for
#: 1 M follicles x 20 years in benchmarks/bench_scalp.py), a scalp with pattern hair loss
#: (shorter cycles) about 1.65; 2.5 leaves a margin. A block that runs short is followed by
#: another.
_DRAWS_PER_FOLLICLE_YEAR = 2.5


def sample_days(days: float, every: float | None) -> np.ndarray:
    """Sample days ``0, every, 2 every, ...`` and ``days`` itself."""
    if every is None:
        every = max(days / 200.0, 1.0)
    if not np.isfinite(every) or every <= 0:
        raise InputError(field="every", allowed="> 0", got=every)
    t = np.arange(0.0, days, every)
    if t.size == 0 or t[-1] < days:
        t = np.append(t, days)
    return t


def _resolve_days(days: float | None, years: float | None) -> float:
    if (days is None) == (years is None):
        raise InputError(field="days", allowed="given exactly once (days or years)", got=None)
    name, value = ("days", days) if days is not None else ("years", years)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.number)
        or not np.isfinite(value)
        or value <= 0
    ):
        raise InputError(field=name, allowed="> 0", got=value)
    return float(days) if days is not None else float(years) * DAYS_PER_YEAR


def _explicit_days(at, days: float | None, years: float | None) -> np.ndarray:
    t = np.asarray(at, dtype=np.float64)
    if (
        t.ndim != 1
        or t.size < 1
        or not np.all(np.isfinite(t))
        or t[0] != 0.0
        or np.any(np.diff(t) <= 0)
    ):
        raise InputError(
            field="at", allowed="strictly increasing finite days starting at 0", got=t.tolist()
        )
    if t.size == 1:
        raise InputError(field="at", allowed="at least one day after 0", got=t.tolist())
    if days is not None or years is not None:
        total = _resolve_days(days, years)
        if total != t[-1]:
            raise InputError(field="at", allowed=f"ending on the last day ({total})", got=t[-1])
    return t


@lru_cache(maxsize=1)
def _no_modulation() -> Modulation:
    """``Modulation.none()``, built once (it is immutable: frozen, read-only arrays)."""
    return Modulation.none()


def _modulation_arrays(mod: Modulation | None):
    mod = _no_modulation() if mod is None else mod
    return mod, (
        np.ascontiguousarray(mod.t_days),
        np.ascontiguousarray(mod.anagen_factor),
        np.ascontiguousarray(mod.latency_factor),
        np.ascontiguousarray(mod.progression_factor),
        np.ascontiguousarray(mod.reversal),
        np.ascontiguousarray(mod.hold_end_day),
        np.ascontiguousarray(mod.fade_days),
    )


def _kernel_params(params: ScalpParams, sex: str):
    c, a = params.cycle, params.aga
    means = np.array([c.anagen_mean_days, c.catagen_days, c.telogen_mean_days, c.latency_mean_days])
    cvs = np.array([c.anagen_cv, c.telogen_cv, c.latency_cv])
    vellus = np.array([a.vellus_anagen_days, a.vellus_latency_days, a.vellus_diameter_um])
    aga = np.array([a.cycles_to_vellus, a.critical_cycles, a.vellus_threshold_um])
    inc = a.pace(sex) * np.asarray(params.zones.sensitivity(sex), dtype=np.float64)
    return _DIST[c.distribution], means, cvs, vellus, aga, inc


def _add_state(
    state: ScalpState, k: int, sign: float, d_count, d_term, d_vel, d_diam, thr: float, mask=None
) -> None:
    """Add (or remove) the follicles of ``state`` (optionally a subset) to the delta tables at row k."""
    # compared as NumPy compares the diameters with thr (a float32 array with a Python float:
    # in float32)
    thr_c = float(np.result_type(state.diam.dtype, thr).type(thr))
    counts, term, vel, dsum = count_state(
        state.phase, state.zone, state.diam, _NO_MASK if mask is None else mask, thr_c,
        len(ZONE_NAMES),
    )  # fmt: skip
    d_count[k] += sign * counts
    d_term[k] += sign * term
    d_vel[k] += sign * vel
    d_diam[k] += sign * dsum


_NO_MASK = np.zeros(0, dtype=bool)


def _buffer_size(n_follicles: int, days: float) -> int:
    """Normals to pre-draw for ``n_follicles`` over ``days``: what the run needs, capped."""
    need = _DRAWS_PER_FOLLICLE_YEAR * n_follicles * max(days, 1.0) / 365.25 + 4 * _RESERVE
    return int(min(_BUFFER, need))


def _threads(threads: int | None, n_chunks: int) -> int:
    """Worker threads for ``n_chunks`` chunks: ``threads`` (default: the usable cores), capped."""
    if threads is None:
        try:
            threads = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - non-Linux
            threads = os.cpu_count() or 1
    return max(1, min(threads, n_chunks))


@contextmanager
def _pool(threads: int):
    """Helper threads for a run on ``threads`` threads: the calling thread is one of them, so
    ``threads - 1`` workers (``None`` for one thread: everything runs in the caller's)."""
    if threads == 1:
        yield None
        return
    with ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="anagen-scalp") as ex:
        yield ex


def _run_jobs(pool, threads: int, jobs: list, before_first: Callable[[], None]):
    """Results of :func:`_run_chunk` over ``jobs``, in job order (yielded as they are ready).

    ``before_first`` (work of the calling thread) must be done before job 0 starts (job 0 adds
    to the tables it writes). Meanwhile the pool's ``threads - 1`` workers take jobs 1, 2, ...
    from a shared queue; the calling thread then runs job 0 itself and takes jobs from the
    same queue, so that no thread idles while a job waits (the last job, the short chunk if
    the population is not a multiple of CHUNK, comes last and fills the thread that ends
    first). Which thread runs a job does not change its result.
    """
    if pool is None or len(jobs) <= 1:
        before_first()
        yield from map(_run_chunk, jobs)
        return
    n = len(jobs)
    results: list = [None] * n
    done = [False] * n
    queue = iter(range(1, n))
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            return next(queue, None)

    def stop() -> None:  # no job starts any more
        with lock:
            for _ in queue:
                pass

    def work() -> None:
        try:
            while (c := take()) is not None:
                results[c] = _run_chunk(jobs[c])
                done[c] = True
        except BaseException:
            stop()
            raise

    workers = [pool.submit(work) for _ in range(threads - 1)]
    try:
        before_first()
        c, ready = 0, 0
        while c is not None:
            results[c] = _run_chunk(jobs[c])
            done[c] = True
            while ready < n and done[ready]:  # the finished prefix, in job order
                yield results[ready]
                results[ready] = None
                ready += 1
            c = take()
        for w in workers:
            w.result()  # a worker's exception is raised here
        yield from results[ready:]
    finally:  # on an error (here or in the caller): no new job starts; the workers end theirs
        stop()
        for w in workers:
            w.exception()


#: ``qt`` of a run whose treatment never fades (run_segment reads it only where ``hold`` is
#: finite, so it may be empty)
_NO_MEMORY = np.empty(0)


def _plain(kernel) -> bool:
    """Whether :func:`~anagen.scalp._kernel_plain.run_plain` applies: lognormal durations, one
    modulation epoch, gains kept (it then gives the same bits as ``run_segment``)."""
    dist, ep_t, hold = kernel[0], kernel[7], kernel[12]
    return dist == 0 and ep_t.size == 1 and bool(np.all(hold == np.inf))


#: The per-follicle arrays of a :class:`ScalpState`.
_STATE_ARRAYS = ("phase", "t_exit", "q", "d0", "diam", "zone", "origin", "sens")


def _run_chunk(job):
    """Advance follicles ``lo:hi`` through one segment (runs on a worker thread).

    Chunk 0 adds to the run's delta tables; any other chunk to tables of its own, which the
    caller adds in chunk order (floating-point sums then do not depend on the thread count).
    ``gen`` is the caller's generator (chunk 0) or the ``(root, spawn_key)`` of the chunk's
    own stream; ``end`` (last segment) is ``(t_exit, days)``: this chunk's part of the final
    state's exit days, counted from the end of the run, goes into ``t_exit``.
    """
    t0, t1, t, st, lo, hi, seed, gen, buf, kernel, tables, start, end = job
    if isinstance(gen, tuple):  # made here, on the worker thread
        gen = np.random.default_rng(np.random.SeedSequence(gen[0], spawn_key=gen[1]))
    (dist, means, cvs, vellus, aga, inc, aga_start, ep_t, fa, fl, fp, rev, hold, fade, lag, qt) = (
        kernel
    )
    if start is not None:  # first segment: this chunk's part of the day-0 state
        for name in _STATE_ARRAYS:
            getattr(st, name)[lo:hi] = getattr(start, name)[lo:hi]
        # the start of the run is an epoch boundary from "untreated" (factor 1) to epoch 0
        if np.any(fl[0] != 1.0):  # (x * 1.0 == x)
            lat = st.phase[lo:hi] == LATENCY
            st.t_exit[lo:hi][lat] *= fl[0, st.zone[lo:hi][lat]]
    own = None
    ns, nz = t.size, len(ZONE_NAMES)
    seed_kernel(seed)  # Numba's generator is per thread: seed it on the thread that draws
    if _plain(kernel):
        if tables is None:
            own = tables = np.zeros((nz, ns + 1, N_COLS))
        n_draws, status = run_plain(
            t1, t,
            st.phase[lo:hi], st.t_exit[lo:hi], st.q[lo:hi], st.d0[lo:hi], st.diam[lo:hi],
            st.zone[lo:hi], st.origin[lo:hi], st.sens[lo:hi],
            means, cvs, vellus, aga, inc, aga_start, fa[0], fl[0], fp[0], rev[0], lag,
            tables, gen, buf, _RESERVE,
        )  # fmt: skip
    else:
        if tables is None:
            own = tables = (
                np.zeros((ns + 1, nz, N_PHASES)), np.zeros((ns + 1, nz)), np.zeros((ns + 1, nz)),
                np.zeros((ns + 1, nz)), np.zeros((ns + 1, nz)),
            )  # fmt: skip
        d_count, d_term, d_vel, d_diam, shed = tables
        n_draws, status = run_segment(
            t0, t1, t,
            st.phase[lo:hi], st.t_exit[lo:hi], st.q[lo:hi], st.d0[lo:hi], st.diam[lo:hi],
            st.zone[lo:hi], st.origin[lo:hi], st.sens[lo:hi],
            dist, means, cvs, vellus, aga, inc, aga_start,
            ep_t, fa, fl, fp, rev, hold, fade, lag, qt[lo:hi],
            d_count, d_term, d_vel, d_diam, shed,
            gen, buf, _RESERVE,
        )  # fmt: skip
    if end is not None:
        end[0][lo:hi] = st.t_exit[lo:hi] - end[1]
    return n_draws, status, own


def _run_stochastic(
    params: ScalpParams,
    state: ScalpState,
    t: np.ndarray,
    rng: np.random.Generator,
    mod: Modulation,
    arrays,
    advance: Callable[[int], None] | None,
    threads: int | None = None,
) -> ScalpTrajectory:
    # the run's state; each chunk copies its part of `state` into it (on the worker threads)
    st = replace(state, **{name: np.empty_like(getattr(state, name)) for name in _STATE_ARRAYS})
    days = float(t[-1])
    ep_t, fa, fl, fp, rev, hold, fade = arrays
    lag = params.phototrichogram.lag_days
    dist, means, cvs, vellus, aga, inc = _kernel_params(params, state.sex)
    thr = params.aga.vellus_threshold_um
    ns, nz = t.size, len(ZONE_NAMES)
    d_count = np.zeros((ns + 1, nz, N_PHASES))
    d_term = np.zeros((ns + 1, nz))
    d_vel = np.zeros((ns + 1, nz))
    d_diam = np.zeros((ns + 1, nz))
    shed = np.zeros((ns + 1, nz))

    transplants = sorted((tp for tp in mod.transplants if tp.day <= days), key=lambda tp: tp.day)
    bounds = [tp.day for tp in transplants] + [days]
    n = st.n_follicles
    chunks = [(s, min(s + CHUNK, n)) for s in range(0, n, CHUNK)]
    n_threads = _threads(threads, len(chunks))

    # Day 0's hairs (the rescaling of latencies at day 0 leaves them as they are) are counted
    # while the chunks other than 0 run. Those chunks need only `root` and their seeds, which
    # the caller's generator draws after the uniforms of _hidden_draws: with a PCG64 they are
    # drawn from a copy moved past those uniforms (`ahead`), so that the chunks start at once;
    # this thread then draws the uniforms, and the same root and seeds (checked).
    ahead = _ahead(rng, state) if lag > 0 and n_threads > 1 and len(chunks) > 1 else None
    hidden = _hidden_draws(state, params, rng, lag) if lag > 0 and ahead is None else None

    def day0(hidden) -> None:
        _add_state(state, 0, 1.0, d_count, d_term, d_vel, d_diam, thr)
        if hidden is not None:
            _hide(state, t, lag, *hidden, d_term, d_vel, d_diam, thr)

    # chunk 0 draws from the caller's generator (so a population of one chunk keeps the
    # numbers it always had); each further chunk from its own stream keyed by (segment, chunk)
    root = (rng if ahead is None else ahead).integers(0, 2**63, size=2) if len(chunks) > 1 else None
    root = None if root is None else root.tolist()
    # a fading treatment's own miniaturisation of each follicle while it is used (NaN: none;
    # see run_segment); it lives for the run, so its segments and chunks share it
    qt = np.full(state.n_follicles, np.nan) if np.any(np.isfinite(hold)) else _NO_MEMORY
    kernel = (dist, means, cvs, vellus, aga, inc, state.aga_start_day, ep_t, fa, fl, fp, rev, hold, fade, lag, qt)  # fmt: skip
    tables = (d_count, d_term, d_vel, d_diam, shed)
    plain = _plain(kernel)
    draws = 0
    t0 = 0.0
    t_end = np.empty_like(state.t_exit)
    with _pool(n_threads) as pool:
        for seg, t1 in enumerate(bounds):
            early = seg == 0 and ahead is not None
            seeds = (ahead if early else rng).integers(0, 2**31 - 1, size=len(chunks))
            # the fast path keeps the tables zone-major (see anagen.scalp._kernel_plain)
            main = np.empty((nz, ns + 1, N_COLS)) if plain else tables

            def before_chunk0(first: bool = seg == 0, early=early, seeds=seeds, main=main):
                if early:  # the draws `ahead` skipped, from the caller's generator
                    drawn = _hidden_draws(state, params, rng, lag)
                    again = rng.integers(0, 2**63, size=2).tolist()
                    if again != root or not np.array_equal(
                        rng.integers(0, 2**31 - 1, size=len(chunks)), seeds
                    ):  # pragma: no cover - PCG64 takes one step per uniform
                        raise RuntimeError("scalp engine: the chunks' seeds were mispredicted")
                    day0(drawn)
                elif first:
                    day0(hidden)
                if plain:
                    main[...] = pack(*tables)

            # the final state's exit days, shifted to the end of the run by the chunks
            end = (t_end, days) if seg == len(bounds) - 1 else None
            jobs = []
            for c, ((lo, hi), seed) in enumerate(zip(chunks, seeds, strict=True)):
                if c == 0:
                    gen, buf = rng, (_buffer_size(hi - lo, t1 - t0) if dist == 0 else 0)
                else:
                    gen, buf = (root, (seg, c)), -1
                own = c > 0
                start = state if seg == 0 else None
                jobs.append((t0, t1, t, st, lo, hi, int(seed), gen, buf, kernel, None if own else main, start, end))  # fmt: skip
            for (lo, hi), (n_draws, status, own) in zip(
                chunks, _run_jobs(pool, n_threads, jobs, before_chunk0), strict=True
            ):
                if status < 0:
                    raise InputError(
                        "the scalp engine cannot advance (a phase duration is not a finite "
                        "positive number); check the cycle parameters and the treatment factors"
                    )
                draws += n_draws
                if own is not None:  # merged in chunk order: the same sums on any thread count
                    if plain:
                        main += own
                    else:
                        for total, part in zip(tables, own, strict=True):
                            total += part
                if advance is not None:
                    advance(hi - lo)
            if plain:
                unpack(main, *tables)
            if seg < len(transplants):
                _transplant(st, transplants[seg], t, rng, d_count, d_term, d_vel, d_diam, thr)
            t0 = t1

    counts = np.cumsum(d_count, axis=0)[:ns]
    return ScalpTrajectory(
        t_days=t,
        counts=counts,
        terminal=np.cumsum(d_term, axis=0)[:ns],
        vellus=np.cumsum(d_vel, axis=0)[:ns],
        diameter_sum_um=np.cumsum(d_diam, axis=0)[:ns],
        shed=shed[:ns],
        scale=state.scale,
        area_cm2=np.asarray(params.zones.area_cm2),
        sex=state.sex,
        age_years=state.age_years,
        engine="stochastic",
        visible_loss=params.staging.visible_loss,
        baseline_density_per_cm2=np.asarray(params.zones.hair_density_per_cm2),
        n_draws=draws,
        # st.shifted(days) (ScalpState.shifted), whose exit days the chunks have computed
        final_state=replace(
            st,
            t_exit=t_end,
            age_years=st.age_years + days / DAYS_PER_YEAR,
            aga_start_day=st.aga_start_day - days,
        ),
    )


def _ahead(rng: np.random.Generator, state: ScalpState) -> np.random.Generator | None:
    """A copy of ``rng`` moved past the uniforms :func:`_hidden_draws` draws from it.

    Only for a PCG64 generator, which takes one step per uniform (``None`` otherwise). The
    cached half-word of 32-bit draws, which uniforms leave as it is, is kept.
    """
    bg = rng.bit_generator
    if type(bg) is not np.random.PCG64:
        return None
    start = bg.state
    copy = np.random.PCG64()
    copy.state = start
    copy.advance(2 * int(np.count_nonzero(state.phase == 0)))
    moved = copy.state
    moved["has_uint32"], moved["uinteger"] = start["has_uint32"], start["uinteger"]
    copy.state = moved
    return np.random.Generator(copy)


def _hidden_draws(st, params, rng, lag) -> tuple[np.ndarray, np.ndarray]:
    """Day 0: hairs that entered anagen less than ``lag`` days ago have not emerged yet.

    The state does not record when an anagen began; at (near) stationarity a follicle in anagen
    began it less than ``lag`` days ago with probability ``lag / mean anagen`` (renewal theory:
    the age density of the current phase is ``(1 - F(a)) / mean``, ~``1 / mean`` near 0), its age
    then about uniform on ``(0, lag)``. Such hairs are counted from ``lag - age`` days on (or
    when their anagen ends, if sooner). Returns the hidden follicles and, for each, a uniform
    draw for its age (see :func:`_hide`).
    """
    a, c = params.aga, params.cycle
    idx = np.flatnonzero(st.phase == 0)
    if idx.size == 0:
        return idx, np.empty(0)
    q = st.q[idx]
    if q.any():
        mm = np.minimum(q / a.cycles_to_vellus, 1.0)
        mean = c.anagen_mean_days * np.exp(np.log(a.vellus_anagen_days / c.anagen_mean_days) * mm)
        p_hidden = np.minimum(lag / mean, 1.0)
    else:  # no miniaturisation: every mean is anagen_mean_days (exp(0) == 1)
        p_hidden = min(lag / c.anagen_mean_days, 1.0)
    u = rng.random((2, idx.size))
    hidden = u[0] < p_hidden
    return idx[hidden], u[1][hidden]


def _hide(st, t, lag, i, u, d_term, d_vel, d_diam, thr) -> None:
    """Count the hidden hairs ``i`` (see :func:`_hidden_draws`) from their emergence on."""
    if i.size == 0:
        return
    show = np.minimum(u * lag, st.t_exit[i])
    k = np.searchsorted(t, show, side="left")
    z = st.zone[i].astype(np.int64)
    d = st.diam[i].astype(np.float64)
    term = d >= thr
    for table, sel in ((d_term, term), (d_vel, ~term)):
        np.add.at(table, (0, z[sel]), -1.0)
        np.add.at(table, (k[sel], z[sel]), 1.0)
    np.add.at(d_diam, (0, z), -d)
    np.add.at(d_diam, (k, z), d)


def _transplant(st: ScalpState, tp, t, rng, d_count, d_term, d_vel, d_diam, thr) -> None:
    """Move living follicles of the donor zone to the recipient zone (some grafts fail)."""
    src, dst = ZONE_NAMES.index(tp.from_zone), ZONE_NAMES.index(tp.to_zone)
    k = int(np.searchsorted(t, tp.day, side="left"))
    candidates = np.flatnonzero((st.zone == src) & (st.phase != DEAD))
    n_move = min(round(tp.n_follicles * st.scale), candidates.size)
    chosen = np.sort(rng.choice(candidates, size=n_move, replace=False))
    mask = np.zeros(st.n_follicles, dtype=bool)
    mask[chosen] = True
    _add_state(st, k, -1.0, d_count, d_term, d_vel, d_diam, thr, mask)
    takes = rng.random(n_move) < tp.survival
    st.zone[chosen[takes]] = dst
    lost = chosen[~takes]
    st.phase[lost] = DEAD
    st.t_exit[lost] = np.inf
    # grafts that fail stay in the donor zone's books as dead follicles
    _add_state(st, k, 1.0, d_count, d_term, d_vel, d_diam, thr, mask)


def simulate(
    params: ScalpParams,
    state: ScalpState,
    *,
    days: float | None = None,
    years: float | None = None,
    every: float | None = 30.0,
    seed: SeedLike = None,
    engine: str = "stochastic",
    modulation: Modulation | None = None,
    advance: Callable[[int], None] | None = None,
    at: np.ndarray | list[float] | tuple[float, ...] | None = None,
    threads: int | None = None,
) -> ScalpTrajectory:
    """Run the scalp ``state`` forward for ``days`` (or ``years``) and sample it every ``every`` days.

    Parameters
    ----------
    params
        Model parameters (:func:`default_params` or :func:`load_params`).
    state
        Day-0 state from :func:`initial_scalp` (not modified).
    days, years
        Length of the run; give exactly one.
    every
        Sampling interval in days (the last sample is always the final day).
    seed
        Int, :class:`~numpy.random.SeedSequence` or :class:`~numpy.random.Generator`; the same
        seed gives the same trajectory. For replicates pass ``SeedSequence(s).spawn(n)`` items.
    engine
        ``"stochastic"`` (exact event-driven renewal simulation, [S1]) or ``"meanfield"`` (the
        deterministic limit, [S2] and its Erlang-chain generalisation).
    modulation
        Treatment effects, applied as documented in :class:`Modulation`. Day 0 of the run
        counts as an epoch boundary from "untreated" (factor 1): residual latencies at day 0
        are rescaled by epoch 0's ``latency_factor``. Dead follicles never return.
    advance
        Progress callback, called with the number of follicles processed.
    at
        Explicit sample days instead of ``every`` (strictly increasing, the first 0, the last
        the end of the run): e.g. the visit days of a trial. ``days``/``years`` may then be
        omitted.
    threads
        Threads for populations of more than :data:`CHUNK` follicles (default: one per usable
        core). The result does not depend on it.

    Returns
    -------
    ScalpTrajectory
    """
    if at is not None:
        t = _explicit_days(at, days, years)
    else:
        t = sample_days(_resolve_days(days, years), every)
    mod, arrays = _modulation_arrays(modulation)
    rng = as_generator(seed)
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise InputError(field="threads", allowed="a positive integer", got=threads)
    if engine == "stochastic":
        return _run_stochastic(params, state, t, rng, mod, arrays, advance, threads)
    if engine == "meanfield":
        from anagen.scalp.meanfield import run_meanfield

        traj = run_meanfield(params, state, t, mod)
        if advance is not None:
            advance(state.n_follicles)
        return traj
    raise InputError(field="engine", allowed="one of stochastic, meanfield", got=engine)


def simulate_replicates(
    params: ScalpParams, state: ScalpState, n: int, *, seed: int | None = None, **kwargs
) -> list[ScalpTrajectory]:
    """``n`` independent stochastic runs of the same scalp, seeded by ``SeedSequence(seed).spawn(n)``.

    Keyword arguments are passed to :func:`simulate` (``days``/``years``, ``every``,
    ``modulation``, ...).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(field="n", allowed="a positive integer", got=n)
    return [
        simulate(params, state, seed=s, **kwargs) for s in np.random.SeedSequence(seed).spawn(n)
    ]


def warm_kernels() -> None:
    """Load the engine's compiled kernels now (from Numba's on-disk cache, or compile them):
    the fast path and the general kernel.

    A process that forks workers calls this first, so that the workers inherit the loaded
    kernels instead of each loading them again.
    """
    from anagen.scalp.params import default_params
    from anagen.scalp.staging import initial_scalp

    params = default_params()
    state = initial_scalp(params, n_follicles=1, seed=0)
    simulate(params, state, days=1.0, seed=0)  # the fast path (one epoch)
    two_epochs = Modulation(t_days=np.array([0.0, 0.5]))
    simulate(params, state, days=1.0, seed=0, modulation=two_epochs)  # the general kernel
