"""Meta-regression and subgroup analysis equal metafor 3.8 ``rma(yi, vi, mods = ...)``."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import METHODS, meta_regression, pool, subgroup_analysis

REF = json.loads((Path(__file__).parent / "metafor" / "reference.json").read_text())
RTOL = 1e-6
BCG = REF["datasets"]["bcg"]


def test_case_grid_is_complete():
    got = {(c["formula"], c["method"], c["knha"]) for c in REF["mods"]}
    assert got == {(f, m, kh) for f in ("ablat", "ablat+year") for m in METHODS for kh in (0, 1)}
    assert {c["method"] for c in REF["subgroups"]} == {"FE", "DL", "REML"}


@pytest.mark.parametrize(
    "case", REF["mods"], ids=lambda c: f"{c['formula']}-{c['method']}-{int(c['knha'])}"
)
def test_meta_regression_matches_metafor(case: dict):
    mods = {name: BCG[name] for name in case["formula"].split("+")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = meta_regression(BCG["yi"], BCG["vi"], mods, method=case["method"], knha=case["knha"])
    assert res.names == ("intrcpt", *mods)
    for name in ("coef", "se", "zval", "p", "ci_low", "ci_high"):
        np.testing.assert_allclose(getattr(res, name), case[name], rtol=RTOL, err_msg=name)
    for name in ("qm", "qm_p", "qe", "qe_p", "tau2", "tau2_se", "i2", "h2", "r2"):
        want = math.nan if case[name] is None else case[name]
        if math.isnan(want):
            assert math.isnan(getattr(res, name)), name
        else:
            assert getattr(res, name) == pytest.approx(want, rel=RTOL, abs=1e-12), name
    assert res.to_frame().shape == (len(mods) + 1, 6)


@pytest.mark.parametrize("case", REF["subgroups"], ids=lambda c: c["method"])
def test_subgroups_match_metafor(case: dict):
    sep = subgroup_analysis(
        BCG["yi"], BCG["vi"], BCG["alloc"], method=case["method"], control="metafor"
    )
    assert list(sep.groups) == case["groups"] and sep.qb_df == len(case["groups"]) - 1
    np.testing.assert_allclose([r.estimate for r in sep.results], case["estimate"], rtol=RTOL)
    np.testing.assert_allclose([r.se for r in sep.results], case["se"], rtol=RTOL)
    np.testing.assert_allclose([r.tau2 for r in sep.results], case["tau2"], rtol=RTOL, atol=1e-12)
    assert sep.qb == pytest.approx(case["qb_separate"], rel=RTOL)
    assert sep.qb_p == pytest.approx(case["qb_separate_p"], rel=RTOL)
    com = subgroup_analysis(
        BCG["yi"], BCG["vi"], BCG["alloc"], method=case["method"], tau2="common"
    )
    assert com.qb == pytest.approx(case["qb_common"], rel=RTOL)
    assert com.qb_p == pytest.approx(case["qb_common_p"], rel=RTOL)
    assert sep.to_frame().shape[0] == 3


def test_regression_on_constant_shift_recovers_intercept_model():
    # a moderator that is a pure study-level offset: coefficient equals the offset
    yi = np.array(BCG["yi"])
    x = np.arange(yi.size, dtype=float)
    res = meta_regression(yi + 0.5 * x, BCG["vi"], {"x": x}, method="FE")
    base = meta_regression(yi, BCG["vi"], {"x": x}, method="FE")
    assert res.coef[1] == pytest.approx(base.coef[1] + 0.5)
    assert res.coef[0] == pytest.approx(base.coef[0])


def test_bad_moderators():
    with pytest.raises(InputError, match="'mods'"):
        meta_regression(BCG["yi"], BCG["vi"], {"x": [1.0, 2.0]})
    with pytest.raises(InputError, match="collinear"):
        meta_regression(BCG["yi"], BCG["vi"], {"c": [1.0] * len(BCG["yi"])})
    with pytest.raises(InputError, match="row 3: 'x'"):
        x = [1.0] * len(BCG["yi"])
        x[2] = math.nan
        meta_regression(BCG["yi"], BCG["vi"], {"x": x})
    with pytest.raises(InputError, match="'groups'"):
        subgroup_analysis(BCG["yi"], BCG["vi"], ["a"] * len(BCG["yi"]))


def test_single_study_subgroup_is_pooled_as_itself():
    res = subgroup_analysis([0.1, 0.2, 0.3, 0.9], [0.1, 0.1, 0.1, 0.2], ["a", "a", "a", "b"])
    assert res.results[1].estimate == 0.9 and res.results[1].k == 1
    assert res.results[0].estimate == pytest.approx(pool([0.1, 0.2, 0.3], [0.1] * 3).estimate)


_TIGHT = json.loads((Path(__file__).parent / "metafor" / "reference_tight_bias.json").read_text())


@pytest.mark.parametrize("case", _TIGHT["subgroups"], ids=lambda c: c["method"])
def test_subgroups_exact_by_default_match_tightly_converged_metafor(case: dict):
    d = _TIGHT["datasets"]["bcg"]
    sep = subgroup_analysis(d["yi"], d["vi"], d["alloc"], method=case["method"])
    assert list(sep.groups) == case["groups"]
    np.testing.assert_allclose([r.estimate for r in sep.results], case["estimate"], rtol=RTOL)
    np.testing.assert_allclose([r.se for r in sep.results], case["se"], rtol=RTOL)
    np.testing.assert_allclose([r.tau2 for r in sep.results], case["tau2"], rtol=RTOL, atol=1e-10)
    assert sep.qb == pytest.approx(case["qb_separate"], rel=RTOL)
    assert sep.qb_p == pytest.approx(case["qb_separate_p"], rel=RTOL)
