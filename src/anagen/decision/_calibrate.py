"""Calibration: the regeneration and alternative-treatment parameters fitted to the curated
trials, the stored posterior, and leave-one-study-out validation.

Method (docs/calibration.md "Inference"):

* The parameters fall into independent **blocks** — the regeneration constants of each product
  family, minoxidil, finasteride and laser — each with its own priors (:mod:`anagen.therapy`)
  and its own studies. The likelihood factorises over blocks, so each block is fitted on its own.
* Likelihood: each reported effect is the simulated effect plus a between-study random effect
  (SD ``tau``, shared by the visits of one study) plus its sampling error
  (:func:`~anagen.decision._calibrate_infer.log_likelihood`). The simulation uses common random
  numbers, so the simulated effect is a deterministic function of the parameters.
* Sampler: two-stage population Monte Carlo (prior draws, then a Gaussian proposal fitted to
  them), deterministic-mixture importance weights; the stored posterior sample is the draws
  resampled by weight.
* Leave-one-study-out re-weights the same simulations without the held-out study's likelihood
  and predicts a new study like it (random effect and sampling error included). A block with one
  study gives the prior prediction.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from anagen.decision._calibrate_infer import (
    TAU_PRIOR,
    ess,
    log_likelihood,
    log_normal_pdf,
    normalise,
    stage2_proposal,
    systematic_resample,
    values_from_latent,
    weighted_quantile,
)
from anagen.decision._calibrate_trials import (
    BLOCKS,
    CAL_AREA_CM2,
    REGEN_BLOCKS,
    TrialSimulator,
    VirtualTrial,
    block_priors,
    curated_trials,
    family_of,
)
from anagen.errors import InputError
from anagen.therapy import (
    PRP,
    CellTherapy,
    Finasteride,
    LowLevelLaser,
    Minoxidil,
    RegenerationParams,
    Treatment,
    regenerate,
)
from anagen.therapy.treatments import _zone_mask, affected_zones

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BlockFit",
    "Calibration",
    "LosoTable",
    "Posterior",
    "PosteriorDraw",
    "calibrate",
    "leave_one_study_out",
    "load_posterior",
    "posterior_path",
    "trial_effects",
]

_DATA = Path(__file__).parent / "data"


def posterior_path() -> Path:
    """The shipped posterior (``anagen/decision/data/posterior.npz``; provenance beside it)."""
    return _DATA / "posterior.npz"


@dataclass(frozen=True)
class BlockFit:
    """All simulated draws of one block, their simulated effects and importance weights.

    Attributes
    ----------
    theta
        ``(n_draws, n_params)`` parameter draws (columns ``param_names``); the first
        ``n_prior`` are prior draws, the rest come from the stage-2 proposal.
    sims
        ``(n_draws, n_studies)`` simulated mean effects (columns ``study_ids``).
    tau
        ``(n_draws,)`` between-study SD of each draw (hairs/cm2).
    log_iw
        ``(n_draws,)`` log prior density over the log density of the mixture of proposals.
    reported, se, scale, groups
        Reported effect, its SE, the factor from hairs/cm2 to its scale, and the study it
        belongs to, per study row.
    quantile
        Share of the draws resampled (by weight) into the stored posterior sample.
    seed
        Seeds the resampling and the predictive draws.
    """

    name: str
    param_names: tuple[str, ...]
    study_ids: tuple[str, ...]
    theta: np.ndarray
    sims: np.ndarray
    tau: np.ndarray
    log_iw: np.ndarray
    reported: np.ndarray
    se: np.ndarray
    scale: np.ndarray
    groups: tuple[str, ...]
    quantile: float
    n_prior: int
    seed: int

    def _drop(self, drop: int | Sequence[int] | None) -> set[int]:
        return {int(drop)} if isinstance(drop, int | np.integer) else {int(j) for j in drop or ()}

    def log_weights(self, drop: int | Sequence[int] | None = None) -> np.ndarray:
        """Unnormalised log importance weight of each draw (the rows ``drop`` left out)."""
        ll = log_likelihood(
            self.sims, self.tau, self.reported, self.se, self.scale, self.groups, self._drop(drop)
        )
        return self.log_iw + ll

    def weights(self, drop: int | Sequence[int] | None = None) -> np.ndarray:
        """Normalised importance weights (the posterior without the rows ``drop``)."""
        return normalise(self.log_weights(drop))

    def ess(self, drop: int | Sequence[int] | None = None) -> float:
        """Effective sample size of the weights."""
        return ess(self.weights(drop))

    def accepted(self, drop: int | Sequence[int] | None = None) -> np.ndarray:
        """Indices of the posterior sample: ``quantile`` x draws resampled by weight (sorted,
        with repeats; the same ``seed`` gives the same sample)."""
        k = max(1, round(self.quantile * self.theta.shape[0]))
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 1]))
        return systematic_resample(self.weights(drop), k, rng)

    def predictive(self, j: int, seed: int = 0) -> np.ndarray:
        """Per draw, what a new study like row ``j`` would report: the simulated effect plus a
        new study's random effect and the row's sampling error."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 2, j, seed]))
        delta = rng.standard_normal(self.sims.shape[0])
        eps = rng.standard_normal(self.sims.shape[0])
        return self.sims[:, j] + self.scale[j] * self.tau * delta + self.se[j] * eps

    def draws(self) -> np.ndarray:
        """The posterior sample as a structured array (fields ``param_names``)."""
        dt = np.dtype([(n, "f8") for n in self.param_names])
        th = self.theta[self.accepted()]
        out = np.empty(th.shape[0], dtype=dt)
        for j, n in enumerate(self.param_names):
            out[n] = th[:, j]
        return out

    def summary(self) -> pd.DataFrame:
        """Prior vs posterior median and 90 % interval of each parameter and of ``tau``."""
        w = self.weights()
        pri = slice(0, self.n_prior)
        cols = [*((n, self.theta[:, j]) for j, n in enumerate(self.param_names))]
        cols.append(("tau", self.tau))
        rows = []
        for n, x in cols:
            pr = np.quantile(x[pri], [0.05, 0.5, 0.95])
            po = weighted_quantile(x, w, [0.05, 0.5, 0.95])
            rows.append(
                {
                    "block": self.name,
                    "parameter": n,
                    "prior_median": pr[1],
                    "prior_90": f"{pr[0]:.3g} to {pr[2]:.3g}",
                    "posterior_median": po[1],
                    "posterior_90": f"{po[0]:.3g} to {po[2]:.3g}",
                    "width_ratio": float((po[2] - po[0]) / (pr[2] - pr[0]))
                    if pr[2] > pr[0]
                    else np.nan,
                }
            )
        import pandas as pd

        return pd.DataFrame(rows)


@dataclass(frozen=True)
class PosteriorDraw:
    """One joint posterior draw: a value set per block (blocks are independent a posteriori)."""

    values: dict[str, dict[str, float]]

    def family(self, name: str) -> RegenerationParams:
        """Regeneration constants of a family (``cell_injection``, ``micrografts``,
        ``cell_free``, ``prp``); a posterior from before the per-product fit has one shared
        ``regeneration`` block, used for every family but PRP."""
        v = self.values.get(name)
        if v is None:
            v = self.values["regeneration"]
        return RegenerationParams(**v)

    def for_option(self, option: str) -> RegenerationParams:
        """Regeneration constants of a product option (``Protocol.product.option``)."""
        return self.family(family_of(option))

    @property
    def regeneration(self) -> RegenerationParams:
        """Regeneration constants of the cell injections (adipose/SVF/ADRC, bone marrow); use
        :meth:`for_option` for a given product (micrografts and cell-free products have their
        own)."""
        return self.family("cell_injection")

    @property
    def prp(self) -> RegenerationParams:
        """PRP's regeneration constants."""
        return RegenerationParams(**self.values["prp"])

    def modulation(self, treatment: Treatment, horizon_days: float, patient=None):
        """The treatment's :class:`~anagen.scalp.Modulation` with this draw's values instead of
        its priors (a cell product uses its family's constants; treatments without calibrated
        parameters — no treatment, transplant — use their prior medians)."""
        from anagen.decision._calibrate_trials import _with_values

        if isinstance(treatment, CellTherapy):
            run = treatment.run(patient)
            return run.modulation(
                horizon_days,
                self.for_option(treatment.option),
                injected_area=treatment.injected_area,
            )
        if isinstance(treatment, PRP):
            mask = _zone_mask(affected_zones(patient))
            return regenerate(
                treatment.session_days(horizon_days),
                mask,
                mask,
                self.prp,
                horizon_days=horizon_days,
            )
        for cls, block in (
            (Minoxidil, "minoxidil"),
            (Finasteride, "finasteride"),
            (LowLevelLaser, "lllt"),
        ):
            if isinstance(treatment, cls):
                return _with_values(treatment, self.values[block]).modulation(horizon_days, patient)
        return treatment.modulation(horizon_days, patient)


@dataclass(frozen=True)
class Posterior:
    """The calibrated posterior: every block's draws, simulations and provenance."""

    blocks: dict[str, BlockFit]
    trials: tuple[dict, ...]
    provenance: dict = field(default_factory=dict)

    @cached_property
    def draws(self) -> dict[str, np.ndarray]:
        """Accepted draws per block, as structured arrays (computed once)."""
        return {k: b.draws() for k, b in self.blocks.items()}

    def regeneration_draws(self, family: str = "cell_injection") -> list[RegenerationParams]:
        """Accepted regeneration constants of one family as parameter objects."""
        key = family if family in self.draws else "regeneration"
        return [
            RegenerationParams(**{n: float(r[n]) for n in r.dtype.names}) for r in self.draws[key]
        ]

    def groups(self) -> dict[str, str]:
        """Study row id -> the study it belongs to (the visits of one trial share a study)."""
        return {t["study_id"]: t.get("study", t["study_id"]) for t in self.trials}

    def family_evidence(self) -> dict[str, dict]:
        """Per regeneration family: the studies it was fitted on and whether its numbers come
        from data (``"data"``) or from the prior alone (``"prior"``) — for reports that compare
        products: a difference between two families is data-driven only if both are ``data``.
        """
        out = {}
        for fam in REGEN_BLOCKS:
            b = self.blocks.get(fam)
            groups = self.groups()
            ids = sorted({groups.get(s, s) for s in b.study_ids}) if b is not None else []
            out[fam] = {"studies": ids, "source": "data" if ids else "prior"}
        return out

    def sample(self, rng: np.random.Generator) -> PosteriorDraw:
        """One posterior draw (a random accepted draw of each block, independently)."""
        out = {}
        for k, d in self.draws.items():
            r = d[int(rng.integers(d.size))]
            out[k] = {n: float(r[n]) for n in d.dtype.names}
        return PosteriorDraw(out)

    def median(self) -> PosteriorDraw:
        """Posterior medians per parameter."""
        return PosteriorDraw(
            {k: {n: float(np.median(d[n])) for n in d.dtype.names} for k, d in self.draws.items()}
        )

    def summary(self) -> pd.DataFrame:
        """Prior vs posterior table for every parameter."""
        import pandas as pd

        return pd.concat([b.summary() for b in self.blocks.values()], ignore_index=True)

    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``path`` (.npz, compressed) and its provenance ``path.with_suffix('.json')``."""
        path = Path(path)
        if path.suffix != ".npz":
            raise InputError(field="--out", allowed="a file ending in .npz", got=str(path))
        if not path.resolve().parent.is_dir():
            raise InputError("output directory does not exist", file=str(path.parent))
        arrays = {}
        for k, b in self.blocks.items():
            arrays[f"{k}__theta"] = b.theta.astype(np.float32)
            arrays[f"{k}__sims"] = b.sims.astype(np.float32)
            arrays[f"{k}__tau"] = b.tau
            arrays[f"{k}__log_iw"] = b.log_iw
        from anagen._io import atomic_write, check_output_path

        check_output_path(path, field="--out")
        js = path.with_suffix(".json")
        check_output_path(js, field="--out")
        with atomic_write(path, "wb", field="--out") as fh:
            np.savez_compressed(fh, **arrays)
        meta = dict(self.provenance)
        meta["blocks"] = {
            k: {
                "param_names": list(b.param_names),
                "study_ids": list(b.study_ids),
                "reported": b.reported.tolist(),
                "se": b.se.tolist(),
                "scale": b.scale.tolist(),
                "groups": list(b.groups),
                "quantile": b.quantile,
                "n_draws": int(b.theta.shape[0]),
                "n_prior_draws": int(b.n_prior),
                "n_kept": int(b.accepted().size),
                "effective_sample_size": round(b.ess(), 1),
                "seed": int(b.seed),
            }
            for k, b in self.blocks.items()
        }
        meta["trials"] = list(self.trials)
        meta["npz_sha256"] = _sha256(path)
        with atomic_write(js, field="--out") as fh:
            fh.write(json.dumps(meta, indent=2) + "\n")
        return path, js


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_posterior(path: str | Path | None = None) -> Posterior:
    """Read a posterior written by :meth:`Posterior.save` (the shipped one by default).

    Raises
    ------
    InputError
        If the file or its provenance is missing, or they do not match (checksum).
    """
    path = Path(path) if path is not None else posterior_path()
    js = path.with_suffix(".json")
    for p in (path, js):
        if not p.is_file():
            raise InputError("posterior file not found", file=str(p))
    meta = json.loads(js.read_text(encoding="utf-8"))
    if meta.get("npz_sha256") != _sha256(path):
        raise InputError(
            "posterior arrays do not match their provenance file (checksum)", file=str(path)
        )
    blocks = {}
    if any("n_prior_draws" not in b for b in meta["blocks"].values()):
        raise InputError(
            "posterior written by an older anagen (ABC rejection): re-run `anagen calibrate run`",
            file=str(path),
        )
    with np.load(path) as z:
        for k, b in meta["blocks"].items():
            blocks[k] = BlockFit(
                k,
                tuple(b["param_names"]),
                tuple(b["study_ids"]),
                z[f"{k}__theta"].astype(float),
                z[f"{k}__sims"].astype(float),
                z[f"{k}__tau"].astype(float),
                z[f"{k}__log_iw"].astype(float),
                np.asarray(b["reported"], dtype=float),
                np.asarray(b["se"], dtype=float),
                np.asarray(b["scale"], dtype=float),
                tuple(b["groups"]),
                float(b["quantile"]),
                int(b["n_prior_draws"]),
                int(b["seed"]),
            )
    prov = {k: v for k, v in meta.items() if k not in ("blocks", "trials")}
    return Posterior(blocks, tuple(meta.get("trials", ())), prov)


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`calibrate`: the posterior and the run's own figures."""

    posterior: Posterior
    runtime_s: float

    def save(self, path: str | Path) -> tuple[Path, Path]:
        return self.posterior.save(path)


def _code_version() -> str:
    from anagen import __version__

    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        rev = ""
    return f"anagen {__version__}" + (f" (git {rev})" if rev else "")


_SIM_CACHE: dict[tuple, list[TrialSimulator]] = {}


def _simulators(trials: Sequence[VirtualTrial], area_cm2: float, seed: int) -> list[TrialSimulator]:
    """The block's simulators (prepared once per process and cached: forked Dask workers
    inherit the parent's)."""
    key = (tuple(trials), float(area_cm2), int(seed))
    if key not in _SIM_CACHE:
        _SIM_CACHE[key] = [
            TrialSimulator(t, area_cm2=area_cm2, seed=seed * 100 + j) for j, t in enumerate(trials)
        ]
    return _SIM_CACHE[key]


def _sim_task(
    trials: tuple[VirtualTrial, ...],
    area_cm2: float,
    seed: int,
    values: list[dict],
    lo: int,
    block: str,
) -> tuple[str, int, np.ndarray, np.ndarray]:
    sims = _simulators(trials, area_cm2, seed)
    arr = np.array([[s.effect(v) for s in sims] for v in values])
    return block, lo, arr, np.array([s.tau_scale for s in sims])


def trial_effects(
    studies: Sequence[VirtualTrial],
    values: dict[str, dict[str, float]],
    *,
    area_cm2: float = CAL_AREA_CM2,
    seed: int = 0,
) -> np.ndarray:
    """Simulated mean effect of each virtual trial for given values per block, with the same
    patches and random numbers :func:`calibrate` uses for that ``seed`` (e.g. to make synthetic
    "reported" effects from known parameters)."""
    out = np.empty(len(studies))
    for block in BLOCKS:
        idx = [i for i, t in enumerate(studies) if t.block == block]
        if not idx:
            continue
        if block not in values:
            raise InputError(
                field="values", allowed=f"values for block {block!r}", got=sorted(values)
            )
        sims = _simulators(tuple(studies[i] for i in idx), area_cm2, seed)
        for i, s in zip(idx, sims, strict=True):
            out[i] = s.effect(values[block])
    return out


#: Prior draws kept for a regeneration family without studies (its posterior is its prior).
PRIOR_ONLY_DRAWS = 400
#: Parameter draws per Dask task.
CAL_TASK_DRAWS = 25


def _values(names: tuple[str, ...], theta: np.ndarray) -> list[dict]:
    return [{n: float(x) for n, x in zip(names, row, strict=True)} for row in theta]


def calibrate(
    studies: Sequence[VirtualTrial] | None = None,
    *,
    n_draws: int = 2000,
    quantile: float = 0.25,
    seed: int = 0,
    area_cm2: float = CAL_AREA_CM2,
    scheduler: str = "local",
    progress: Callable[[int], None] | None = None,
) -> Calibration:
    """Fit every block that has studies by two-stage population Monte Carlo on the
    random-effects likelihood (:mod:`anagen.decision._calibrate_infer`); regeneration families
    without studies keep their prior (:data:`PRIOR_ONLY_DRAWS` prior draws, equal weights).

    Parameters
    ----------
    studies
        Virtual trials (default :func:`curated_trials`).
    n_draws
        Simulated draws per block: half from the prior, half from the stage-2 proposal.
    quantile
        Share of the draws resampled by weight into the stored posterior sample.
    seed
        Seeds the draws, the resampling and the simulated patches.
    area_cm2
        Measured area per model patient (see :class:`TrialSimulator`).
    scheduler
        ``"local"`` (a Dask LocalCluster of 2 workers), ``"synchronous"`` or the address of a
        running Dask scheduler. The simulations of each stage run as Dask tasks of
        :data:`CAL_TASK_DRAWS` draws; the draws are made here from the seed, so the posterior
        is the same whatever the number of workers.
    progress
        Called with the number of draws done.

    Raises
    ------
    InputError
        For no studies, duplicate study ids, ``n_draws`` < 20, ``quantile`` outside (0, 1].
    """
    from anagen.decision._trial import _Runner, _runner

    t0 = time.perf_counter()
    trials = tuple(curated_trials() if studies is None else studies)
    if not trials:
        raise InputError(field="studies", allowed="at least one virtual trial", got=0)
    if not all(isinstance(t, VirtualTrial) for t in trials):
        raise InputError(
            field="studies", allowed="VirtualTrial objects", got=type(trials[0]).__name__
        )
    ids = [t.study_id for t in trials]
    if len(set(ids)) != len(ids):
        raise InputError(field="studies", allowed="distinct study ids", got=ids)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 20:
        raise InputError(field="n_draws", allowed="an integer >= 20", got=n_draws)
    if not 0 < quantile <= 1:
        raise InputError(field="quantile", allowed="in (0, 1]", got=quantile)
    children = np.random.SeedSequence(seed).spawn(3 * len(BLOCKS))
    per_block = {b: tuple(t for t in trials if t.block == b) for b in BLOCKS}
    fitted = [b for b in BLOCKS if per_block[b]]
    n1 = {b: (n_draws + 1) // 2 if per_block[b] else PRIOR_ONLY_DRAWS for b in BLOCKS}
    z1: dict[str, np.ndarray] = {}
    for bi, block in enumerate(BLOCKS):
        if per_block[block] or block in REGEN_BLOCKS:
            dim = len(block_priors(block)) + 1
            z1[block] = np.random.default_rng(children[3 * bi]).standard_normal((n1[block], dim))

    def warm() -> None:
        for b in fitted:
            _simulators(per_block[b], area_cm2, seed)

    runner = scheduler if isinstance(scheduler, _Runner) else _runner(scheduler)
    if runner.warm is None:
        runner.warm = warm
    scale_of: dict[str, np.ndarray] = {}

    def simulate(zs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        jobs = []
        out = {}
        for b, z in zs.items():
            names, theta, _tau = values_from_latent(b, z)
            vals = _values(names, theta)
            out[b] = np.empty((len(vals), len(per_block[b])))
            for lo in range(0, len(vals), CAL_TASK_DRAWS):
                chunk = vals[lo : lo + CAL_TASK_DRAWS]
                jobs.append((_sim_task, per_block[b], float(area_cm2), int(seed), chunk, lo, b))
        for b, lo, arr, sc in runner.run(jobs, progress, weight=lambda job: len(job[4])):
            out[b][lo : lo + arr.shape[0]] = arr
            scale_of[b] = sc
        return out

    def loglik(b: str, z: np.ndarray, sims: np.ndarray) -> np.ndarray:
        bt = per_block[b]
        return log_likelihood(
            sims,
            values_from_latent(b, z)[2],
            np.array([t.reported for t in bt]),
            np.array([t.se for t in bt]),
            scale_of[b],
            tuple(t.study for t in bt),
        )

    z2: dict[str, np.ndarray] = {}
    proposal: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with runner:
        sims1 = simulate({b: z1[b] for b in fitted})
        for b in fitted:
            w = normalise(loglik(b, z1[b], sims1[b]))
            m, cov = stage2_proposal(z1[b], w)
            proposal[b] = (m, cov)
            eps = np.random.default_rng(children[3 * BLOCKS.index(b) + 1]).standard_normal(
                (n_draws - n1[b], m.size)
            )
            z2[b] = m + eps @ np.linalg.cholesky(cov).T
        sims2 = simulate(z2)
    blocks: dict[str, BlockFit] = {}
    for bi, block in enumerate(BLOCKS):
        if block not in z1:
            continue
        bt = per_block[block]
        if bt:
            z = np.vstack([z1[block], z2[block]])
            sims = np.vstack([sims1[block], sims2[block]])
            m, cov = proposal[block]
            f1 = n1[block] / z.shape[0]
            lp = log_normal_pdf(z)
            lq = np.logaddexp(np.log(f1) + lp, np.log1p(-f1) + log_normal_pdf(z, m, cov))
            log_iw = lp - lq
        else:
            z, sims, log_iw = z1[block], np.empty((n1[block], 0)), np.zeros(n1[block])
        names, theta, tau = values_from_latent(block, z)
        # stored as float32: round now so that a saved and reloaded fit weighs the same
        theta, sims = (a.astype(np.float32).astype(float) for a in (theta, sims))
        blocks[block] = BlockFit(
            block,
            names,
            tuple(t.study_id for t in bt),
            theta,
            sims,
            tau,
            log_iw,
            np.array([t.reported for t in bt]),
            np.array([t.se for t in bt]),
            scale_of.get(block, np.ones(0)),
            tuple(t.study for t in bt),
            float(quantile),
            n1[block],
            int(children[3 * bi + 2].generate_state(1)[0]),
        )
    runtime = time.perf_counter() - t0
    prov = {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "method": "two-stage population Monte Carlo per parameter block (regeneration "
        "constants per product family) on a random-effects normal likelihood of the reported "
        "effects: reported = simulated + c*delta + se*e, delta ~ N(0, tau^2) per study, tau "
        "half-normal; stage 1 prior draws, stage 2 a Gaussian fitted to stage 1 (2x weighted "
        "covariance), deterministic-mixture importance weights; the posterior sample is "
        "`quantile` x draws resampled by weight; families without studies keep their prior",
        "n_draws_per_block": n_draws,
        "quantile": quantile,
        "area_cm2": area_cm2,
        "outcome": "scalp.target_area_counts (re-found area, true counts), mean over the "
        "outcome zones of each model patient",
        "engine": "stochastic (common random numbers)",
        "scheduler": scheduler if isinstance(scheduler, str) else "runner",
        "prior": {b: {k: p.to_dict() for k, p in block_priors(b).items()} for b in blocks},
        "tau_prior": {k: {"half_normal_scale": v[0], "source": v[1]} for k, v in TAU_PRIOR.items()},
        "studies": [t.study_id for t in trials],
        "code_version": _code_version(),
        "runtime_s": round(runtime, 1),
        "cpu_count": os.cpu_count(),
    }
    post = Posterior(blocks, tuple(t.describe() for t in trials), prov)
    return Calibration(post, runtime)


@dataclass(frozen=True)
class LosoTable:
    """Leave-one-study-out predictions: one row per held-out study, and the 80 % coverage."""

    rows: pd.DataFrame
    coverage_80: float

    @property
    def study_coverage_80(self) -> tuple[int, int]:
        """Studies all of whose rows (visits, arms) lie inside their 80 % intervals, and the
        number of studies: the rows of one study are not independent checks."""
        if not len(self.rows):
            return 0, 0
        by = self.rows.groupby("study", sort=False)["covered"].all()
        return int(by.sum()), int(by.size)

    def to_dict(self) -> dict[str, object]:
        inside, n = self.study_coverage_80
        return {
            "coverage_80": self.coverage_80,
            "n_studies": len(self.rows),  # rows (visits, arms), the name kept for readers
            "studies_covered_80": inside,
            "studies_total": n,
            "rows": self.rows.to_dict("records"),
        }


def leave_one_study_out(posterior: Posterior | Calibration | None = None) -> LosoTable:
    """Predicted vs reported effect for each study row when its study (all its rows: the visits
    of one trial go together) is left out of its block's fit.

    The prediction is what a new study like the held-out row would report (its simulated effect,
    a new study's random effect and its sampling error: :meth:`BlockFit.predictive`) under the
    weights of the fit without the study (the same simulations re-weighted: importance
    sampling); ``lo80``/``hi80`` are its weighted 10th and 90th percentiles, ``covered`` whether
    the reported value falls inside, ``ess`` the effective sample size of those weights. A block
    with a single study predicts from its prior (``fit_on`` = 0 studies).
    """
    if posterior is None:
        posterior = load_posterior()
    if isinstance(posterior, Calibration):
        posterior = posterior.posterior
    if not isinstance(posterior, Posterior):
        raise InputError(
            field="posterior", allowed="a Posterior or Calibration", got=type(posterior).__name__
        )
    rows = []
    for b in posterior.blocks.values():
        studies = list(dict.fromkeys(b.groups))
        for j, sid in enumerate(b.study_ids):
            same = [k for k, x in enumerate(b.groups) if x == b.groups[j]]
            w = b.weights(drop=same)
            lo, med, hi = weighted_quantile(b.predictive(j), w, [0.1, 0.5, 0.9])
            rep = float(b.reported[j])
            rows.append(
                {
                    "study_id": sid,
                    "study": b.groups[j],
                    "block": b.name,
                    "fit_on": len(studies) - 1,
                    "reported": rep,
                    "se": float(b.se[j]),
                    "predicted": float(med),
                    "lo80": float(lo),
                    "hi80": float(hi),
                    "covered": bool(lo <= rep <= hi),
                    "ess": round(ess(w), 1),
                }
            )
    import pandas as pd

    df = pd.DataFrame(rows)
    return LosoTable(df, float(df["covered"].mean()) if len(df) else float("nan"))
