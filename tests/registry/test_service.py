"""The service layer on both databases: range and consistency checks, frozen predictions,
optimistic locking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anagen.errors import InputError
from anagen.registry import Conflict
from anagen.registry import models as m
from anagen.registry import service as svc
from tests.registry._helpers import D, baseline_in, patient_in, seed, treatment_in


@pytest.fixture
def north(registry_db):
    reg = registry_db.app()
    return reg, registry_db.login("carl")


BAD_PATIENTS = [
    ({"sex": "X"}, "patients.sex"),
    ({"stage": "Ludwig II"}, "patients.stage"),
    ({"sex": "F", "stage": "IV"}, "patients.stage"),
    ({"stage_scale": "ludwig"}, "patients.stage_scale"),
    ({"birth_year": 1850}, "patients.birth_year"),
    ({"birth_year": 2999}, "patients.birth_year"),
    ({"onset_year": 1970}, "patients.onset_year"),
    ({"consent_date": D(2999, 1, 1)}, "patients.consent_date"),
    ({"pseudonym": "John Smith"}, "patients.pseudonym"),
    ({"pseudonym": "x" * 41}, "patients.pseudonym"),
    ({"health": {"no_such_finding": True}}, "patients.health.no_such_finding"),
    ({"current_treatments": ["snake_oil"]}, "patients.current_treatments"),
    ({"consent_version": ""}, "patients.consent_version"),
]


@pytest.mark.parametrize(("change", "field"), BAD_PATIENTS)
def test_patient_checks(north, change, field):
    reg, a = north
    with pytest.raises(InputError, match=f"'{field}'"), reg.session(a) as s:
        svc.add_patient(s, a, patient_in(**change))
    with reg.session(a) as s:
        assert svc.list_patients(s, a) == []  # nothing half-written


BAD_VISITS = [
    ({"kind": "follow-up"}, "visits.kind"),  # no baseline yet
    ({"total_density_per_cm2": 1200.0}, "visits"),
    ({"terminal_density_per_cm2": -1.0}, "visits"),
    ({"total_density_per_cm2": 100.0}, "visits.total_density_per_cm2"),  # 120 + 40 != 100
    ({"shaft_diameter_um": 900.0}, "visits.shaft_diameter_um"),
    ({"anagen_percent": 101.0}, "visits.anagen_percent"),
    ({"global_photo_score": 2}, "visits.global_photo_score"),  # only at follow-up
    ({"satisfaction_score": 11.0, "satisfaction_instrument": "VAS_0_10"}, "visits.satisfaction"),
    (
        {"satisfaction_score": 6.0, "satisfaction_instrument": "likert_1_5"},
        "visits.satisfaction_score",
    ),
    ({"satisfaction_score": 3.0}, "visits.satisfaction_instrument"),
    ({"target_area": "chin"}, "visits.target_area"),
    ({"visit_date": D(2999, 1, 1)}, "visits.visit_date"),
]


@pytest.mark.parametrize(("change", "field"), BAD_VISITS)
def test_visit_checks(north, change, field):
    reg, a = north
    with reg.session(a) as s:
        svc.add_patient(s, a, patient_in())
    with pytest.raises(InputError, match=f"'{field}"), reg.session(a) as s:
        svc.add_visit(s, a, baseline_in(**change))
    with reg.session(a) as s:
        assert s.scalars(select(m.Visit)).all() == []


def test_follow_up_before_baseline_refused(north):
    reg, a = north
    seed(reg, a, treat=False)
    with pytest.raises(InputError, match="after the baseline"), reg.session(a) as s:
        svc.add_visit(s, a, baseline_in(kind="follow-up", visit_date=D(2024, 1, 9)))
    with pytest.raises(InputError, match="one visit per patient and day"), reg.session(a) as s:
        svc.add_visit(s, a, baseline_in(kind="follow-up"))
    with pytest.raises(InputError, match="already has a baseline"), reg.session(a) as s:
        svc.add_visit(s, a, baseline_in(visit_date=D(2024, 2, 1)))
    with reg.session(a) as s:
        v = svc.add_visit(
            s,
            a,
            baseline_in(
                kind="follow-up",
                visit_date=D(2024, 7, 20),
                global_photo_score=1,
                satisfaction_score=7.0,
                satisfaction_instrument="VAS_0_10",
            ),
        )
        assert v.id > 0


def test_treatment_freezes_prediction(north):
    reg, a = north
    ids = seed(reg, a)
    with reg.session(a) as s:
        preds = s.scalars(
            select(m.Prediction)
            .where(m.Prediction.treatment_id == ids["treatment"])
            .order_by(m.Prediction.month)
        ).all()
        assert [p.month for p in preds] == [6, 12, 24]
        # the minoxidil trials in men followed them for 96 weeks (known to month 23, as the
        # Assessment says): months 6 and 12 have numbers, 24 is frozen as unknown with why
        *known, last = preds
        for p in known:
            assert p.change_low <= p.change_median <= p.change_high
            assert p.untreated_low <= p.untreated_median <= p.untreated_high
        assert known[0].settings["fan"]["months"] == [float(k) for k in range(24)]
        assert last.change_median is last.change_low is last.change_high is None
        assert last.untreated_low <= last.untreated_median <= last.untreated_high
        assert last.settings["unknown_reason"].startswith(
            "unknown: no trial followed patients beyond 96 weeks (Topical minoxidil 5 %)"
        )
        assert last.settings["model_extrapolation"]["change"]["median"] is not None
        for p in preds:
            assert p.seed == 0 and p.model_version
            assert p.settings["option_key"] == "minoxidil_5"
        # the same inputs give the same frozen numbers (seeded)
        again = svc.add_patient(s, a, patient_in("P002"))
        svc.add_visit(s, a, baseline_in("P002"))
        t2 = svc.add_treatment(s, a, treatment_in("P002"))
        p2 = s.scalars(
            select(m.Prediction)
            .where(m.Prediction.treatment_id == t2.id)
            .order_by(m.Prediction.month)
        ).all()
        assert [x.change_median for x in p2] == [x.change_median for x in preds]
        assert again.id != ids["patient"]


def test_frozen_prediction_is_the_assessment(north):
    """The frozen numbers are the ones ``anagen assess`` shows for the same person, seed, draws
    and follicles (the registry froze them with 2 day-0 scalps instead of the assessment's 4)."""
    from anagen.decision import DEFAULT_SIZE, assess_patient
    from anagen.registry._prediction import to_model_patient

    reg, a = north
    ids = seed(reg, a)
    with reg.session(a) as s:
        p = s.get(m.Patient, ids["patient"])
        base = s.get(m.Visit, ids["visit"])
        preds = s.scalars(
            select(m.Prediction)
            .where(m.Prediction.treatment_id == ids["treatment"])
            .order_by(m.Prediction.month)
        ).all()
        mp = to_model_patient(p, treatment_in().start_date, base)
    assessed = assess_patient(
        mp, protocols=(), options=["minoxidil_5"], seed=0, n_draws=5, n_follicles=2000,
        with_evidence=False, with_maps=False, target="vertex",
    )  # fmt: skip
    opt, none = assessed.option("minoxidil_5"), assessed.option("none")
    assert preds[0].settings["provenance"]["n_scalps"] == DEFAULT_SIZE.n_scalps
    for pr in preds[:2]:  # months 6 and 12 (24 is past the trials' follow-up)
        c, u = opt.at(pr.month).change_vs_today, none.at(pr.month).change_vs_today
        assert (pr.change_median, pr.change_low, pr.change_high) == (c.median, c.low, c.high)
        assert (pr.untreated_median, pr.untreated_low, pr.untreated_high) == (
            u.median,
            u.low,
            u.high,
        )


def test_predictions_at_any_planned_month(north):
    """Arbitrary planned months get their own frozen numbers (the fan's values there)."""
    reg, a = north
    seed(reg, a, treat=False)
    with reg.session(a) as s:
        t = svc.add_treatment(s, a, treatment_in(planned_months=[11, 2, 7, 2]))
        preds = s.scalars(
            select(m.Prediction)
            .where(m.Prediction.treatment_id == t.id)
            .order_by(m.Prediction.month)
        ).all()
        assert t.planned_months == [2, 7, 11]
        assert [p.month for p in preds] == [2, 7, 11]
        fan = preds[0].settings["fan"]
        for p in preds:
            k = fan["months"].index(float(p.month))
            assert (p.change_median, p.change_low, p.change_high) == (
                fan["median"][k],
                fan["low"][k],
                fan["high"][k],
            )
        # an option without an outcome study in the sources is unknown at every month
        svc.add_patient(s, a, patient_in("P009"))
        svc.add_visit(s, a, baseline_in("P009"))
        t2 = svc.add_treatment(s, a, treatment_in("P009", "transplant", planned_months=[3]))
        d = svc.patient_detail(s, a, "P009")
        tr = next(x for x in d["treatments"] if x["id"] == t2.id)
        assert tr["predictions"] == []
        assert tr["unknown_predictions"][0]["reason"].startswith("unknown: no outcome study")
        # a treatment the person may not have (recorded, as given) gets no predicted number
        svc.add_patient(s, a, patient_in("W9", sex="F", stage="II", birth_year=1988))
        svc.add_visit(s, a, baseline_in("W9"))
        t3 = svc.add_treatment(s, a, treatment_in("W9", "finasteride_1mg", planned_months=[6]))
        d = svc.patient_detail(s, a, "W9")
        tr = next(x for x in d["treatments"] if x["id"] == t3.id)
        assert tr["predictions"] == []
        reason = tr["unknown_predictions"][0]["reason"]
        assert reason.startswith("not open to this person (Oral finasteride 1 mg): a woman who")
        assert reason.endswith("anagen gives no number for it")


def test_unknown_prediction_needs_all_or_none(north):
    """The database refuses a half-empty prediction (CHECK), on both databases."""
    reg, a = north
    ids = seed(reg, a)
    with pytest.raises(InputError, match="refused by the database"), reg.session(a) as s:
        p = s.scalars(select(m.Prediction).where(m.Prediction.month == 6)).one()
        p.change_low = None
        svc._flush(s)
    assert ids


BAD_TREATMENTS = [
    ({"option": "snake_oil"}, "treatments.option"),
    ({"start_date": D(2024, 1, 1)}, "treatments.start_date"),  # before baseline
    ({"planned_months": [0]}, "treatments.planned_months"),
    ({"planned_months": [49]}, "treatments.planned_months"),
    ({"planned_months": []}, "treatments.planned_months"),
    ({"sessions_planned": 500}, "treatments.sessions_planned"),
    ({"cells_per_session": -5.0}, "treatments.cells_per_session"),
    ({"n_draws": 1}, "--draws"),
]


@pytest.mark.parametrize(("change", "field"), BAD_TREATMENTS)
def test_treatment_checks(north, change, field):
    reg, a = north
    seed(reg, a, treat=False)
    with pytest.raises(InputError, match=f"'{field}"), reg.session(a) as s:
        svc.add_treatment(s, a, treatment_in(**change))
    with reg.session(a) as s:
        assert s.scalars(select(m.Treatment)).all() == []
        assert s.scalars(select(m.Prediction)).all() == []


def test_treatment_needs_baseline(north):
    reg, a = north
    with reg.session(a) as s:
        svc.add_patient(s, a, patient_in())
    with pytest.raises(InputError, match="baseline visit"), reg.session(a) as s:
        svc.add_treatment(s, a, treatment_in())


AE = {
    "patient": "P001",
    "description": "erythema",
    "severity": "mild",
    "causality": "possible",
    "outcome": "recovering",
    "onset_date": D(2024, 1, 22),
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": "bad"}, "adverse_events.severity"),
        ({"causality": "maybe"}, "adverse_events.causality"),
        ({"resolution_date": D(2024, 1, 21)}, "adverse_events.resolution_date"),
        ({"outcome": "recovered"}, "adverse_events.resolution_date"),
        ({"severity": "death", "outcome": "fatal"}, "adverse_events.serious"),
        ({"onset_date": D(2024, 1, 19), "treatment_id": "T"}, "adverse_events.onset_date"),
        ({"description": "x" * 201}, "adverse_events.description"),
    ],
)
def test_adverse_event_checks(north, change, field):
    reg, a = north
    ids = seed(reg, a)
    data = {**AE, **change}
    if data.get("treatment_id") == "T":
        data["treatment_id"] = ids["treatment"]
    with pytest.raises(InputError, match=f"'{field}'"), reg.session(a) as s:
        svc.add_adverse_event(s, a, svc.AdverseEventIn(**data))
    with reg.session(a) as s:
        svc.add_adverse_event(s, a, svc.AdverseEventIn(**AE, treatment_id=ids["treatment"]))


def test_optimistic_lock(north):
    reg, a = north
    seed(reg, a, treat=False)
    with reg.session(a) as s:
        svc.update_patient(s, a, "P001", {"onset_year": 2014}, expected_version=1, reason="typo")
    with pytest.raises(Conflict, match="version 2, not 1"), reg.session(a) as s:
        svc.update_patient(s, a, "P001", {"onset_year": 2013}, expected_version=1, reason="x")
    with reg.session(a) as s:
        assert svc.get_patient(s, a, "P001").onset_year == 2014
    with pytest.raises(InputError, match="reason"), reg.session(a) as s:
        svc.update_patient(s, a, "P001", {"onset_year": 2013}, expected_version=2, reason=" ")


def test_stale_object_is_conflict(north):
    """Two sessions read the same treatment; the second write loses with Conflict (no lost
    update), even without an explicit expected version."""
    reg, a = north
    ids = seed(reg, a)
    s1 = reg._factory()
    s1.info["actor"] = a
    s2 = reg._factory()
    s2.info["actor"] = a
    try:
        t2 = s2.get(m.Treatment, ids["treatment"])  # read at version 1 ...
        s2.commit()  # ... (SQLite: release the write lock; the object keeps its values)
        t1 = s1.get(m.Treatment, ids["treatment"])
        assert t1.version == t2.version == 1
        t1.sessions_given += 1
        s1.commit()  # someone else writes version 2
        t2.sessions_given += 1  # a write based on the stale read
        with pytest.raises(Conflict):
            svc._flush(s2)
        s2.rollback()
    finally:
        s1.close()
        s2.close()
    with reg.session(a) as s:
        assert svc.get_treatment(s, a, ids["treatment"]).sessions_given == 1


@pytest.mark.parametrize(
    ("stage", "scale"), [("II", "ludwig"), ("I-3", "savin"), ("Sinclair-3", "sinclair")]
)
def test_women_scales(north, stage, scale):
    reg, a = north
    with reg.session(a) as s:
        p = svc.add_patient(s, a, patient_in("W1", sex="F", stage=stage))
        assert p.stage_scale == scale
