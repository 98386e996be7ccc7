"""The engines apply a Modulation as its docstring says."""

from __future__ import annotations

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, Modulation, Transplant, initial_scalp, simulate

NZ = len(ZONE_NAMES)


def _mod(t_days, **factors):
    m = len(t_days)
    return Modulation(
        t_days=np.asarray(t_days, float), **{k: np.full((m, NZ), v) for k, v in factors.items()}
    )


@pytest.fixture(scope="module")
def balding(params):
    return initial_scalp(params, age=40, sex="M", stage="IV", n_follicles=12_000, seed=91)


@pytest.mark.parametrize("engine", ["stochastic", "meanfield"])
def test_neutral_modulation_changes_nothing(params, balding, engine):
    a = simulate(params, balding, years=2, every=180, seed=1, engine=engine)
    b = simulate(
        params, balding, years=2, every=180, seed=1, engine=engine, modulation=Modulation.none()
    )
    np.testing.assert_allclose(a.counts, b.counts)


@pytest.mark.parametrize("engine", ["stochastic", "meanfield"])
def test_longer_anagen_and_shorter_latency_raise_density(params, balding, engine):
    base = simulate(params, balding, years=2, every=365.25, seed=2, engine=engine)
    mod = _mod([0.0], anagen_factor=2.0, latency_factor=0.25)
    treated = simulate(
        params, balding, years=2, every=365.25, seed=2, engine=engine, modulation=mod
    )
    vertex = ZONE_NAMES.index("vertex")
    assert treated.density_per_cm2[-1, vertex] > base.density_per_cm2[-1, vertex] + 5
    assert treated.fractions["latency"][-1] < base.fractions["latency"][-1]


def test_latency_rescaled_at_epoch_boundary(params, balding):
    # latency factor 0.1 from day 100: follicles already dormant wake up sooner, so the
    # latency fraction one month later is well below the untreated run
    lf = np.ones((2, NZ))
    lf[1] = 0.1
    mod = Modulation(t_days=np.array([0.0, 100.0]), latency_factor=lf)
    base = simulate(params, balding, days=130, every=10, seed=3)
    treated = simulate(params, balding, days=130, every=10, seed=3, modulation=mod)
    # the same law before day 100 (the random streams differ, so compare within binomial error)
    p, n = base.fractions["latency"][:10], balding.n_follicles
    assert np.all(
        np.abs(treated.fractions["latency"][:10] - p) < 4.5 * np.sqrt(2 * p * (1 - p) / n)
    )
    assert treated.fractions["latency"][-1] < 0.6 * base.fractions["latency"][-1]


def test_progression_factor_zero_halts_pattern_loss(params, balding):
    halt = _mod([0.0], progression_factor=0.0)
    traj = simulate(params, balding, years=6, every=365.25, seed=4, modulation=halt)
    q0 = balding.q
    q1 = traj.final_state.q
    assert np.all(q1 <= q0 + 1e-6)
    assert traj.counts[-1, :, 4].sum() == traj.counts[0, :, 4].sum()  # no follicle lost
    free = simulate(params, balding, years=6, every=365.25, seed=4)
    assert free.counts[-1, :, 4].sum() > free.counts[0, :, 4].sum()


def test_reversal_undoes_miniaturisation(params, balding):
    mod = _mod([0.0], reversal=1.0, progression_factor=0.0)
    traj = simulate(params, balding, years=8, every=365.25, seed=5, modulation=mod)
    vertex = ZONE_NAMES.index("vertex")
    assert traj.mean_diameter_um[-1, vertex] > traj.mean_diameter_um[0, vertex] + 10


@pytest.mark.parametrize("engine", ["stochastic", "meanfield"])
def test_transplant_moves_living_follicles(params, balding, engine):
    tp = Transplant(
        day=30.0, from_zone="occipital", to_zone="vertex", n_follicles=2000, survival=0.9
    )
    mod = Modulation(t_days=np.zeros(1), transplants=(tp,))
    traj = simulate(params, balding, days=60, every=30, seed=6, engine=engine, modulation=mod)
    occ, ver = ZONE_NAMES.index("occipital"), ZONE_NAMES.index("vertex")
    moved = 2000 * balding.scale
    alive = traj.alive
    # the sample on day 30 already shows the transplant; occipital follicles never die of AGA
    assert alive[1, occ] == pytest.approx(alive[0, occ] - moved, abs=1.5)
    gained = alive[1, ver] - alive[0, ver]
    # 90 % of the grafts take (binomial), minus the few vertex follicles lost in 30 days
    assert gained == pytest.approx(0.9 * moved, abs=4 * np.sqrt(moved * 0.09) + 15)
    assert traj.counts[2].sum() == pytest.approx(balding.n_follicles)
    assert (
        traj.final_state is None
        or np.count_nonzero(traj.final_state.origin != traj.final_state.zone) > 0
    )


def test_bad_run_length(params, balding):
    with pytest.raises(InputError, match="'years'"):
        simulate(params, balding, years=0)
    with pytest.raises(InputError, match="'days'"):
        simulate(params, balding, days=-1)
    with pytest.raises(InputError, match="'engine'"):
        simulate(params, balding, days=1, engine="euler")
