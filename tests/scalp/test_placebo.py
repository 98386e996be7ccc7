"""Placebo/vehicle response component, fitted to the curated placebo arms."""

from __future__ import annotations

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.scalp.placebo import (
    DEFAULT_PLACEBO,
    NO_PLACEBO,
    PlaceboResponse,
    fit_placebo_response,
    long_placebo_arms,
    placebo_arms,
    placebo_change,
)


def test_default_is_the_fit_of_the_shipped_data():
    assert fit_placebo_response() == DEFAULT_PLACEBO


def test_arms_are_the_curated_placebo_groups_counted_once():
    ids = [a[0] for a in placebo_arms()]
    assert ids == ["T01", "T03", "T04", "T05", "T07"]  # T02/T06 share T01/T05's placebo group


def test_time_course_rises_to_48_weeks_then_returns_to_zero_at_192():
    g = placebo_change(np.array([0.0, 24.0, 48.0, 52.0, 104.0, 192.0, 260.0]) * 7.0)
    assert g[0] == 0.0 and 0 < g[1] < g[2]  # rises over the short arms (16-48 weeks)
    # +3.9 (48 wk, [T01]) and +9.4 ([T05]) arm changes plus 6.4 of untreated decline
    assert 8.0 < g[2] < 18.0
    assert g[2] > g[3] > g[4] > g[5] == 0.0 and g[6] == 0.0  # back to 0 at [PRICE06]'s visit
    # straight return: halfway between 48 and 192 weeks, half the peak
    assert placebo_change(120.0 * 7.0) == pytest.approx(g[2] / 2.0)
    assert np.all(placebo_change([10.0, 300.0, 900.0], NO_PLACEBO) == 0.0)
    assert np.all(placebo_change([10.0, 300.0, 900.0], None) == 0.0)


def test_the_long_arm_defining_the_untreated_decline_carries_no_placebo_response():
    # [PRICE06]: -13.0 % at 192 weeks is both the untreated decline and the placebo arm
    (src, weeks, resp, _), *_ = long_placebo_arms()
    assert (src, weeks) == ("PRICE06", 192.0) and abs(resp) < 1e-9
    assert DEFAULT_PLACEBO.zero_days == 192.0 * 7.0


def test_return_is_fitted_to_the_long_arms(monkeypatch):
    # a long arm keeping half the 48-week response at 120 weeks puts zero at 192 weeks too;
    # one with no response left at 96 weeks puts it at 96 weeks
    import anagen.scalp.placebo as pl

    peak = DEFAULT_PLACEBO.slope_per_cm2_per_day * DEFAULT_PLACEBO.until_days
    half = (peak / 2 - pl.UNTREATED_DECLINE_PER_WEEK * 120.0) / pl.BASELINE_PER_CM2 * 100.0
    monkeypatch.setattr(pl, "LONG_PLACEBO_ARMS", (("X", 120.0, half, 1.0),))
    assert pl.fit_placebo_response().zero_days == pytest.approx(1344.0, abs=0.1)
    early = (0.0 - pl.UNTREATED_DECLINE_PER_WEEK * 96.0) / pl.BASELINE_PER_CM2 * 100.0
    monkeypatch.setattr(pl, "LONG_PLACEBO_ARMS", (("X", 96.0, early, 1.0),))
    assert pl.fit_placebo_response().zero_days == pytest.approx(672.0, abs=0.1)


def test_bad_parameters_are_named():
    with pytest.raises(InputError, match="until_days"):
        PlaceboResponse(slope_per_cm2_per_day=0.1, until_days=0.0)
    with pytest.raises(InputError, match="zero_days"):
        PlaceboResponse(slope_per_cm2_per_day=0.1, until_days=336.0, zero_days=300.0)
