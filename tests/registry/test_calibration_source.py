"""A clinic's outcomes feed ``anagen calibrate`` as a labelled OBSERVATIONAL source, end to end:
registry -> ``registry export --format evidence`` -> ``evidence add`` -> ``calibrate run``."""

from __future__ import annotations

import csv
import json
import math

import pytest

from anagen.cli import main
from anagen.registry import service as svc
from anagen.registry._calibration_source import parse_stages, registry_trials, stages_text
from tests.registry._helpers import D

#: hand-entered test clinic: (pseudonym, sex, stage, birth year, option, baseline, month 6)
ROWS = [
    ("T01", "M", "III", 1980, "gentile2019_micrografts", 110.0, 121.0),
    ("T02", "M", "IV", 1975, "gentile2019_micrografts", 95.0, 99.0),
    ("T03", "M", "III", 1985, "gentile2019_micrografts", 120.0, 135.0),
    ("T04", "F", "II", 1978, "gentile2019_micrografts", 130.0, 134.0),
    ("K01", "M", "III", 1981, "kim2021_svf", 100.0, 104.0),
    ("C01", "M", "III", 1982, "none", 112.0, 109.0),
    ("C02", "M", "IV", 1979, "none", 100.0, 99.0),
    ("C03", "F", "II", 1981, "none", 125.0, 120.0),
]


def _clinic(reg, a):
    with reg.session(a) as s:
        for ps, sex, stage, by, opt, b, f in ROWS:
            svc.add_patient(
                s, a, svc.PatientIn(pseudonym=ps, birth_year=by, sex=sex, stage=stage,
                                    onset_year=by + 25, consent_version="v1",
                                    consent_date=D(2024, 1, 2), consent_evidence_sharing=True),
            )  # fmt: skip
            svc.add_visit(
                s, a, svc.VisitIn(patient=ps, visit_date=D(2024, 1, 10), kind="baseline",
                                  target_area="vertex", terminal_density_per_cm2=b),
            )  # fmt: skip
            svc.add_treatment(
                s, a, svc.TreatmentIn(patient=ps, option=opt, start_date=D(2024, 1, 15),
                                      planned_months=[6], predict=False),
            )  # fmt: skip
            svc.add_visit(
                s, a, svc.VisitIn(patient=ps, visit_date=D(2024, 7, 16), kind="follow-up",
                                  target_area="vertex", terminal_density_per_cm2=f),
            )  # fmt: skip


def _sd(x):
    mu = sum(x) / len(x)
    return math.sqrt(sum((v - mu) ** 2 for v in x) / (len(x) - 1))


def test_registry_rows_calibrate(registry_db, tmp_path, monkeypatch, capsys):
    from anagen.decision._calibrate_trials import curated_trials
    from anagen.evidence._store import use_evidence
    from anagen.registry._io import export_evidence

    reg, a = registry_db.app(), registry_db.login("carl")
    _clinic(reg, a)
    with reg.session(a) as s:
        out = export_evidence(s, a, tmp_path / "rows.csv")
    # micrografts (parallel: 3 comparators); SVF has one patient: no SD, no row
    assert out["rows"] == 1
    assert out["skipped_fewer_than_2_patients"] == ["kim2021_svf month 6: 1 consented patient"]
    rows = {r["row_id"]: r for r in csv.DictReader(open(tmp_path / "rows.csv", encoding="utf-8"))}
    mg = rows["REG-north-gentile2019_micrografts-6m"]
    assert mg["design"].startswith("OBSERVATIONAL clinic registry")
    assert mg["baseline_severity"] == (
        "F/ludwig/II x1; M/norwood_hamilton/III x2; M/norwood_hamilton/IV x1"
    )
    assert float(mg["age_mean"]) == pytest.approx((44 + 49 + 39 + 46) / 4)

    monkeypatch.setenv("ANAGEN_EVIDENCE_DIR", str(tmp_path / "evidence"))
    assert main(["evidence", "add", str(tmp_path / "rows.csv")]) == 0
    capsys.readouterr()
    with use_evidence("bundled"):
        assert not [t for t in curated_trials() if t.study_id.startswith("REG-")]
    with use_evidence("all"):
        reg_trials = [t for t in curated_trials() if t.study_id.startswith("REG-")]
    # the micrograft row becomes a mean difference vs the clinic's untreated patients with
    # Welch's SE
    (t,) = reg_trials
    ch_t, ch_c = [11.0, 4.0, 15.0, 4.0], [-3.0, -1.0, -5.0]
    assert t.measure == "MD" and t.kind == "protocol" and t.protocol == "gentile2019_micrografts"
    assert t.reported == pytest.approx(sum(ch_t) / 4 - sum(ch_c) / 3, abs=1e-3)
    se = math.sqrt(_sd(ch_t) ** 2 / 4 + _sd(ch_c) ** 2 / 3)
    assert t.se == pytest.approx(se, rel=1e-3)
    assert t.followup_days == pytest.approx(6 * 365.25 / 12)
    assert sorted((p.sex, p.stage, p.weight) for p in t.population) == [
        ("F", "II", 1.0), ("M", "III", 2.0), ("M", "IV", 1.0),
    ]  # fmt: skip
    assert t.source.startswith("OBSERVATIONAL clinic registry row REG-north-")
    assert t.study.startswith("Registrynorth")
    if registry_db.kind != "sqlite":
        return  # the calibration below does not depend on the database: run it once
    post = tmp_path / "post.npz"
    args = ["calibrate", "run", "--data", "all", "--draws", "20", "--scheduler", "synchronous"]
    assert main([*args, "--out", str(post), "--format", "json"]) == 0
    capsys.readouterr()
    prov = json.loads(post.with_suffix(".json").read_text())
    used = [x for x in prov["trials"] if x["study_id"].startswith("REG-")]
    assert [x["study_id"] for x in used] == ["REG-north-gentile2019_micrografts-6m"]
    assert used[0]["source"].startswith("OBSERVATIONAL") and used[0]["block"] == "micrografts"
    assert used[0]["reported"] == pytest.approx(t.reported)


def test_stage_text_round_trip():
    items = [("M", "norwood_hamilton", "III-vertex"), ("F", "savin", "I-2"), ("M",
             "norwood_hamilton", "III-vertex")]  # fmt: skip
    text = stages_text(items)
    assert text == "F/savin/I-2 x1; M/norwood_hamilton/III-vertex x2"
    assert parse_stages(text) == [("F", "I-2", 1), ("M", "III-vertex", 2)]
    assert parse_stages("") == [] and parse_stages("Norwood 2-5") == []


def test_rows_that_are_not_registry_rows_are_ignored():
    from anagen.evidence._studies import load_studies

    trials, skipped = registry_trials(load_studies())
    assert trials == [] and skipped == []


def test_single_arm_and_unusable_rows():
    import pandas as pd

    base = {
        "study_id": "RegistryX2026", "design": "OBSERVATIONAL clinic registry (X); not randomised",
        "design_type": "single-arm", "n_treated": 9, "treated_change_mean": 6.0,
        "treated_change_sd": 3.0, "baseline_severity": "M/norwood_hamilton/IV x9",
        "age_mean": 40.0, "n_control": None, "control_change_mean": None,
        "control_change_sd": None,
    }  # fmt: skip
    rows = pd.DataFrame(
        [
            base | {"row_id": "REG-x-1-style_low_dose-12m"},
            base | {"row_id": "REG-x-my_own_protocol-6m"},
            base | {"row_id": "REG-x-kim2021_svf-6m", "treated_change_sd": None},
            base | {"row_id": "REG-x-kim2021_svf-3m", "design_type": "parallel"},
            base | {"row_id": "S99", "design": "randomised"},
        ]
    )
    trials, skipped = registry_trials(rows)
    (t,) = trials
    assert (t.study_id, t.measure, t.protocol) == ("REG-x-1-style_low_dose-12m", "within",
                                                   "style_low_dose")  # fmt: skip
    assert (t.reported, t.se, t.followup_days) == (6.0, 1.0, 365.25)
    assert [(p.sex, p.stage, p.weight, p.age) for p in t.population] == [("M", "IV", 9.0, 40.0)]
    assert [s.split(":")[0] for s in skipped] == [
        "REG-x-my_own_protocol-6m", "REG-x-kim2021_svf-6m", "REG-x-kim2021_svf-3m",
    ]  # fmt: skip
