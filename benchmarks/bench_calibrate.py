"""Benchmark of the shipped calibration fit against the 5-minute target (2 cores).

Run: ``python benchmarks/bench_calibrate.py`` (or ``python benchmarks/run.py calibrate``);
``ANAGEN_BENCH_DRAWS=400`` runs a smaller fit (the time is then also extrapolated to the shipped
2,000).

* **anagen**: ``calibrate(curated_trials(), n_draws=2000, quantile=0.25)`` as shipped (two-stage
  population Monte Carlo, 2,000 simulated draws per block): the measured outcome (re-found target
  area, 8 cm² per model patient in one zone) and the simulations of every block as Dask tasks on
  a local cluster of 2 workers (fork-started, simulators prepared once).
* **baseline (today's code path before issue 8)**: the same prior draws simulated the old way,
  one process, a whole virtual scalp of 20,000 follicles per model patient run to follow-up
  (``patient_scalp`` + ``simulate``), the effect read as the whole-zone mean. Measured here on
  ``BASE_DRAWS`` draw sets (every study once per draw) and extrapolated to the same number of
  draws per block; the shipped pre-issue-8 posterior recorded 592 s for its own fit of 4,000.

The machine may be shared: the load average is printed with the results.
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np

TARGET_S = 300.0
SHIPPED_DRAWS = 2000
BASE_DRAWS = 3


def baseline_per_draw_set() -> float:
    """Seconds to simulate every curated study once, the old whole-scalp way (one process)."""
    from anagen.decision._calibrate_trials import curated_trials, sample_block
    from anagen.scalp import simulate
    from anagen.therapy import patient_scalp

    trials = curated_trials()
    prepared = []
    for t in trials:
        from anagen.decision._calibrate_trials import TrialSimulator

        sim = TrialSimulator(t, area_cm2=1.0, seed=0)  # for its modulation() only
        for k, vp in enumerate(t.population):
            pat = vp.patient()
            params, state = patient_scalp(pat, n_follicles=20_000, seed=k)
            prepared.append((t, sim, sim._prepared[k], params, state))
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for _ in range(BASE_DRAWS):
        for t, sim, prep, params, state in prepared:
            mod = sim.modulation(sample_block(t.block, rng), prep)
            simulate(params, state, days=t.followup_days, every=None, seed=1, modulation=mod)
    return (time.perf_counter() - t0) / BASE_DRAWS


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the Dask workers)."""
    tot = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        tot += r.ru_utime + r.ru_stime
    return tot


def main() -> None:
    from anagen.decision._calibrate import calibrate
    from anagen.decision._calibrate_trials import curated_trials

    draws = int(os.environ.get("ANAGEN_BENCH_DRAWS", str(SHIPPED_DRAWS)))
    load0 = os.getloadavg()
    c0 = _cpu()
    t0 = time.perf_counter()
    cal = calibrate(curated_trials(), n_draws=draws, quantile=0.25, seed=0, scheduler="local")
    t_new = time.perf_counter() - t0
    cpu_new = _cpu() - c0
    per_base = baseline_per_draw_set()
    t_base = per_base * SHIPPED_DRAWS
    t_new_full = t_new * SHIPPED_DRAWS / draws
    print(f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (shared machine)")
    print(
        f"anagen: {draws} draws per block on 2 workers in {t_new:.0f} s"
        + (f" (extrapolated to 2,000: {t_new_full:.0f} s)" if draws != SHIPPED_DRAWS else "")
        + f"; target {TARGET_S:.0f} s: {'met' if t_new_full <= TARGET_S else 'NOT met'}"
    )
    print(
        f"anagen CPU time (process + Dask workers): {cpu_new:.0f} s; with the 2 cores to itself "
        f"the fit needs at least CPU / 2 = {cpu_new / 2:.0f} s (load-independent bound)"
    )
    print(
        f"baseline (whole scalp, 20,000 follicles, 1 process): {per_base:.2f} s per draw set "
        f"-> {t_base:.0f} s for 2,000 draws per block (extrapolated)"
    )
    print(f"ratio baseline / anagen: {t_base / t_new_full:.1f}x")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    assert cal.posterior.blocks


if __name__ == "__main__":
    main()
