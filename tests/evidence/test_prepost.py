"""Within-arm pre-post synthesis and its minoxidil yardstick."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from anagen.errors import InputError
from anagen.evidence import load_comparator_trials, load_studies
from anagen.evidence._prepost import (
    donor_change_cv,
    minoxidil_yardstick,
    prepost_effects,
    prepost_synthesis,
)


@pytest.fixture(scope="module")
def synthesis():
    return prepost_synthesis()


def test_change_from_means_and_reported_sd():
    e = prepost_effects().set_index(["study_id", "outcome_scale", "outcome_domain"])
    shin = e.loc[("Shin2015", "hairs_per_cm2", "density")]
    assert shin["change"] == pytest.approx(122.7 - 105.4)
    assert shin["flagged"] and shin["se_source"] == "borrowed CV"
    g = e.loc[("Gentile2019", "percent", "density")]
    # longest follow-up kept (44 wk, 27 +/- 3.5, n = 33)
    assert g["change"] == 27 and g["se"] == pytest.approx(3.5 / math.sqrt(33))
    assert not g["flagged"]


def test_duplicates_and_unusable_rows_are_left_out():
    e = prepost_effects()
    assert "Gentile2019b" not in set(e["study_id"])  # duplicate cohort
    assert "Zari2021" not in set(e["study_id"])  # only a range, no mean change
    assert np.isfinite(e["se"]).all() and (e["se"] > 0).all()


def test_borrowed_cv_is_median_of_minoxidil_arms():
    t = load_comparator_trials()
    t = t[t["treated_change_sd"].notna()]
    assert donor_change_cv(load_comparator_trials()) == pytest.approx(
        float(np.median(t["treated_change_sd"] / t["treated_change_mean"].abs()))
    )


def test_r_only_matters_with_pre_post_sds():
    s = load_studies()
    row = s[s["row_id"] == "S10"].copy()
    row["treated_baseline_sd"] = 30.0
    row["treated_followup_sd"] = 30.0
    lo = prepost_effects(studies=row, r=0.2).iloc[0]
    hi = prepost_effects(studies=row, r=0.8).iloc[0]
    assert lo["r_dependent"] and lo["se"] > hi["se"]
    assert lo["se"] == pytest.approx(30 * math.sqrt(2 * 0.8) / math.sqrt(27))
    syn = prepost_synthesis(studies=row)
    assert [x[0] for x in syn.analyses[0].r_sensitivity] == [0.2, 0.8]


def test_yardstick_shows_prepost_overstates_controlled_minoxidil():
    y = minoxidil_yardstick()
    assert y.prepost.estimate > y.controlled.estimate > 0
    assert y.placebo_prepost.estimate > 0
    assert y.ratio == pytest.approx(y.prepost.estimate / y.controlled.estimate)


def test_every_prepost_analysis_is_rated_down_for_missing_control(synthesis):
    assert synthesis.analyses
    for a in synthesis.analyses:
        assert a.certainty.start == "low"
        rob = a.certainty.judgements[0]
        assert rob.domain == "risk of bias" and rob.levels == 2
        assert a.certainty.rating == "very low"
        assert "not an effect vs control" in a.statement


def test_to_dict_and_plot(synthesis, tmp_path):
    from anagen.evidence import save_figure
    from anagen.evidence._prepost import prepost_plot

    d = synthesis.to_dict()
    assert d["yardsticks"][0]["ratio"] > 1
    assert {a["outcome_domain"] for a in d["analyses"]} >= {"density", "thickness"}
    out = save_figure(prepost_plot(synthesis), tmp_path / "pp.png")
    assert out.stat().st_size > 1000
    fig = prepost_plot(synthesis, domain=None)
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.startswith("thickness") for t in titles)
    assert any(t.startswith("density") for t in titles)
    with pytest.raises(InputError, match="domain"):
        prepost_plot(synthesis, domain="global")


def test_bad_r_is_rejected():
    with pytest.raises(InputError, match="'r'"):
        prepost_effects(r=1.5)
    with pytest.raises(InputError, match="method"):
        prepost_synthesis(method="XX")


def test_empty_table_gives_no_analysis():
    s = load_studies().iloc[0:0]
    assert len(prepost_effects(studies=s)) == 0
    assert isinstance(prepost_effects(studies=s), pd.DataFrame)
