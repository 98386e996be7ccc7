"""Calibration: ABC rejection of the regeneration and alternative-treatment parameters on the
curated trials, the stored posterior, and leave-one-study-out validation.

Method (docs/calibration.md):

* The parameters fall into independent **blocks** — the regeneration constants of the cell and
  cell-free products, PRP's own copy of them, minoxidil, finasteride and laser — each with its
  own priors (:mod:`anagen.therapy`) and its own studies. The likelihood factorises over blocks,
  so each block is fitted on its own.
* For each block, ``n_draws`` parameter sets are drawn from the priors; every virtual trial of
  the block (:func:`~anagen.decision._calibrate_trials.curated_trials`) is simulated for each
  draw, and the reported effect's sampling error is added (``sim + se * z``, z ~ N(0, 1): noisy
  ABC, so that a small tolerance targets the posterior under a normal likelihood rather than
  an exact fit of the means).
* Distance of a draw = root mean square over the block's studies of
  ``(simulated − reported) / se``. The ``quantile`` closest draws are accepted (the tolerance is
  the largest accepted distance).
* Leave-one-study-out reuses the same simulations: the held-out study's distance is dropped,
  the same quantile is accepted, and its simulated values (with the sampling error) are the
  prediction. A block with one study gives the prior prediction.
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

from anagen.decision._calibrate_trials import (
    BLOCKS,
    CAL_AREA_CM2,
    REGEN_BLOCKS,
    TrialSimulator,
    VirtualTrial,
    block_priors,
    curated_trials,
    family_of,
    sample_block,
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
    """All prior draws of one block, their simulated effects and which were accepted.

    Attributes
    ----------
    theta
        ``(n_draws, n_params)`` prior draws (columns ``param_names``).
    sims
        ``(n_draws, n_studies)`` simulated mean effects (columns ``study_ids``).
    noise
        ``(n_draws, n_studies)`` standard-normal sampling errors added in the distance.
    reported, se
        Reported effect and SE per study.
    quantile
        Share of draws accepted.
    """

    name: str
    param_names: tuple[str, ...]
    study_ids: tuple[str, ...]
    theta: np.ndarray
    sims: np.ndarray
    noise: np.ndarray
    reported: np.ndarray
    se: np.ndarray
    quantile: float

    def distance(self, drop: int | Sequence[int] | None = None) -> np.ndarray:
        """RMS standardised distance of each draw (optionally without the rows ``drop``)."""
        gone = {drop} if isinstance(drop, int | np.integer) else set(drop or ())
        keep = [j for j in range(len(self.study_ids)) if j not in gone]
        if not keep:
            return np.zeros(self.theta.shape[0])
        z = (
            self.sims[:, keep] + self.se[keep] * self.noise[:, keep] - self.reported[keep]
        ) / self.se[keep]
        return np.sqrt(np.mean(z * z, axis=1))

    def accepted(self, drop: int | Sequence[int] | None = None) -> np.ndarray:
        """Indices of the accepted draws (the ``quantile`` smallest distances)."""
        d = self.distance(drop)
        k = max(1, round(self.quantile * d.size))
        return np.sort(np.argsort(d, kind="stable")[:k])

    @property
    def tolerance(self) -> float:
        """Largest accepted distance."""
        return float(self.distance()[self.accepted()].max())

    def draws(self) -> np.ndarray:
        """Accepted draws as a structured array (fields ``param_names``)."""
        dt = np.dtype([(n, "f8") for n in self.param_names])
        th = self.theta[self.accepted()]
        out = np.empty(th.shape[0], dtype=dt)
        for j, n in enumerate(self.param_names):
            out[n] = th[:, j]
        return out

    def summary(self) -> pd.DataFrame:
        """Prior vs posterior median and 90 % interval of each parameter."""
        acc = self.accepted()
        rows = []
        for j, n in enumerate(self.param_names):
            pr = np.quantile(self.theta[:, j], [0.05, 0.5, 0.95])
            po = np.quantile(self.theta[acc, j], [0.05, 0.5, 0.95])
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
            arrays[f"{k}__noise"] = b.noise.astype(np.float32)
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
                "quantile": b.quantile,
                "n_draws": int(b.theta.shape[0]),
                "n_accepted": int(b.accepted().size),
                "acceptance_rate": float(b.accepted().size / b.theta.shape[0]),
                "abc_tolerance": b.tolerance,
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
    with np.load(path) as z:
        for k, b in meta["blocks"].items():
            blocks[k] = BlockFit(
                k,
                tuple(b["param_names"]),
                tuple(b["study_ids"]),
                z[f"{k}__theta"].astype(float),
                z[f"{k}__sims"].astype(float),
                z[f"{k}__noise"].astype(float),
                np.asarray(b["reported"], dtype=float),
                np.asarray(b["se"], dtype=float),
                float(b["quantile"]),
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
) -> tuple[str, int, np.ndarray]:
    sims = _simulators(trials, area_cm2, seed)
    return block, lo, np.array([[s.effect(v) for s in sims] for v in values])


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


def calibrate(
    studies: Sequence[VirtualTrial] | None = None,
    *,
    n_draws: int = 4000,
    quantile: float = 0.05,
    seed: int = 0,
    area_cm2: float = CAL_AREA_CM2,
    scheduler: str = "local",
    progress: Callable[[int], None] | None = None,
) -> Calibration:
    """ABC rejection of every block that has studies; regeneration families without studies
    keep their prior (:data:`PRIOR_ONLY_DRAWS` prior draws, all accepted).

    Parameters
    ----------
    studies
        Virtual trials (default :func:`curated_trials`).
    n_draws
        Prior draws per block.
    quantile
        Share of draws accepted per block (ABC tolerance as a quantile of the distances).
    seed
        Seeds the prior draws, the sampling errors and the simulated patches.
    area_cm2
        Measured area per model patient (see :class:`TrialSimulator`).
    scheduler
        ``"local"`` (a Dask LocalCluster of 2 workers), ``"synchronous"`` or the address of a
        running Dask scheduler. The simulations of each block run as Dask tasks of
        :data:`CAL_TASK_DRAWS` draws; the prior draws and the noise are drawn here, so the
        posterior is the same whatever the number of workers.
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
    root = np.random.SeedSequence(seed)
    children = root.spawn(2 * len(BLOCKS))
    blocks: dict[str, BlockFit] = {}
    per_block = {b: tuple(t for t in trials if t.block == b) for b in BLOCKS}
    fitted = [b for b in BLOCKS if per_block[b]]
    thetas: dict[str, tuple[tuple[str, ...], np.ndarray, list[dict]]] = {}
    for bi, block in enumerate(BLOCKS):
        if not per_block[block] and block not in REGEN_BLOCKS:
            continue
        names = tuple(block_priors(block))
        rng = np.random.default_rng(children[2 * bi])
        n = n_draws if per_block[block] else PRIOR_ONLY_DRAWS
        vals = [sample_block(block, rng) for _ in range(n)]
        theta = np.array([[v[k] for k in names] for v in vals])
        thetas[block] = (names, theta, vals)

    def warm() -> None:
        for b in fitted:
            _simulators(per_block[b], area_cm2, seed)

    runner = scheduler if isinstance(scheduler, _Runner) else _runner(scheduler)
    if runner.warm is None:
        runner.warm = warm
    sims_of: dict[str, np.ndarray] = {}
    with runner:
        jobs = []
        for b in fitted:
            _names, _theta, vals = thetas[b]
            sims_of[b] = np.empty((len(vals), len(per_block[b])))
            for lo in range(0, len(vals), CAL_TASK_DRAWS):
                chunk = vals[lo : lo + CAL_TASK_DRAWS]
                jobs.append((_sim_task, per_block[b], float(area_cm2), int(seed), chunk, lo, b))
        for b, lo, arr in runner.run(jobs, progress, weight=lambda job: len(job[4])):
            sims_of[b][lo : lo + arr.shape[0]] = arr
    for bi, block in enumerate(BLOCKS):
        if block not in thetas:
            continue
        names, theta, _vals = thetas[block]
        bt = per_block[block]
        sims = sims_of.get(block, np.empty((theta.shape[0], 0)))
        noise = np.random.default_rng(children[2 * bi + 1]).standard_normal(sims.shape)
        # stored as float32: round now so that a saved and reloaded fit accepts the same draws
        theta, sims, noise = (a.astype(np.float32).astype(float) for a in (theta, sims, noise))
        blocks[block] = BlockFit(
            block,
            names,
            tuple(t.study_id for t in bt),
            theta,
            sims,
            noise,
            np.array([t.reported for t in bt]),
            np.array([t.se for t in bt]),
            float(quantile) if bt else 1.0,
        )
    runtime = time.perf_counter() - t0
    prov = {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "method": "ABC rejection per parameter block (regeneration constants per product "
        "family); distance = RMS of (simulated + se*z - reported)/se; accepted = the "
        "`quantile` smallest distances; families without studies keep their prior",
        "n_draws_per_block": n_draws,
        "quantile": quantile,
        "area_cm2": area_cm2,
        "outcome": "scalp.target_area_counts (re-found area, true counts), mean over the "
        "outcome zones of each model patient",
        "engine": "stochastic (common random numbers)",
        "scheduler": scheduler if isinstance(scheduler, str) else "runner",
        "prior": {b: {k: p.to_dict() for k, p in block_priors(b).items()} for b in blocks},
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

    def to_dict(self) -> dict[str, object]:
        return {
            "coverage_80": self.coverage_80,
            "n_studies": len(self.rows),
            "rows": self.rows.to_dict("records"),
        }


def leave_one_study_out(posterior: Posterior | Calibration | None = None) -> LosoTable:
    """Predicted vs reported effect for each study row when its study (all its rows: the visits
    of one trial go together) is left out of its block's fit.

    The prediction is the held-out row's simulated effect plus its sampling error over the
    draws accepted without the study (same quantile); ``lo80``/``hi80`` are its 10th and 90th
    percentiles, ``covered`` whether the reported value falls inside. A block with a single
    study predicts from its prior (``fit_on`` = 0 studies).
    """
    if posterior is None:
        posterior = load_posterior()
    if isinstance(posterior, Calibration):
        posterior = posterior.posterior
    if not isinstance(posterior, Posterior):
        raise InputError(
            field="posterior", allowed="a Posterior or Calibration", got=type(posterior).__name__
        )
    groups = posterior.groups()
    rows = []
    for b in posterior.blocks.values():
        g = [groups.get(sid, sid) for sid in b.study_ids]
        studies = list(dict.fromkeys(g))
        for j, sid in enumerate(b.study_ids):
            same = [k for k, x in enumerate(g) if x == g[j]]
            single = len(studies) == 1
            idx = np.arange(b.theta.shape[0]) if single else b.accepted(drop=same)
            pred = b.sims[idx, j] + b.se[j] * b.noise[idx, j]
            lo, med, hi = np.quantile(pred, [0.1, 0.5, 0.9])
            rep = float(b.reported[j])
            rows.append(
                {
                    "study_id": sid,
                    "study": g[j],
                    "block": b.name,
                    "fit_on": len(studies) - 1,
                    "reported": rep,
                    "se": float(b.se[j]),
                    "predicted": float(med),
                    "lo80": float(lo),
                    "hi80": float(hi),
                    "covered": bool(lo <= rep <= hi),
                }
            )
    import pandas as pd

    df = pd.DataFrame(rows)
    return LosoTable(df, float(df["covered"].mean()) if len(df) else float("nan"))
