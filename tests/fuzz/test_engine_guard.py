"""Regression: a simulation that cannot advance is an error, not a hang (issue 12).

A ``*_cv`` of 1e154 used to pass validation; the lognormal sigma overflowed, durations became
NaN and the engine loop never advanced. Validation now refuses such values (see
``test_flags.py``); this guard catches what slips past it (parameters built in code).
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from anagen.errors import InputError
from anagen.scalp import default_params, initial_scalp, simulate
from tests.fuzz.conftest import time_limit


@pytest.mark.parametrize("field", ["telogen_mean_days", "anagen_mean_days", "latency_cv"])
def test_nan_duration_raises(field):
    p = default_params()
    state = initial_scalp(p, n_follicles=500, seed=1)
    bad = dataclasses.replace(p, cycle=dataclasses.replace(p.cycle, **{field: math.nan}))
    with time_limit(30), pytest.raises(InputError, match="cannot advance"):
        simulate(bad, state, days=3000, every=30, seed=2)
