"""Benchmark of ``anagen trial power adsc_vs_placebo --target 0.8`` against the 60 s target.

Run: ``python benchmarks/bench_trial.py`` (or ``python benchmarks/run.py trial``).

* **anagen, cold end to end**: wall-clock and CPU time (the process and its Dask workers; on a
  shared machine the CPU time says what 2 free cores would need) of a fresh process running the
  command (``--format json``, Dask local
  cluster of 2 workers): imports, cluster start, the pool of simulated patients (the follicles
  of the re-found 1 cm² target area only, each patient under both arms), the bootstrap
  Monte-Carlo SE and the power curve. Printed with the answer and the Monte-Carlo SE of the
  power at the answer (target <= 0.02).
* **baseline (today's code path before issue 8)**: a whole virtual scalp of 6,000 follicles
  per patient (``initial_scalp`` + ``simulate`` to follow-up) read by a new random 1 cm²
  phototrichogram at each visit, every simulated trial with its own patients. Measured here per
  patient (warm, in this process, the same trial file and posterior); its end-to-end time for an
  answer of the same precision is that cost times the patients it needs: 400 simulated trials
  (binomial SE 0.02 at power 0.8) x 2 arms x the doubling search's last batch (4, 8, 16, ...
  capped at --max-n 200: the first at or above the answer). This extrapolation is printed as such.

The machine may be shared: the load average is printed with the results.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np
from _fresh import fresh_env

TARGET_S = 60.0
BASE_PATIENTS = 12


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def anagen_cold() -> tuple[float, float, dict]:
    """Wall-clock and CPU seconds (the process and its Dask workers) of the cold command."""
    code = (
        "import sys; from anagen.cli import main; sys.exit(main(['trial', 'power', "
        "'adsc_vs_placebo', '--target', '0.8', '--format', 'json']))"
    )
    c0 = _children_cpu()
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True,
        env=fresh_env(),
    )  # fmt: skip
    return time.perf_counter() - t0, _children_cpu() - c0, json.loads(out.stdout)


def baseline_per_patient() -> float:
    """Seconds per patient of the whole-scalp path (warm): population draw, 6,000-follicle
    day-0 scalp, a posterior draw, the run to follow-up, two random-area readings."""
    from anagen.decision._trial import _modulation, _params, _population_patient
    from anagen.decision._trial_file import load_trial
    from anagen.scalp import initial_scalp, simulate
    from anagen.scalp.phototrichogram import phototrichogram

    spec = load_trial("adsc_vs_placebo")
    params = _params()
    days = spec.horizon_days

    def one(i: int, arm: int) -> float:
        ss = np.random.SeedSequence(spec.seed, spawn_key=(9, arm, i))
        s_pop, s_scalp, s_par, s_sim, s_read = ss.spawn(5)
        patient, stage = _population_patient(spec, np.random.default_rng(s_pop))
        st = initial_scalp(
            params, age=patient.age, sex=patient.sex, stage=stage, n_follicles=6000, seed=s_scalp
        )
        mod = _modulation(spec, arm, patient, np.random.default_rng(s_par))
        traj = simulate(params, st, days=days, every=days, seed=s_sim, modulation=mod)
        r0, r1 = s_read.spawn(2)
        b = phototrichogram(traj, params, zone=spec.zone, index=0, seed=r0).terminal_hairs
        f = phototrichogram(traj, params, zone=spec.zone, index=-1, seed=r1).terminal_hairs
        return f - b

    one(0, 0)  # warm-up (Numba, posterior)
    t0 = time.perf_counter()
    for i in range(BASE_PATIENTS):
        for arm in (0, 1):
            one(i + 1, arm)
    return (time.perf_counter() - t0) / (2 * BASE_PATIENTS)


def main() -> None:
    load0 = os.getloadavg()
    t_new, cpu_new, res = anagen_cold()
    n = res["sample_size_per_arm"]
    se = res["power_se_at_answer"]
    per_base = baseline_per_patient()
    batch = 4  # the old search doubled from 4 and capped at --max-n (200)
    while batch < (n if n is not None else 200):
        batch = min(2 * batch, 200)
    base_patients = 400 * 2 * batch
    t_base = per_base * base_patients / 2  # 2 workers
    per_new = t_new / res["simulated_patients"]
    print(f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (shared machine)")
    print(
        f"anagen, cold end to end: {t_new:.1f} s (target {TARGET_S:.0f} s: "
        f"{'met' if t_new <= TARGET_S else 'NOT met'}); sample size {n} per arm; "
        f"Monte-Carlo SE of the power there {se:.4f} (target <= 0.02: "
        f"{'met' if se <= 0.02 else 'NOT met'}); {res['simulated_patients']} simulated patients "
        f"(each under both arms), {res['simulated_trials']} simulated trials per n"
    )
    print(
        f"anagen CPU time (process + Dask workers): {cpu_new:.1f} s; with the 2 cores to itself "
        f"the wall-clock is at least CPU / 2 = {cpu_new / 2:.1f} s (load-independent bound; "
        "start-up is serial)"
    )
    print(
        f"baseline (whole scalp, 6,000 follicles, random area per visit): {per_base * 1e3:.1f} ms "
        f"per patient-arm, warm, 1 process"
    )
    print(
        f"baseline extrapolated to the same precision: {base_patients} patient-arms "
        f"(400 trials x 2 arms x {batch}) on 2 workers = {t_base:.0f} s"
    )
    print(
        f"ratio baseline / anagen: {t_base / t_new:.1f}x end to end (extrapolated baseline); "
        f"per simulated patient {per_base / (per_new / 2):.1f}x (anagen's per-patient cost "
        "includes both arms, start-up and analysis)"
    )
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    assert math.isfinite(t_new)


if __name__ == "__main__":
    main()
