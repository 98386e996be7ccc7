"""Import (all-or-nothing, row/column errors), exports, backup/restore, report and demo."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from anagen.errors import InputError
from anagen.registry import Registry, init_registry
from anagen.registry import models as m
from anagen.registry import service as svc
from anagen.registry._backup import backup, restore
from anagen.registry._io import export_csv, export_evidence, export_omop, import_csv
from anagen.registry._outcomes import clinic_outcomes
from anagen.registry._report import report_figures, write_report

PATIENTS = """pseudonym,birth_year,sex,stage,onset_year,consent_version,consent_date,consent_evidence_sharing,health
N001,1980,M,III,2015,v2,2024-01-05,true,hypertension=true
N002,1975,M,IV,2010,v2,2024-01-06,true,
N003,1985,F,II,2018,v2,2024-01-07,true,
N004,1982,M,III,2016,v2,2024-01-07,true,
"""
VISITS = """patient,visit_date,kind,target_area,terminal_density_per_cm2
N001,2024-01-10,baseline,vertex,120
N001,2024-07-12,follow-up,vertex,125
N002,2024-01-11,baseline,vertex,100
N002,2024-07-11,follow-up,vertex,104
N003,2024-01-11,baseline,vertex,130
N003,2024-07-15,follow-up,vertex,127
N004,2024-01-11,baseline,vertex,110
N004,2024-07-15,follow-up,vertex,106
"""


def _count(s, cls):
    return s.scalar(select(func.count()).select_from(cls))


@pytest.fixture
def loaded(registry_db, tmp_path):
    reg = registry_db.app()
    carl = registry_db.login("carl")
    (tmp_path / "p.csv").write_text(PATIENTS)
    (tmp_path / "v.csv").write_text(VISITS)
    with reg.session(carl) as s:
        import_csv(s, carl, "patients", tmp_path / "p.csv")
    with reg.session(carl) as s:
        import_csv(s, carl, "visits", tmp_path / "v.csv")
    return registry_db, reg, carl


@pytest.mark.parametrize(
    ("kind", "text", "needle"),
    [
        ("patients", PATIENTS.replace("N002,1975", "N002,19x5"), "p.csv row 2: 'birth_year'"),
        ("patients", PATIENTS.replace(",III,2015", ",VIII,2015"), "p.csv row 1: 'patients.stage'"),
        ("patients", PATIENTS.replace("N003", "N001"), "p.csv row 3: 'patients.pseudonym'"),
        (
            "patients",
            PATIENTS.replace("hypertension=true", "flu=yes"),
            "p.csv row 1: 'patients.health.flu'",
        ),
        ("patients", PATIENTS.replace("consent_date", "consent_day"), "'consent_day'"),
        (
            "visits",
            VISITS.replace("2024-07-11,follow-up", "2023-07-11,follow-up"),
            "v.csv row 4: 'visits.visit_date' must be after the baseline",
        ),
        ("visits", VISITS.replace("vertex,104", "vertex,1040"), "v.csv row 4: 'visits.terminal"),
        ("visits", VISITS.replace("N004,2024-07-15", "N999,2024-07-15"), "v.csv row 8: 'patient'"),
        ("visits", VISITS + "N004,2024-08-01,baseline,vertex,100\n", "v.csv row 9: 'visits.kind'"),
    ],
)
def test_import_refuses_whole_file(registry_db, tmp_path, kind, text, needle):
    reg = registry_db.app()
    carl = registry_db.login("carl")
    if kind == "visits":
        (tmp_path / "p.csv").write_text(PATIENTS)
        with reg.session(carl) as s:
            import_csv(s, carl, "patients", tmp_path / "p.csv")
    f = tmp_path / ("p.csv" if kind == "patients" else "v.csv")
    f.write_text(text)
    with reg.session(carl) as s:
        before = (_count(s, m.Patient), _count(s, m.Visit), _count(s, m.AuditEntry))
    with pytest.raises(InputError) as ei, reg.session(carl) as s:
        import_csv(s, carl, kind, f)
    assert needle in str(ei.value), str(ei.value)
    with reg.session(carl) as s:
        assert (_count(s, m.Patient), _count(s, m.Visit), _count(s, m.AuditEntry)) == before


def test_import_audited_and_analyst_refused(loaded, tmp_path):
    db, reg, carl = loaded
    with reg.session(carl) as s:
        assert _count(s, m.Patient) == 4 and _count(s, m.Visit) == 8
        assert svc.verify_audit(s, carl)[0].ok
    alice = db.login("alice")
    from anagen.registry import AccessDenied

    with pytest.raises(AccessDenied), reg.session(alice) as s:
        import_csv(s, alice, "visits", tmp_path / "v.csv")


def test_exports(loaded, tmp_path):
    from anagen.evidence import load_studies

    _db, reg, carl = loaded
    with reg.session(carl) as s:
        for p in ("N001", "N002"):
            svc.add_treatment(
                s,
                carl,
                svc.TreatmentIn(
                    patient=p,
                    option="gentile2019_micrografts",
                    start_date="2024-01-15",
                    n_draws=5,
                    n_follicles=2000,
                ),
            )
        for p in ("N003", "N004"):
            svc.add_treatment(
                s,
                carl,
                svc.TreatmentIn(
                    patient=p,
                    option="none",
                    start_date="2024-01-15",
                    predict=False,
                    planned_months=[6],
                ),
            )
    with reg.session(carl) as s:
        c = export_csv(s, carl, tmp_path / "csv")
        assert c["patients"] == 4 and c["predictions"] == 6
        o = export_omop(s, carl, tmp_path / "omop")
        assert o == {
            "person": 4,
            "visit_occurrence": 8,
            "measurement": 8,
            "procedure_occurrence": 4,
        }
        with pytest.raises(InputError, match="already exists"):
            export_csv(s, carl, tmp_path / "csv")
        e = export_evidence(s, carl, tmp_path / "ev.csv")
    assert e["rows"] == 1
    df = load_studies(tmp_path / "ev.csv")  # the evidence loader accepts the rows
    row = df.iloc[0]
    assert row["design_type"] == "parallel" and row["control_type"] == "untreated"
    assert row["n_treated"] == 2 and row["n_control"] == 2
    assert "OBSERVATIONAL" in row["design"] and "OBSERVATIONAL" in row["risk_of_bias_notes"]
    assert row["treated_change_mean"] == pytest.approx((5 + 4) / 2)
    assert row["control_change_mean"] == pytest.approx((-3 - 4) / 2)
    person = (tmp_path / "omop" / "person.csv").read_text().splitlines()
    assert person[1].split(",")[1] == "8507"  # OMOP MALE


def test_backup_restore_round_trip(loaded, tmp_path):
    db, _reg, carl = loaded
    out = backup(db.owner(), tmp_path / "b.jsonl.gz")
    assert out["counts"]["visits"] == 8
    url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    init_registry(url)
    target = Registry(url)
    restore(target, tmp_path / "b.jsonl.gz")
    from anagen.registry._session import Actor

    owner_view = Actor(carl.clinic_id, None, "(owner)", "owner")
    with target.session(owner_view) as s:
        assert _count(s, m.Visit) == 8
        assert all(r.ok for r in svc.verify_audit(s, None))
    with pytest.raises(InputError, match="not empty"):
        restore(target, tmp_path / "b.jsonl.gz")
    target.dispose()
    import gzip

    lines = gzip.open(tmp_path / "b.jsonl.gz", "rt").read().splitlines()
    i = next(k for k, ln in enumerate(lines) if '"terminal_density_per_cm2": 120.0' in ln)
    lines[i] = lines[i].replace("120.0", "121.0")
    with gzip.open(tmp_path / "bad.jsonl.gz", "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    url2 = f"sqlite:///{tmp_path / 'r2.sqlite3'}"
    init_registry(url2)
    with pytest.raises(InputError, match="checksum mismatch"):
        restore(Registry(url2), tmp_path / "bad.jsonl.gz")


def test_report_numbers_and_html(loaded, tmp_path):
    _db, reg, carl = loaded
    with reg.session(carl) as s:
        svc.add_treatment(
            s,
            carl,
            svc.TreatmentIn(
                patient="N001",
                option="minoxidil_5",
                start_date="2024-01-15",
                n_draws=5,
                n_follicles=2000,
            ),
        )
    with reg.session(carl) as s:
        o = clinic_outcomes(s, carl)
    assert len(o.pairs) == 1 and o.pairs[0].observed == 5.0  # 125 - 120 at month 6
    p = o.pairs[0]
    assert o.mean_error.estimate == pytest.approx(5.0 - p.median)
    assert o.coverage.n == 1 and o.coverage.k in (0, 1)
    txt = o.coverage.text(pct=True)  # never "0 %" or "100 %" from a finite sample
    assert txt.startswith(("0 of 1", "1 of 1"))  # the count, not "0 %" or "100 %"
    path = write_report(o, tmp_path / "r.html")
    html = path.read_text()
    # calibration, coverage, effectiveness, and the per-patient panel of N001
    assert html.count("data:image/png;base64,") == 4 and "SYNTHETIC" not in html
    assert [po.pseudonym for po in o.featured] == ["N001"]
    row = o.to_dict()["per_patient"][0]
    assert (row["patient"], row["answered"], row["inside"]) == ("N001", 1, int(p.covered))
    # month 24 is past the minoxidil trials' 96 weeks (men): frozen as unknown, not paired
    assert o.unknown == {"minoxidil_5": 1}
    assert "they are not in the numbers above" in html
    json.dumps(o.to_dict(), allow_nan=True)


def test_report_before_any_answered_prediction(loaded, tmp_path):
    """A clinic with visits but no treatment yet: the report says so in its figures, without
    matplotlib's 'No artists with labels found to put in legend' warnings on stderr."""
    import warnings

    _db, reg, carl = loaded
    with reg.session(carl) as s:
        o = clinic_outcomes(s, carl)
    assert len(o.pairs) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = report_figures(o)
    try:
        for key in ("calibration", "coverage"):
            ax = figs[key].axes[0]
            assert ax.get_legend() is None
            assert any("no follow-up visit answers" in t.get_text() for t in ax.texts)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    assert write_report(o, tmp_path / "empty.html").read_text().count("data:image/png") >= 3


def test_demo_is_labelled_synthetic(tmp_path, monkeypatch, capsys):
    from anagen.cli import main

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    code = main(
        [
            "registry",
            "demo",
            "--db",
            url,
            "--patients",
            "8",
            "--report",
            str(tmp_path / "demo.html"),
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    d = json.loads(out)
    assert d["synthetic"] is True and d["generated"]["patients"] == 8
    html = (tmp_path / "demo.html").read_text()
    assert html.count("SYNTHETIC") >= 3
    reg = Registry(url)
    with reg.session(None) as s:
        assert s.scalars(select(m.Clinic.synthetic)).all() == [True]
        assert all(r.ok for r in svc.verify_audit(s, None))
    from anagen.registry._session import Actor

    a = Actor(1, None, "x", "owner")
    with reg.session(a) as s, pytest.raises(InputError, match="SYNTHETIC"):
        export_evidence(s, a, tmp_path / "ev.csv")
    reg.dispose()
    assert main(["registry", "demo", "--db", url, "--report", str(tmp_path / "x.html")]) == 2
