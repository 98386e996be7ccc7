"""Benchmark of ``anagen assess`` on the bundled example patient against the 5 s target.

Run: ``python benchmarks/bench_assess.py`` (or ``python benchmarks/run.py assess``).

* **cold, end to end**: a fresh Python process runs ``anagen assess --example --format json``
  (every import, loading the Numba kernels from their on-disk cache, the evidence summary, all
  simulations, the JSON output). This is what a user waits for; it is compared with the target.
* **anagen (warm)**: ``assess_patient(example)`` in this process after one warm-up call: 7
  shipped stem-cell protocols + 6 alternatives + no treatment, ``n_draws`` = 30 joint parameter
  draws, whole-scalp stochastic runs of 8,000 follicles over 48 months, one untreated run per
  draw shared by all options (common random numbers), draws split over 2 worker processes with
  the evidence summary computed alongside them.
* **anagen, 1 process**: the same with ``workers=1`` (no parallelism: the gain of the design alone).
* **baseline (warm)**: the naive way with the therapy API, in the same process and run: each
  option on its own with ``simulate_treatment(option, patient, years=4, draws=30,
  n_follicles=8_000)`` (its own scalp, its own untreated twin, serial), then
  ``summarise_evidence()``. About the same number of whole-scalp runs (13 x 32 vs 30 x 14).

Printed: each time, the ratio baseline / anagen, and the absolute times against the 5 s target.
The machine may be shared: the load average at the start is printed with the results.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

from _fresh import fresh_env

TARGET_S = 5.0
N_DRAWS = 30
N_FOLLICLES = 8_000


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def cold_end_to_end() -> tuple[float, float]:
    code = (
        "import sys; from anagen.cli import main; "
        "sys.exit(main(['assess', '--example', '--format', 'json']))"
    )
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL, env=fresh_env()
    )
    return time.perf_counter() - t0, _cpu() - c0


def anagen_warm(patient, workers: int | None = None) -> tuple[float, float, dict]:
    from anagen.cli._assessment import default_workers, run_assessment

    c0, t0 = _cpu(), time.perf_counter()
    a = run_assessment(
        patient, workers=workers or default_workers(), n_draws=N_DRAWS, n_follicles=N_FOLLICLES
    )
    return time.perf_counter() - t0, _cpu() - c0, getattr(a, "timings_s", {})


def baseline_warm(patient) -> tuple[float, float]:
    from anagen.evidence import summarise_evidence
    from anagen.therapy import (
        CellTherapy,
        load_protocol,
        protocol_paths,
        simulate_treatment,
        standard_options,
    )

    c0, t0 = _cpu(), time.perf_counter()
    options = [o for o in standard_options() if o.key != "none"]
    options += [CellTherapy(load_protocol(p)) for p in protocol_paths().values()]
    for tr in options:
        simulate_treatment(
            tr, patient, years=4.0, seed=0, n_follicles=N_FOLLICLES, every=30.4375, draws=N_DRAWS
        )
    summarise_evidence()
    return time.perf_counter() - t0, _cpu() - c0


def main() -> None:
    from anagen.decision import assess_patient
    from anagen.therapy import Patient

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average (1 min) at start: {load:.2f}")
    cold, cold_cpu = cold_end_to_end()
    patient = Patient.example()
    assess_patient(patient, n_draws=5, n_follicles=2_000, with_evidence=True)  # warm-up
    base, base_cpu = baseline_warm(patient)
    warm, warm_cpu, parts = anagen_warm(patient)
    serial, serial_cpu, _ = anagen_warm(patient, workers=1)
    print(f"example patient, 14 options, {N_DRAWS} draws, {N_FOLLICLES:,} follicles, 48 months")
    print(
        f"  cold end to end (fresh process, CLI, JSON): {cold:6.2f} s wall, {cold_cpu:6.2f} s CPU"
    )
    print(
        f"  anagen warm (assess_patient):               {warm:6.2f} s wall, {warm_cpu:6.2f} s CPU "
        "(" + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()) + ")"
    )
    print(
        f"  anagen warm, 1 process (workers=1):         {serial:6.2f} s wall, "
        f"{serial_cpu:6.2f} s CPU"
    )
    print(
        f"  baseline warm (per option, serial):         {base:6.2f} s wall, {base_cpu:6.2f} s CPU"
    )
    print(f"  ratio baseline / anagen 1 process: {base / serial:.2f}x wall")
    print(
        f"  ratio baseline / anagen (warm): {base / warm:.2f}x wall, {base_cpu / warm_cpu:.2f}x CPU"
    )
    for name, t in (("cold end to end", cold), ("warm", warm)):
        verdict = "within" if t < TARGET_S else "OVER"
        print(f"  {name}: {t:.2f} s wall vs target {TARGET_S:.0f} s -> {verdict} target")
    print("  (wall times depend on other load; on 2 idle cores the wall time is at least CPU / 2)")


if __name__ == "__main__":
    main()
