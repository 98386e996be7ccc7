"""One virtual trial patient, simulated only where the trial measures: the re-found target area.

A trial counts the hairs of a fixed, tattooed 1 cm² target area at every visit [S22]. So a
virtual patient is not a whole scalp: it is the real follicles of that area — a Poisson number
with mean ``follicles/cm² x area`` of the trial's zone (:func:`anagen.scalp.state.
real_follicles_by_zone`) — started at equilibrium and run through the years of pattern hair
loss that put the model's reference scalp in the patient's stage (the same clock as
:func:`anagen.scalp.initial_scalp`). The visits read the SAME follicles (re-found area), each
reading with the phototrichogram's reading error (CV 6.3 % [S62], as in
:func:`anagen.scalp.phototrichogram.phototrichogram`).

For a parallel design every patient is run under every arm with the same random numbers
(twins, common random numbers); a simulated trial then takes each arm's patients from
different people (:mod:`anagen.decision._trial`). For a split-scalp design the two halves are
two target areas of the same person.

References
----------
.. [S22] Van Neste D, et al. Finasteride increases anagen hair in men with androgenetic
   alopecia. Br J Dermatol 2000;143:804-810 (tattooed 1 cm² target area).
.. [S62] Phototrichogram two-point method, inter-investigator CV 2.9-6.3 %.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np

from anagen.scalp import ZONE_NAMES, Modulation, stages_for
from anagen.scalp import simulate as scalp_simulate
from anagen.scalp.params import ScalpParams
from anagen.scalp.staging import affected_clock_years, onset_age, stage_clock_years
from anagen.scalp.state import DAYS_PER_YEAR, ScalpState, normal_state, real_follicles_by_zone

__all__ = ["AREA_CM2", "area_state", "read_terminal", "run_area"]

#: Target area of the phototrichogram (1 cm² [S22]).
AREA_CM2 = 1.0
_ANAGEN, _CATAGEN, _TELOGEN = 0, 1, 2


@lru_cache(maxsize=8)
def _follicles_per_cm2(params: ScalpParams) -> np.ndarray:
    return real_follicles_by_zone(params) / np.asarray(params.zones.area_cm2)


def _aga_years(
    params: ScalpParams, sex: str, stage: str, age: float, rng: np.random.Generator
) -> float:
    """Years of pattern hair loss before day 0 (negative: onset still ahead), as
    :func:`anagen.scalp.initial_scalp` does for a given stage."""
    names = stages_for(sex)
    if stage != names[0]:
        return float(stage_clock_years(params, sex, stage))
    tab = params.prevalence(sex)
    f_age = float(np.interp(age, tab.age_years, tab.fraction))
    u = f_age + rng.random() * (1.0 - f_age)  # the mildest stage: not yet affected at this age
    onset = float(onset_age(params, sex, u))
    start_age = max(onset - affected_clock_years(params, sex), age)
    return age - start_age


def area_state(
    params: ScalpParams,
    *,
    sex: str,
    age: float,
    stage: str,
    zone: str,
    rng: np.random.Generator,
    area_cm2: float = AREA_CM2,
) -> ScalpState:
    """Day-0 follicles of one target area of ``zone`` for a person of this age, sex and stage.

    The state holds only the area's follicles (all in ``zone``); its ``scale`` makes the
    trajectory's density of that zone equal to the area's count per cm².
    """
    j = ZONE_NAMES.index(zone)
    n = max(1, int(rng.poisson(_follicles_per_cm2(params)[j] * area_cm2)))
    st = normal_state(params, n, rng, sex=sex, age_years=age)
    zones = np.full(n, j, dtype=st.zone.dtype)
    st = replace(st, zone=zones, origin=zones.copy(), scale=area_cm2 / params.zones.area_cm2[j])
    years = _aga_years(params, sex, stage, age, rng)
    if not np.isfinite(years):
        return st
    if years <= 0:
        return replace(st, aga_start_day=-years * DAYS_PER_YEAR)
    st = replace(st, age_years=age - years, aga_start_day=0.0)
    traj = scalp_simulate(params, st, years=years, every=None, seed=rng)
    assert traj.final_state is not None
    return traj.final_state


def run_area(
    params: ScalpParams,
    state: ScalpState,
    visit_days: np.ndarray,
    modulation: Modulation | None,
    seed: np.random.SeedSequence,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the area to the last visit; true (anagen, non-growing, vellus) hair counts of its
    zone at day 0 and each visit, three arrays of shape ``(1 + len(visit_days),)``."""
    every = 7.0 if np.allclose(visit_days / 7.0, np.round(visit_days / 7.0)) else 1.0
    horizon = float(visit_days.max())
    traj = scalp_simulate(
        params, state, days=horizon, every=every, seed=seed, modulation=modulation
    )
    j = int(state.zone[0]) if state.n_follicles else 0
    k = np.concatenate(([0], np.searchsorted(traj.t_days, visit_days - 1e-9)))
    c = traj.counts[k, j]
    return c[:, _ANAGEN], c[:, _CATAGEN] + c[:, _TELOGEN], traj.vellus[k, j]


def read_terminal(
    anagen: np.ndarray,
    resting: np.ndarray,
    vellus: np.ndarray,
    cv: float,
    rng: np.random.Generator,
    area_cm2: float = AREA_CM2,
) -> np.ndarray:
    """Terminal hairs/cm² read at each visit: every count with relative reading error ``cv``
    (normal, truncated at 0), terminal = total - vellus, as the phototrichogram reads it."""
    z = rng.standard_normal((3, anagen.size))
    a = np.maximum(anagen * (1.0 + cv * z[0]), 0.0)
    t = np.maximum(resting * (1.0 + cv * z[1]), 0.0)
    v = np.maximum(vellus * (1.0 + cv * z[2]), 0.0)
    total = a + t
    return (total - np.minimum(v, total)) / area_cm2
