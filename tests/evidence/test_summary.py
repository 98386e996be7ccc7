"""summarise_evidence(): the bundled answer, checked against its own inputs."""

from __future__ import annotations

import json
import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import (
    comparator_effects,
    pool,
    study_effects,
    summarise_evidence,
    summary_forest_plot,
    summary_funnel_plot,
)
from anagen.evidence._summary import DISCLAIMER, _study_bias


@pytest.fixture(scope="module")
def summary():
    return summarise_evidence()


def test_stem_cell_analyses_reproduce_pool(summary):
    eff = study_effects()
    for a in summary.analyses:
        if a.family != "stem-cell":
            continue
        sub = eff[eff["measure"] == a.measure]
        if not a.name.startswith("stem-cell therapy"):
            sub = sub[sub["product_group"] == a.name]
        assert a.k == len(sub)
        ref = pool(sub["yi"], sub["vi"], method="REML" if a.k > 1 else "FE")
        assert a.result.estimate == pytest.approx(ref.estimate)
        assert a.result.ci_low == pytest.approx(ref.ci_low)


def test_scales_are_never_pooled_together(summary):
    for a in summary.analyses:
        assert a.measure in ("MD", "MD_pct")
        assert a.scale
    names = [(a.name, a.measure) for a in summary.analyses]
    assert len(names) == len(set(names))


def test_minoxidil_benchmark_matches_trials(summary):
    mx = comparator_effects()
    mx = mx[mx["control_type"] == "placebo"]
    a = next(a for a in summary.analyses if a.family == "comparator")
    ref = pool(mx["yi"], mx["vi"])
    assert a.k == len(mx) and a.result.estimate == pytest.approx(ref.estimate)
    assert a.n == pytest.approx(mx["n_treated"].sum() + mx["n_control"].sum())
    # some minoxidil SDs are imputed, so a sensitivity analysis without them exists
    assert a.sensitivity_result is not None and a.sensitivity_result.k < a.k


def test_certainty_never_above_what_the_data_allow(summary):
    stem = [a for a in summary.analyses if a.family == "stem-cell"]
    for a in stem:
        # every stem-cell analysis is small: imprecision always rates it down
        imp = next(j for j in a.certainty.judgements if j.domain == "imprecision")
        assert imp.levels >= 1
        assert a.certainty.rating in ("low", "very low")
        assert "too few studies" in a.small_study_test
    assert summary.certainty in ("low", "very low")


def test_verdict_wording_follows_certainty(summary):
    for a in summary.analyses:
        if a.certainty.rating == "very low":
            assert "very uncertain" in a.verdict
        elif a.certainty.rating == "low":
            assert " may " in a.verdict


def test_imputation_is_reported(summary):
    eff = study_effects()
    for a in summary.analyses:
        if a.family == "stem-cell" and a.k:
            assert a.imputation, a.name
    if eff["imputed"].all():
        assert any("every effect needed an assumption" in v for v in summary.verdict)


def test_swim_counts_match_study_directions(summary):
    from anagen.evidence import study_directions

    d = study_directions()
    ctl = d[d["comparison"] == "vs control"]
    assert summary.direction_controlled.k == len(ctl)
    assert summary.direction_controlled.n_benefit == int((ctl["direction"] == 1).sum())


def test_to_dict_is_json_and_carries_the_disclaimer(summary):
    d = summary.to_dict()
    text = json.dumps(d, default=lambda x: None)
    back = json.loads(text)
    assert back["disclaimer"] == DISCLAIMER
    assert {"verdict", "certainty", "analyses", "published_comparators", "cannot_support"} <= set(
        back
    )
    a0 = back["analyses"][0]
    assert {
        "k",
        "n",
        "estimate",
        "ci_low",
        "ci_high",
        "i2",
        "tau2",
        "pi_low",
        "pi_high",
        "certainty",
    } <= set(a0)


def test_r_changes_split_scalp_variance_only():
    lo, hi = summarise_evidence(r=0.2), summarise_evidence(r=0.8)
    a_lo = next(a for a in lo.analyses if a.name == "HFSC-micrograft" and a.measure == "MD_pct")
    a_hi = next(a for a in hi.analyses if a.name == "HFSC-micrograft" and a.measure == "MD_pct")
    assert a_lo.result.estimate == a_hi.result.estimate
    assert a_lo.result.se > a_hi.result.se


def test_bad_method():
    with pytest.raises(InputError) as exc:
        summarise_evidence(method="XX")
    assert exc.value.field == "--method"


def test_study_bias_rules():
    rand, serious, concerns, ind = _study_bias(
        "split-scalp non-randomised (treated vs non-treated side)",
        "Industry-sponsored.",
        "untreated",
    )
    assert not rand and serious == ("non-randomised comparison",) and ind
    assert "untreated (not placebo) control" in concerns
    rand, serious, concerns, ind = _study_bias("RCT (parallel, double-blind)", "", "placebo")
    assert rand and not serious and not concerns and not ind


def test_figures(summary, tmp_path):
    fig = summary_forest_plot(summary)
    assert len(fig.axes) == 2  # one panel per outcome scale
    plt.close(fig)
    fig = summary_funnel_plot(summary)
    assert math.isfinite(np.sum(fig.axes[0].get_xlim()))
    plt.close(fig)


def test_r_sensitivity_only_where_r_matters(summary):
    from anagen.evidence import CORRELATION_RANGE

    for a in summary.analyses:
        if a.family != "stem-cell":
            assert a.r_sensitivity == ()
            continue
        eff = {rr: study_effects(r=rr) for rr in CORRELATION_RANGE}
        moves = any(
            not np.allclose(
                e.set_index("study_id").loc[list(a.study_ids), "vi"].to_numpy(float), a.vi
            )
            for e in eff.values()
        )
        assert bool(a.r_sensitivity) == moves
        for rr, est, lo, hi in a.r_sensitivity:
            assert rr in CORRELATION_RANGE and lo < est < hi


def test_all_products_counts_every_unusable_controlled_trial(summary):
    from anagen.evidence import study_directions

    d = study_directions()
    missing = int(((d["comparison"] == "vs control") & ~d["quantified"]).sum())
    overall = [a for a in summary.analyses if a.name.startswith("stem-cell therapy")]
    for a in overall:
        pb = next(j for j in a.certainty.judgements if j.domain == "publication bias")
        if missing:
            assert f"{missing} eligible stud" in pb.reason and pb.levels == 1


def test_by_product_lists_every_study_once(summary):
    from anagen.evidence import study_directions

    d = study_directions()
    text = "\n".join(summary.by_product)
    for sid in d["study_id"]:
        label = re.sub(r"^([A-Za-z]+?)(\d{4})", r"\1 \2", sid)
        assert text.count(f"{label} vs") == 1, sid
    assert len(summary.by_product) == d["product_group"].nunique()
    usable = [line for line in summary.by_product if "Usable effect" in line]
    assert len(usable) == len(
        {a.name for a in summary.analyses if a.family == "stem-cell"}
        - {"stem-cell therapy (all products)"}
    )


def test_missing_randomisation_counted_once(summary):
    for a in summary.analyses:
        rob = next(j for j in a.certainty.judgements if j.domain == "risk of bias")
        if a.certainty.start == "low":
            assert "randomisation not described" not in rob.reason
            assert "non-randomised comparison" not in rob.reason


def test_every_study_sections_are_on_the_summary(summary):
    names = [a.name for a in summary.other_outcomes]
    assert any(n.endswith("[thickness]") for n in names)
    assert any(n.endswith("[hair count]") for n in names)
    count = next(a for a in summary.other_outcomes if a.name == "HFSC-micrograft [hair count]")
    assert "0.65 cm²" in count.scale and "hairs per 0.65 cm²" in count.verdict
    assert count.result.estimate == pytest.approx(18.0 - (-1.1))
    assert summary.pre_post is not None and summary.pre_post.analyses
    assert {"common_scale", "indirect", "coverage", "published_vs_anagen"} <= set(
        summary.extensions
    )
    assert summary.evidence_date.startswith("studies up to ")
    assert any(v.startswith("Within-arm changes from baseline") for v in summary.verdict)
    # the pre-post line never replaces the controlled statements or the benchmark
    assert summary.verdict[-1].startswith("Benchmark:")
    d = summary.to_dict()
    assert {"evidence_date", "other_outcomes", "pre_post", "coverage", "indirect"} <= set(d)
