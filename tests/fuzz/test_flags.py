"""Regression: out-of-range flags end with exit 2 and one line naming the flag (issue 12)."""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import run_cli

PATIENT = "src/anagen/therapy/data/example_patient.toml"

SEED_COMMANDS = [
    ["assess", "--example"],
    ["therapy", "show", "style_low_dose"],
    ["therapy", "simulate", "style_low_dose", "--patient", PATIENT, "--follicles", "2000"],
    ["therapy", "compare", "--patient", PATIENT, "--follicles", "2000"],
    ["scalp", "simulate", "--follicles", "2000", "--years", "1"],
    ["trial", "simulate", "adsc_vs_placebo", "--scheduler", "synchronous"],
    ["calibrate", "run"],
]


@pytest.mark.parametrize("seed", ["-5", str(2**64)])
@pytest.mark.parametrize("cmd", SEED_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_seed_out_of_range(cmd, seed, capsys):
    assert run_cli([*cmd, "--seed", seed]) == 2
    assert "'--seed' must be an integer in [0, " in capsys.readouterr().err
