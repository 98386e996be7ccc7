"""Shared fixtures for the therapy tests."""

from __future__ import annotations

import copy
import tomllib

import pytest

from anagen.therapy import Patient, data_path, protocol_paths


@pytest.fixture()
def style_dict() -> dict:
    """The STYLE protocol as a plain dict, to be broken by tests."""
    with protocol_paths()["style_low_dose"].open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture()
def patient_dict() -> dict:
    with data_path("example_patient.toml").open("rb") as fh:
        return tomllib.load(fh)


def make_patient(base: dict, **changes) -> Patient:
    """The example patient with ``section__key=value`` changes."""
    d = copy.deepcopy(base)
    for k, v in changes.items():
        section, key = k.split("__")
        d.setdefault(section, {})[key] = v
    return Patient.from_dict(d)
