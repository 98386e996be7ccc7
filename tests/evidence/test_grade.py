"""GRADE-style rules: each domain's thresholds and the final rating."""

from __future__ import annotations

import math

import pytest

from anagen.errors import InputError
from anagen.evidence import (
    Judgement,
    StudyBias,
    judge_imprecision,
    judge_inconsistency,
    judge_indirectness,
    judge_publication_bias,
    judge_risk_of_bias,
    optimal_information_size,
    rate_certainty,
)


def test_ois_formula():
    # 2 * (1.959964 + 0.841621)^2 / 0.2^2 = 392.4 -> 393 per arm
    assert optimal_information_size() == 786
    assert optimal_information_size(d=0.5) == 2 * 63


def test_rob2_overall_judgement():
    assert StudyBias("a", 1).judgement == "low"
    assert StudyBias("a", 1, concerns=("x",)).judgement == "some concerns"
    assert StudyBias("a", 1, concerns=("x", "y")).judgement == "high"
    assert StudyBias("a", 1, serious=("x",)).judgement == "high"


def test_risk_of_bias_weights_decide():
    low = StudyBias("low", 60)
    high = StudyBias("high", 40, serious=("non-randomised",))
    assert judge_risk_of_bias([low, high]).levels == 0
    assert (
        judge_risk_of_bias([StudyBias("low", 40), StudyBias("high", 60, serious=("x",))]).levels
        == 1
    )
    very = StudyBias("v", 70, serious=("x", "y"))
    assert judge_risk_of_bias([very, StudyBias("low", 30)]).levels == 2
    with pytest.raises(InputError):
        judge_risk_of_bias([])


def test_inconsistency_thresholds():
    assert judge_inconsistency([1.0], 0.0).levels == 0
    assert "single study" in judge_inconsistency([1.0], 0.0).reason
    assert judge_inconsistency([1.0, 2.0], 20.0, pi_low=0.5, pi_high=2.5).levels == 0
    assert judge_inconsistency([1.0, 2.0], 20.0, pi_low=-0.5, pi_high=2.5).levels == 1
    assert judge_inconsistency([1.0, 2.0], 55.0).levels == 1
    assert judge_inconsistency([-1.0, 2.0], 80.0).levels == 2
    assert judge_inconsistency([1.0, 2.0], 80.0).levels == 1


def test_imprecision_two_criteria():
    assert judge_imprecision(1.0, 3.0, 1000).levels == 0
    assert judge_imprecision(-1.0, 3.0, 1000).levels == 1
    assert judge_imprecision(1.0, 3.0, 50).levels == 1
    assert judge_imprecision(-1.0, 3.0, 50).levels == 2
    assert judge_imprecision(1.0, 3.0, math.nan).levels == 1


def test_indirectness():
    assert judge_indirectness([]).levels == 0
    assert judge_indirectness([("intervention", "mixed products")]).levels == 1
    assert judge_indirectness([("intervention", "a"), ("outcome", "b")]).levels == 2
    with pytest.raises(InputError):
        judge_indirectness([("dose", "x")])


def test_publication_bias_needs_ten_studies_for_egger():
    j = judge_publication_bias(5, n_total=2000, egger_p=0.001)
    assert j.levels == 0 and "too few studies" in j.reason
    assert judge_publication_bias(5, n_total=100).levels == 1
    assert judge_publication_bias(5, n_total=2000, unreported=2).levels == 1
    assert judge_publication_bias(12, n_total=100, egger_p=0.05).levels == 1
    assert judge_publication_bias(12, n_total=100, egger_p=0.5).levels == 0


def test_rating_start_and_floor():
    one = Judgement("imprecision", 1, "x")
    two = Judgement("risk of bias", 2, "y")
    assert rate_certainty(randomised=True, judgements=[]).rating == "high"
    assert rate_certainty(randomised=True, judgements=[one]).rating == "moderate"
    assert rate_certainty(randomised=False, judgements=[]).rating == "low"
    assert rate_certainty(randomised=True, judgements=[one, two, one]).rating == "very low"
    c = rate_certainty(randomised=False, judgements=[one])
    assert c.rating == "very low" and c.downgrades == (one,)
    assert "-1 imprecision: x" in c.explain()
    with pytest.raises(InputError):
        rate_certainty(randomised=True, judgements=[Judgement("x", 3, "")])
