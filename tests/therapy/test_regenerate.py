"""The regenerate step without the scalp engine: direction, saturation, fade, additivity, targeting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES
from anagen.therapy import DEFAULT_PRIORS, RegenerationParams, exposure, regenerate, response

P = RegenerationParams(
    half_life_days=30, ec50=0.5, hill=1.0, emax_latency=0.6, emax_anagen=0.4, emax_reversal=0.2
)
NZ = len(ZONE_NAMES)
FRONTAL = ZONE_NAMES.index("frontal")


def _only(zone: str, value: float = 1.0) -> np.ndarray:
    v = np.zeros(NZ)
    v[ZONE_NAMES.index(zone)] = value
    return v


def test_exposure_decays_with_half_life_and_is_zero_before():
    e = exposure([-1.0, 0.0, 30.0, 60.0], [0.0], np.ones(NZ), 30.0)[:, 0]
    np.testing.assert_allclose(e, [0.0, 1.0, 0.5, 0.25])


def test_sessions_add():
    t = np.linspace(0, 400, 81)
    both = exposure(t, [0.0, 90.0], np.ones(NZ), 30.0)
    a = exposure(t, [0.0], np.ones(NZ), 30.0)
    b = exposure(t, [90.0], np.ones(NZ), 30.0)
    np.testing.assert_allclose(both, a + b)


def test_response_saturates():
    r = response(np.array([0.0, 0.5, 5.0, 50.0, 5000.0]), 0.5, 1.0)
    np.testing.assert_allclose(r[:2], [0.0, 0.5])
    assert np.all(np.diff(r) > 0) and r[-1] < 1.0
    # doubling the dose adds less and less
    gains = np.diff(response(np.array([0.25, 0.5, 1, 2, 4, 8]), 0.5, 1.0))
    assert np.all(np.diff(gains) < 0)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 100.0), st.floats(0.0, 100.0), st.floats(0.01, 10.0), st.floats(0.3, 4.0))
def test_response_is_monotone_and_bounded(e1, e2, ec50, hill):
    lo, hi = sorted((e1, e2))
    r = response(np.array([lo, hi]), ec50, hill)
    assert 0.0 <= r[0] <= r[1] < 1.0


def test_direction_and_zone_targeting():
    mod = regenerate([0.0], _only("frontal", 2.0), _only("frontal"), P, horizon_days=730)
    f = FRONTAL
    assert np.all(mod.latency_factor[:, f] <= 1) and mod.latency_factor[0, f] < 0.7
    assert np.all(mod.anagen_factor[:, f] >= 1) and mod.anagen_factor[0, f] > 1.2
    assert np.all(mod.reversal[:, f] >= 0) and mod.reversal[0, f] > 0.1
    others = [i for i in range(NZ) if i != f]
    assert np.all(mod.latency_factor[:, others] == 1.0)
    assert np.all(mod.anagen_factor[:, others] == 1.0)
    assert np.all(mod.reversal[:, others] == 0.0)
    assert np.all(mod.progression_factor == 1.0) and mod.transplants == ()


def test_effect_fades_after_the_last_session():
    mod = regenerate([0.0, 30.0, 60.0], _only("vertex"), _only("vertex"), P, horizon_days=3 * 365)
    v = ZONE_NAMES.index("vertex")
    assert mod.t_days[-1] > 60.0
    assert mod.latency_factor[-1, v] == 1.0 and mod.reversal[-1, v] == 0.0
    # the effect only weakens once the sessions are over
    after = mod.t_days >= 60.0
    assert np.all(np.diff(mod.latency_factor[after, v]) >= -1e-12)


def test_saturation_in_the_modulation():
    lat = {}
    for dose in (0.0, 1.0, 2.0, 3.0, 4.0, 8.0, 16.0):  # equal steps, then doublings
        lat[dose] = (
            1
            - regenerate(
                [0.0], _only("frontal", dose), _only("frontal"), P, horizon_days=365
            ).latency_factor[0, FRONTAL]
        )
    v = np.array(list(lat.values()))
    assert np.all(np.diff(v) > 0)
    gains = np.diff(v[:5])  # equal dose steps add less and less (concave, hill = 1)
    assert np.all(np.diff(gains) < 0)
    assert v[-1] - v[-2] < v[1] - v[0]  # doubling 8 -> 16 adds less than the first unit
    assert lat[16.0] < P.emax_latency


def test_repeat_sessions_give_more_exposure_time():
    one = regenerate([0.0], _only("frontal"), _only("frontal"), P, horizon_days=730)
    three = regenerate([0.0, 45.0, 90.0], _only("frontal"), _only("frontal"), P, horizon_days=730)

    def area(m):  # integral of the latency reduction over time
        t = np.append(m.t_days, 730.0)
        return float(np.sum((1 - m.latency_factor[:, FRONTAL]) * np.diff(t)))

    assert area(three) > 2.0 * area(one)


def test_coverage_scales_the_zone_mean():
    full = regenerate([0.0], _only("frontal"), _only("frontal", 1.0), P, horizon_days=365)
    half = regenerate([0.0], _only("frontal"), _only("frontal", 0.5), P, horizon_days=365)
    np.testing.assert_allclose(
        1 - half.latency_factor[:, FRONTAL], 0.5 * (1 - full.latency_factor[:, FRONTAL])
    )


def test_no_dose_is_no_treatment():
    mod = regenerate([0.0], np.zeros(NZ), np.zeros(NZ), P, horizon_days=365)
    assert mod.n_epochs == 1 and np.all(mod.latency_factor == 1.0)


def test_priors_are_named_and_sampleable():
    rng = np.random.default_rng(0)
    med = DEFAULT_PRIORS.median()
    assert med.half_life_days == DEFAULT_PRIORS.half_life_days.median
    draws = [DEFAULT_PRIORS.sample(rng) for _ in range(50)]
    assert len({d.half_life_days for d in draws}) == 50
    assert all(0 <= d.emax_latency < 1 and 0 <= d.emax_reversal <= 1 for d in draws)
    assert all(p["assumption"] for p in DEFAULT_PRIORS.to_dict().values())


@pytest.mark.parametrize(
    ("field", "value"),
    [("ec50", 0.0), ("emax_latency", 1.0), ("emax_reversal", 1.5), ("half_life_days", -1.0)],
)
def test_params_validate(field, value):
    kw = P.to_dict() | {field: value}
    with pytest.raises(InputError, match=f"'{field}'"):
        RegenerationParams(**kw)


def test_bad_regenerate_inputs():
    with pytest.raises(InputError, match="'coverage_by_zone'"):
        regenerate([0.0], np.ones(NZ), np.full(NZ, 2.0), P, horizon_days=10)
    with pytest.raises(InputError, match="'dose_by_zone'"):
        regenerate([0.0], -np.ones(NZ), np.ones(NZ), P, horizon_days=10)
