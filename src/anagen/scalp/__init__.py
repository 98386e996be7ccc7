"""The scalp: a stochastic follicle-population model with pattern hair loss.

Public API::

    params = default_params()                     # or load_params("my.toml")
    state = initial_scalp(params, age=45, sex="M", stage="III", n_follicles=20_000, seed=1)
    traj = simulate(params, state, days=3 * 365, every=30, seed=2, modulation=None)
    traj.density_per_cm2, traj.fractions["anagen"], traj.stage(), traj.to_dict()
    # the measured outcome (trials, calibration, simulate, compare, assess):
    m = target_area_counts(params, state, zone="vertex", visit_days=[0, 168, 336], seed=3)
    m.change("terminal"), m.terminal_per_cm2, m.total_per_cm2

See ``docs/scalp.md`` for the model, its sources and its calibration.
"""

from anagen.scalp._modulation import ZONE_NAMES, Modulation, Transplant
from anagen.scalp.engine import simulate, simulate_replicates
from anagen.scalp.measure import TargetAreaCounts, ZoneMean, target_area_counts, zone_mean_density
from anagen.scalp.params import (
    AGAParams,
    CycleParams,
    ScalpParams,
    ZoneParams,
    default_params,
    load_params,
    params_from_dict,
)
from anagen.scalp.staging import initial_scalp, onset_age, scalp_stage, stages_for
from anagen.scalp.state import ScalpState
from anagen.scalp.trajectory import PHASES, ScalpTrajectory

__all__ = [
    "PHASES",
    "ZONE_NAMES",
    "AGAParams",
    "CycleParams",
    "Modulation",
    "ScalpParams",
    "ScalpState",
    "ScalpTrajectory",
    "TargetAreaCounts",
    "Transplant",
    "ZoneMean",
    "ZoneParams",
    "default_params",
    "initial_scalp",
    "load_params",
    "onset_age",
    "params_from_dict",
    "scalp_stage",
    "simulate",
    "simulate_replicates",
    "stages_for",
    "target_area_counts",
    "zone_mean_density",
]
