"""Observed vs predicted per patient, on both databases: each visit against the frozen fan."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from anagen.registry import models as m
from anagen.registry import service as svc
from anagen.registry._patient_report import write_patient_report
from anagen.registry._patient_view import patient_outcomes
from tests.registry._helpers import D, baseline_in, patient_in, treatment_in


@pytest.fixture
def north(registry_db):
    return registry_db.app(), registry_db.login("carl")


def _visit(day, terminal):
    return svc.VisitIn(
        patient="P001", visit_date=day, kind="follow-up", target_area="vertex",
        terminal_density_per_cm2=terminal,
    )  # fmt: skip


def _patient(reg, a):
    """Baseline 120 terminal hairs/cm²; minoxidil from 2024-01-20 with visits planned at months
    3, 6 and 30 (30: past the trials' 96 weeks in men). Follow-ups built from the frozen
    numbers: month 3 on the median (inside), month 6 ten hairs above the 90th percentile
    (outside), month 30 anything (unknown), and one unplanned visit at month 4.5 (checked
    against the fan)."""
    with reg.session(a) as s:
        svc.add_patient(s, a, patient_in())
        svc.add_visit(s, a, baseline_in())
        t = svc.add_treatment(s, a, treatment_in(planned_months=[3, 6, 30]))
        preds = {
            p.month: p
            for p in s.scalars(select(m.Prediction).where(m.Prediction.treatment_id == t.id))
        }
        p3, p6 = preds[3], preds[6]
        svc.add_visit(s, a, _visit(D(2024, 4, 22), 120.0 + p3.change_median))
        svc.add_visit(s, a, _visit(D(2024, 6, 5), 120.0))
        svc.add_visit(s, a, _visit(D(2024, 7, 18), 120.0 + p6.change_high + 10.0))
        svc.add_visit(s, a, _visit(D(2026, 7, 22), 131.0))
        return t.id, p3.change_median, p6.change_high, preds[30]


def test_each_visit_against_the_frozen_prediction(north, tmp_path):
    reg, a = north
    tid, med3, high6, p30 = _patient(reg, a)
    assert p30.change_median is None  # month 30: past the trials' 96 weeks
    with reg.session(a) as s:
        po = patient_outcomes(s, a, "P001")
    (t,) = po.treatments
    assert t.treatment_id == tid and t.planned_months == (3, 6, 30)
    assert t.baseline_terminal == 120.0 and t.follow_up_weeks == 96.0
    assert t.follow_up_limit_month == 23.0
    base, v3, v45, v6, v30 = t.visits
    assert base.kind == "baseline" and base.inside is None
    assert (v3.answers_month, v3.inside, v3.median) == (3, True, med3)
    assert v3.change == pytest.approx(med3)
    assert (v6.answers_month, v6.inside, v6.high) == (6, False, high6)
    # the unplanned visit: the frozen fan at month 4.5, between its months 4 and 5
    k = t.fan["months"].index(4.0)
    lo, hi = sorted((t.fan["median"][k], t.fan["median"][k + 1]))
    assert v45.answers_month is None and lo <= v45.median <= hi
    assert v45.inside == (v45.low <= 0.0 <= v45.high)
    assert v30.inside is None and v30.median is None
    assert "no trial followed patients beyond 96 weeks" in v30.note
    assert t.summary().endswith("of 3 follow-up visits inside the 80 % interval")
    text = po.text()
    assert "OUTSIDE (answers month 6)" in text and "inside (answers month 3)" in text
    assert "month 30: unknown: no trial followed patients beyond 96 weeks" in text
    d = json.loads(json.dumps(po.to_dict()))
    assert d["treatments"][0]["visits"][2]["inside"] is False
    out = write_patient_report(po, tmp_path / "p.html")
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 1 and "SYNTHETIC" not in html
    assert "<b>outside</b> (answers month 6)" in html


def test_patient_without_treatment_or_prediction(north):
    reg, a = north
    with reg.session(a) as s:
        svc.add_patient(s, a, patient_in())
        svc.add_visit(s, a, baseline_in())
        svc.add_visit(s, a, _visit(D(2024, 5, 1), 125.0))
        svc.add_patient(s, a, patient_in("P002"))
        svc.add_visit(s, a, baseline_in("P002"))
        svc.add_treatment(s, a, treatment_in("P002", predict=False, planned_months=[5]))
        svc.add_visit(
            s, a, svc.VisitIn(patient="P002", visit_date=D(2024, 6, 20), kind="follow-up",
                              target_area="vertex", terminal_density_per_cm2=122.0),
        )  # fmt: skip
    with reg.session(a) as s:
        assert patient_outcomes(s, a, "P001").treatments == ()
        assert "no treatment recorded" in patient_outcomes(s, a, "P001").text()
        (t,) = patient_outcomes(s, a, "P002").treatments
    assert [v.note for v in t.visits] == ["baseline", "no frozen prediction"]
    assert t.summary().startswith("no follow-up visit with a prediction")


def test_a_baseline_the_day_before_the_start_is_month_0(north, tmp_path):
    """A baseline taken the day before the start (month -0.03) printed "month -0.0"."""
    reg, a = north
    with reg.session(a) as s:
        svc.add_patient(s, a, patient_in())
        svc.add_visit(s, a, baseline_in(visit_date=D(2024, 1, 19)))
        svc.add_treatment(s, a, treatment_in(predict=False, planned_months=[5]))
    with reg.session(a) as s:
        po = patient_outcomes(s, a, "P001")
    (base,) = po.treatments[0].visits
    assert -0.05 < base.month < 0
    text = po.text()
    assert "-0.0" not in text and "2024-01-19  month     0  " in text
    html = write_patient_report(po, tmp_path / "p.html").read_text()
    assert "<td>2024-01-19</td><td>baseline</td><td>0</td>" in html and "-0.0<" not in html


def test_patient_show_cli(registry_db, cli, tmp_path):
    reg = registry_db.app()
    _patient(reg, registry_db.login("carl"))
    assert cli("login", "--clinic", "north", "--user", "carl")[0] == 0
    code, out, err = cli("patient", "show", "P001", "--html", str(tmp_path / "p1.html"))
    assert code == 0, err
    assert "OUTSIDE (answers month 6)" in out and f"page: {tmp_path / 'p1.html'}" in out
    assert (tmp_path / "p1.html").read_text().count("data:image/png;base64,") == 1
    code, out, _ = cli("patient", "show", "P001", "--json")
    d = json.loads(out)
    assert d["pseudonym"] == "P001" and len(d["visits"]) == 5
    ovp = d["observed_vs_predicted"]["treatments"][0]
    assert [ovp["visits"][k]["inside"] for k in (0, 1, 3, 4)] == [None, True, False, None]
    # bad output path: one line, exit 2, nothing written
    code, _, err = cli("patient", "show", "P001", "--html", str(tmp_path / "p.pdf"))
    assert code == 2 and "--html" in err and not (tmp_path / "p.pdf").exists()
    code, _, err = cli("patient", "show", "NOPE", "--html", str(tmp_path / "n.html"))
    assert code == 2 and "no patient" in err and not (tmp_path / "n.html").exists()
