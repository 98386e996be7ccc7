"""pool() equals R metafor 3.8 (rma, predict, confint) field by field, and behaves sensibly.

Reference values come from ``tests/evidence/metafor/make_reference.R`` (metafor's own output,
regenerable with ``Rscript tests/evidence/metafor/make_reference.R``).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from anagen.errors import ConvergenceError, InputError
from anagen.evidence import METHODS, PoolResult, pool

REF = json.loads((Path(__file__).parent / "metafor" / "reference.json").read_text())
RTOL = 1e-6
DATASETS = ["bcg", "small3", "homog", "hetero", "pct"]
SCALAR_FIELDS = [
    "estimate", "se", "zval", "p", "ci_low", "ci_high", "tau2", "tau2_se", "tau", "i2", "h2",
    "q", "q_df", "q_p", "pi_low", "pi_high", "tau2_ci_low", "tau2_ci_high", "i2_ci_low",
    "i2_ci_high", "h2_ci_low", "h2_ci_high", "df", "k",
]  # fmt: skip


def _data(name: str) -> tuple[list[float], list[float]]:
    d = REF["datasets"][name]
    return d["yi"], d["vi"]


def _num(x: object) -> float:
    return math.nan if x is None else float(x)  # type: ignore[arg-type]


def _case_id(c: dict) -> str:
    return f"{c['dataset']}-{c['method']}-{'knha' if c['knha'] else 'z'}-{c['level']}"


def test_case_grid_is_complete():
    """The reference grid cannot quietly shrink: every dataset x method x test is present."""
    assert REF["metafor_version"].startswith("3.8")
    assert set(REF["methods"]) == set(METHODS)
    got = {(c["dataset"], c["method"], c["knha"], c["level"]) for c in REF["pool"]}
    want = {(d, m, kh, 0.95) for d in DATASETS for m in METHODS for kh in (False, True)}
    want |= {("bcg", m, kh, 0.9) for m in METHODS for kh in (False, True)}
    assert got == want
    assert len(REF["pool"]) == 96


@pytest.mark.parametrize("case", REF["pool"], ids=_case_id)
def test_every_field_matches_metafor(case: dict):
    yi, vi = _data(case["dataset"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = pool(
            yi, vi, case["method"], knha=case["knha"], level=case["level"], control="metafor"
        )
    exp = case["expected"]
    got = res.to_dict()
    if case["method"] == "FE":
        # metafor's predict() gives no prediction interval for a fixed-effect model; with
        # tau2 = 0 anagen's prediction interval is the confidence interval.
        exp = {**exp, "pi_low": exp["ci_low"], "pi_high": exp["ci_high"]}
    for name in SCALAR_FIELDS:
        want, have = _num(exp[name]), _num(got[name])
        if math.isnan(want):
            assert math.isnan(have), f"{name}: metafor gives NA, anagen {have}"
        else:
            # atol only rescues exact zeros (e.g. a truncated tau2 or a 0 CI bound)
            assert have == pytest.approx(want, rel=RTOL, abs=1e-12), name
    np.testing.assert_allclose(got["weights"], exp["weights"], rtol=RTOL, atol=1e-12)
    assert res.method == case["method"] and res.knha == case["knha"]


@pytest.mark.parametrize("case", REF["fixed_tau2"], ids=lambda c: f"tau2={c['tau2']}")
def test_fixed_tau2_matches_metafor(case: dict):
    yi, vi = _data(case["dataset"])
    res = pool(yi, vi, "REML", tau2=case["tau2"])
    for name in ("estimate", "se", "i2", "h2", "pi_low", "pi_high"):
        assert getattr(res, name) == pytest.approx(case[name], rel=RTOL, abs=1e-12), name
    assert math.isnan(res.tau2_se) and math.isnan(res.tau2_ci_low)


def test_result_is_frozen_and_serialisable():
    yi, vi = _data("bcg")
    res = pool(yi, vi)
    assert isinstance(res, PoolResult)
    with pytest.raises(AttributeError):
        res.estimate = 0.0  # type: ignore[misc]
    d = res.to_dict()
    json.dumps(d)
    assert d["df"] != d["df"]  # NaN for a z test
    frame = res.to_frame()
    assert frame.shape[0] == 1 and frame.loc[0, "estimate"] == res.estimate
    assert pool(yi, vi, knha=True).df == len(yi) - 1


def test_fe_interval_is_prediction_interval():
    yi, vi = _data("hetero")
    res = pool(yi, vi, "FE")
    assert res.tau2 == 0.0 and (res.pi_low, res.pi_high) == (res.ci_low, res.ci_high)
    assert math.isnan(res.tau2_ci_low) and math.isnan(res.tau2_se)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"yi": [0.1, 0.2], "vi": [0.1, -0.1]}, r"row 2: 'vi' must be > 0"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.0]}, r"row 2: 'vi'"),
        ({"yi": [0.1, math.nan], "vi": [0.1, 0.1]}, r"row 2: 'yi'"),
        ({"yi": [0.1, 0.2], "vi": [0.1, math.inf]}, r"'vi'"),
        ({"yi": [0.1, 0.2, 0.3], "vi": [0.1, 0.1]}, r"'vi' must be the same shape"),
        ({"yi": [0.1], "vi": [0.1]}, r"'k' must be >= 2"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "method": "XX"}, r"one of FE, DL, REML"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "level": 95}, r"'level'"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "tau2": -1.0}, r"'tau2'"),
        ({"yi": [0.1], "vi": [0.1], "method": "FE", "knha": True}, r"Knapp-Hartung"),
        ({"yi": ["a", 0.2], "vi": [0.1, 0.1]}, r"'yi' must be numbers"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, match: str):
    with pytest.raises(InputError, match=match):
        pool(**kwargs)


def test_single_study_fixed_effect_is_allowed():
    res = pool([0.3], [0.04], "FE")
    assert res.estimate == 0.3 and res.se == pytest.approx(0.2) and res.q == 0.0


# ---- properties ----------------------------------------------------------------------------


def _pool_or_skip(yi, vi, method):
    """Pool, skipping examples where Fisher scoring fails (as it does in metafor for them)."""
    try:
        return pool(yi, vi, method)
    except ConvergenceError:
        assume(False)


def test_nonconvergence_raises_like_metafor():
    # metafor 3.8: rma(yi, vi) stops with "Fisher scoring algorithm did not converge" here
    yi, vi = [0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5, 0.5, 0.0625, 0.5]
    with pytest.raises(ConvergenceError, match="did not converge"):
        pool(yi, vi, "REML", control="metafor")
    res = pool(yi, vi, "REML")  # exact default: the fallback finds the optimum
    assert res.tau2 > 0 and math.isfinite(res.tau2_ci_high)


studies = st.integers(min_value=3, max_value=12).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.005, 0.5, allow_nan=False), min_size=k, max_size=k),
    )
)


@settings(max_examples=40, deadline=None)
@given(studies, st.randoms(use_true_random=False))
def test_permutation_invariance(data, rnd):
    yi, vi = data
    order = list(range(len(yi)))
    rnd.shuffle(order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for method in ("DL", "REML", "PM"):
            a = _pool_or_skip(yi, vi, method)
            b = _pool_or_skip([yi[i] for i in order], [vi[i] for i in order], method)
            assert b.estimate == pytest.approx(a.estimate, rel=1e-9, abs=1e-9)
            # the PM root is found to uniroot's tolerance, so allow that much
            assert b.tau2 == pytest.approx(a.tau2, rel=1e-9, abs=2e-4 if method == "PM" else 1e-9)


@settings(max_examples=40, deadline=None)
@given(studies)
def test_fixed_effect_is_inverse_variance_weighted_mean(data):
    yi, vi = data
    res = pool(yi, vi, "FE")
    w = 1.0 / np.asarray(vi)
    assert res.estimate == pytest.approx(float(np.sum(w * yi) / np.sum(w)), rel=1e-12, abs=1e-12)
    assert res.se == pytest.approx(float(np.sqrt(1.0 / np.sum(w))), rel=1e-12)
    assert sum(res.weights) == pytest.approx(100.0)


@settings(max_examples=40, deadline=None)
@given(studies)
def test_intervals_are_nested_and_tau2_nonnegative(data):
    yi, vi = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for method in METHODS:
            res = _pool_or_skip(yi, vi, method)
            assert res.tau2 >= 0.0 and 0.0 <= res.i2 < 100.0
            # metafor: H2 = Q / (k - 1) for FE (may be < 1), tau2 / vt + 1 otherwise
            assert res.h2 >= 1.0 if method != "FE" else res.h2 == res.q / (res.k - 1)
            assert res.ci_low <= res.estimate <= res.ci_high
            assert res.pi_low <= res.ci_low + 1e-12 and res.pi_high >= res.ci_high - 1e-12
            if method != "FE":
                assert res.tau2_ci_low <= res.tau2_ci_high


def test_oscillating_fisher_scoring_fails_like_metafor_and_stepadj_fixes_it():
    osc = REF["oscillating"]
    assert osc["default_reml_fails"]
    with pytest.raises(ConvergenceError, match=r"stepadj=0\.5"):
        pool(osc["data"]["yi"], osc["data"]["vi"], "REML", control="metafor")
    for case in osc["stepadj"]:
        res = pool(osc["data"]["yi"], osc["data"]["vi"], case["method"], stepadj=case["stepadj"])
        got = res.to_dict()
        for name in SCALAR_FIELDS:
            want = _num(case["expected"][name])
            if math.isnan(want):
                assert math.isnan(_num(got[name])), name
            else:
                assert _num(got[name]) == pytest.approx(want, rel=RTOL, abs=1e-12), name
    with pytest.raises(InputError, match="'stepadj'"):
        pool([0.1, 0.2], [0.1, 0.1], stepadj=0.0)
