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
    placebo_arms,
    placebo_change,
)


def test_default_is_the_fit_of_the_shipped_data():
    assert fit_placebo_response() == DEFAULT_PLACEBO


def test_arms_are_the_curated_placebo_groups_counted_once():
    ids = [a[0] for a in placebo_arms()]
    assert ids == ["T01", "T03", "T04", "T05", "T07"]  # T02/T06 share T01/T05's placebo group


def test_time_course_ramps_then_holds_and_no_placebo_is_zero():
    g = placebo_change([0.0, 168.0, 336.0, 720.0])
    assert g[0] == 0.0 and 0 < g[1] < g[2] == g[3]
    # +3.9 (48 wk, [T01]) and +9.4 ([T05]) arm changes plus 6.4 of untreated decline
    assert 8.0 < g[2] < 18.0
    assert np.all(placebo_change([10.0, 300.0], NO_PLACEBO) == 0.0)
    assert np.all(placebo_change([10.0, 300.0], None) == 0.0)


def test_bad_parameters_are_named():
    with pytest.raises(InputError, match="until_days"):
        PlaceboResponse(slope_per_cm2_per_day=0.1, until_days=0.0)
