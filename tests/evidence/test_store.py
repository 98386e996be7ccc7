"""Living evidence: user rows validated, stored atomically, and used by the analyses."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources

import pytest

from anagen.cli import main
from anagen.errors import InputError
from anagen.evidence._store import (
    add_study_rows,
    default_studies,
    evidence_date,
    evidence_dir,
    evidence_studies,
    use_evidence,
)


def _bundled_rows() -> list[dict[str, str]]:
    text = resources.files("anagen.evidence").joinpath("data/studies.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def _new_row(row_id="U01", study="Newtrial2026"):
    r = dict(next(x for x in _bundled_rows() if x["row_id"] == "S10"))  # Shin 2015 shape
    r.update(
        row_id=row_id,
        study_id=study,
        year="2026",
        treated_baseline_mean="100",
        treated_followup_mean="112",
        verification="2026-12-02 test row",
    )
    return r


@pytest.fixture
def store(tmp_path, monkeypatch):
    d = tmp_path / "ev"
    monkeypatch.setenv("ANAGEN_EVIDENCE_DIR", str(d))
    return d


def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("ANAGEN_EVIDENCE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert evidence_dir() == tmp_path / "anagen" / "evidence"


def test_add_stores_rows_with_provenance_and_analyses_use_them(store, tmp_path):
    src = _write(tmp_path / "new.csv", [_new_row()])
    res = add_study_rows(src)
    assert res.added == ("U01",) and res.total_user_rows == 1
    prov = list(csv.DictReader((store / "provenance.csv").open(encoding="utf-8")))
    assert prov[0]["row_id"] == "U01" and len(prov[0]["source_sha256"]) == 64
    all_rows = evidence_studies("all")
    assert "Newtrial2026" in set(all_rows["study_id"])
    assert set(evidence_studies("user")["study_id"]) == {"Newtrial2026"}
    assert "Newtrial2026" not in set(evidence_studies("bundled")["study_id"])
    assert "Newtrial2026" not in set(default_studies()["study_id"])
    with use_evidence("all"):
        assert "Newtrial2026" in set(default_studies()["study_id"])
    assert "newest publication 2026" in evidence_date(all_rows)
    # a second add appends
    add_study_rows(_write(tmp_path / "n2.csv", [_new_row("U02", "Other2026")]))
    assert len(evidence_studies("user")) == 2


def test_bad_rows_exit_2_and_write_nothing(store, tmp_path, capsys):
    bad = _new_row()
    bad["n_treated"] = "nineteen"
    src = _write(tmp_path / "bad.csv", [_new_row("U05"), bad | {"row_id": "U06"}])
    assert main(["evidence", "add", str(src)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "n_treated" in err
    assert not (store / "studies.csv").exists()
    clash = _write(tmp_path / "clash.csv", [_new_row("S01")])
    with pytest.raises(InputError, match="row_id"):
        add_study_rows(clash)
    assert not (store / "studies.csv").exists()


def test_user_selection_without_rows_is_an_input_error(store):
    with pytest.raises(InputError, match="no user rows"):
        evidence_studies("user")
    with pytest.raises(InputError, match="--data"):
        evidence_studies("mine")


def test_cli_add_then_summary_prints_the_date(store, tmp_path, capsys):
    src = _write(tmp_path / "new.csv", [_new_row()])
    assert main(["evidence", "add", str(src), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == ["U01"] and "trials" in out["evidence_date"]
    assert main(["evidence", "summary", "--format", "json", "--data", "all"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert "newest publication 2026" in d["evidence_date"]
    assert any("Newtrial 2026" in a["studies"] for a in d["pre_post"]["analyses"])
    assert main(["evidence", "summary", "--format", "json", "--data", "bundled"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert "newest publication 2024" in d["evidence_date"]


def test_calibrate_and_assess_take_data_option(store, tmp_path, capsys):
    assert main(["assess", "--example", "--data", "mine"]) == 2
    assert "--data" in capsys.readouterr().err
    out = tmp_path / "post.npz"
    assert main(["calibrate", "run", "--data", "user", "--out", str(out), "--draws", "20"]) == 2
    assert "no user rows" in capsys.readouterr().err
    assert not out.exists()


def test_coverage_command(store, capsys):
    assert main(["evidence", "coverage", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rows"][0]["review_id"] == "Gasteratos2024"
    assert "trials" in d["evidence_date"]
    assert main(["evidence", "coverage"]) == 0
    out = capsys.readouterr().out
    assert "Gasteratos2024" in out and "Evidence: studies up to" in out
    assert main(["evidence", "coverage", "--data", "nope"]) == 2


def test_python_dash_m_returns_the_exit_code(store, tmp_path):
    import os
    import subprocess
    import sys

    bad = _new_row()
    bad["year"] = "nineteen"
    src = _write(tmp_path / "bad.csv", [bad])
    env = {**os.environ, "PYTHONPATH": "src"}
    p = subprocess.run(
        [sys.executable, "-m", "anagen", "evidence", "add", str(src)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert p.returncode == 2 and "'year'" in p.stderr


def _ids(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return [r["row_id"] for r in csv.DictReader(fh)]


@pytest.mark.parametrize("crash_at", ["rows", "provenance"])
def test_add_interrupted_between_its_two_files_is_finished_or_undone(
    store, tmp_path, monkeypatch, crash_at
):
    """Rows and provenance change together: a crash between them is rolled back or forward."""
    import os as _os

    from anagen.evidence import _store

    add_study_rows(_write(tmp_path / "a.csv", [_new_row("U01", "First2026")]))
    real_write, real_replace = _store._atomic_write, _os.replace

    class Crash(Exception):
        pass

    def write(path, text):
        if crash_at == "rows" and path.name == "studies.csv":
            raise Crash  # killed before the rows landed
        real_write(path, text)

    def replace(a, b):
        if crash_at == "provenance" and str(b).endswith("provenance.csv"):
            raise Crash  # killed after the rows landed, before provenance was renamed
        real_replace(a, b)

    monkeypatch.setattr(_store, "_atomic_write", write)
    monkeypatch.setattr(_store.os, "replace", replace)
    with pytest.raises(Crash):
        add_study_rows(_write(tmp_path / "b.csv", [_new_row("U02", "Second2026")]))
    monkeypatch.setattr(_store, "_atomic_write", real_write)
    monkeypatch.setattr(_store.os, "replace", real_replace)
    if crash_at == "rows":  # a normal failure leaves no stray file
        assert not (store / ".provenance.pending.csv").exists()
    rows = set(evidence_studies("user")["row_id"])  # reading the folder recovers it
    assert not (store / ".provenance.pending.csv").exists()
    assert rows == set(_ids(store / "provenance.csv"))
    assert rows == ({"U01"} if crash_at == "rows" else {"U01", "U02"})


def test_a_one_patient_arm_is_listed_not_pooled(store, tmp_path, capsys):
    """A valid row whose arm has one participant has no spread: listed with why, never pooled."""
    from anagen.evidence._studies import study_directions, study_effects

    r = dict(next(x for x in _bundled_rows() if x["study_id"] == "Gentile2020"))
    r.update(
        row_id="U09",
        study_id="Case2026",
        design="RCT (parallel)",
        n_treated="1",
        n_control="5",
        n_analysed="",
        treated_change_mean="10",
        treated_change_sd="5",
        control_change_mean="2",
        control_change_sd="5",
        between_p="",
        between_p_relation="",
        verification="2026-12-02 test row",
    )
    add_study_rows(_write(tmp_path / "case.csv", [r]))
    rows = evidence_studies("all")
    assert "Case2026" not in set(study_effects(studies=rows)["study_id"])
    d = study_directions(studies=rows)
    why = d.loc[d["study_id"] == "Case2026", "reason"].iloc[0]
    assert why.startswith("fewer than 2 participants in an arm")
    assert main(["evidence", "summary", "--data", "all"]) == 0
    assert "Case 2026" in capsys.readouterr().out


def test_a_clinic_registry_export_is_not_counted_as_a_publication(store, tmp_path):
    r = _new_row("U05", "ClinicExport2026")
    r["design"] = "OBSERVATIONAL clinic registry (single-arm, treated patients)"
    add_study_rows(_write(tmp_path / "clinic.csv", [r]))
    bundled = evidence_date(evidence_studies("bundled"))
    text = evidence_date(evidence_studies("all"))
    assert text == bundled + " + 1 clinic registry export(s)"
    assert "newest publication 2026" not in text
