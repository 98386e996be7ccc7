"""The measured outcome: hairs counted in a fixed, re-found 1 cm² target area of a named zone.

Trials of hair-loss treatments measure a *target-area hair count*: a small area (1 cm² [S22]) is
chosen at baseline and found again at every visit, so each visit counts the hairs of the **same
follicles**. This module is the one place where the model turns a scalp into that number
(:func:`target_area_counts`), for calibration, virtual trials, ``therapy simulate``,
``therapy compare`` and ``assess`` alike:

1. *Which follicles.* The area holds ``Poisson(f x area)`` follicle sites, ``f`` the zone's real
   follicles per cm² (223 hairs/cm² [S27] / (1 - stationary latency fraction), derived in
   :func:`anagen.scalp.state.real_follicles_by_zone`), drawn without replacement from the
   simulated follicles of the zone, dead ones included (a lost follicle leaves an empty site).
   With ``refound=True`` the same sites are read at every visit; ``refound=False`` draws a new
   area at each visit (the older, noisier reading, kept for comparison).
2. *Only what is measured is simulated.* The area's follicles are run forward on their own
   (one simulated follicle = one real follicle), with the treatment's per-zone modulation;
   transplants into or out of the zone move the area's share of the grafts
   (``area / zone area``).
3. *Reading.* Terminal and vellus hairs are read with a relative error of CV
   ``phototrichogram.count_cv`` (6.3 %, the upper end of the inter-investigator CV of the
   two-point phototrichogram [S62]), independently at each visit; total = terminal + vellus.

The between-visit correlation is not a parameter: it follows from reading the same follicles.
With the defaults (150 men, Norwood III/V, vertex, 48 weeks; ``docs/scalp.md``) baseline and
follow-up counts correlate at r = 0.93 re-found vs 0.83 with a new area per visit, and the
per-patient SD of the change is 13.2 vs 19.3 hairs/cm², next to the 14.6-21.7 of the placebo
arms of target-area trials [T01][T03][T05].

The whole-zone mean (every follicle of the zone, no reading error) is a *different*, secondary
outcome: :func:`zone_mean_density`.

References
----------
.. [S22] Van Neste D, Fuh V, Sanchez-Pedreno P, et al. Finasteride increases anagen hair in men
   with androgenetic alopecia. Br J Dermatol 2000;143:804-810 (1 cm² vertex target area).
.. [S27] Barman JM, Astore I, Pecoraro V. The normal trichogram of the adult. J Invest Dermatol
   1965;44:233-236.
.. [S62] Phototrichogram two-point method, 7 volunteers in triplicate, 3 raters; abstract,
   Results (Yonsei University repository 22282913/158519).
.. [T01] Olsen EA, et al. 5 % vs 2 % minoxidil and placebo in men, 48 weeks: placebo change 3.9
   (SD 21.7) hairs/cm², n = 78 (curated row T01 of ``evidence/data/comparator_trials.csv``).
.. [T03] Olsen EA, et al. 5% minoxidil topical foam in men, 16 weeks: placebo change 4.7 (SD
   19.7) hairs/cm², n = 172 (curated row T03 of ``evidence/data/comparator_trials.csv``).
.. [T05] Lucky AW, et al. 5 % and 2 % minoxidil in women, 48 weeks: placebo change 9.4 (SD 14.6)
   hairs/cm², n = 51 (curated row T05).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from anagen.errors import InputError
from anagen.scalp._modulation import ZONE_NAMES, Modulation, Transplant
from anagen.scalp.engine import _no_modulation, simulate
from anagen.scalp.params import ScalpParams
from anagen.scalp.state import ScalpState, SeedLike, real_follicles_by_zone
from anagen.scalp.trajectory import ScalpTrajectory

__all__ = [
    "Count",
    "TargetArea",
    "TargetAreaCounts",
    "ZoneMean",
    "target_area_counts",
    "zone_mean_density",
]

Count = Literal["terminal", "total"]


@dataclass(frozen=True)
class TargetAreaCounts:
    """Hairs/cm² counted in the target area at each visit (the primary, measured outcome).

    Attributes
    ----------
    zone
        Zone of the target area.
    t_days
        Visit days, shape ``(V,)``.
    area_cm2
        Size of the target area.
    refound
        True when every visit reads the same follicles (tattooed area).
    terminal_per_cm2, total_per_cm2
        Measured counts per cm² (with the reading error), shape ``(V,)``.
    true_terminal_per_cm2, true_total_per_cm2
        The same counts without the reading error.
    n_sites
        Follicle sites in the area (per visit when not re-found), shape ``(V,)``.
    """

    zone: str
    t_days: np.ndarray
    area_cm2: float
    refound: bool
    terminal_per_cm2: np.ndarray
    total_per_cm2: np.ndarray
    true_terminal_per_cm2: np.ndarray
    true_total_per_cm2: np.ndarray
    n_sites: np.ndarray

    def counts(self, kind: Count = "terminal", *, measured: bool = True) -> np.ndarray:
        """Counts per cm² at each visit: ``"terminal"`` or ``"total"`` hairs."""
        if kind not in ("terminal", "total"):
            raise InputError(field="kind", allowed="one of terminal, total", got=kind)
        if measured:
            return self.terminal_per_cm2 if kind == "terminal" else self.total_per_cm2
        return self.true_terminal_per_cm2 if kind == "terminal" else self.true_total_per_cm2

    def change(self, kind: Count = "terminal", visit: int = -1, *, baseline: int = 0) -> float:
        """Change from the ``baseline`` visit to ``visit`` (hairs/cm²)."""
        c = self.counts(kind)
        return float(c[visit] - c[baseline])

    def percent_change(
        self, kind: Count = "terminal", visit: int = -1, *, baseline: int = 0
    ) -> float:
        """Change in % of the baseline count (NaN when the baseline count is 0)."""
        c = self.counts(kind)
        return float(100.0 * (c[visit] - c[baseline]) / c[baseline]) if c[baseline] > 0 else np.nan

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": "target_area_count",
            "zone": self.zone,
            "area_cm2": self.area_cm2,
            "refound": self.refound,
            "t_days": self.t_days.tolist(),
            "terminal_per_cm2": self.terminal_per_cm2.tolist(),
            "total_per_cm2": self.total_per_cm2.tolist(),
        }


@dataclass(frozen=True)
class ZoneMean:
    """Mean hairs/cm² over a whole zone (secondary outcome: no sampling, no reading error)."""

    zone: str
    t_days: np.ndarray
    zone_mean_terminal_per_cm2: np.ndarray
    zone_mean_total_per_cm2: np.ndarray

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": "zone_mean_density",
            "zone": self.zone,
            "t_days": self.t_days.tolist(),
            "zone_mean_terminal_per_cm2": self.zone_mean_terminal_per_cm2.tolist(),
            "zone_mean_total_per_cm2": self.zone_mean_total_per_cm2.tolist(),
        }


def _zone_index(zone: str) -> int:
    if zone not in ZONE_NAMES:
        raise InputError(field="zone", allowed=f"one of {', '.join(ZONE_NAMES)}", got=zone)
    return ZONE_NAMES.index(zone)


def zone_mean_density(traj: ScalpTrajectory, zone: str) -> ZoneMean:
    """The whole-zone mean terminal and total density of a simulated scalp (secondary outcome)."""
    j = _zone_index(zone)
    return ZoneMean(
        zone=zone,
        t_days=np.asarray(traj.t_days, dtype=float).copy(),
        zone_mean_terminal_per_cm2=np.asarray(traj.terminal_density_per_cm2[:, j], dtype=float),
        zone_mean_total_per_cm2=np.asarray(traj.density_per_cm2[:, j], dtype=float),
    )


def _child(ss: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, k))


def _visit_days(visit_days) -> np.ndarray:
    v = np.asarray(visit_days, dtype=np.float64)
    if (
        v.ndim != 1
        or v.size < 1
        or not np.all(np.isfinite(v))
        or v[0] < 0
        or np.any(np.diff(v) <= 0)
    ):
        raise InputError(
            field="visit_days",
            allowed="strictly increasing days >= 0",
            got=v.tolist() if v.ndim else float(v),
        )
    return v


def _substate(state: ScalpState, idx: np.ndarray) -> ScalpState:
    return replace(
        state,
        phase=state.phase[idx].copy(),
        t_exit=state.t_exit[idx].copy(),
        q=state.q[idx].copy(),
        d0=state.d0[idx].copy(),
        diam=state.diam[idx].copy(),
        zone=state.zone[idx].copy(),
        origin=state.origin[idx].copy(),
        sens=state.sens[idx].copy(),
        scale=1.0,
    )


def _area_sites(
    params: ScalpParams, state: ScalpState, j: int, area: float, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Indices of the follicles of one target area, and its share of the zone."""
    zone_area = float(params.zones.area_cm2[j])
    if area > zone_area:
        raise InputError(field="area_cm2", allowed=f"<= the zone's {zone_area} cm²", got=area)
    per_cm2 = real_follicles_by_zone(params)[j] / zone_area
    n = int(rng.poisson(per_cm2 * area))
    pool = np.flatnonzero(state.zone == j)
    if pool.size < n:
        raise InputError(
            field="n_follicles",
            allowed=(
                f"enough simulated follicles for a {area:g} cm² target area in the {ZONE_NAMES[j]}"
                f" zone ({n} needed, {pool.size} simulated): use a larger scalp"
            ),
            got=state.n_follicles,
        )
    return np.sort(rng.choice(pool, size=n, replace=False)), area / zone_area


def _area_modulation(
    mod: Modulation, state: ScalpState, j: int, share: float, rng: np.random.Generator
) -> tuple[Modulation, np.ndarray]:
    """The modulation restricted to the area, with the area's share of any grafts.

    Returns the modulation and the indices (in ``state``) of the donor follicles to add.
    """
    extra: list[np.ndarray] = []
    kept: list[Transplant] = []
    for tp in mod.transplants:
        src, dst = ZONE_NAMES.index(tp.from_zone), ZONE_NAMES.index(tp.to_zone)
        if dst != j and src != j:
            continue
        n_real = int(tp.n_follicles)
        n = int(rng.binomial(n_real, share)) if n_real > 0 else 0
        if dst == j and src != j:
            pool = np.flatnonzero((state.zone == src) & (state.phase != 4))
            n = min(n, pool.size)
            extra.append(rng.choice(pool, size=n, replace=False))
        kept.append(replace(tp, n_follicles=n))
    new = replace(mod, transplants=tuple(kept))
    idx = np.concatenate(extra) if extra else np.empty(0, dtype=np.int64)
    return new, idx


def _read(
    terminal: np.ndarray,
    vellus: np.ndarray,
    cv: float,
    rng: np.random.Generator | None,
    noise: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The counts as read (``rng``: the reading errors' generator, needed only with noise)."""
    if not noise or cv == 0:
        return terminal.astype(float), (terminal + vellus).astype(float)
    z = rng.standard_normal((2, terminal.size))
    t_m = np.maximum(terminal * (1.0 + cv * z[0]), 0.0)
    v_m = np.maximum(vellus * (1.0 + cv * z[1]), 0.0)
    return t_m, t_m + v_m


def target_area_counts(
    params: ScalpParams,
    state: ScalpState,
    *,
    zone: str,
    visit_days: np.ndarray | list[float] | tuple[float, ...],
    modulation: Modulation | None = None,
    seed: SeedLike = None,
    refound: bool = True,
    noise: bool = True,
) -> TargetAreaCounts:
    """Terminal and total hairs/cm² counted in a target area of ``zone`` at each visit.

    Parameters
    ----------
    params
        Scalp parameters (``phototrichogram.area_cm2`` and ``count_cv`` set the area and the
        reading error).
    state
        The patient's day-0 scalp (:func:`anagen.scalp.initial_scalp`); not modified. Its zone
        must hold at least the area's follicles (a 20,000-follicle scalp holds ~3,000 per zone).
    zone
        Zone of the target area (one of :data:`anagen.scalp.ZONE_NAMES`).
    visit_days
        Visit days, strictly increasing, the first usually 0 (baseline).
    modulation
        Treatment effect (:class:`anagen.scalp.Modulation`), or None for no treatment.
    seed
        Int or :class:`~numpy.random.SeedSequence`: the same seed picks the same area, runs it
        with the same random numbers and reads it with the same errors, so calling twice with
        two modulations gives a treated and an untreated twin of one area.
    refound
        True: one tattooed area, the same follicles at every visit. False: a new random area
        at each visit.
    noise
        False leaves out the reading error.
    """
    return TargetArea(
        params, state, zone=zone, visit_days=visit_days, seed=seed, refound=refound, noise=noise
    ).counts(modulation)


class TargetArea:
    """One target area chosen and seeded once, then counted under any number of treatments.

    ``TargetArea(params, state, zone=..., visit_days=..., seed=..., refound=..., noise=...)
    .counts(modulation)`` is :func:`target_area_counts` with the same arguments, bit for bit.
    Twin comparisons (the untreated area and every option read with the same seed) draw the
    area's sites, derive its seeds and copy its follicles once, instead of once per treatment.
    The day-0 ``state`` is read, never modified, by both.
    """

    def __init__(
        self,
        params: ScalpParams,
        state: ScalpState,
        *,
        zone: str,
        visit_days: np.ndarray | list[float] | tuple[float, ...],
        seed: SeedLike = None,
        refound: bool = True,
        noise: bool = True,
    ) -> None:
        self._j = j = _zone_index(zone)
        self._v = v = _visit_days(visit_days)
        ss = seed if isinstance(seed, np.random.SeedSequence) else None
        if ss is None:
            if isinstance(seed, np.random.Generator):
                ss = np.random.SeedSequence(int(seed.integers(2**63)))
            else:
                from anagen.scalp.state import as_generator

                as_generator(seed)  # validates the seed
                ss = np.random.SeedSequence(seed)
        # children derived from the seed's key, not spawn(): the same seed gives the same
        # streams however often it has been used
        s_area, s_sim, self._s_read = (_child(ss, k) for k in range(3))
        self._params, self._state, self._zone = params, state, zone
        self._refound, self._noise = refound, noise
        self._area = float(params.phototrichogram.area_cm2)
        self._t = v if v[0] == 0.0 else np.concatenate([[0.0], v])
        n_areas = 1 if refound else v.size
        self._sim_seeds = [_child(s_sim, a) for a in range(n_areas)]
        # per area: its sites, its share of the zone, the state of its generator after the
        # sites were drawn (a treatment's transplants draw from there on) and its follicles
        self._sites: list[tuple[np.ndarray, float, dict, ScalpState]] = []
        for a in range(n_areas):
            rng = np.random.default_rng(_child(s_area, a))
            idx, share = _area_sites(params, state, j, self._area, rng)
            self._sites.append((idx, share, rng.bit_generator.state, _substate(state, idx)))

    def counts(self, modulation: Modulation | None = None) -> TargetAreaCounts:
        """The area's counts under ``modulation`` (None: no treatment)."""
        params, state, j, v, t = self._params, self._state, self._j, self._v, self._t
        mod = _no_modulation() if modulation is None else modulation
        off = t.size - v.size
        term = np.empty(v.size)
        vel = np.empty(v.size)
        sites = np.empty(v.size)
        for a, (idx, share, rng_state, sub) in enumerate(self._sites):
            if mod.transplants:
                rng = np.random.Generator(np.random.PCG64())
                rng.bit_generator.state = rng_state
                amod, extra = _area_modulation(mod, state, j, share, rng)
                sub = _substate(state, np.concatenate([idx, extra]).astype(np.int64))
            else:  # nothing to move: the modulation as given, the area's own follicles
                amod = mod
            if t.size == 1:  # baseline only: no run needed
                traj = simulate(
                    params, sub, at=[0.0, 1.0], seed=self._sim_seeds[a], modulation=amod
                )
                rows = np.array([0])
            else:
                traj = simulate(params, sub, at=t, seed=self._sim_seeds[a], modulation=amod)
                rows = np.arange(off, t.size)
            sel = slice(None) if self._refound else slice(a, a + 1)
            pick = rows if self._refound else rows[a : a + 1]
            term[sel] = traj.terminal[pick, j]
            vel[sel] = traj.vellus[pick, j]
            sites[sel] = idx.size
        area = self._area
        cv = params.phototrichogram.count_cv
        read_rng = np.random.default_rng(self._s_read) if self._noise and cv != 0 else None
        t_m, tot_m = _read(term, vel, cv, read_rng, self._noise)
        return TargetAreaCounts(
            zone=self._zone,
            t_days=v,
            area_cm2=area,
            refound=self._refound,
            terminal_per_cm2=t_m / area,
            total_per_cm2=tot_m / area,
            true_terminal_per_cm2=term / area,
            true_total_per_cm2=(term + vel) / area,
            n_sites=sites,
        )
