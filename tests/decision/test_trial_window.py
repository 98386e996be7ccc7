"""A virtual trial's visits past the follow-up of its arms' evidence are flagged as the model's
extrapolation, with the limit and its source, from the assessment's own window."""

from __future__ import annotations

import copy

import pytest

from anagen.decision import simulate_trials, trial_from_dict
from anagen.decision._assess_plan import OptionSpec
from anagen.decision._assess_window import follow_up
from anagen.decision._trial_window import trial_evidence

BASE = {
    "trial": {"name": "window", "design": "parallel", "alpha": 0.05, "trials": 5, "seed": 2},
    "population": {
        "age": [30, 50],
        "male_fraction": 0.5,
        "stages_male": ["III", "III"],
        "stages_female": ["I-2", "I-2"],
    },
    "arms": [
        {"name": "laser", "treatment": "lllt", "n": 3},
        {"name": "sham", "treatment": "placebo", "n": 3},
    ],
    "outcome": {"zone": "vertex", "measure": "change", "follow_up_weeks": 52},
    "model": {"parameters": "median", "source": "prior", "max_pool": 64},
}


def spec(treatment="lllt", male_fraction=0.5, weeks=52, visits=None, control="placebo"):
    d = copy.deepcopy(BASE)
    d["arms"][0]["treatment"] = treatment
    d["arms"][1]["treatment"] = control
    d["population"]["male_fraction"] = male_fraction
    d["outcome"]["follow_up_weeks"] = weeks
    if visits is not None:
        d["outcome"]["visits_weeks"] = visits
    return trial_from_dict(d)


@pytest.mark.parametrize("treatment", ["lllt", "minoxidil_5", "finasteride_1mg", "prp"])
def test_the_follow_up_is_the_assessments(treatment):
    ev = trial_evidence(spec(treatment))
    assert ev.arms[1] is None  # placebo: no treatment effect to limit
    option = OptionSpec(treatment, treatment, treatment, "alternative", 0.0, 0)
    assert dict(ev.arms[0].follow_ups) == {s: follow_up(option, s) for s in ("M", "F")}


def test_laser_visits_past_26_weeks_are_extrapolated_with_limit_and_source():
    ev = trial_evidence(spec(visits=[26, 27, 52]))
    assert ev.arms[0].weeks == 26
    # the assessment's rule: followed up to the last visit rounded up to a whole month
    assert [ev.extrapolated(0, w) for w in (26, 27, 52)] == [False, True, True]
    assert ev.follow_up_weeks(0) == 26
    (note,) = ev.notes()
    assert "week 27, 52" in note and "26 weeks" in note and "[JIM14]" in note
    assert "extrapolation" in note
    assert ev.primary_notes() == ev.notes(weeks=(52,))


def test_the_follow_up_differs_by_sex_and_the_note_says_whose():
    ev = trial_evidence(spec("minoxidil_5", weeks=104, visits=[52, 60, 104]))
    # men 96 weeks [PRICE99], women 48 [LUCK04] (week 52 falls in month 12: followed)
    assert ev.arms[0].past(52) == () and ev.arms[0].past(60) == ("F",)
    assert ev.arms[0].past(104) == ("M", "F")
    assert ev.extrapolated(0, 60) and not ev.extrapolated(0, 60, ("M",))
    (note,) = ev.notes()
    assert "week 60 (women), 104" in note and "[PRICE99]" in note and "[LUCK04]" in note
    men_only = trial_evidence(spec("minoxidil_5", male_fraction=1.0, weeks=60))
    assert not men_only.extrapolated(0, 60) and men_only.notes() == ()


def test_finasteride_in_women_has_no_follow_up_at_any_visit():
    ev = trial_evidence(spec("finasteride_1mg", weeks=12))
    assert ev.extrapolated(0, 12) and ev.follow_up_weeks(0) is None
    assert "[WHIT99]" in ev.notes()[0] and "(women)" in ev.notes()[0]
    assert not trial_evidence(spec("finasteride_1mg", male_fraction=1.0, weeks=12)).notes()


def test_protocols_topical_and_an_active_control():
    assert trial_evidence(spec("style_low_dose", weeks=24)).notes() == ()
    style = trial_evidence(spec("style_low_dose", weeks=52))
    assert style.extrapolated(0, 52) and "[T17]" in style.notes()[0]
    topical = trial_evidence(spec("topical", weeks=24, visits=[16, 24]))
    assert not topical.extrapolated(0, 16) and topical.extrapolated(0, 24)
    assert "Tak2020" in topical.notes()[0]
    # an active control: the comparison rests on both arms' evidence
    both = trial_evidence(spec("minoxidil_5", weeks=52, control="lllt"))
    assert both.extrapolated(0, 52) and both.follow_up_weeks(0) == 26


def test_every_comparison_visit_and_subgroup_carries_the_flag():
    d = copy.deepcopy(BASE)
    d["outcome"]["visits_weeks"] = [26, 52]
    d["analysis"] = {"subgroups": ["sex"]}
    r = simulate_trials(trial_from_dict(d), scheduler="synchronous", se_target=0.4)
    flags = {c["week"]: c["extrapolated"] for c in r.comparisons()}
    assert flags == {26: False, 52: True}
    assert all(c["evidence_follow_up_weeks"] == 26 for c in r.comparisons())
    tc = {(t["arm"], t["week"]): t["extrapolated"] for t in r.time_course()}
    assert tc[("laser", 52)] and not tc[("laser", 26)] and not tc[("sham", 52)]
    assert all(g["extrapolated"] for g in r.subgroups)
    s = r.summary()
    assert s["extrapolated"] and s["evidence_follow_up_weeks"] == 26
    assert "[JIM14]" in s["extrapolation"][0]


def test_arms_of_one_treatment_share_a_line():
    """The shipped dose-finding trial's week-24 visit is 8 weeks past Tak 2020's 16 [S01]."""
    from anagen.decision import load_trial

    ev = trial_evidence(load_trial("topical_dose_finding"))
    (note,) = ev.notes()
    assert note.startswith("EXTRAPOLATION: extract x0.5, extract x1 (Tak 2020), extract x2")
    assert "at week 24 are past" in note and "16 weeks" in note and "[S01]" in note
    assert ev.primary_notes() == ()  # the primary visit, week 16, is within it
