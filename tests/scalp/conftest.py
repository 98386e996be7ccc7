"""Shared helpers for the scalp tests: small, fast parameter sets."""

from __future__ import annotations

import pytest

from anagen.scalp import ScalpParams, default_params, params_from_dict


def make_params(**cycle) -> ScalpParams:
    """Default parameters with some ``[cycle]`` keys replaced."""
    d = default_params().to_dict()
    d["cycle"].update(cycle)
    return params_from_dict(d)


@pytest.fixture(scope="session")
def params() -> ScalpParams:
    return default_params()


#: A fast cycle (days) for statistical tests: many cycles in a short run.
FAST = dict(
    anagen_mean_days=100.0, catagen_days=0.0, telogen_mean_days=50.0, latency_mean_days=30.0
)
