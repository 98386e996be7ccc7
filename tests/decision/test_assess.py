"""``anagen.decision.assess_patient`` and its HTML report: structure, intervals, candidacy,
certainty labels, the posterior hook, and a self-contained report."""

from __future__ import annotations

import re

import numpy as np
import pytest

from anagen.decision import Assessment, _assess, assess_patient, render_report, write_report
from anagen.errors import InputError
from anagen.therapy import Patient

FAST = {"n_draws": 8, "n_follicles": 3000, "n_scalps": 2, "workers": 1}


def _patient(**health) -> Patient:
    return Patient.from_dict(
        {
            "patient": {"age": 45, "sex": "M", "stage": "III", "years_since_onset": 6},
            "health": health,
        }
    )


@pytest.fixture(scope="module")
def assessment() -> Assessment:
    return assess_patient(
        Patient.example(), protocols=["style_low_dose"], with_evidence=True, **FAST
    )


def test_structure_and_keys(assessment):
    a = assessment
    keys = [o.key for o in a.options]
    assert keys[-1] == "none" and any(k.startswith("svf_enriched_fat") for k in keys)
    assert {"minoxidil_5", "minoxidil_2", "finasteride_1mg", "prp", "lllt", "transplant"} <= set(
        keys
    )
    d = a.to_dict()
    assert {
        "verdict",
        "options",
        "parameter_source",
        "visible_improvement_definition",
        "durability_definition",
        "disclaimer",
        "settings",
        "timings_s",
    } <= set(d)
    o = d["options"][0]
    assert {
        "effect_vs_no_treatment_hairs_per_cm2",
        "change_vs_baseline_hairs_per_cm2",
        "p_visible_improvement",
        "durability",
        "cost_usd",
        "cost_per_hair_per_cm2_usd",
        "downtime",
        "side_effects",
        "candidacy",
        "certainty",
        "verdict",
    } <= set(o)
    assert set(o["effect_vs_no_treatment_hairs_per_cm2"]) == {"6m", "12m", "24m"}
    assert "not a diagnosis" in a.verdict[-1]


def test_intervals_ordered_and_probabilities(assessment):
    for o in assessment.options:
        for ivs in (o.effect_vs_none, o.change_vs_baseline):
            for iv in ivs.values():
                assert iv.low <= iv.median <= iv.high
        assert all(0.0 <= p <= 1.0 for p in o.p_visible.values())
        assert np.all(np.diff(o.fan_density, axis=0) >= 0)


def test_no_treatment_is_zero_against_itself(assessment):
    none = assessment.option("none")
    for iv in none.effect_vs_none.values():
        assert iv.median == iv.low == iv.high == 0.0
    assert none.p_visible[12] == 0.0
    assert none.cost["low"] == 0 and none.cost["high"] == 0


def test_certainty_labels_and_costs(assessment):
    a = assessment
    assert a.parameter_source.startswith(("model prior, not calibrated", "model calibrated"))
    style = next(o for o in a.options if o.kind == "stem-cell")
    assert style.certainty["model_numbers"] in (_assess.MODEL_PRIOR, _assess.MODEL_POSTERIOR)
    assert a.option("minoxidil_5").certainty["rating"] == "high"
    assert a.option("transplant").certainty["model_numbers"] == _assess.MODEL_PRIOR
    # STYLE: one session at $3,000-7,000 (options data, T86)
    assert (style.cost["low"], style.cost["high"]) == (3000, 7000)
    # minoxidil 2 % is priced per bottle: no total is invented
    assert a.option("minoxidil_2").cost["low"] is None


def test_pregnant_patient_not_eligible_for_procedures():
    a = assess_patient(
        _patient(pregnant=True), protocols=["kim2021_svf"], with_evidence=False, **FAST
    )
    for o in a.options:
        if o.kind == "stem-cell" or o.key == "prp":
            assert o.candidacy["status"] == "not_eligible"
            assert any("pregnan" in r["text"] for r in o.candidacy["reasons"])
            assert "not eligible" in o.verdict
    assert any("Not open to this person" in line for line in a.verdict)


def test_same_seed_same_answer():
    kw = {**FAST, "protocols": ["kim2021_svf"], "with_evidence": False}
    a, b = assess_patient(_patient(), **kw), assess_patient(_patient(), **kw)
    assert a.option("prp").effect_vs_none == b.option("prp").effect_vs_none


def test_bad_settings_and_protocol():
    with pytest.raises(InputError, match="n_draws"):
        assess_patient(_patient(), n_draws=1)
    with pytest.raises(InputError, match="--protocol"):
        assess_patient(_patient(), protocols=["no_such_protocol"], **FAST)


class _FakeDraw:
    def __init__(self, regen):
        self.regeneration = regen
        self.prp = regen

    def modulation(self, treatment, horizon_days, patient=None):
        return treatment.modulation(horizon_days, patient)


class _FakePosterior:
    def sample(self, rng):
        from anagen.therapy import DEFAULT_PRIORS

        return _FakeDraw(DEFAULT_PRIORS.sample(rng))

    def median(self):
        from anagen.therapy import DEFAULT_PRIORS

        return _FakeDraw(DEFAULT_PRIORS.median())


def test_posterior_is_used_and_said(monkeypatch):
    monkeypatch.setattr(_assess, "_load_posterior", lambda: (_FakePosterior(), None))
    a = assess_patient(_patient(), protocols=["kim2021_svf"], with_evidence=False, **FAST)
    assert a.parameter_source == _assess.MODEL_POSTERIOR
    assert a.settings["posterior"] == "used"
    assert a.option("prp").certainty["model_numbers"] == _assess.MODEL_POSTERIOR
    assert a.option("transplant").certainty["model_numbers"] == _assess.MODEL_PRIOR


def test_report_is_self_contained_and_escaped(assessment, tmp_path):
    out = write_report(assessment, tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<style>" in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text)
    assert "<script" not in text
    assert text.count("data:image/png;base64,") == 4  # options, fan, map, forest
    assert "not a diagnosis" in text and "For the clinician" in text
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left


def test_report_escapes_text(assessment):
    from dataclasses import replace

    a = replace(assessment, verdict=("<b>x</b> & y",))
    html = render_report(a, figures={})
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html and "<b>x</b>" not in html


def test_report_path_checked(assessment, tmp_path):
    with pytest.raises(InputError, match="--report"):
        write_report(assessment, tmp_path / "r.pdf")
    with pytest.raises(InputError, match="--report"):
        write_report(assessment, tmp_path / "missing" / "r.html")
