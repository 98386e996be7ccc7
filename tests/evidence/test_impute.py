"""Missing-SD imputation and the sensitivity analysis that drops imputed studies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.errors import InputError
from anagen.evidence import impute_sd, pool, sensitivity_without_imputed

NAN = float("nan")


def test_median_sd_fills_only_missing() -> None:
    res = impute_sd([4.0, NAN, 10.0, NAN, 6.0])
    np.testing.assert_array_equal(res.sd, [4.0, 6.0, 10.0, 6.0, 6.0])
    np.testing.assert_array_equal(res.imputed, [False, True, False, True, False])
    assert res.how[0] == "" and "median of 3" in res.how[1]
    assert res.n_donors == 3 and res.donor_value == 6.0


def test_max_and_pooled_and_cv() -> None:
    assert impute_sd([4.0, NAN, 10.0], method="max_sd").sd[1] == 10.0
    pooled = impute_sd([4.0, NAN, 10.0], n=[11, 5, 21], method="pooled_sd")
    assert pooled.sd[1] == pytest.approx(np.sqrt((10 * 16 + 20 * 100) / 30))
    cv = impute_sd([5.0, NAN, 10.0], mean=[50.0, 30.0, 50.0], method="median_cv")
    assert cv.sd[1] == pytest.approx(0.15 * 30.0)
    assert "CV" in cv.how[1]


def test_external_donors_and_labels() -> None:
    res = impute_sd([NAN, NAN], donor_sd=[20.7, 25.4, 21.7], labels=["a", "b", "c"])
    np.testing.assert_array_equal(res.sd, [21.7, 21.7])
    assert "(a, b, c)" in res.how[0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(sd=[NAN, NAN]), "donor_sd"),
        (dict(sd=[1.0, NAN], method="best"), "method"),
        (dict(sd=[1.0, NAN], method="pooled_sd"), "donor_n"),
        (dict(sd=[1.0, NAN], method="median_cv"), "mean"),
        (dict(sd=[1.0, NAN], mean=[1.0, 2.0, 3.0]), "mean"),
    ],
)
def test_errors(kwargs, field) -> None:
    with pytest.raises(InputError, match=f"'{field}'"):
        impute_sd(**kwargs)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.floats(0.1, 100), st.just(NAN)), min_size=2, max_size=12),
    st.sampled_from(["median_sd", "max_sd"]),
)
def test_imputed_values_lie_within_the_donors(values, method) -> None:
    arr = np.array(values)
    if np.isnan(arr).all():
        return
    res = impute_sd(arr, method=method)
    donors = arr[~np.isnan(arr)]
    assert not np.isnan(res.sd).any()
    assert np.all((res.sd >= donors.min()) & (res.sd <= donors.max()))
    np.testing.assert_array_equal(res.sd[~res.imputed], donors)


def test_sensitivity_drops_imputed_and_pools_the_rest() -> None:
    yi = np.array([0.2, 0.5, 0.1, 0.9, 0.4])
    vi = np.array([0.04, 0.02, 0.05, 0.03, 0.02])
    imputed = np.array([False, True, False, True, False])
    res = sensitivity_without_imputed(yi, vi, imputed, method="DL")
    assert res.all.estimate == pytest.approx(pool(yi, vi, method="DL").estimate)
    ref = pool(yi[~imputed], vi[~imputed], method="DL")
    assert res.without_imputed is not None
    assert res.without_imputed.estimate == pytest.approx(ref.estimate)
    assert res.without_imputed.k == 3
    np.testing.assert_array_equal(res.keep, ~imputed)


def test_sensitivity_when_too_few_remain() -> None:
    res = sensitivity_without_imputed([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], [True, True, False])
    assert res.without_imputed is None
    fe = sensitivity_without_imputed(
        [0.1, 0.3, 0.2], [0.01, 0.02, 0.03], [True, True, False], method="FE"
    )
    assert fe.without_imputed is not None and fe.without_imputed.k == 1
    with pytest.raises(InputError, match="'imputed'"):
        sensitivity_without_imputed([0.1, 0.2], [0.1, 0.1], [True])
