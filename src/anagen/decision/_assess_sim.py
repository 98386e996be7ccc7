"""Step 2 of an assessment: simulate every draw — the untreated scalp and every option.

The outcome is the one trials measure: terminal hairs counted in a re-found 1 cm² target area
(:func:`anagen.scalp.target_area_counts`). One untreated reading per draw is shared by every
option, and each option reads the same area with the same random numbers (twins), so the
difference is the option's effect, not sampling noise. Draws are independent tasks: the caller's executor (a
``concurrent.futures`` executor or a Dask client) runs them anywhere; each task carries its own
inputs (:class:`DrawJob`), there is no module state, and every random stream is derived from the
seed, the draw index and the option key, so the numbers do not depend on the executor, the
number of workers or which other options are assessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from anagen.decision._assess_combine import calibrated_pair
from anagen.decision._assess_plan import (
    COURSE_MONTHS,
    DAYS_PER_MONTH,
    OptionSpec,
    option_seed,
)

__all__ = ["DrawJob", "collect_draws", "run_draws", "simulate_all", "submit_draws"]


@dataclass(frozen=True)
class DrawJob:
    """Everything a worker needs (picklable)."""

    specs: tuple[OptionSpec, ...]
    patient: Any
    scalps: tuple[Any, ...]  # (ScalpParams, ScalpState) per distinct day-0 scalp
    regen: tuple[Any, ...]  # per draw: (cell, PRP) regeneration constants
    pdraws: tuple[Any, ...]  # per draw: posterior draw or None
    zones: tuple[str, ...]  # zones of the 1 cm² target areas read (the first: the person's)
    spec_zone: tuple[int, ...]  # per option: index into ``zones`` of its target area
    horizon_days: float
    n_t: int
    seed: int
    kappa: tuple[float, ...] = ()  # per draw: share of finasteride's effect added to minoxidil's


def combine(a, b):
    """Two treatments used together, as one modulation. An assumption (no source gives their
    interaction, except for minoxidil with finasteride, which :func:`run_draws` calibrates on
    the combination trials afterwards): the mechanisms act independently - kinetic factors
    multiply, reversal fractions combine as independent chances, a gain fades only when neither
    keeps it, and transplants add up."""
    from anagen.scalp import Modulation

    t = np.union1d(a.t_days, b.t_days)
    ia = np.searchsorted(a.t_days, t, side="right") - 1
    ib = np.searchsorted(b.t_days, t, side="right") - 1
    return Modulation(
        t_days=t,
        anagen_factor=a.anagen_factor[ia] * b.anagen_factor[ib],
        latency_factor=a.latency_factor[ia] * b.latency_factor[ib],
        progression_factor=a.progression_factor[ia] * b.progression_factor[ib],
        reversal=1 - (1 - a.reversal[ia]) * (1 - b.reversal[ib]),
        hold_end_day=np.maximum(a.hold_end_day[ia], b.hold_end_day[ib]),
        fade_days=np.maximum(a.fade_days[ia], b.fade_days[ib]),
        transplants=(*a.transplants, *b.transplants),
    )


def modulation(
    spec: OptionSpec, patient, horizon_days: float, regen, rng, runs: dict, pdraw=None,
    rng_of=None,
):  # fmt: skip
    """The option's modulation for one draw: ``regen`` = (cell, PRP) regeneration constants;
    ``pdraw`` a posterior draw for the calibrated alternatives (``None``: their priors). A
    combination combines its parts' (each with its own random stream, as when used alone)."""
    if spec.parts:
        mods = [
            modulation(p, patient, horizon_days, regen, rng_of(p) if rng_of else rng, runs, pdraw)
            for p in spec.parts
        ]
        out = mods[0]
        for m in mods[1:]:
            out = combine(out, m)
        return out
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy import regenerate, run_protocol
    from anagen.therapy.treatments import affected_zones

    if spec.protocol is not None:
        run = runs.get(spec.key)
        if run is None:
            run = runs[spec.key] = run_protocol(spec.protocol, patient, seed=0)
        # each product family has its own calibrated constants (cell injections, micrografts,
        # cell-free products); with the priors every family shares regen[0]
        constants = (
            pdraw.for_option(spec.protocol.product.option) if pdraw is not None else regen[0]
        )
        return run.modulation(horizon_days, constants)
    t = spec.treatment
    if t.key == "prp":
        mask = np.array([z in affected_zones(patient) for z in ZONE_NAMES], dtype=float)
        days = t.session_days(COURSE_MONTHS * DAYS_PER_MONTH)
        return regenerate(days, mask, mask, regen[1], horizon_days=horizon_days)
    if pdraw is not None and spec.calibrated:
        return pdraw.modulation(t, horizon_days, patient)
    return t.modulation(horizon_days, patient, rng)


def run_draws(job: DrawJob, draws: Sequence[int]) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Simulate the target area untreated and under every option for the given draw indices.

    The outcome is the terminal-hair count of a re-found 1 cm² target area
    (:func:`anagen.scalp.target_area_counts`, true counts: no reading error), at every month,
    in the option's target zone. The untreated twin and every option with that zone read the
    same area with the same random numbers. Returns the indices, the untreated outcome
    ``(n_zones, len, n_t)`` and the treated ``(n_opt, len, n_t)``.
    """
    from anagen.scalp.measure import TargetArea

    runs: dict[str, Any] = {}
    untreated = np.empty((len(job.zones), len(draws), job.n_t))
    treated = np.empty((len(job.specs), len(draws), job.n_t))
    visits = np.arange(job.n_t) * DAYS_PER_MONTH
    for j, d in enumerate(draws):
        params, state = job.scalps[d % len(job.scalps)]
        ss = np.random.SeedSequence([job.seed, 1, d])
        # each zone's area is chosen once per draw and read under every option (twins)
        areas = {
            zone: TargetArea(
                params, state, zone=zone, visit_days=visits, seed=ss, refound=True, noise=False
            )
            for zone in job.zones
        }

        def area(mod, zone, areas=areas):
            return areas[zone].counts(mod).true_terminal_per_cm2

        for z, zone in enumerate(job.zones):
            untreated[z, j] = area(None, zone)
        # this draw's reading of each single option, by (option, zone): a combination's parts
        # read alone (the calibrated pair) are the same runs, with the same random numbers
        alone: dict[tuple[int, str], np.ndarray] = {}
        for i, spec in enumerate(job.specs):

            def rng_of(sp, d=d):
                return np.random.default_rng(
                    np.random.SeedSequence([job.seed, 2, d, option_seed(sp.key)])
                )

            rng = rng_of(spec)
            mod = modulation(
                spec, job.patient, job.horizon_days, job.regen[d], rng, runs, job.pdraws[d],
                rng_of,
            )  # fmt: skip
            zi = job.spec_zone[i]
            treated[i, j] = area(mod, job.zones[zi])
            if not spec.parts:
                alone[id(spec), job.zones[zi]] = treated[i, j]
            pair = calibrated_pair(spec.parts) if spec.parts and job.kappa else None
            if pair is not None:
                treated[i, j] -= _pair_excess(job, d, pair, spec, treated[i, j], untreated[zi, j],
                                              rng_of, runs, job.zones[zi], area, alone)  # fmt: skip
    return list(draws), untreated, treated


def _pair_excess(
    job, d, pair, spec, combo, untreated, rng_of, runs, zone, area, read_alone
) -> np.ndarray:  # fmt: skip
    """What the independent-mechanisms simulation of minoxidil with finasteride adds beyond the
    calibrated pair (minoxidil's effect + kappa x finasteride's, each simulated alone with the
    same area and random numbers as when used alone: the option's own reading of this draw
    where it was assessed on its own in ``zone``, ``read_alone``)."""
    mino, fin = pair

    def alone(sp):
        got = read_alone.get((id(sp), zone))
        if got is None:
            mod = modulation(
                sp, job.patient, job.horizon_days, job.regen[d], rng_of(sp), runs, job.pdraws[d]
            )
            got = area(mod, zone)
        return got - untreated

    e_m, e_f = alone(mino), alone(fin)
    if len(spec.parts) == 2:
        joint = combo - untreated
    else:  # the pair inside a larger combination: its own joint simulation
        from anagen.decision._assess_plan import combination

        both = combination([mino, fin])
        joint = area(modulation(both, job.patient, job.horizon_days, job.regen[d], None, runs,
                                job.pdraws[d], rng_of), zone) - untreated  # fmt: skip
    return joint - (e_m + job.kappa[d] * e_f)


def _chunks(n_draws: int, n_chunks: int) -> list[list[int]]:
    k = max(1, min(n_chunks, n_draws))
    return [list(range(i, n_draws, k)) for i in range(k)]


def submit_draws(job: DrawJob, n_draws: int, executor: Any = None, n_chunks: int = 4) -> list[Any]:
    """Start :func:`run_draws` over ``n_chunks`` interleaved chunks of the draws on
    ``executor`` (a ``concurrent.futures`` executor or a Dask client: anything with ``submit``
    returning futures with ``result()``); ``None`` runs them here, now. Pass the returned list
    to :func:`collect_draws`."""
    chunks = _chunks(n_draws, n_chunks)
    if executor is None:
        return [run_draws(job, c) for c in chunks]
    if hasattr(executor, "get_executor"):  # a dask.distributed Client
        executor = executor.get_executor()
    return [executor.submit(run_draws, job, c) for c in chunks]


def collect_draws(job: DrawJob, n_draws: int, pending: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Untreated ``(n_zones, n_draws, n_t)`` and treated ``(n_opt, n_draws, n_t)`` outcomes
    of :func:`submit_draws`'s chunks (waiting for them)."""
    untreated = np.empty((len(job.zones), n_draws, job.n_t))
    treated = np.empty((len(job.specs), n_draws, job.n_t))
    for p in pending:
        idx, u, tr = p if isinstance(p, tuple) else p.result()
        untreated[:, idx] = u
        treated[:, idx] = tr
    return untreated, treated


def simulate_all(
    job: DrawJob, n_draws: int, executor: Any = None, n_chunks: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Untreated ``(n_zones, n_draws, n_t)`` and treated ``(n_opt, n_draws, n_t)`` outcomes."""
    return collect_draws(job, n_draws, submit_draws(job, n_draws, executor, n_chunks))
