"""Harvest → process → inject arithmetic against the cited yields."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.therapy import (
    ZONE_AREA_CM2,
    Donor,
    Protocol,
    harvest,
    inject,
    load_protocol,
    process,
    protocol_paths,
    run_protocol,
)
from anagen.therapy.process import GROWTH_FACTORS_CM
from anagen.therapy.protocol import Harvest


def test_adipose_yield_is_within_cited_range_for_a_reference_donor():
    r = harvest(Harvest(source="adipose", fat_g=40), Donor(age=40))
    # 0.5-1.0 x 10^6 cells per g [T7], no donor penalty at 40, BMI unknown, non-smoker
    assert r.cells.min() >= 40 * 0.5e6 and r.cells.max() <= 40 * 1.0e6
    assert np.median(r.cells) == pytest.approx(40 * 0.75e6, rel=0.05)


@pytest.mark.parametrize(
    ("donor", "direction"),
    [(Donor(age=65), -1), (Donor(age=40, smoking="current"), -1), (Donor(age=40, bmi=27), +1)],
)
def test_donor_factors_move_yield_in_the_cited_direction(donor, direction):
    ref = np.median(harvest(Harvest(source="adipose", fat_g=40), Donor(age=40)).cells)
    got = np.median(harvest(Harvest(source="adipose", fat_g=40), donor).cells)
    assert np.sign(got - ref) == direction


def test_marrow_and_punch_yields():
    m = harvest(Harvest(source="bone_marrow", marrow_ml=25))
    assert m.cells.min() >= 25 * 46.4e6 and m.cells.max() <= 25 * 53.2e6  # [T45]
    one = harvest(Harvest(source="scalp_punch", punches=1, punch_mm=2.0), seed=3)
    five = harvest(Harvest(source="scalp_punch", punches=5, punch_mm=2.0), seed=3)
    np.testing.assert_allclose(five.cells, 5 * one.cells)
    # a 2 mm round punch has pi/4 of the 2 x 2 mm biopsy area of [T31]
    assert np.median(one.cells) == pytest.approx(3728.5 * np.pi / 4, rel=0.05)


def test_mechanical_recovers_30_to_50_percent_of_enzymatic(style_dict):
    d = copy.deepcopy(style_dict)
    d["protocol"]["product"] = "svf"
    del d["injection"]["cells_per_cm2"]
    enz = Protocol.from_dict(d)
    d["processing"]["method"] = "mechanical"
    mech = Protocol.from_dict(d)
    h = harvest(enz.harvest, seed=1)
    pe, pm = process(enz, h, seed=2), process(mech, h, seed=2)
    ratio = pm.processed / pe.processed
    assert ratio.min() >= 0.3 - 1e-12 and ratio.max() <= 0.5 + 1e-12  # [T8]
    assert np.all(pe.viable <= pe.processed)
    # without a target the whole viable yield is spread over the injected area
    np.testing.assert_allclose(pe.dose_per_cm2, pe.viable / enz.injection.total_area_cm2)


def test_target_dose_is_capped_by_the_yield(style_dict):
    proto = Protocol.from_dict(style_dict)
    pr = process(proto, harvest(proto.harvest, seed=1), seed=2)
    assert pr.dose_per_cm2.max() == pytest.approx(5e5)
    small = copy.deepcopy(style_dict)
    small["harvest"]["fat_g"] = 5
    ps = Protocol.from_dict(small)
    pr2 = process(ps, harvest(ps.harvest, seed=1), seed=2)
    assert pr2.target_shortfall == 1.0 and pr2.dose_per_cm2.max() < 5e5


def test_conditioned_medium_growth_factor_dose():
    run = run_protocol(load_protocol(protocol_paths()["fukuoka2012_adsc_cm"]))
    ml_per_cm2 = 3.0 / 100.0
    assert run.process.growth_factors_pg_per_cm2["VEGF"] == pytest.approx(
        GROWTH_FACTORS_CM["VEGF"][0] * ml_per_cm2
    )


def test_injection_points_volume_and_coverage(style_dict):
    run = run_protocol(Protocol.from_dict(style_dict))
    z = {d.zone: d for d in run.inject.zones}
    assert z["frontal"].n_points == 20  # 20 cm2 on a 1 cm grid
    assert run.inject.session_volume_ml == pytest.approx(
        4.0
    )  # 40 points x 0.1 mL = STYLE's 0.1 mL/cm2 x 40 cm2
    assert z["frontal"].coverage == pytest.approx(20 / ZONE_AREA_CM2["frontal"])
    cov = run.inject.coverage_map()
    assert cov["occipital"] == 0 and set(cov) == set(ZONE_AREA_CM2)
    assert [c.level for c in run.inject.checks] == ["ok"]


def test_injection_checks(style_dict):
    d = copy.deepcopy(style_dict)
    d["injection"]["volume_per_point_ml"] = 0.2
    d["injection"]["grid_spacing_cm"] = 0.4
    d["injection"]["depth_mm"] = 6.0
    proto = Protocol.from_dict(d)
    res = inject(proto, process(proto, harvest(proto.harvest)), dead_zones=["frontal"])
    fields = {c.field for c in res.checks if c.level == "warning"}
    assert {
        "injection",
        "injection.grid_spacing_cm",
        "injection.depth_mm",
        "injection.volume_per_point_ml",
        "injection.zones.frontal",
    } <= fields
    with pytest.raises(InputError, match=r"'injection\.zones\.frontal\.area_cm2'"):
        inject(
            proto,
            process(proto, harvest(proto.harvest)),
            zone_area_cm2=dict.fromkeys(ZONE_AREA_CM2, 10.0),
        )
    d["injection"]["zones"] = [{"zone": "frontal", "area_cm2": 200}]
    with pytest.raises(InputError, match=r"'injection\.zones\.frontal\.area_cm2' must be <= 67\.2"):
        Protocol.from_dict(d)


def test_run_to_dict_has_every_stage():
    d = run_protocol(load_protocol(protocol_paths()["kim2021_svf"])).to_dict()
    assert {"harvest", "process", "inject", "sessions", "regenerate", "status"} <= set(d)
    assert "prior medians" in d["status"]


def test_living_fraction_checks(style_dict):
    proto = Protocol.from_dict(style_dict)
    pr = process(proto, harvest(proto.harvest))
    res = inject(proto, pr, living_fraction={"frontal": 0.0, "mid_scalp": 0.01})
    msgs = {c.field: c.message for c in res.checks}
    assert "no living follicles" in msgs["injection.zones.frontal"]
    assert "only 1.0%" in msgs["injection.zones.mid_scalp"]
    ok = inject(proto, pr, living_fraction={"frontal": 0.5, "mid_scalp": 0.9})
    assert [c.level for c in ok.checks] == ["ok"]
