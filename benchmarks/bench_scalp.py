"""Benchmark of the event-driven scalp engine against a daily time-step automaton and a floor.

Run: ``python benchmarks/bench_scalp.py`` (or ``python benchmarks/run.py scalp``).

* **anagen**: ``simulate`` with the stochastic engine, 1,000,000 follicles x 20 years, default
  parameters of a normal scalp (lognormal durations), sampled yearly.
* **baseline**: a plain daily time-step NumPy automaton written here: every day, each follicle's
  remaining time drops by one day and the follicles whose phase ends are moved on, with fresh
  durations drawn (vectorised) from the same distributions. Same parameters, same run length,
  same start (the same equilibrium initial state).
* **floor**: drawing the same number of random durations as the anagen run did, and nothing
  else (Numba loop with the kernel's generator, and NumPy's ``Generator.lognormal``).

Reported: follicle-years per second, the ratios, and time per follicle-year at three sizes
(linear scaling means a constant time per follicle-year). Environment variable
``ANAGEN_BENCH_FOLLICLES`` changes the main size (default 1,000,000).
"""

from __future__ import annotations

import os
import time

import numpy as np

from anagen.scalp import default_params, initial_scalp, simulate
from anagen.scalp._kernels import draw_many, seed_kernel
from anagen.scalp.state import DAYS_PER_YEAR

YEARS = 20.0


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


def time_anagen(params, n: int, seed: int = 1):
    state = initial_scalp(params, n_follicles=n, seed=seed)
    simulate(params, state, days=30.0, every=30.0, seed=0)  # compile / warm caches
    t0 = time.perf_counter()
    traj = simulate(params, state, years=YEARS, every=DAYS_PER_YEAR, seed=seed + 1)
    return time.perf_counter() - t0, traj, state


def main() -> None:
    n = int(os.environ.get("ANAGEN_BENCH_FOLLICLES", "1000000"))
    params = default_params()
    fy = n * YEARS
    print(
        f"scalp benchmark: {n:,} follicles x {YEARS:.0f} years, default (normal-scalp) parameters"
    )

    t_ours, traj, state = time_anagen(params, n)
    draws = traj.n_draws
    print(
        f"  anagen event-driven : {t_ours:8.2f} s  {fy / t_ours:14,.0f} follicle-years/s  ({draws:,} durations drawn)"
    )

    x = np.empty(draws)
    seed_kernel(3)
    draw_many(0, 1000.0, 0.5, x[:10])
    t0 = time.perf_counter()
    draw_many(0, 1000.0, 0.5, x)
    t_floor_nb = time.perf_counter() - t0
    rng = np.random.default_rng(3)
    t0 = time.perf_counter()
    rng.lognormal(0.0, 0.47, size=draws)
    t_floor_np = time.perf_counter() - t0
    del x
    t_floor = min(t_floor_nb, t_floor_np)
    print(
        f"  floor (draws only)  : {t_floor_nb:8.2f} s Numba loop, {t_floor_np:.2f} s NumPy Generator"
    )

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

    print(f"  speed-up vs daily-step baseline : {t_base / t_ours:6.1f}x   (target >= 10x)")
    print(f"  time / floor (fastest draws)    : {t_ours / t_floor:6.2f}x   (target <= 2x)")

    print("  scaling (time per million follicle-years should be constant):")
    for m in (n // 4, n // 2, n):
        t_m, _, _ = time_anagen(params, m, seed=7)
        print(
            f"    {m:>9,} follicles: {t_m:7.2f} s   {t_m / (m * YEARS) * 1e6:6.3f} s per 1e6 follicle-years"
        )


if __name__ == "__main__":
    main()
