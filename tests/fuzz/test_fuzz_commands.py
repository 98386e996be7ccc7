"""Fuzz every command that reads a user file with mutated valid examples (issue 12).

Each example is a valid shipped/example file mutated by :mod:`tests.fuzz.mutate` (wrong types,
extreme numbers, deep nesting, non-UTF-8, BOM, ragged CSV, empty and huge files). Every run
must end with exit 0 or 2 (never an exception escaping ``main``) within its time limit.
Examples are derandomized, so CI runs the same cases each time; a failure prints the file.
New reproducers go to ``tests/fuzz/corpus/`` (see ``test_toml_readers.py``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from anagen.therapy import data_path, protocol_paths
from tests.fuzz.conftest import run_cli
from tests.fuzz.mutate import mutated_csv, mutated_toml

SRC = Path(__file__).resolve().parents[2] / "src" / "anagen"
EFFECTS = "study,yi,vi,group\nA,0.1,0.01,x\nB,0.3,0.02,x\nC,0.35,0.015,y\nD,0.6,0.03,y\n"
ARMS = "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,10,3,20,8,3,20\nB,12,4,30,9,4,28\nC,11,2,15,10,3,15\n"


def _text(p: Path) -> str:
    return p.read_text(encoding="utf-8")


# name: (example text, mutation strategy, command with {} for the file, examples, seconds)
CASES = {
    "evidence pool yi": (EFFECTS, mutated_csv, ["evidence", "pool", "{}"], 60, 20),
    "evidence pool arms": (
        ARMS,
        mutated_csv,
        ["evidence", "pool", "{}", "--measure", "SMD", "--method", "PM"],
        40,
        20,
    ),
    "scalp params": (
        _text(SRC / "scalp" / "data" / "default.toml"),
        mutated_toml,
        ["scalp", "simulate", "--follicles", "1000", "--years", "0.5", "--params", "{}"],
        40,
        30,
    ),
    "therapy protocol": (
        _text(protocol_paths()["style_low_dose"]),
        mutated_toml,
        ["therapy", "show", "{}"],
        40,
        30,
    ),
    "therapy patient": (
        _text(data_path("example_patient.toml")),
        mutated_toml,
        ["therapy", "show", "style_low_dose", "--patient", "{}"],
        30,
        30,
    ),
    "assess patient": (
        _text(data_path("example_patient.toml")),
        mutated_toml,
        ["assess", "{}", "--draws", "5", "--follicles", "2000", "--format", "json"],
        12,
        90,
    ),
    "assess protocol": (
        _text(protocol_paths()["style_low_dose"]),
        mutated_toml,
        ["assess", "--example", "--draws", "5", "--follicles", "2000", "--protocol", "{}"],
        12,
        90,
    ),
    "trial file": (
        _text(SRC / "decision" / "data" / "trials" / "adsc_vs_placebo.toml"),
        mutated_toml,
        ["trial", "simulate", "{}", "--trials", "2", "--scheduler", "synchronous"],
        15,
        90,
    ),
}


def _fuzz(name: str):
    text, strategy, cmd, n, seconds = CASES[name]
    suffix = ".csv" if strategy is mutated_csv else ".toml"

    @settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=strategy(text))
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / f"fuzz{suffix}"
            p.write_bytes(data)
            code = run_cli([a.replace("{}", str(p)) for a in cmd], seconds=seconds)
            assert code in (0, 2), data[:300]

    return run


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fuzz(name, capsys):
    _fuzz(name)()
