"""Candidacy rules: trial exclusions and clinic contraindications → eligible / ask / not."""

from __future__ import annotations

import pytest

from anagen.errors import InputError
from anagen.therapy import Patient, assess, load_options, provider_questions

from .conftest import make_patient

CELLS = ("adipose_cells", "hf_micrografts", "bone_marrow_cells", "cell_free")
WOMAN = {"patient__sex": "F", "patient__stage": "II"}


def test_example_patient_is_eligible_for_everything(patient_dict):
    p = Patient.from_dict(patient_dict)
    for option in load_options():
        assert assess(p, option).status == "eligible", option


@pytest.mark.parametrize(
    ("change", "option", "status"),
    [
        ({**WOMAN, "health__pregnant": True}, "adipose_cells", "not_eligible"),
        ({**WOMAN, "health__pregnant": True}, "prp", "not_eligible"),
        ({**WOMAN, "health__pregnant": True}, "minoxidil_5", "not_eligible"),
        ({**WOMAN, "health__pregnant": True}, "minoxidil_2", "not_eligible"),
        ({**WOMAN, "health__breastfeeding": True}, "minoxidil_2", "not_eligible"),
        ({**WOMAN, "health__breastfeeding": True}, "minoxidil_5", "not_eligible"),
        ({**WOMAN, "health__may_become_pregnant": True}, "minoxidil_2", "eligible"),
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
        ({"patient__stage": "VI"}, "adipose_cells", "ask_specialist"),
        ({"patient__stage": "VI"}, "transplant", "eligible"),
        ({"patient__age": 16, "patient__years_since_onset": 1}, "prp", "not_eligible"),
        ({"patient__sex": "F", "patient__stage": "II-1"}, "finasteride_1mg", "not_eligible"),
        (
            {"patient__sex": "F", "patient__stage": "II-1", "health__may_become_pregnant": False},
            "finasteride_1mg",
            "ask_specialist",
        ),
        ({"patient__age": 24, "patient__years_since_onset": 2}, "transplant", "ask_specialist"),
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
    c = assess(make_patient(patient_dict, **WOMAN, health__pregnant=True), "adipose_cells")
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


@pytest.mark.parametrize(
    ("sex", "stage", "product", "status", "needle"),
    [
        # Ludwig II is Savin II-1/II-2: inside STYLE, not "outside" (the old bug)
        ("F", "II", "svf_enriched_fat", "eligible", "Savin II-1/II-2"),
        ("F", "Sinclair-4", "svf_enriched_fat", "eligible", "Ludwig II"),
        ("F", "I", "svf_enriched_fat", "ask_specialist", "spans Savin I-1, I-2, I-3, I-4"),
        ("F", "III", "svf_enriched_fat", "ask_specialist", "advanced"),
        # STYLE's criteria are not applied to other products: each has its own trial
        ("M", "II", "svf_enriched_fat", "ask_specialist", "outside the stages the STYLE trial"),
        ("M", "II", "hf_micrografts", "eligible", "Gentile 2019"),
        ("M", "III", "svf", "ask_specialist", "Kim 2021"),
        ("M", "II", "bone_marrow_cells", "eligible", "not in anagen's sources"),
    ],
)
def test_each_product_checked_against_its_own_trial(
    patient_dict, sex, stage, product, status, needle
):
    from anagen.therapy.products import PRODUCTS

    p = make_patient(patient_dict, patient__sex=sex, patient__stage=stage)
    c = assess(p, PRODUCTS[product].option, product)
    assert c.status == status, c.reasons
    assert any(needle in r.text for r in c.reasons), c.reasons


def test_finasteride_label_rules_cite_the_label(patient_dict):
    woman = make_patient(patient_dict, patient__sex="F", patient__stage="II")
    c = assess(woman, "finasteride_1mg")
    assert c.status == "not_eligible"
    assert any("PROP22" in r.sources and "pregnant" in r.text for r in c.reasons)
    preg = make_patient(patient_dict, patient__sex="F", patient__stage="II", health__pregnant=True)
    assert assess(preg, "finasteride_1mg").status == "not_eligible"
    man = assess(make_patient(patient_dict), "finasteride_1mg")
    assert man.status == "eligible" and any("PSA" in r.text for r in man.reasons)


def test_side_effects_carry_numbers_and_sources():
    from anagen.therapy import option_info

    fin = option_info("finasteride_1mg").side_effects
    assert any("1.8%" in s.frequency and "1.3%" in s.frequency for s in fin)
    for key in ("finasteride_1mg", "minoxidil_2", "minoxidil_5"):
        for s in option_info(key).side_effects:
            assert s.sources and "not in sources" not in s.frequency, (key, s)


def test_transplant_donor_supply_is_computed(patient_dict):
    p = make_patient(
        patient_dict,
        transplant__grafts=2000,
        follicles__measured_density_per_cm2={"occipital": 200.0},
    )
    c = assess(p, "transplant")
    txt = next(r.text for r in c.reasons if "grafts" in r.text)
    assert "2,000 grafts ~ 4,400 hairs" in txt and "200 per cm²" in txt


@pytest.mark.parametrize(
    ("option", "label"), [("minoxidil_5", "MINOX5L"), ("minoxidil_2", "MINOX2L")]
)
@pytest.mark.parametrize("state", ["pregnant", "breastfeeding"])
def test_minoxidil_labels_exclude_pregnancy_and_breast_feeding(patient_dict, option, label, state):
    from anagen.therapy import SOURCES

    c = assess(make_patient(patient_dict, **WOMAN, **{f"health__{state}": True}), option)
    assert c.status == "not_eligible"
    why = [r for r in c.reasons if r.effect == "not_eligible"]
    assert why and label in why[0].sources and "label" in why[0].text
    assert SOURCES[label].url.startswith("https://") and "set_id" in SOURCES[label].citation


@pytest.mark.parametrize("key", ["pregnant", "breastfeeding"])
def test_a_man_cannot_be_pregnant_or_breast_feeding(patient_dict, key):
    with pytest.raises(InputError) as e:
        make_patient(patient_dict, **{f"health__{key}": True})
    assert str(e.value).startswith(f"'health.{key}' must be false for sex M")
    woman = make_patient(patient_dict, **WOMAN, **{f"health__{key}": True})
    assert getattr(woman.health, key) is True
