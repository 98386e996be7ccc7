"""Benchmark of the event-driven scalp engine against a daily time-step automaton and a floor.

Run: ``python benchmarks/bench_scalp.py`` (or ``python benchmarks/run.py scalp``).

* **whole CLI**: a fresh Python process runs ``anagen scalp simulate --follicles 1000000
  --years 20 --every 30 --format json`` (every import, loading the Numba kernels from their
  on-disk cache, the initial state, the run on all cores, the JSON output). One warm-up run
  first fills the cache; the best of two timed runs is reported. This is what a user waits for.
* **kernel**: ``simulate`` in this process (warm), 1,000,000 follicles x 20 years, default
  parameters of a normal scalp (lognormal durations), sampled every 30 days, on 2 threads and
  on 1 (the same bits either way).
* **baseline**: a plain daily time-step NumPy automaton written here: every day, each
  follicle's remaining time drops by one day and the follicles whose phase ends are moved on,
  with fresh durations drawn (vectorised) from the same distributions. Same parameters, same
  run length, same start (the same equilibrium initial state).
* **import floor**: fresh processes that do nothing but start Python, import Numba, import
  ``anagen.scalp``, and call one cached Numba kernel (NumPy, Numba and Numba's first dispatch,
  which loads all of its registries; on this machine that pulls in SciPy's ``scipy.linalg``
  through Numba's BLAS check). No command that simulates can start faster than the last of
  these, so ``baseline / that floor`` bounds the whole-CLI speed-up from above.
* **floor**: drawing the same number of lognormal durations as the anagen run did, and
  nothing else, on 2 threads (and on 1), by the fastest path available to Numba, i.e. the
  fastest of: a NumPy ``Generator`` used inside a Numba loop (PCG64 + ziggurat, what the kernel
  uses), Numba's own ``np.random.standard_normal`` (MT19937), and NumPy's vectorised
  ``Generator.standard_normal(out=...)`` followed by a Numba ``exp`` loop.

Because kernel and floor are timed at different moments, a shared machine can favour either;
the ratios are therefore also measured **interleaved**: kernel and floor (the Generator path)
alternately, five times on each thread count: the best of each, and the median of each with
the range of the five; and the median of the five ratios of a kernel run to the floor run
right after it (a pair is measured back to back, so that a slow or fast spell of the shared
machine tends to affect both of it, where the best and the median of each may come from
different spells).

Reported: the ratios (baseline / whole CLI, kernel / floor on the same thread count) and the
time per follicle-year at three sizes (linear scaling means a constant time per follicle-year).
Environment variable ``ANAGEN_BENCH_FOLLICLES`` changes the main size (default 1,000,000).
"""

# Numba loops on its own generator are one of the floor paths:
# ruff: noqa: NPY002
from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from _fresh import fresh_env
from numba import njit

from anagen.scalp import default_params, initial_scalp, simulate
from anagen.scalp.state import DAYS_PER_YEAR

YEARS = 20.0
EVERY = 30.0


def daily_automaton(
    params, phase: np.ndarray, t_exit: np.ndarray, days: int, seed: int
) -> np.ndarray:
    """Plain daily-step automaton (baseline). Returns the phase counts at yearly samples."""
    c = params.cycle
    rng = np.random.default_rng(seed)
    s = {
        k: np.sqrt(np.log1p(cv * cv))
        for k, cv in (("a", c.anagen_cv), ("t", c.telogen_cv), ("l", c.latency_cv))
    }

    def lognormal(mean: float, sig: float, n: int) -> np.ndarray:
        return mean * np.exp(sig * rng.standard_normal(n) - 0.5 * sig * sig)

    phase = phase.copy()
    remaining = t_exit.copy()
    out = []
    for day in range(1, days + 1):
        remaining -= 1.0
        due = np.flatnonzero(remaining <= 0.0)
        if due.size:
            ph = phase[due]
            for code, nxt in ((0, 1), (1, 2), (2, 3), (3, 0)):
                idx = due[ph == code]
                if not idx.size:
                    continue
                phase[idx] = nxt
                if nxt == 1:
                    remaining[idx] += c.catagen_days
                elif nxt == 2:
                    remaining[idx] += lognormal(c.telogen_mean_days, s["t"], idx.size)
                elif nxt == 3:
                    remaining[idx] += lognormal(c.latency_mean_days, s["l"], idx.size)
                else:
                    remaining[idx] += lognormal(c.anagen_mean_days, s["a"], idx.size)
        if day % 365 == 0:
            out.append(np.bincount(phase, minlength=4))
    return np.array(out)


# -- floor: lognormal durations and nothing else -------------------------------------------


@njit(nogil=True)
def _lognormal_generator(rng, out, mean, sig):
    for i in range(out.size):
        out[i] = mean * math.exp(sig * rng.standard_normal() - 0.5 * sig * sig)


@njit(nogil=True)
def _lognormal_numba(seed, out, mean, sig):
    np.random.seed(seed)
    for i in range(out.size):
        out[i] = mean * math.exp(sig * np.random.standard_normal() - 0.5 * sig * sig)


@njit(nogil=True)
def _exp_of(z, out, mean, sig):
    for i in range(out.size):
        out[i] = mean * math.exp(sig * z[i] - 0.5 * sig * sig)


def _vectorised(rng, out, mean, sig):
    z = rng.standard_normal(out.size)
    _exp_of(z, out, mean, sig)


_PATHS = {
    "NumPy Generator inside Numba": lambda k, out: _lognormal_generator(
        np.random.default_rng(k), out, 1000.0, 0.47
    ),
    "Numba np.random (MT19937)": lambda k, out: _lognormal_numba(k, out, 1000.0, 0.47),
    "NumPy vectorised + Numba exp": lambda k, out: _vectorised(
        np.random.default_rng(k), out, 1000.0, 0.47
    ),
}


def floor(draws: int, threads: int) -> tuple[float, str, dict[str, float]]:
    """Fastest time (best of 3 per path) to draw ``draws`` lognormal durations on ``threads``."""
    out = np.empty(draws)
    parts = np.array_split(out, threads)
    times = {}
    with ThreadPoolExecutor(threads) as ex:
        for name, fn in _PATHS.items():
            fn(0, out[:16])  # compile
            best = math.inf
            for _ in range(3):
                t0 = time.perf_counter()
                list(ex.map(fn, range(1, threads + 1), parts))
                best = min(best, time.perf_counter() - t0)
            times[name] = best
    name = min(times, key=times.get)
    return times[name], name, times


# -- anagen ----------------------------------------------------------------------------------


def time_anagen(params, n: int, seed: int = 1, threads: int | None = None, reps: int = 2):
    state = initial_scalp(params, n_follicles=n, seed=seed)
    simulate(params, state, days=30.0, every=30.0, seed=0)  # load the kernels
    best, traj = math.inf, None
    for _ in range(reps):
        t0 = time.perf_counter()
        traj = simulate(params, state, years=YEARS, every=EVERY, seed=seed + 1, threads=threads)
        best = min(best, time.perf_counter() - t0)
    return best, traj, state


def interleaved(params, state, threads: int, reps: int = 5) -> tuple[list[float], list[float]]:
    """Kernel and floor (Generator path) times, measured alternately (in the order measured:
    ``k_times[i]`` and ``f_times[i]`` are a pair)."""
    name = "NumPy Generator inside Numba"
    fn = _PATHS[name]
    k_times, f_times = [], []
    parts = None
    with ThreadPoolExecutor(threads) as ex:
        for _ in range(reps):
            t0 = time.perf_counter()
            traj = simulate(params, state, years=YEARS, every=EVERY, seed=2, threads=threads)
            k_times.append(time.perf_counter() - t0)
            if parts is None:  # one output array for all repetitions, touched once first
                parts = np.array_split(np.zeros(traj.n_draws), threads)
            t0 = time.perf_counter()
            list(ex.map(fn, range(1, threads + 1), parts))
            f_times.append(time.perf_counter() - t0)
    return k_times, f_times


def time_cli(n: int, reps: int = 2) -> float:
    cmd = [
        sys.executable, "-m", "anagen", "scalp", "simulate", "--follicles", str(n),
        "--years", f"{YEARS:g}", "--every", f"{EVERY:g}", "--format", "json", "--seed", "1",
    ]  # fmt: skip
    env = fresh_env()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)  # warm the cache
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        best = min(best, time.perf_counter() - t0)
    return best


#: Fresh-process start-up steps of the import floor (see the module docstring).
_IMPORT_FLOOR = {
    "python -c pass": "pass",
    "import numba": "import numba",
    "import anagen.scalp": "import anagen.scalp",
    "numpy + numba + one cached kernel": (
        "from anagen.scalp._kernels import seed_kernel; seed_kernel(1)"
    ),
}


def import_floor(reps: int = 3) -> dict[str, float]:
    """Best wall time of ``reps`` fresh processes for each step of the import floor."""
    env = fresh_env()
    out = {}
    for name, code in _IMPORT_FLOOR.items():
        cmd = [sys.executable, "-c", code]
        subprocess.run(cmd, check=True, env=env)  # warm the caches
        best = math.inf
        for _ in range(reps):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, env=env)
            best = min(best, time.perf_counter() - t0)
        out[name] = best
    return out


def main() -> None:
    n = int(os.environ.get("ANAGEN_BENCH_FOLLICLES", "1000000"))
    params = default_params()
    fy = n * YEARS
    print(
        f"scalp benchmark: {n:,} follicles x {YEARS:.0f} years, default (normal-scalp) "
        f"parameters, sampled every {EVERY:g} days; load average {os.getloadavg()} on "
        f"{os.cpu_count()} cores"
    )

    t_cli = time_cli(n)
    print(f"  whole CLI process   : {t_cli:8.2f} s  (fresh process, warm Numba cache)")
    floor_imports = import_floor()
    for name, t_imp in floor_imports.items():
        print(f"  import floor {name:36s}: {t_imp:6.2f} s  (fresh process)")
    t_start = max(floor_imports.values())
    t2, traj, state = time_anagen(params, n, threads=2)
    t1, traj1, _ = time_anagen(params, n, threads=1)
    assert np.array_equal(traj.counts, traj1.counts)  # the same bits on 1 and 2 threads
    draws = traj.n_draws
    print(
        f"  kernel, 2 threads   : {t2:8.2f} s  {fy / t2:14,.0f} follicle-years/s  "
        f"({draws:,} durations drawn)"
    )
    print(f"  kernel, 1 thread    : {t1:8.2f} s  {fy / t1:14,.0f} follicle-years/s")

    f2, name2, all2 = floor(draws, 2)
    f1, name1, all1 = floor(draws, 1)
    for name in _PATHS:
        print(f"  floor {name:29s}: {all2[name]:6.3f} s on 2 threads, {all1[name]:6.3f} s on 1")

    days = round(YEARS * DAYS_PER_YEAR)
    t0 = time.perf_counter()
    base = daily_automaton(params, state.phase, state.t_exit, days, seed=4)
    t_base = time.perf_counter() - t0
    print(f"  daily-step baseline : {t_base:8.2f} s  {fy / t_base:14,.0f} follicle-years/s")
    ours_frac = traj.counts[-1, :, :4].sum(axis=0) / n
    base_frac = base[-1] / n
    print(
        f"  anagen fraction at year 20: event-driven {ours_frac[0]:.4f}, daily-step {base_frac[0]:.4f}"
    )

    print(
        f"  speed-up, whole CLI vs daily-step baseline : {t_base / t_cli:6.1f}x   (target >= 10x)"
    )
    print(
        f"  at most, with the import floor ({t_start:.2f} s): baseline / floor = "
        f"{t_base / t_start:6.1f}x  (the whole CLI cannot start faster than that floor)"
    )
    print(f"  speed-up, kernel (2 threads) vs baseline   : {t_base / t2:6.1f}x")
    print(f"  kernel / floor, 2 threads ({name2}) : {t2 / f2:6.2f}x   (target <= 2x)")
    print(f"  kernel / floor, 1 thread  ({name1}) : {t1 / f1:6.2f}x")
    print(f"  2 threads / 1 thread: kernel {t1 / t2:.2f}x faster, floor {f1 / f2:.2f}x faster")

    for th in (2, 1):
        k_pairs, f_pairs = interleaved(params, state, th)
        pair_ratios = sorted(k / f for k, f in zip(k_pairs, f_pairs, strict=True))
        k_times, f_times = sorted(k_pairs), sorted(f_pairs)
        k_best, f_best = k_times[0], f_times[0]
        k_med, f_med = k_times[len(k_times) // 2], f_times[len(f_times) // 2]
        s = "s" if th > 1 else " "
        print(
            f"  kernel / floor, {th} thread{s}, interleaved best of 5 : "
            f"{k_best / f_best:6.2f}x   (kernel {k_best:.3f} s, floor {f_best:.3f} s)"
        )
        print(
            f"  kernel / floor, {th} thread{s}, interleaved median of 5 : "
            f"{k_med / f_med:6.2f}x   (kernel {k_med:.3f} s, floor {f_med:.3f} s; spread: "
            f"kernel {k_times[0]:.3f}-{k_times[-1]:.3f} s, floor {f_times[0]:.3f}-{f_times[-1]:.3f} s)"
        )
        print(
            f"  kernel / floor, {th} thread{s}, interleaved median of 5 pair ratios : "
            f"{pair_ratios[len(pair_ratios) // 2]:6.2f}x   (each kernel run / the floor run "
            f"after it; range {pair_ratios[0]:.2f}-{pair_ratios[-1]:.2f})"
        )

    print("  scaling (time per million follicle-years should be constant):")
    for m in (n // 4, n // 2, n):
        t_m, _, _ = time_anagen(params, m, seed=7, reps=1)
        print(
            f"    {m:>9,} follicles: {t_m:7.2f} s   {t_m / (m * YEARS) * 1e6:6.3f} s per 1e6 follicle-years"
        )
    print(f"  load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
