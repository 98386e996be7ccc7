"""Virtual trials on the simulated scalp: the distribution of the estimated effect, power and
sample size, run as Dask tasks.

A virtual patient is a person drawn from the trial's population (age, sex, stage), given a
day-0 scalp by :func:`anagen.scalp.initial_scalp` and followed for the trial's follow-up with
:func:`anagen.scalp.simulate` under their arm's modulation (``treatment.modulation``). The
outcome is read like a trial reads it: a 1 cm² phototrichogram of the target zone at baseline
and at follow-up (:func:`anagen.scalp.phototrichogram.phototrichogram`, with its cited reading
error, CV 6.3 % [S62]); terminal hairs/cm² change or percent change.

* **parallel**: each patient is in one arm; difference of the arm means, Welch's t-test.
* **split-scalp**: each patient gets both arms, one per half of the scalp: the same day-0 scalp,
  two modulations, two independent runs and two target areas; mean of the within-patient
  differences, paired t-test.

Treatment parameters: ``per_patient`` draws the treatment's priors once per patient (effects
vary between patients over the prior), ``per_trial`` once per simulated trial (the spread of the
estimate then includes the uncertainty about the effect itself, and "power" is the probability of
a significant trial over the prior, i.e. assurance), ``median`` uses the prior medians.

Seeds: ``SeedSequence(seed).spawn(trials)`` gives one seed per simulated trial; inside a
trial every patient's seed is addressed by (arm, index), so patient *i* of a trial is the same
person whatever the sample size (common random numbers for the power curve) and whatever the
scheduling. Effect sizes are **model-based** (uncalibrated priors).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from anagen.decision._trial_file import TrialSpec
from anagen.errors import InputError

__all__ = [
    "PowerCurve",
    "TrialResult",
    "paired_test",
    "power_curve",
    "run_patients",
    "sample_size",
    "simulate_trials",
    "welch_test",
]

MODEL_NOTE = (
    "Effect sizes are model-based: the scalp model with the treatments' uncalibrated priors "
    "(not fitted to trials). A virtual trial shows what the model implies, not what a real "
    "trial would find."
)

POSTERIOR_NOTE = (
    "Effect sizes are model-based: the scalp model with posterior draws of the treatments' "
    "parameters calibrated to the curated trials (anagen.decision.load_posterior). A virtual "
    "trial shows what the calibrated model implies, not what a real trial would find."
)

Advance = Callable[[int], None]


def _note(spec: TrialSpec) -> str:
    return POSTERIOR_NOTE if spec.source == "posterior" else MODEL_NOTE


@lru_cache(maxsize=1)
def _posterior():
    """The shipped calibrated posterior (loaded once per process)."""
    from anagen.decision._calibrate import load_posterior

    return load_posterior()


# --- the arms ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _treatment(name: str):
    """The :class:`anagen.therapy.Treatment` of an arm's ``treatment`` string (cached per process)."""
    from anagen.therapy import (
        PRP,
        CellTherapy,
        Finasteride,
        LowLevelLaser,
        Minoxidil,
        NoTreatment,
        load_protocol,
        protocol_paths,
    )

    fixed = {
        "placebo": NoTreatment,
        "none": NoTreatment,
        "minoxidil_2": lambda: Minoxidil(strength_percent=2.0),
        "minoxidil_5": lambda: Minoxidil(strength_percent=5.0),
        "finasteride_1mg": Finasteride,
        "prp": PRP,
        "lllt": LowLevelLaser,
    }
    if name in fixed:
        return fixed[name]()
    shipped = protocol_paths()
    path = shipped.get(name, name)
    # Trials measure inside the injected area (a target site in the treated patch).
    return CellTherapy(load_protocol(path), injected_area=True)


@lru_cache(maxsize=1)
def _params():
    """The scalp model's default parameters (parsed once per process)."""
    from anagen.scalp import default_params

    return default_params()


@lru_cache(maxsize=64)
def _stage_years(sex: str, model_stage: str) -> float:
    """Years of pattern loss after which the model's reference scalp is in ``model_stage``."""
    from anagen.scalp import stages_for
    from anagen.scalp.staging import stage_clock_years

    if model_stage == stages_for(sex)[0]:
        return 0.0
    return float(stage_clock_years(_params(), sex, model_stage))


def _population_patient(spec: TrialSpec, rng: np.random.Generator):
    """One person of the trial's population: (Patient, scalp-model stage)."""
    from anagen.therapy import Patient
    from anagen.therapy.simulate import scalp_stage_of

    male = rng.random() < spec.male_fraction
    sex = "M" if male else "F"
    stages = spec.stages_male if male else spec.stages_female
    stage = stages[int(rng.integers(len(stages)))]
    age = float(rng.uniform(*spec.age))
    if spec.years_since_onset is not None:
        yso = min(float(rng.uniform(*spec.years_since_onset)), age)
    else:
        yso = None
    info = {"age": age, "sex": sex, "stage": stage, "years_since_onset": 0.0}
    pat = Patient.from_dict({"patient": info})
    model_stage = scalp_stage_of(pat)
    if yso is None:  # the scalp model's own years of pattern loss for this stage
        yso = min(_stage_years(sex, model_stage), age)
    info["years_since_onset"] = yso
    return Patient.from_dict({"patient": info}), model_stage


def _patient_seed(trial_ss: np.random.SeedSequence, arm: int, i: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(trial_ss.entropy, spawn_key=(*trial_ss.spawn_key, 1, arm, i))


def _trial_param_seed(trial_ss: np.random.SeedSequence, arm: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(trial_ss.entropy, spawn_key=(*trial_ss.spawn_key, 2, arm))


def _reading(traj, params, zone: str, index: int, seed) -> float:
    from anagen.scalp.phototrichogram import phototrichogram

    return phototrichogram(traj, params, zone=zone, index=index, seed=seed).terminal_hairs


def _outcome(base: float, follow: float, measure: str) -> float:
    if measure == "change":
        return follow - base
    return 100.0 * (follow - base) / base if base > 0 else math.nan


def _modulation(spec: TrialSpec, arm: int, patient, rng_ss, trial_ss):
    t = _treatment(spec.arms[arm].treatment)
    if spec.parameters == "median":
        rng = None
    elif spec.parameters == "per_trial":
        rng = np.random.default_rng(_trial_param_seed(trial_ss, arm))
    else:
        rng = np.random.default_rng(rng_ss)
    if spec.source == "posterior" and rng is not None:
        return _posterior().sample(rng).modulation(t, spec.horizon_days, patient)
    return t.modulation(spec.horizon_days, patient, rng)


def run_patients(
    spec: TrialSpec, trial_ss: np.random.SeedSequence, arm: int, lo: int, hi: int
) -> np.ndarray:
    """Outcomes of patients ``lo..hi-1`` of one simulated trial.

    Parallel design: patients of ``arm``, shape ``(hi - lo,)``. Split-scalp design (``arm`` is
    ignored): shape ``(2, hi - lo)``, the outcome on the half treated by each arm.
    """
    from anagen.scalp import initial_scalp, simulate

    params = _params()
    days = spec.horizon_days
    arms = (0, 1) if spec.design == "split-scalp" else (arm,)
    out = np.empty((len(arms), hi - lo))
    for k, i in enumerate(range(lo, hi)):
        ss = _patient_seed(trial_ss, 0 if spec.design == "split-scalp" else arm, i)
        s_pop, s_scalp, s_par, *s_half = ss.spawn(3 + 2 * len(arms))
        patient, model_stage = _population_patient(spec, np.random.default_rng(s_pop))
        state = initial_scalp(
            params,
            age=patient.age,
            sex=patient.sex,
            stage=model_stage,
            n_follicles=spec.follicles,
            seed=s_scalp,
        )
        par_seeds = s_par.spawn(len(arms))
        for j, a in enumerate(arms):
            mod = _modulation(spec, a, patient, par_seeds[j], trial_ss)
            s_sim, s_read = s_half[2 * j], s_half[2 * j + 1]
            traj = simulate(params, state, days=days, every=days, seed=s_sim, modulation=mod)
            r0, r1 = s_read.spawn(2)
            base = _reading(traj, params, spec.zone, 0, r0)
            follow = _reading(traj, params, spec.zone, -1, r1)
            out[j, k] = _outcome(base, follow, spec.measure)
    return out if spec.design == "split-scalp" else out[0]


# --- tests (vectorised over simulated trials, NaN-aware) ----------------------------------------


def welch_test(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Difference of means ``x - y`` and two-sided Welch t-test p-value, along the last axis."""
    nx = np.sum(np.isfinite(x), axis=-1)
    ny = np.sum(np.isfinite(y), axis=-1)
    mx, my = np.nanmean(x, axis=-1), np.nanmean(y, axis=-1)
    vx, vy = np.nanvar(x, axis=-1, ddof=1), np.nanvar(y, axis=-1, ddof=1)
    se2 = vx / nx + vy / ny
    d = mx - my
    with np.errstate(divide="ignore", invalid="ignore"):
        t = d / np.sqrt(se2)
        df = se2**2 / ((vx / nx) ** 2 / (nx - 1) + (vy / ny) ** 2 / (ny - 1))
        p = 2.0 * stats.t.sf(np.abs(t), df)
    p = np.where(se2 > 0, p, np.where(d == 0, 1.0, 0.0))
    return d, p


def paired_test(dx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of within-patient differences and two-sided paired t-test p-value (last axis)."""
    n = np.sum(np.isfinite(dx), axis=-1)
    m = np.nanmean(dx, axis=-1)
    v = np.nanvar(dx, axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = m / np.sqrt(v / n)
        p = 2.0 * stats.t.sf(np.abs(t), n - 1)
    p = np.where(v > 0, p, np.where(m == 0, 1.0, 0.0))
    return m, p


def _analyse(spec: TrialSpec, a0: np.ndarray, a1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if spec.design == "split-scalp":
        return paired_test(a0 - a1)
    return welch_test(a0, a1)


# --- running on Dask -----------------------------------------------------------------------------


@dataclass
class _Store:
    """Per-trial patient outcomes computed so far, ``(trials, 2, n)`` (NaN = not yet run)."""

    spec: TrialSpec
    a: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.a = np.empty((self.spec.trials, 2, 0))

    @property
    def n(self) -> int:
        return self.a.shape[2]


def _task(spec: TrialSpec, t: int, trial_ss, lo: int, hi: int) -> tuple[int, np.ndarray]:
    if spec.design == "split-scalp":
        return t, run_patients(spec, trial_ss, 0, lo, hi)
    return t, np.stack([run_patients(spec, trial_ss, a, lo, hi) for a in (0, 1)])


def _extend(store: _Store, n_new: int, runner: _Runner, advance: Advance | None) -> None:
    """Run patients ``store.n .. n_new - 1`` of every simulated trial (both arms)."""
    lo = store.n
    if n_new <= lo:
        return
    seeds = np.random.SeedSequence(store.spec.seed).spawn(store.spec.trials)
    out = np.empty((store.spec.trials, 2, n_new - lo))
    jobs = [(store.spec, t, seeds[t], lo, n_new) for t in range(store.spec.trials)]
    for t, arr in runner.run(jobs, advance):
        out[t] = arr
    store.a = np.concatenate([store.a, out], axis=2)


class _Runner:
    """Runs trial tasks synchronously, on a local cluster, or on an existing scheduler."""

    def __init__(self, scheduler: str = "local", n_workers: int | None = None) -> None:
        self.scheduler = scheduler
        self.n_workers = n_workers
        self._cluster = None
        self._client = None

    def __enter__(self) -> _Runner:
        if self.scheduler == "synchronous":
            return self
        import logging

        from distributed import Client, LocalCluster

        for name in ("distributed", "distributed.worker", "distributed.scheduler"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        if self.scheduler == "local":
            import os

            n = self.n_workers or max(1, min(2, os.cpu_count() or 1))
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.CRITICAL,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout="3s")
            except Exception as exc:  # a service that is not Dask fails in many ways
                # (malformed frames, absurd allocation sizes, timeouts); all mean "not a scheduler"
                raise InputError(
                    field="--scheduler",
                    allowed="local, synchronous, or the address of a running Dask scheduler",
                    got=f"{self.scheduler} ({exc.__class__.__name__})",
                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def run(self, jobs: Sequence[tuple], advance: Advance | None) -> Iterable[tuple[int, Any]]:
        if self._client is None:
            for job in jobs:
                res = _task(*job)
                if advance is not None:
                    advance(1)
                yield res
            return
        from distributed import as_completed

        futures = [self._client.submit(_task, *job, pure=False) for job in jobs]
        for fut in as_completed(futures):
            res = fut.result()
            if advance is not None:
                advance(1)
            yield res


def _runner(scheduler: str | _Runner) -> _Runner:
    if isinstance(scheduler, _Runner):
        return scheduler
    if not isinstance(scheduler, str) or not scheduler:
        raise InputError(
            field="scheduler", allowed="local, synchronous or a scheduler address", got=scheduler
        )
    return _Runner(scheduler)


# --- results -------------------------------------------------------------------------------------


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson interval of a binomial proportion."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, c - h), min(1.0, c + h)


@dataclass(frozen=True)
class TrialResult:
    """Simulated trials of one design: the estimated effect of each, its p-value, and power."""

    spec: TrialSpec
    n_per_arm: int
    estimates: np.ndarray  # (trials,) arms[0] - arms[1], outcome units
    p_values: np.ndarray
    arm_means: np.ndarray  # (trials, 2)
    unit: str
    note: str = MODEL_NOTE

    @property
    def significant(self) -> np.ndarray:
        return self.p_values < self.spec.alpha

    @property
    def power(self) -> float:
        """Share of simulated trials with p < alpha (two-sided)."""
        return float(np.mean(self.significant))

    @property
    def power_ci(self) -> tuple[float, float]:
        return _wilson(int(np.sum(self.significant)), len(self.p_values))

    @property
    def significant_benefit(self) -> float:
        """Share of simulated trials significant in favour of arms[0]."""
        return float(np.mean(self.significant & (self.estimates > 0)))

    def summary(self) -> dict[str, Any]:
        e = self.estimates[np.isfinite(self.estimates)]
        q = np.quantile(e, [0.05, 0.25, 0.5, 0.75, 0.95]) if e.size else [math.nan] * 5
        lo, hi = self.power_ci
        return {
            "trial": self.spec.name,
            "design": self.spec.design,
            "arms": [a.name for a in self.spec.arms],
            "n_per_arm": self.n_per_arm,
            "simulated_trials": len(self.estimates),
            "outcome": f"{self.unit}, {self.spec.zone}, {self.spec.follow_up_weeks:g} weeks",
            "parameters": self.spec.parameters,
            "source": self.spec.source,
            "alpha": self.spec.alpha,
            "mean_estimate": float(np.mean(e)) if e.size else math.nan,
            "sd_estimate": float(np.std(e, ddof=1)) if e.size > 1 else math.nan,
            "quantiles_estimate": dict(
                zip(("p05", "p25", "p50", "p75", "p95"), [float(x) for x in q], strict=True)
            ),
            "mean_arm_outcome": [float(x) for x in np.nanmean(self.arm_means, axis=0)],
            "power": self.power,
            "power_ci95": [lo, hi],
            "significant_benefit": self.significant_benefit,
            "note": self.note,
        }

    def to_dict(self) -> dict[str, Any]:
        return self.summary() | {
            "seed": self.spec.seed,
            "estimates": self.estimates,
            "p_values": self.p_values,
        }


@dataclass(frozen=True)
class PowerCurve:
    """Power against the number of patients per arm (common random numbers across n)."""

    spec: TrialSpec
    n: np.ndarray
    power: np.ndarray
    mean_estimate: np.ndarray
    target: float
    sample_size: int | None  # smallest n per arm with power >= target, None if not reached
    max_n: int
    note: str = MODEL_NOTE

    @property
    def sample_size_stable(self) -> int | None:
        """Smallest n from which the power stays >= target up to the largest n evaluated (the
        first crossing can be followed by Monte-Carlo dips below the target)."""
        ok = np.asarray(self.power) >= self.target
        if not ok.size or not ok[-1]:
            return None
        bad = np.flatnonzero(~ok)
        return int(self.n[bad[-1] + 1]) if bad.size else int(self.n[0])

    @property
    def power_se(self) -> np.ndarray:
        """Monte-Carlo standard error of each power estimate, sqrt(p(1 - p) / trials)."""
        p = np.asarray(self.power, dtype=float)
        return np.sqrt(p * (1 - p) / self.spec.trials)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.spec.name,
            "design": self.spec.design,
            "simulated_trials": self.spec.trials,
            "alpha": self.spec.alpha,
            "parameters": self.spec.parameters,
            "source": self.spec.source,
            "target": self.target,
            "sample_size_per_arm": self.sample_size,
            "sample_size_stable_per_arm": self.sample_size_stable,
            "max_n": self.max_n,
            "curve": [
                {
                    "n_per_arm": int(n),
                    "power": float(p),
                    "power_se": float(se),
                    "mean_estimate": float(m),
                }
                for n, p, se, m in zip(
                    self.n, self.power, self.power_se, self.mean_estimate, strict=True
                )
            ],
            "note": self.note,
        }


def _unit(spec: TrialSpec) -> str:
    return "terminal hairs/cm2 change" if spec.measure == "change" else "% change terminal hairs"


def _result(spec: TrialSpec, a: np.ndarray, n: int) -> TrialResult:
    a0, a1 = a[:, 0, :n], a[:, 1, :n]
    est, p = _analyse(spec, a0, a1)
    means = np.stack([np.nanmean(a0, axis=1), np.nanmean(a1, axis=1)], axis=1)
    return TrialResult(spec, n, est, p, means, _unit(spec), note=_note(spec))


# --- public API ----------------------------------------------------------------------------------


def _overridden(spec: TrialSpec, trials: int | None, seed: int | None) -> TrialSpec:
    """``spec`` with the number of simulated trials and the seed replaced where given."""
    changes: dict[str, Any] = {}
    if trials is not None:
        changes["trials"] = trials
    if seed is not None:
        changes["seed"] = seed
    return spec.with_(**changes)


def simulate_trials(
    spec: TrialSpec,
    *,
    trials: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    advance: Advance | None = None,
) -> TrialResult:
    """Run ``trials`` virtual trials of ``spec`` (default: the file's) and analyse each.

    ``scheduler``: ``"local"`` (a small :class:`distributed.LocalCluster`, closed afterwards),
    ``"synchronous"`` (in this process) or the address of a running Dask scheduler. The same
    seed gives the same result whatever the scheduler. ``advance(1)`` is called per trial.
    """
    spec = _overridden(spec, trials, seed)
    n = spec.arms[0].n
    n1 = spec.arms[1].n
    store = _Store(spec)
    with _runner(scheduler) as runner:
        _extend(store, max(n, n1), runner, advance)
    a = store.a.copy()
    if spec.design == "parallel" and n != n1:  # unequal arms: keep each arm's own size
        a[:, 0, n:] = np.nan
        a[:, 1, n1:] = np.nan
    return _result(spec, a, max(n, n1)) if n != n1 else _result(spec, a, n)


def power_curve(
    spec: TrialSpec,
    n_values: Sequence[int],
    *,
    trials: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    advance: Advance | None = None,
) -> PowerCurve:
    """Power at each ``n`` per arm (equal arms), from one set of simulated patients: patient *i*
    of trial *t* is the same person at every n (common random numbers)."""
    ns = sorted({int(x) for x in n_values})
    if not ns or ns[0] < 2:
        raise InputError(field="n", allowed="integers >= 2", got=ns[0] if ns else None)
    spec = _overridden(spec, trials, seed)
    store = _Store(spec)
    with _runner(scheduler) as runner:
        _extend(store, ns[-1], runner, advance)
    return _curve(spec, store, ns, target=math.nan, found=None, max_n=ns[-1])


def _curve(
    spec: TrialSpec, store: _Store, ns: Sequence[int], *, target: float, found, max_n: int
) -> PowerCurve:
    pw, me = [], []
    for n in ns:
        r = _result(spec.with_(n=n), store.a, n)
        pw.append(r.power)
        me.append(float(np.nanmean(r.estimates)))
    return PowerCurve(
        spec, np.array(ns), np.array(pw), np.array(me), target, found, max_n, note=_note(spec)
    )


def sample_size(
    spec: TrialSpec,
    target: float = 0.8,
    *,
    max_n: int = 200,
    start_n: int = 4,
    trials: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    advance: Advance | None = None,
) -> PowerCurve:
    """Smallest n per arm (equal arms) whose simulated power reaches ``target``.

    Patients are simulated in doubling batches (``start_n``, 2·``start_n``, … up to ``max_n``)
    until the power at the batch size reaches the target; then every n up to it is evaluated on
    the same patients (common random numbers) and the smallest n reaching the target is
    returned, with the power curve. ``sample_size`` is ``None`` when ``max_n`` is not enough.
    ``advance(1)`` is called per trial per batch.
    """
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
        raise InputError(field="--target", allowed="in (0, 1)", got=target)
    if isinstance(max_n, bool) or not isinstance(max_n, int) or not 2 <= max_n <= 100_000:
        raise InputError(field="--max-n", allowed="an integer in [2, 100000]", got=max_n)
    if isinstance(start_n, bool) or not isinstance(start_n, int) or start_n < 2:
        raise InputError(field="start_n", allowed="an integer >= 2", got=start_n)
    spec = _overridden(spec, trials, seed)
    store = _Store(spec)
    n = min(start_n, max_n)
    with _runner(scheduler) as runner:
        while True:
            _extend(store, n, runner, advance)
            if _result(spec.with_(n=n), store.a, n).power >= target or n >= max_n:
                break
            n = min(2 * n, max_n)
    ns = list(range(2, store.n + 1))
    curve = _curve(spec, store, ns, target=target, found=None, max_n=max_n)
    hit = np.flatnonzero(curve.power >= target)
    found = int(curve.n[hit[0]]) if hit.size else None
    return PowerCurve(
        spec, curve.n, curve.power, curve.mean_estimate, target, found, max_n, note=_note(spec)
    )
