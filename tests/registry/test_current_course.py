"""One answer: a frozen prediction is what ``anagen assess`` gives for the same person and plan -
with what the person uses now kept up alongside the option, the months it withholds withheld,
and the planned course (a drug used to month 24, then stopped) said where numbers pass it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry import service as svc
from tests.registry._helpers import baseline_in, patient_in, treatment_in

GENTILE = "gentile2019_micrografts"


@pytest.fixture
def north(registry_db):
    reg = registry_db.app()
    return reg, registry_db.login("carl")


def _freeze(reg, a, pseudonym, option, current=(), months=(6, 12, 24)):
    """A patient using ``current`` with a baseline and a treatment: (patient, baseline visit,
    frozen rows by month)."""
    with reg.session(a) as s:
        svc.add_patient(s, a, patient_in(pseudonym, current_treatments=list(current)))
        base = svc.add_visit(s, a, baseline_in(pseudonym))
        t = svc.add_treatment(s, a, treatment_in(pseudonym, option, planned_months=list(months)))
        rows = s.scalars(
            select(m.Prediction).where(m.Prediction.treatment_id == t.id)
        ).all()  # fmt: skip
        p = s.get(m.Patient, t.patient_id)
        s.expunge_all()
    return p, base, {r.month: r for r in rows}


def _assessed(p, base, **kw):
    from anagen.decision import assess_patient
    from anagen.registry._prediction import to_model_patient

    mp = to_model_patient(p, treatment_in().start_date, base)
    return mp, assess_patient(
        mp, seed=0, n_draws=5, n_follicles=2000, with_evidence=False, with_maps=False,
        target="vertex", extra_months=tuple(range(1, 49)), **kw,
    )  # fmt: skip


def _same(row, iv):
    return (row.change_median, row.change_low, row.change_high) == (iv.median, iv.low, iv.high)


def test_micrografts_for_a_patient_on_minoxidil_is_the_add_on(north):
    """N001 of the docs uses minoxidil: the frozen micrografts prediction is assess's
    'micrografts, added to what you use now' (micrografts and minoxidil together), and its gain
    over minoxidil alone is frozen too - not micrografts alone, as before."""
    reg, a = north
    p, base, rows = _freeze(reg, a, "N001", GENTILE, ["minoxidil_5"])
    mp, asd = _assessed(p, base, protocols=[GENTILE], options=[])
    assert mp.treatments.current == ("minoxidil_5",)
    alone = next(o for o in asd.options if o.kind == "stem-cell")
    add_on = asd.option(f"minoxidil_5+{alone.key}")
    assert add_on.is_add_on and add_on.comparator == "minoxidil_5"
    for month in (6, 12):
        r, h = rows[month], add_on.at(month)
        assert _same(r, h.change_vs_today)
        assert not _same(r, alone.at(month).change_vs_today)
        assert r.settings["added"] == {
            "median": h.added.median, "low": h.added.low, "high": h.added.high
        }  # fmt: skip
        assert r.settings["note"].startswith("gain over Topical minoxidil 5 % ")
        assert r.settings["current_treatments"] == ["minoxidil_5"]
        u = asd.option("none").at(month).change_vs_today
        assert (r.untreated_median, r.untreated_low, r.untreated_high) == (u.median, u.low, u.high)
    assert rows[24].change_median is None  # past Gentile's 58 weeks, as assess withholds
    last = alone.durability.treatment_stops_month
    assert rows[6].settings["course"] == (
        f"Topical minoxidil 5 % used to month 24, then stopped; {alone.name}: last session at "
        f"month {last:g}"
    )


def test_finasteride_added_to_minoxidil_is_the_pair(north):
    reg, a = north
    p, base, rows = _freeze(reg, a, "P010", "finasteride_1mg", ["minoxidil_5"], (6, 12))
    _, asd = _assessed(p, base, protocols=(), options=["minoxidil_5", "finasteride_1mg"])
    pair = asd.option("minoxidil_5+finasteride_1mg")
    assert pair.comparator == "minoxidil_5"
    for month in (6, 12):
        assert _same(rows[month], pair.at(month).change_vs_today)
        assert rows[month].settings["added"]["median"] == pair.at(month).added.median


@pytest.mark.parametrize(
    ("option", "current", "reason"),
    [
        ("minoxidil_5", ["dutasteride"], "also uses dutasteride, which anagen's model does not"),
        (GENTILE, ["minoxidil_5", "other"], "also uses another hair-loss treatment"),
        ("lllt", ["minoxidil_5"], "gives no number for lllt added to what the person uses now"),
    ],
)
def test_no_number_assess_would_not_give(north, option, current, reason):
    """A current treatment the model cannot represent, or an option assess does not combine
    with what the person uses: recorded, every month unknown with the reason."""
    reg, a = north
    _, _, rows = _freeze(reg, a, "P011", option, current)
    for r in rows.values():
        assert r.change_median is r.change_low is r.change_high is None
        assert reason in r.settings["unknown_reason"]
        assert r.untreated_median is not None  # the untreated course is still reported


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        (["minoxidil_topical"], "say the strength or dose"),  # the registry's former words
        (["finasteride"], "say the strength or dose"),
        (["minoxidil_2", "minoxidil_5"], "one minoxidil strength"),
        (["lllt", "lllt"], "each treatment once"),
    ],
)
def test_current_treatments_checked(north, current, allowed):
    reg, a = north
    with pytest.raises(InputError, match=allowed), reg.session(a) as s:
        svc.add_patient(s, a, patient_in(current_treatments=current))


def test_modelled_words_are_the_patient_files():
    from anagen.therapy.patient import CURRENT_TREATMENTS

    assert m.MODELLED_CURRENT == CURRENT_TREATMENTS


def test_finasteride_months_withheld_and_course_stated(north):
    """X45 of the review: finasteride in a man, month 36 frozen as a number without saying the
    drug was assumed stopped at month 24. Every month assess withholds (past 192 weeks: month
    46 on) is unknown with the reason; a month after the stop says the planned course."""
    reg, a = north
    p, base, rows = _freeze(reg, a, "X45", "finasteride_1mg", (), tuple(range(1, 49)))
    _, asd = _assessed(p, base, protocols=(), options=["finasteride_1mg"])
    fin = asd.option("finasteride_1mg")
    assert fin.durability.treatment_stops_month == 24
    for month in range(1, 49):
        r, h = rows[month], fin.at(month)
        assert (r.change_median is not None) == h.known, month
        if not h.known:
            assert r.settings["unknown_reason"].startswith(h.unknown_text)
            continue
        assert _same(r, h.change_vs_today)
        stopped = "after the planned stop: Oral finasteride 1 mg used to month 24, then stopped"
        assert (r.settings["note"] == stopped) == (month > 24), month
    assert [k for k in rows if rows[k].change_median is None] == [46, 47, 48]
    assert rows[1].settings["course"] == "Oral finasteride 1 mg used to month 24, then stopped"
    assert "assumed used for 24 months" in rows[1].settings["course_rule"]


def test_course_shown_by_every_face(north):
    """The text view prints the current treatments, the planned course and, past the stop, the
    note; the treatment's detail carries the note for the CLI and the web."""
    from anagen.registry._patient_view import patient_outcomes

    reg, a = north
    _freeze(reg, a, "X46", "finasteride_1mg", (), (12, 36, 48))
    with reg.session(a) as s:
        text = patient_outcomes(s, a, "X46").text()
        d = svc.patient_detail(s, a, "X46")
    assert "planned course: Oral finasteride 1 mg used to month 24, then stopped (drugs" in text
    line36 = next(x for x in text.splitlines() if x.strip().startswith("month 36:"))
    assert line36.endswith(
        "after the planned stop: Oral finasteride 1 mg used to month 24, then stopped"
    )
    notes = {x["month"]: x["note"] for x in d["treatments"][0]["predictions"]}
    assert notes[12] == "" and notes[36].startswith("after the planned stop")


def test_patients_using_other_treatments_are_not_the_options_evidence(north, tmp_path):
    """Observed with minoxidil, a micrografts patient's change is not micrografts' outcome, and a
    'none' patient on minoxidil is not untreated: neither enters the evidence export or the
    clinic's untreated comparators."""
    from anagen.registry._io import export_evidence
    from anagen.registry._outcomes import clinic_outcomes

    reg, a = north
    plan = [("A1", GENTILE, []), ("A2", GENTILE, []), ("A3", GENTILE, ["minoxidil_5"])]
    plan += [("C1", "none", []), ("C2", "none", []), ("C3", "none", ["finasteride_1mg"])]
    with reg.session(a) as s:
        for k, (ps, option, cur) in enumerate(plan):
            svc.add_patient(s, a, patient_in(ps, current_treatments=cur))
            svc.add_visit(s, a, baseline_in(ps))
            svc.add_treatment(s, a, treatment_in(ps, option, planned_months=[6]))
            svc.add_visit(
                s, a, baseline_in(ps, kind="follow-up", visit_date=baseline_in().visit_date.replace(month=7, day=20),
                total_density_per_cm2=None, vellus_density_per_cm2=None,
                terminal_density_per_cm2=120.0 + k),
            )  # fmt: skip
        out = export_evidence(s, a, tmp_path / "ev.csv")
        comps = clinic_outcomes(s, a, featured=False).comparators
    assert out["rows"] == 1
    assert out["skipped_using_other_treatments"] == [
        f"{GENTILE}: 1 treatment(s) of patients using other treatments",
        "none: 1 treatment(s) of patients using other treatments",
    ]
    assert sorted(p for p, _, _ in comps) == ["C1", "C2"]
    import csv

    (row,) = list(csv.DictReader((tmp_path / "ev.csv").open(encoding="utf-8")))
    assert row["n_treated"] == "2" and row["n_control"] == "2"
