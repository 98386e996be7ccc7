"""Candidacy rules: trial exclusions and clinic contraindications → eligible / ask / not."""

from __future__ import annotations

import pytest

from anagen.errors import InputError
from anagen.therapy import Patient, assess, load_options, provider_questions

from .conftest import make_patient

CELLS = ("adipose_cells", "hf_micrografts", "bone_marrow_cells", "cell_free")


def test_example_patient_is_eligible_for_everything(patient_dict):
    p = Patient.from_dict(patient_dict)
    for option in load_options():
        assert assess(p, option).status == "eligible", option


@pytest.mark.parametrize(
    ("change", "option", "status"),
    [
        ({"health__pregnant": True}, "adipose_cells", "not_eligible"),
        ({"health__pregnant": True}, "prp", "not_eligible"),
        ({"health__pregnant": True}, "minoxidil_5", "ask_specialist"),
        ({"health__anticoagulants": True}, "hf_micrografts", "not_eligible"),
        ({"health__anticoagulants": True}, "transplant", "ask_specialist"),
        ({"health__low_dose_aspirin": True}, "prp", "ask_specialist"),
        ({"health__platelets_below_100k": True}, "prp", "not_eligible"),
        ({"health__platelets_below_100k": True}, "adipose_cells", "ask_specialist"),
        ({"health__active_scalp_infection": True}, "cell_free", "not_eligible"),
        ({"health__malignancy": True}, "bone_marrow_cells", "not_eligible"),
        ({"health__bleeding_disorder": True}, "prp", "not_eligible"),
        ({"health__active_autoimmune": True}, "adipose_cells", "not_eligible"),
        ({"health__active_autoimmune": True}, "prp", "eligible"),
        ({"health__thyroid_disorder": True}, "hf_micrografts", "ask_specialist"),
        ({"health__months_since_finasteride": 3}, "adipose_cells", "ask_specialist"),
        ({"health__months_since_finasteride": 13}, "adipose_cells", "eligible"),
        ({"patient__bmi": 41.0}, "adipose_cells", "not_eligible"),
        ({"patient__bmi": 41.0}, "hf_micrografts", "eligible"),
        ({"patient__smoking": "current"}, "adipose_cells", "ask_specialist"),
        ({"patient__smoking": "current"}, "hf_micrografts", "eligible"),
        ({"patient__stage": "II"}, "adipose_cells", "ask_specialist"),
        ({"patient__stage": "VI"}, "adipose_cells", "ask_specialist"),
        ({"patient__stage": "VI"}, "transplant", "eligible"),
        ({"patient__age": 16, "patient__years_since_onset": 1}, "prp", "not_eligible"),
        ({"patient__sex": "F", "patient__stage": "II-1"}, "finasteride_1mg", "ask_specialist"),
        ({"patient__sex": "F", "patient__stage": "II-1"}, "adipose_cells", "eligible"),
        ({"follicles__no_living_follicles": ["occipital"]}, "transplant", "not_eligible"),
        ({"follicles__no_living_follicles": ["vertex"]}, "adipose_cells", "ask_specialist"),
        (
            {"follicles__no_living_follicles": ["frontal", "mid_scalp", "vertex", "temporal"]},
            "hf_micrografts",
            "not_eligible",
        ),
    ],
)
def test_rules(patient_dict, change, option, status):
    c = assess(make_patient(patient_dict, **change), option)
    assert c.status == status, c.reasons
    if status != "eligible":
        assert any(r.effect == status for r in c.reasons)


def test_reasons_cite_sources_and_cells_carry_a_regulatory_note(patient_dict):
    c = assess(make_patient(patient_dict, health__pregnant=True), "adipose_cells")
    not_ok = [r for r in c.reasons if r.effect == "not_eligible"]
    assert not_ok[0].sources == ("T19", "T83")
    assert any("FDA" in r.text for r in c.reasons if r.effect == "note")


def test_dead_zone_by_measured_zero_density(patient_dict):
    p = make_patient(patient_dict, follicles__measured_density_per_cm2={"occipital": 0.0})
    assert p.dead_zones == ("occipital",)


def test_provider_questions():
    cell = provider_questions("adipose_cells")
    assert any("clinical trial" in q for q, _ in cell) and all(src for _, src in cell)
    surgery = provider_questions("transplant")
    assert any("operates" in q for q, _ in surgery)
    with pytest.raises(InputError, match="'option'"):
        provider_questions("magic")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"patient__stage": "IX"}, "patient.stage"),
        ({"patient__sex": "X"}, "patient.sex"),
        ({"patient__age": -3}, "patient.age"),
        ({"patient__years_since_onset": 90}, "patient.years_since_onset"),
        ({"health__pregant": True}, "health.pregant"),
        ({"follicles__no_living_follicles": ["crown"]}, "follicles"),
    ],
)
def test_bad_patient_names_the_key(patient_dict, change, field):
    with pytest.raises(InputError, match=f"'{field}'"):
        make_patient(patient_dict, **change)
