"""Effect sizes against metafor 3.8-1 ``escalc`` (reference values produced by metafor itself)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.errors import InputError
from anagen.evidence import MEASURES, effect_sizes, hedges_correction

REF = json.loads((Path(__file__).parent / "metafor" / "escalc_reference.json").read_text())
INPUT = {k: np.array([row[k] for row in REF["input"]], dtype=float) for k in REF["input"][0]}


def test_reference_is_complete() -> None:
    assert REF["metafor_version"] == "3.8.1"
    assert set(MEASURES) <= set(REF)
    assert len(REF["input"]) == 10
    assert len(REF["MD"]["yi"]) == len(REF["SMD"]["yi"]) == 10
    assert len(REF["ROM"]["yi"]) == 9  # row 8 has negative means: ROM undefined


@pytest.mark.parametrize("measure", ["MD", "SMD", "ROM"])
def test_matches_metafor_escalc(measure: str) -> None:
    rows = np.array(REF[measure]["rows"]) - 1
    args = [INPUT[k][rows] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]
    yi, vi = effect_sizes(measure, *args)  # type: ignore[arg-type]
    np.testing.assert_allclose(yi, REF[measure]["yi"], rtol=1e-10, atol=0)
    np.testing.assert_allclose(vi, REF[measure]["vi"], rtol=1e-10, atol=0)


def test_scalar_inputs_broadcast() -> None:
    yi, vi = effect_sizes("MD", 18.6, 25.4, 139, [3.9, 4.7], 21.7, 78)
    assert yi.shape == vi.shape == (2,)
    assert yi[0] == pytest.approx(14.7)


def test_hedges_correction_known_values() -> None:
    # c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)); c(2) = 1/sqrt(π) exactly (Γ(1)=1, Γ(1/2)=sqrt π)
    assert float(hedges_correction(2.0)) == pytest.approx(1 / np.sqrt(np.pi), rel=1e-14)
    # the familiar approximation 1 - 3/(4m - 1) is within 4e-4 once m >= 10 and closes in
    m = np.arange(10, 500)
    err = np.abs(hedges_correction(m) - (1 - 3 / (4 * m - 1)))
    assert err.max() < 4e-4 and np.all(np.diff(err) < 0)
    assert np.all(np.diff(hedges_correction(m)) > 0)


finite = st.floats(-1e3, 1e3, allow_nan=False)
sds = st.floats(0.01, 1e2)
ns = st.integers(2, 500)


@settings(max_examples=60, deadline=None)
@given(m1=finite, sd1=sds, n1=ns, m2=finite, sd2=sds, n2=ns)
def test_swapping_groups_negates_the_effect(m1, sd1, n1, m2, sd2, n2) -> None:
    for measure in ("MD", "SMD"):
        y, v = effect_sizes(measure, m1, sd1, n1, m2, sd2, n2)
        y2, v2 = effect_sizes(measure, m2, sd2, n2, m1, sd1, n1)
        np.testing.assert_allclose(y2, -y, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(v2, v, rtol=1e-12)
        assert v[0] > 0
    if m1 > 0.01 and m2 > 0.01:
        y, _ = effect_sizes("ROM", m1, sd1, n1, m2, sd2, n2)
        assert y[0] == pytest.approx(np.log(m1 / m2), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(m=finite, sd=sds, n=ns)
def test_equal_groups_give_zero(m, sd, n) -> None:
    for measure in ("MD", "SMD"):
        y, _ = effect_sizes(measure, m, sd, n, m, sd, n)
        assert y[0] == 0.0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("XYZ", 1, 1, 10, 1, 1, 10), "measure"),
        (("MD", 1, 1, 1, 1, 1, 10), "n1"),
        (("MD", 1, -1, 10, 1, 1, 10), "sd1"),
        (("MD", np.nan, 1, 10, 1, 1, 10), "m1"),
        (("ROM", 1, 1, 10, -2, 1, 10), "m2"),
        (("SMD", 1, 0, 10, 2, 0, 10), "sd1, sd2"),
    ],
)
def test_bad_input_names_the_argument(args, field) -> None:
    with pytest.raises(InputError, match=f"'{field}'"):
        effect_sizes(*args)
