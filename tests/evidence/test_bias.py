"""Egger's test and trim and fill equal metafor 3.8 ``regtest(model="lm")`` and ``trimfill``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import egger_test, pool, trim_and_fill

REF = json.loads((Path(__file__).parent / "metafor" / "reference.json").read_text())
TIGHT = json.loads((Path(__file__).parent / "metafor" / "reference_tight_bias.json").read_text())
RTOL = 1e-6


def _data(name: str) -> tuple[list[float], list[float]]:
    d = REF["datasets"][name]
    return d["yi"], d["vi"]


def test_case_grids_are_complete():
    assert {c["dataset"] for c in REF["egger"]} == set(REF["datasets"])
    got = {(c["dataset"], c["method"], c["estimator"]) for c in REF["trimfill"]}
    want = {
        (d, m, e)
        for d in ("bcg", "hetero", "pct", "homog")
        for m in ("FE", "DL", "REML")
        for e in ("L0", "R0")
    }
    assert got == want
    # both sides and both k0 = 0 and k0 > 0 are exercised
    assert {c["side"] for c in REF["trimfill"]} == {"left", "right"}
    assert {c["k0"] > 0 for c in REF["trimfill"]} == {True, False}


@pytest.mark.parametrize("case", REF["egger"], ids=lambda c: c["dataset"])
def test_egger_matches_regtest(case: dict):
    res = egger_test(*_data(case["dataset"]))
    for name in ("stat", "p", "df", "intercept", "ci_low", "ci_high", "slope", "slope_se"):
        assert getattr(res, name) == pytest.approx(case[name], rel=RTOL), name


@pytest.mark.parametrize(
    "case", REF["trimfill"], ids=lambda c: f"{c['dataset']}-{c['method']}-{c['estimator']}"
)
def test_trimfill_matches_metafor(case: dict):
    res = trim_and_fill(
        *_data(case["dataset"]),
        method=case["method"],
        estimator=case["estimator"],
        control="metafor",
    )
    assert res.k0 == case["k0"] and res.side == case["side"]
    for name in ("k0_se", "estimate", "se", "ci_low", "ci_high"):
        assert getattr(res, name) == pytest.approx(case[name], rel=RTOL, abs=1e-12), name
    assert res.pool.tau2 == pytest.approx(case["tau2"], rel=RTOL, abs=1e-12)
    np.testing.assert_allclose(res.filled_yi, case["filled_yi"], rtol=RTOL)
    np.testing.assert_allclose(res.filled_vi, case["filled_vi"], rtol=RTOL)


def test_symmetric_funnel_needs_no_filling():
    yi = [0.5 - 0.3, 0.5 + 0.3, 0.5 - 0.1, 0.5 + 0.1, 0.5]
    vi = [0.2, 0.2, 0.05, 0.05, 0.01]
    res = trim_and_fill(yi, vi, method="FE")
    assert res.k0 == 0 and res.filled_yi == ()
    assert res.estimate == pytest.approx(pool(yi, vi, "FE").estimate)
    assert egger_test(yi, vi).slope == pytest.approx(0.0, abs=1e-12)


def test_explicit_side_and_bad_input():
    yi, vi = _data("bcg")
    assert trim_and_fill(yi, vi, side="left").side == "left"
    with pytest.raises(InputError, match="'k' must be >= 3"):
        egger_test([0.1, 0.2], [0.1, 0.1])
    with pytest.raises(InputError, match="'estimator'"):
        trim_and_fill(yi, vi, estimator="Q9")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'side'"):
        trim_and_fill(yi, vi, side="up")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="row 2: 'vi'"):
        egger_test([0.1, 0.2, 0.3], [0.1, -1.0, 0.1])


@pytest.mark.parametrize(
    "case", TIGHT["trimfill"], ids=lambda c: f"{c['dataset']}-{c['method']}-{c['estimator']}"
)
def test_trimfill_exact_by_default_matches_tightly_converged_metafor(case: dict):
    d = TIGHT["datasets"][case["dataset"]]
    res = trim_and_fill(d["yi"], d["vi"], method=case["method"], estimator=case["estimator"])
    assert res.k0 == case["k0"] and res.side == case["side"]
    for name in ("k0_se", "estimate", "se", "ci_low", "ci_high"):
        assert getattr(res, name) == pytest.approx(case[name], rel=RTOL, abs=1e-10), name
    assert res.pool.tau2 == pytest.approx(case["tau2"], rel=RTOL, abs=1e-10)
    np.testing.assert_allclose(res.filled_yi, case["filled_yi"], rtol=RTOL)
    np.testing.assert_allclose(res.filled_vi, case["filled_vi"], rtol=RTOL)
