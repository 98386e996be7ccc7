"""Benchmark: 10,000 simulated meta-analyses (k = 20) pooled by anagen vs PyMARE and statsmodels.

Run: ``python benchmarks/bench_pool.py`` (or ``python benchmarks/run.py pool``); options
``--n 10000 --k 20 --seed 20261124 --repeat 5``.

* REML: :func:`anagen.evidence.pool_many` (all analyses at once) vs PyMARE's
  ``VarianceBasedLikelihoodEstimator(method="REML")`` fitted to all analyses as parallel
  datasets (one call) and, for reference, PyMARE fitted one analysis at a time (timed on a
  subset, extrapolated per analysis).
* DL and PM: anagen vs statsmodels ``combine_effects(method_re="chi2" | "iterated")``, which
  pools one analysis per call (timed on a subset, extrapolated per analysis).

The same simulated data go to every package and the answers are compared (max |difference|
of the pooled estimate and of tau²). Timings are the best of ``--repeat`` runs of wall time.
anagen's REML is metafor's Fisher scoring converged exactly (with fallbacks where it
oscillates); analyses it could not estimate would be excluded from the comparison and counted
(none is, on these data).

anagen's Fisher scoring and per-analysis sums are Numba kernels that compute many analyses
side by side in SIMD lanes and split the batch among threads (as many as CPUs, capped by
``NUMBA_NUM_THREADS``); results are the same bits on any number of threads. The batch REML is
also timed on one thread, and both ratios are printed. The kernels are compiled (or loaded
from Numba's on-disk cache) on first use, once per process. That first call is made and
reported before any timing, so the timings exclude compile time.

What "same outputs as PyMARE" means: PyMARE's ``fit`` returns the pooled estimate, tau², the
covariance of the estimate (its SE²) and degrees of freedom per analysis; the timed anagen
call (``pool_many(..., tau2_ci=False)``) returns those and more (z, p, CI, Q and its p, I²,
H², prediction interval, study weights, per-analysis status), all computed eagerly.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from anagen.evidence import _pool_kernels, _pool_lanes, _row_threads, pool_many


def simulate(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardised mean differences of two-arm trials with 10-100 patients per arm.

    True effects are N(0.3, tau2) with tau2 drawn per analysis from {0, 0.02, 0.05, 0.1};
    sampling variances are the large-sample SMD variance ``2/m + d^2/(4m)`` for ``m`` per arm.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    per_arm = rng.integers(10, 101, size=(n, k)).astype(np.float64)
    tau2 = rng.choice([0.0, 0.02, 0.05, 0.1], size=n)
    theta = rng.normal(0.3, np.sqrt(tau2)[:, None], size=(n, k))
    vi = 2.0 / per_arm + theta**2 / (4.0 * per_arm)
    yi = rng.normal(theta, np.sqrt(vi))
    return yi, vi, tau2


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of meta-analyses")
    ap.add_argument("--k", type=int, default=20, help="studies per meta-analysis")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--repeat", type=int, default=5, help="timing repeats (best is reported)")
    ap.add_argument("--loop-subset", type=int, default=300, help="analyses timed in loops")
    # benchmarks/run.py passes benchmark names on the command line: ignore what isn't ours
    args, _ = ap.parse_known_args(argv)

    import pymare
    import statsmodels
    from pymare.estimators import VarianceBasedLikelihoodEstimator
    from statsmodels.stats.meta_analysis import combine_effects

    n, k = args.n, args.k
    yi, vi, _ = simulate(n, k, args.seed)
    sub = min(args.loop_subset, n)
    X = np.ones((k, 1))
    print(f"{n} meta-analyses x k={k} studies (seed {args.seed}); best of {args.repeat} runs")
    print(f"numpy {np.__version__}, PyMARE {pymare.__version__}, statsmodels "
          f"{statsmodels.__version__}")  # fmt: skip
    rows: list[tuple[str, float, str]] = []

    # JIT warm-up: the first call compiles the Numba kernels or loads them from the cache
    t0 = time.perf_counter()
    for method in ("REML", "PM"):  # every kernel timed below (CIs included)
        pool_many(yi[:2], vi[:2], method, errors="nan")
    t_jit = time.perf_counter() - t0
    kernels = (_pool_lanes.fisher_rows, _pool_lanes.summary_rows, _pool_kernels.q_profile_rows)
    compiled = sum(sum(f.stats.cache_misses.values()) for f in kernels)
    how = "compiled" if compiled else "loaded from Numba's on-disk cache"
    print(f"first call (Numba kernels {how}, once per process): {t_jit:.2f} s; "
          "excluded from the timings below")  # fmt: skip

    # ---- REML ------------------------------------------------------------------------------
    t_ana, res = best_time(
        lambda: pool_many(yi, vi, "REML", tau2_ci=False, errors="nan"), args.repeat
    )
    t_full, _ = best_time(lambda: pool_many(yi, vi, "REML", errors="nan"), args.repeat)
    threads = _row_threads.default_threads()
    t_one, res_one = best_time(
        lambda: pool_many(yi, vi, "REML", tau2_ci=False, errors="nan", threads=1), args.repeat
    )
    same_bits = all(
        np.array_equal(getattr(res, f), getattr(res_one, f), equal_nan=True)
        for f in ("estimate", "se", "tau2", "i2", "q_p", "pi_low", "weights")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cpu0 = time.process_time()
        t_pym, est = best_time(
            lambda: VarianceBasedLikelihoodEstimator(method="REML").fit(yi.T, vi.T, X),
            args.repeat,
        )
        cpu_pym = (time.process_time() - cpu0) / args.repeat  # CPU per fit: cores it used

        def pym_loop() -> list[tuple[float, float]]:
            out = []
            for i in range(sub):
                e = VarianceBasedLikelihoodEstimator(method="REML").fit(
                    yi[i][:, None], vi[i][:, None], X
                )
                out.append((float(e.params_["fe_params"][0, 0]), float(e.params_["tau2"][0, 0])))
            return out

        t_loop, loop = best_time(pym_loop, 1)
    # ---- single fits: one pool() call per analysis, every field (CIs of tau2, I2, H2 too) -----
    from anagen.evidence import pool

    def single_loop() -> list[Any]:
        return [pool(yi[i], vi[i], "REML") for i in range(sub)]

    t_single, singles = best_time(single_loop, args.repeat)
    status, counts = np.unique(res.status.astype(str), return_counts=True)
    ok = res.converged
    pym_est = np.asarray(est.params_["fe_params"]).ravel()
    pym_tau2 = np.asarray(est.params_["tau2"]).ravel()
    d_est = np.max(np.abs(pym_est[ok] - res.estimate[ok]))
    d_tau2 = np.max(np.abs(pym_tau2[ok] - res.tau2[ok]))
    loop_arr = np.array(loop)
    okl = ok[:sub]
    d_loop = np.max(np.abs(loop_arr[okl, 1] - res.tau2[:sub][okl]))
    print("\nREML status of the " + str(n) + " analyses (exact default): "
          + ", ".join(f"{c} {s}" for s, c in zip(status, counts, strict=True)))  # fmt: skip
    d_single = max(abs(r.tau2 - res.tau2[i]) for i, r in enumerate(singles))
    print(f"  pool() one at a time equals pool_many(): max |tau2 diff| {d_single:.1e}")
    print(f"  PyMARE's parallel-dataset fit: {cpu_pym:.3f} s of CPU per fit against a best wall "
          f"time of {t_pym:.3f} s (about {cpu_pym / t_pym:.1f} core(s))")  # fmt: skip
    print(f"  pool_many() on {threads} thread(s) and on 1 thread: "
          + ("the same bits" if same_bits else "DIFFERENT RESULTS"))  # fmt: skip
    print(
        f"  answers: max |estimate diff| {d_est:.2e}, max |tau2 diff| {d_tau2:.2e} "
        f"(PyMARE parallel); max |tau2 diff| {d_loop:.2e} (PyMARE one at a time)"
    )
    rows += [
        ("anagen pool_many REML (estimates, SEs, Q, I2, PI)", t_ana, f"{threads} thread(s)"),
        ("anagen pool_many REML, same, on 1 thread", t_one, ""),
        ("anagen pool_many REML + Q-profile CIs of tau2/I2/H2", t_full, ""),
        ("PyMARE REML, all analyses as parallel datasets", t_pym, ""),
        ("PyMARE REML, one analysis per fit", t_loop / sub * n, f"extrapolated from {sub}"),
    ]
    rows.append(("anagen pool() one analysis per call, every field", t_single / sub * n,
                 f"extrapolated from {sub}"))  # fmt: skip
    ratio_pym = t_pym / t_ana
    ratio_pym_one = t_pym / t_one
    ratio_pym_ci = t_pym / t_full
    ratio_loop = t_loop / sub * n / t_ana
    ratio_single = t_loop / t_single

    # ---- DL and PM vs statsmodels ------------------------------------------------------------
    for method, sm_name in (("DL", "chi2"), ("PM", "iterated")):
        t_a, r = best_time(
            lambda m=method: pool_many(yi, vi, m, tau2_ci=False, errors="nan"), args.repeat
        )

        def sm_loop(name: str = sm_name) -> np.ndarray:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = np.empty((sub, 2))
                for i in range(sub):
                    c = combine_effects(yi[i], vi[i], method_re=name)
                    out[i] = c.mean_effect_re, c.tau2
                return out

        t_s, sm = best_time(sm_loop, 1)
        # statsmodels' "chi2" (DL) does not truncate tau2 at 0 (nor its weights); compare
        # the analyses where its tau2 is >= 0 and count the others
        same = sm[:, 1] >= 0.0
        de = np.max(np.abs(sm[same, 0] - r.estimate[:sub][same]))
        dt = np.max(np.abs(sm[same, 1] - r.tau2[:sub][same]))
        print(f"{method}: vs statsmodels combine_effects(method_re='{sm_name}') on {sub} "
              f"analyses: max |estimate diff| {de:.2e}, max |tau2 diff| {dt:.2e}"
              + (f" ({int((~same).sum())} analyses excluded: statsmodels reports tau2 < 0)"
                 if (~same).any() else ""))  # fmt: skip
        rows += [
            (f"anagen pool_many {method}", t_a, ""),
            (f"statsmodels combine_effects {sm_name}", t_s / sub * n, f"extrapolated from {sub}"),
        ]

    print(f"\n{'time for all ' + str(n) + ' analyses':<58} {'seconds':>9}")
    for name, t, note in rows:
        print(f"  {name:<56} {t:9.4f}  {note}")
    import os

    print(f"\nload average during the run: {os.getloadavg()} on {os.cpu_count()} cores "
          "(other jobs share the machine)")  # fmt: skip
    print(f"RATIO pool: single fit, every field, vs PyMARE single fit: {ratio_single:.1f}x "
          "(target >= 10x)")  # fmt: skip
    print(f"RATIO pool: batch REML vs PyMARE parallel datasets (same outputs): {ratio_pym:.1f}x "
          f"on {threads} thread(s) (target >= 10x; JIT compile time excluded)")  # fmt: skip
    print(f"RATIO pool: batch REML on 1 thread vs PyMARE parallel datasets: {ratio_pym_one:.1f}x")
    print(f"RATIO pool: batch REML with tau2/I2/H2 CIs vs PyMARE parallel: {ratio_pym_ci:.1f}x "
          "(target >= 2x)")  # fmt: skip
    print(f"REML speed-up of anagen batch over PyMARE one analysis per fit: {ratio_loop:.0f}x")


if __name__ == "__main__":
    main()
