"""The treatment → scalp contract validates its arrays and finds epochs."""

from __future__ import annotations

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, Modulation, Transplant


def test_none_is_neutral():
    m = Modulation.none()
    assert m.n_epochs == 1
    assert np.all(m.anagen_factor == 1.0) and np.all(m.reversal == 0.0)
    assert m.anagen_factor.shape == (1, len(ZONE_NAMES))


def test_epoch_lookup():
    m = Modulation(t_days=np.array([0.0, 30.0, 90.0]))
    assert [m.epoch_at(d) for d in (0, 29.9, 30, 89, 90, 1e4)] == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"t_days": [1.0]}, "t_days"),
        ({"t_days": [0.0, 0.0]}, "t_days"),
        ({"t_days": [0.0], "anagen_factor": np.zeros((1, 6))}, "anagen_factor"),
        ({"t_days": [0.0], "latency_factor": np.ones((2, 6))}, "latency_factor"),
        ({"t_days": [0.0], "reversal": np.full((1, 6), 1.5)}, "reversal"),
        ({"t_days": [0.0], "progression_factor": np.full((1, 6), -1.0)}, "progression_factor"),
    ],
)
def test_bad_modulation_names_field(kwargs, field):
    with pytest.raises(InputError, match=f"'{field}'"):
        Modulation(**kwargs)


def test_transplant_checks_zone():
    with pytest.raises(InputError, match="'to_zone'"):
        Transplant(day=0, from_zone="occipital", to_zone="crown", n_follicles=10)
