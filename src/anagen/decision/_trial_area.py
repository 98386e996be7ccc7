"""One virtual trial patient, simulated only where the trial measures: around the target area.

A trial counts the hairs of a fixed, tattooed 1 cm² target area at every visit [S22]. So a
virtual patient is not a whole scalp: it is a *patch* of the trial's zone — a Poisson number
(mean ``follicles/cm² x PATCH_CM2``, :func:`anagen.scalp.state.real_follicles_by_zone`) of real
follicles, started at equilibrium and run through the years of pattern hair loss that put the
model's reference scalp in the patient's stage (the same clock as
:func:`anagen.scalp.initial_scalp`). The measured outcome is then read by the model's one
outcome function, :func:`anagen.scalp.target_area_counts`: it draws the 1 cm² area's follicle
sites from the patch, runs only them and reads the SAME follicles at every visit with the cited
reading error (CV 6.3 % [S62]). The patch is twice the area so that the area's Poisson number
of sites always fits in it.

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

from anagen.scalp import ZONE_NAMES, stages_for
from anagen.scalp import simulate as scalp_simulate
from anagen.scalp.params import ScalpParams
from anagen.scalp.staging import affected_clock_years, onset_age, stage_clock_years
from anagen.scalp.state import DAYS_PER_YEAR, ScalpState, normal_state, real_follicles_by_zone

__all__ = ["PATCH_CM2", "area_state"]

#: Simulated patch of the zone around the 1 cm² target area [S22] (twice its size, so that the
#: area's Poisson number of follicle sites always fits: P(Poisson(229) > 458) < 1e-30).
PATCH_CM2 = 2.0


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
    area_cm2: float = PATCH_CM2,
) -> ScalpState:
    """Day-0 follicles of a ``area_cm2`` patch of ``zone`` for a person of this age, sex and
    stage (all follicles in ``zone``; ``scale`` makes the zone density the patch's per cm²)."""
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
