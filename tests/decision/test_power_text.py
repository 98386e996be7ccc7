"""A simulated power is never printed as exactly 0 or 1 (decision/_power_text.py)."""

from __future__ import annotations

import doctest

from hypothesis import given
from hypothesis import strategies as st

from anagen.decision import _power_text
from anagen.decision._power_text import power_text


def test_doctests():
    assert doctest.testmod(_power_text).failed == 0


@given(st.integers(1, 100_000), st.data(), st.integers(1, 4))
def test_never_zero_or_one_and_bounds_hold(trials, data, digits):
    hits = data.draw(st.integers(0, trials))
    p = hits / trials
    text = power_text(p, trials, digits)
    value = float(text.lstrip("<> "))
    assert 0.0 < value < 1.0
    if text.startswith("<"):
        assert p < value  # a bound above the estimate
    elif text.startswith(">"):
        assert p > value
    else:
        assert abs(value - p) <= 0.5 * 10.0**-digits + 1e-12


def test_none_significant_reads_the_exact_95_percent_bound():
    assert power_text(0.0, 1000) == "< 0.003"  # 1 - 0.05^(1/1000) = 0.00299
    assert power_text(1.0, 1000) == "> 0.997"
    assert power_text(0.0, 7) == "< 0.349"  # 1 - 0.05^(1/7) = 0.3482
    assert power_text(0.0, 1) == "< 0.950"
