"""Direction-of-effect vote counting and the exact sign test (SWiM)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from anagen.errors import InputError
from anagen.evidence import direction_of_effect


def test_all_positive_sign_test_matches_binomial():
    res = direction_of_effect([1, 1, 1, 1, 1, 1])
    assert (res.n_benefit, res.n_harm, res.n_tested) == (6, 0, 6)
    assert res.p == pytest.approx(2 * 0.5**6)
    # exact Clopper-Pearson lower bound for 6/6: (alpha/2)^(1/6)
    assert res.ci_low == pytest.approx(0.025 ** (1 / 6), rel=1e-9)
    assert res.ci_high == pytest.approx(1.0)


def test_ties_and_unknowns_leave_the_test_but_are_counted():
    res = direction_of_effect(
        [1, -1, 0, np.nan, 1, 1], effects=[3.0, -1.0, np.nan, np.nan, 5.0, 2.0]
    )
    assert (res.n_benefit, res.n_harm, res.n_no_difference, res.n_unknown) == (3, 1, 1, 1)
    assert res.n_tested == 4
    assert res.p == pytest.approx(stats.binomtest(3, 4, 0.5).pvalue)
    assert (res.effect_min, res.effect_median, res.effect_max) == (-1.0, 2.5, 5.0)
    assert res.n_quantified == 4
    assert "3 of 4" in res.sentence() and "1 more did not report" in res.sentence()


def test_no_direction_gives_nan_and_says_so():
    res = direction_of_effect([np.nan, 0])
    assert math.isnan(res.p) and res.n_tested == 0
    assert res.sentence().startswith("none of 2")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"directions": []}, "directions"),
        ({"directions": [1, 2]}, "directions"),
        ({"directions": [1, 1], "labels": ["a"]}, "labels"),
        ({"directions": [1, 1], "effects": [1.0]}, "effects"),
        ({"directions": [1, 1], "level": 1.5}, "level"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as exc:
        direction_of_effect(**kwargs)
    assert exc.value.field == field


def test_to_dict_round_trips_labels():
    d = direction_of_effect([1, -1], labels=["A", "B"]).to_dict()
    assert d["labels"] == ["A", "B"] and d["directions"] == [1.0, -1.0]
