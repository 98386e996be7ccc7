"""Leave-one-out, influence diagnostics and cumulative meta-analysis equal metafor 3.8."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import cumulative, influence_diagnostics, leave_one_out, pool

REF = json.loads((Path(__file__).parent / "metafor" / "reference.json").read_text())
RTOL = 1e-6
FIELDS = ("estimate", "se", "zval", "p", "ci_low", "ci_high", "q", "q_p", "tau2", "i2", "h2")


def _id(c: dict) -> str:
    return f"{c['dataset']}-{c['method']}-{'knha' if c['knha'] else 'z'}"


def _close(got, want, name: str) -> None:
    want = np.array([math.nan if w is None else w for w in want], dtype=float)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=RTOL, atol=1e-12,
                               err_msg=name)  # fmt: skip


def test_case_grid_is_complete():
    got = {(c["dataset"], c["method"], c["knha"]) for c in REF["influence"]}
    want = {(d, m, kh) for d in ("bcg", "hetero") for m in ("FE", "DL", "REML") for kh in (0, 1)}
    assert got == want


@pytest.mark.parametrize("case", REF["influence"], ids=_id)
def test_influence_matches_metafor(case: dict):
    d = REF["datasets"][case["dataset"]]
    res = influence_diagnostics(d["yi"], d["vi"], case["method"], knha=case["knha"])
    for name in ("rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_del", "q_del",
                 "hat", "weight", "dfbetas"):  # fmt: skip
        _close(getattr(res, name), case[name], name)
    assert list(res.influential) == case["influential"]
    assert res.to_frame().shape == (len(d["yi"]), 10)


@pytest.mark.parametrize("case", REF["influence"], ids=_id)
def test_leave_one_out_and_cumulative_match_metafor(case: dict):
    d = REF["datasets"][case["dataset"]]
    loo = leave_one_out(d["yi"], d["vi"], case["method"], knha=case["knha"])
    cum = cumulative(d["yi"], d["vi"], case["method"], knha=case["knha"])
    for name in FIELDS:
        _close(getattr(loo, name), case["loo"][name], f"loo {name}")
        _close(getattr(cum, name), case["cumul"][name], f"cumul {name}")
    assert loo.study == tuple(range(1, len(d["yi"]) + 1))
    full = pool(d["yi"], d["vi"], case["method"], knha=case["knha"])
    assert cum.estimate[-1] == pytest.approx(full.estimate)


def test_cumulative_order_and_errors():
    d = REF["datasets"]["bcg"]
    cum = cumulative(d["yi"], d["vi"], "DL", order=d["year"])
    first = int(np.argmin(d["year"]))
    assert cum.study[0] == first + 1 and cum.estimate[0] == d["yi"][first]
    assert cum.to_frame().shape == (len(d["yi"]), len(FIELDS))
    with pytest.raises(InputError, match="'order'"):
        cumulative(d["yi"], d["vi"], order=[1.0, 2.0])
    with pytest.raises(InputError, match="'k' must be >= 2"):
        leave_one_out([0.1, 0.2], [0.1, 0.1], "REML")
