"""Pattern-hair-loss stages ↔ scalp states, onset by age and sex, and ``initial_scalp``.

A zone counts as *visibly* bald when its terminal density has fallen by ``staging.visible_loss``
(50 % by default; sources conflict between 30 % and 55 % [S65][S66][S67]) and as *thinning* at
half that loss. Stages are then read from which zones are bald, following the order of the
Norwood–Hamilton scale for men (temporal recession, frontal loss, vertex, loss of the mid-scalp
bridge, then the parietal fringe; the occipital zone is spared [S47]) and of the Ludwig scale for
women (central thinning of the mid-scalp, then vertex and frontal; occipital stable [S49]).
Numbers of hairs per cm² per stage are not available in any accessible source (reference §5.3),
so this mapping is a model rule, not a calibration.

Onset: the age at which a person becomes *affected* (Norwood ``staging.affected_stage_male``,
Ludwig ``affected_stage_female``) is drawn from the cumulative prevalence table of their sex
([RHODES98] and [S54] for men, [S55] and [GAN05] for women), and pattern hair loss starts as long before that age as the
reference scalp needs to reach the affected stage. A simulated population therefore reproduces
the prevalence table by construction of the onset and by simulation of the scalp.

References
----------
.. [S47] Vecchio F, Guarrera M, Rebora A. Perception of baldness and hair density. Dermatology
   2002;204:33-36.
.. [S49] Mapping the hair density, thickness and volume in normal and androgenetic alopecia
   subjects with the digital microscope (49 normal, 111 AGA), abstract.
.. [S54] BMJ Best Practice, Androgenetic alopecia: epidemiology.
.. [S55] Blume-Peytavi U, et al. S1 guideline for diagnostic evaluation in androgenetic alopecia
   in men, women and adolescents. Br J Dermatol 2011;164:5-15.
.. [RHODES98] Rhodes T, et al. Prevalence of male pattern hair loss in 18-49 year old men.
   Dermatol Surg 1998;24:1330-1332 (PMID 9865198).
.. [GAN05] Gan DCC, Sinclair RD. Prevalence of male and female pattern hair loss in Maryborough.
   J Investig Dermatol Symp Proc 2005;10:184-189.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from anagen.errors import InputError
from anagen.scalp._kernels import LATENCY
from anagen.scalp.params import LUDWIG_STAGES, NORWOOD_STAGES, ScalpParams
from anagen.scalp.state import DAYS_PER_YEAR, ScalpState, SeedLike, as_generator, normal_state

__all__ = [
    "initial_scalp",
    "onset_age",
    "scalp_stage",
    "stage_clock_years",
    "stage_from_loss",
    "stage_timeline",
    "stages_for",
]

_F, _M, _V, _T, _P = 0, 1, 2, 3, 4
REFERENCE_FOLLICLES = 12_000
REFERENCE_YEARS = 80.0


def stages_for(sex: str) -> tuple[str, ...]:
    """Stage names, mildest first: Norwood–Hamilton for ``"M"``, Ludwig for ``"F"``."""
    return LUDWIG_STAGES if sex == "F" else NORWOOD_STAGES


def stage_from_loss(loss: np.ndarray, sex: str, visible_loss: float) -> str:
    """Stage of a scalp from the fractional terminal-density loss of each zone."""
    loss = np.nan_to_num(np.asarray(loss, dtype=float), nan=1.0)
    vis = loss >= visible_loss
    part = loss >= 0.5 * visible_loss
    if sex == "F":
        if vis[_M] and vis[_V] and vis[_F]:
            return "III"
        if vis[_M]:
            return "II"
        if part[_M]:
            return "I"
        return "0"
    if vis[_F] and vis[_M] and vis[_V] and vis[_P]:
        return "VII"
    if vis[_F] and vis[_M] and vis[_V]:
        return "VI"
    if vis[_F] and vis[_V] and part[_M]:
        return "V"
    if vis[_F] and vis[_V]:
        return "IV"
    if vis[_T] and vis[_V]:
        return "IIIv"
    if vis[_T] or vis[_F]:
        return "III"
    if part[_T] or part[_F]:
        return "II"
    return "I"


def zone_loss_of_state(params: ScalpParams, state: ScalpState) -> np.ndarray:
    """Fractional terminal-density loss per zone of a state (hairs present, shaft >= threshold)."""
    nz = len(params.zones.area_cm2)
    term = (state.phase < LATENCY) & (state.diam >= params.aga.vellus_threshold_um)
    dens = np.bincount(state.zone[term], minlength=nz) / (
        state.scale * np.asarray(params.zones.area_cm2)
    )
    return 1.0 - dens / np.asarray(params.zones.hair_density_per_cm2)


def scalp_stage(params: ScalpParams, state: ScalpState) -> str:
    """Norwood–Hamilton / Ludwig stage of a scalp state."""
    return stage_from_loss(
        zone_loss_of_state(params, state), state.sex, params.staging.visible_loss
    )


@lru_cache(maxsize=16)
def stage_timeline(params: ScalpParams, sex: str) -> tuple[np.ndarray, np.ndarray]:
    """Stage index over years of pattern hair loss for the reference scalp of ``sex``.

    The reference scalp has :data:`REFERENCE_FOLLICLES` follicles started at equilibrium, with
    pattern hair loss from year 0, simulated by the stochastic engine with a fixed seed (so the
    timeline is deterministic). Returns years and the running maximum of the stage index.
    """
    from anagen.scalp.engine import simulate

    rng = np.random.default_rng(np.random.SeedSequence(20020207))
    st = normal_state(
        params, REFERENCE_FOLLICLES, rng, sex=sex, age_years=np.nan, start="equilibrium"
    )
    st = _with_aga_start(st, 0.0)
    traj = simulate(params, st, years=REFERENCE_YEARS, every=DAYS_PER_YEAR / 12, seed=rng)
    names = stages_for(sex)
    idx = np.array([names.index(s) for s in traj.stages()])
    return traj.t_days / DAYS_PER_YEAR, np.maximum.accumulate(idx)


def stage_clock_years(params: ScalpParams, sex: str, stage: str) -> float:
    """Years of pattern hair loss after which the reference scalp is in the middle of ``stage``."""
    names = stages_for(sex)
    years, idx = stage_timeline(params, sex)
    j = names.index(stage)
    reached = np.flatnonzero(idx >= j)
    if reached.size == 0 or idx[reached[0]] != j:
        ok = [names[i] for i in np.unique(idx)]
        raise InputError(
            field="stage",
            allowed=f"a stage the model reaches with these parameters ({', '.join(ok)})",
            got=stage,
        )
    enter = years[reached[0]]
    after = np.flatnonzero(idx > j)
    leave = years[after[0]] if after.size else min(enter + 10.0, years[-1])
    return float(0.5 * (enter + leave))


def affected_clock_years(params: ScalpParams, sex: str) -> float:
    """Years of pattern hair loss until the reference scalp first reaches the affected stage."""
    names = stages_for(sex)
    target = (
        params.staging.affected_stage_female if sex == "F" else params.staging.affected_stage_male
    )
    years, idx = stage_timeline(params, sex)
    reached = np.flatnonzero(idx >= names.index(target))
    return float(years[reached[0]]) if reached.size else np.inf


def onset_age(params: ScalpParams, sex: str, u: np.ndarray | float) -> np.ndarray:
    """Age at which a person with uniform variate ``u`` becomes affected (``inf``: never).

    Inverse of the piecewise-linear cumulative prevalence table (``[prevalence.*]``).
    """
    tab = params.prevalence(sex)
    a, f = np.asarray(tab.age_years), np.asarray(tab.fraction)
    u = np.asarray(u, dtype=float)
    # np.interp needs increasing x; drop flat steps of the table (equal fractions)
    keep = np.concatenate(([True], np.diff(f) > 0))
    age = np.interp(u, f[keep], a[keep])
    return np.where(u < f[-1], age, np.inf)


def _with_aga_start(st: ScalpState, day: float) -> ScalpState:
    from dataclasses import replace

    return replace(st, aga_start_day=float(day))


def _check_sex(sex: str) -> str:
    s = str(sex).upper()
    if s not in ("M", "F"):
        raise InputError(field="sex", allowed="M or F", got=sex)
    return s


def initial_scalp(
    params: ScalpParams,
    *,
    age: float | None = None,
    sex: str = "M",
    stage: str | None = None,
    n_follicles: int = 100_000,
    seed: SeedLike = None,
    start: str | None = None,
) -> ScalpState:
    """A day-0 scalp for a person of given age and sex, optionally at a given stage.

    Parameters
    ----------
    params
        Model parameters.
    age
        Age in years. Without ``stage``, the person's onset of pattern hair loss is drawn from
        the prevalence table (so a random person of that age and sex); with ``stage``, it only
        labels the state.
    sex
        ``"M"`` or ``"F"``.
    stage
        Norwood–Hamilton (``"I"``..``"VII"``, ``"IIIv"``) for men, Ludwig (``"0"``, ``"I"``..
        ``"III"``) for women: the scalp starts in the middle of that stage of the reference
        progression, with pattern hair loss continuing.
    n_follicles
        Simulated follicles (about 100,000 on a real scalp [S2]); densities are rescaled.
    seed
        Seed of the initial state (and of the simulated history up to day 0).
    start
        ``"equilibrium"`` or ``"anagen"``; default ``params.start_state``.

    Returns
    -------
    ScalpState
    """
    sex = _check_sex(sex)
    if age is not None and (
        isinstance(age, bool | np.bool_)
        or not isinstance(age, numbers.Real)
        or not 0 <= age <= 120  # False for NaN
    ):
        raise InputError(field="age", allowed="a number in [0, 120]", got=age)
    if isinstance(age, np.generic):
        age = age.item()  # a NumPy number is a number too
    names = stages_for(sex)
    if stage is not None and str(stage) not in names:
        scale = "Ludwig" if sex == "F" else "Norwood-Hamilton"
        raise InputError(field="stage", allowed=f"a {scale} stage ({', '.join(names)})", got=stage)
    rng = as_generator(seed)
    st = normal_state(
        params,
        n_follicles,
        rng,
        sex=sex,
        age_years=np.nan if age is None else float(age),
        start=start,
    )
    if stage is not None and str(stage) != names[0]:
        years = stage_clock_years(params, sex, str(stage))
    elif age is not None:
        u = rng.random()
        if stage is not None:  # the mildest stage: not yet affected at this age
            f_age = float(
                np.interp(age, params.prevalence(sex).age_years, params.prevalence(sex).fraction)
            )
            u = f_age + u * (1.0 - f_age)
        onset = float(onset_age(params, sex, u))
        start_age = onset - affected_clock_years(params, sex)
        if stage is not None:
            start_age = max(start_age, float(age))
        years = float(age) - start_age
        if years <= 0:
            return _with_aga_start(st, -years * DAYS_PER_YEAR) if np.isfinite(years) else st
    else:
        return st
    return _burn_in(params, st, years, rng)


def _burn_in(
    params: ScalpParams, st: ScalpState, years: float, rng: np.random.Generator
) -> ScalpState:
    """Simulate ``years`` of pattern hair loss before day 0 and move the origin to its end."""
    from dataclasses import replace

    from anagen.scalp.engine import simulate

    st = replace(st, age_years=st.age_years - years, aga_start_day=0.0)
    traj = simulate(params, st, years=years, every=None, seed=rng)
    assert traj.final_state is not None
    return traj.final_state
