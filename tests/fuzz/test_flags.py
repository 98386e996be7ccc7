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


SCALP = ["scalp", "simulate", "--follicles", "2000"]


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--days", "1e308"], "--days"),
        (["--years", "1", "--every", "1e-9"], "--every"),
        (["--years", "1e6"], "--years"),
        (["--years", "inf"], "--years"),
        (["--years", "1", "--age", "1e308"], "age"),
    ],
)
def test_scalp_run_lengths_are_usable(args, flag, capsys):
    assert run_cli([*SCALP, *args], seconds=20) == 2
    assert f"'{flag}' must be" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text, key",
    [
        ("[phototrichogram]\narea_cm2 = 1e308\n", "phototrichogram.area_cm2"),
        ("[zones.vertex]\narea_cm2 = 1e308\n", "zones.area_cm2[2]"),
        ("[cycle]\nanagen_cv = 1e200\n", "cycle.anagen_cv"),
        ("[cycle]\ntelogen_mean_days = 1e-300\n", "cycle.telogen_mean_days"),
    ],
)
def test_scalp_parameters_are_usable(tmp_path, text, key, capsys):
    p = tmp_path / "p.toml"
    p.write_text(text)
    assert run_cli([*SCALP, "--years", "1", "--params", str(p)], seconds=20) == 2
    assert f"'{key}' must be in" in capsys.readouterr().err
