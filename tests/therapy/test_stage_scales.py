"""Ludwig <-> Savin <-> Sinclair: one extent of thinning, three names."""

from __future__ import annotations

import pytest

from anagen.therapy.stage_scales import ludwig_of, same_stage_on, savin_of


@pytest.mark.parametrize(
    ("stage", "ludwig"),
    [
        ("I-1", "I"), ("I-4", "I"), ("II-1", "II"), ("II-2", "II"), ("advanced", "III"),
        ("Sinclair-2", "I"), ("Sinclair-3", "I"), ("Sinclair-4", "II"), ("Sinclair-5", "III"),
        ("II", "II"),
    ],
)  # fmt: skip
def test_ludwig_of(stage, ludwig):
    assert ludwig_of(stage) == ludwig


def test_savin_of_expands_ludwig_and_keeps_savin():
    assert savin_of("II") == ("II-1", "II-2")
    assert savin_of("Sinclair-4") == ("II-1", "II-2")
    assert savin_of("I-3") == ("I-3",)


@pytest.mark.parametrize(
    ("sex", "stage", "enrolled", "where"),
    [
        ("F", "II", ("I-3", "I-4", "II-1", "II-2"), "inside"),
        ("F", "I", ("I-3", "I-4", "II-1", "II-2"), "partly"),
        ("F", "III", ("I-3", "I-4", "II-1", "II-2"), "outside"),
        ("F", "II-1", ("I", "II"), "inside"),
        ("M", "IIIa", ("III", "IV"), "inside"),
        ("M", "II", ("III", "IV"), "outside"),
    ],
)
def test_same_stage_on(sex, stage, enrolled, where):
    assert same_stage_on(sex, stage, enrolled) == where
