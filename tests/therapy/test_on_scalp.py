"""Through the real scalp engine (small scalps): dead follicles never return; effects point the right way."""

from __future__ import annotations

import numpy as np
import pytest

from anagen.scalp import ZONE_NAMES, simulate
from anagen.scalp.state import PHASE_CODES
from anagen.therapy import (
    CellTherapy,
    Finasteride,
    HairTransplant,
    Minoxidil,
    NoTreatment,
    Patient,
    RegenerationParams,
    load_protocol,
    patient_scalp,
    protocol_paths,
    simulate_treatment,
)
from anagen.therapy.pipeline import run_protocol

from .conftest import make_patient

N = 4000


def test_dead_zone_stays_at_zero_density_under_cell_therapy(patient_dict):
    pat = make_patient(patient_dict, follicles__no_living_follicles=["vertex"])
    proto = load_protocol(protocol_paths()["gentile2019_micrografts"])  # injects the vertex
    run = simulate_treatment(CellTherapy(proto), pat, years=2, seed=3, n_follicles=N)
    v = ZONE_NAMES.index("vertex")
    assert np.all(run.treated[:, v] == 0.0) and np.all(run.untreated[:, v] == 0.0)
    assert run.treated[0, ZONE_NAMES.index("frontal")] > 0


def test_strong_regeneration_never_revives_dead_follicles(patient_dict):
    pat = make_patient(
        patient_dict, patient__stage="VI", follicles__no_living_follicles=["frontal"]
    )
    params, state = patient_scalp(pat, n_follicles=N, seed=1)
    dead0 = state.phase == PHASE_CODES["dead"]
    strong = RegenerationParams(120.0, 0.1, 1.0, 0.95, 1.0, 1.0)
    mod = run_protocol(load_protocol(protocol_paths()["gentile2019_micrografts"]), pat).modulation(
        730, strong, injected_area=True
    )
    traj = simulate(params, state, days=730, every=30, seed=2, modulation=mod)
    assert np.all(traj.density_per_cm2[:, ZONE_NAMES.index("frontal")] == 0.0)
    assert int(np.count_nonzero(traj.final_state.phase[dead0] != PHASE_CODES["dead"])) == 0


def test_regeneration_raises_density_where_injected(patient_dict):
    pat = Patient.from_dict(patient_dict)
    params, state = patient_scalp(pat, n_follicles=20_000, seed=5)
    strong = RegenerationParams(90.0, 0.3, 1.0, 0.9, 0.8, 0.3)
    run = run_protocol(load_protocol(protocol_paths()["style_low_dose"]), pat)
    mod = run.modulation(365, strong, injected_area=True)
    kw = {"days": 365, "every": 30, "seed": 6}
    treated = simulate(params, state, modulation=mod, **kw).density_per_cm2
    untreated = simulate(params, state, **kw).density_per_cm2
    f, o = ZONE_NAMES.index("frontal"), ZONE_NAMES.index("occipital")
    diff = treated - untreated
    assert diff[3:7, f].mean() > 5.0  # months 3-6
    assert abs(diff[:, o]).max() < 3.0  # an untreated zone is not moved beyond noise


def test_alternatives_direction(patient_dict):
    pat = Patient.from_dict(patient_dict)
    scalp = patient_scalp(pat, n_follicles=20_000, seed=2)
    f = ZONE_NAMES.index("frontal")
    for t in (Minoxidil(), Finasteride()):
        run = simulate_treatment(t, pat, years=2, seed=2, scalp=scalp)
        assert run.effect_at(2)[f] > 3.0, t.name
    none = simulate_treatment(NoTreatment(), pat, years=1, seed=2, scalp=scalp)
    np.testing.assert_array_equal(none.treated, none.untreated)


def test_transplant_moves_density_from_donor_to_recipient(patient_dict):
    pat = Patient.from_dict(patient_dict)
    run = simulate_treatment(HairTransplant(grafts=2000), pat, years=1, seed=4, n_follicles=20_000)
    eff = run.effect_at(1)
    assert eff[ZONE_NAMES.index("occipital")] < -20  # 4,400 follicles leave 89.6 cm2
    assert eff[ZONE_NAMES.index("frontal")] > 10


def test_living_fraction_from_the_simulated_scalp(patient_dict):
    from anagen.therapy import living_fraction_by_zone

    pat = make_patient(patient_dict, follicles__no_living_follicles=["vertex"])
    alive = living_fraction_by_zone(patient_scalp(pat, n_follicles=N, seed=1)[1])
    assert alive["vertex"] == 0.0 and alive["occipital"] > 0.9


def test_prior_band_brackets_a_plausible_range(patient_dict):
    pat = Patient.from_dict(patient_dict)
    run = simulate_treatment(Minoxidil(), pat, years=1, seed=1, n_follicles=5000, draws=6)
    lo, hi = run.effect_band()
    assert run.effect_draws.shape == (6, *run.treated.shape)
    assert np.all(lo <= hi)
    f = ZONE_NAMES.index("frontal")
    assert hi[-1, f] > 0 and "effect_prior_band_90" in run.to_dict()
    assert (
        simulate_treatment(Minoxidil(), pat, years=1, seed=1, n_follicles=5000).effect_band()
        is None
    )


def test_measured_density_thins_the_zone(patient_dict):
    pat = make_patient(patient_dict, follicles__measured_density_per_cm2={"frontal": 120.0})
    params, state = patient_scalp(pat, n_follicles=20_000, seed=2)
    traj = simulate(params, state, days=1, every=1, seed=3)
    assert traj.density_per_cm2[0, ZONE_NAMES.index("frontal")] == pytest.approx(120.0, abs=8.0)
