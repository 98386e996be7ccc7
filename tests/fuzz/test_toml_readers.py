"""Regression: broken TOML files end with exit 2 and one line, never a traceback (issue 12)."""

from __future__ import annotations

import pytest

from anagen._io import read_toml_file
from anagen.errors import InputError
from tests.fuzz.conftest import CORPUS, run_cli

TOML_CORPUS = sorted(CORPUS.glob("toml_*.toml"))
MAY_BE_VALID = {"toml_empty"}

# every command that reads a TOML file given by the user, {} is the file
COMMANDS = [
    ["scalp", "simulate", "--follicles", "2000", "--years", "1", "--params", "{}"],
    ["therapy", "show", "{}"],
    ["therapy", "show", "style_low_dose", "--patient", "{}"],
    ["therapy", "compare", "--patient", "{}"],
    ["assess", "{}"],
    ["assess", "--example", "--protocol", "{}"],
    ["trial", "simulate", "{}", "--scheduler", "synchronous"],
]


@pytest.mark.parametrize(
    "path", [p for p in TOML_CORPUS if p.stem not in MAY_BE_VALID], ids=lambda p: p.stem
)
def test_reader_raises_input_error(path):
    with pytest.raises(InputError, match=path.name):
        read_toml_file(path)


@pytest.mark.parametrize(
    "cmd", COMMANDS, ids=lambda c: " ".join(c[:2]) + (" " + c[-2] if c[-2].startswith("--") else "")
)
@pytest.mark.parametrize("path", TOML_CORPUS, ids=lambda p: p.stem)
def test_commands_exit_2(cmd, path, capsys):
    code = run_cli([a.replace("{}", str(path)) for a in cmd], seconds=30)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if path.stem in MAY_BE_VALID and code == 0:
        return  # an empty parameter file means "all defaults"
    assert code == 2
    assert path.name in err.replace("\n", "")


def test_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + b"[cycle]\nanagen_cv = 0.4\n")
    assert read_toml_file(p) == {"cycle": {"anagen_cv": 0.4}}


def test_huge_int_names_the_key(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text("[cycle]\nanagen_mean_days = 1" + "0" * 400 + "\n")
    with pytest.raises(InputError, match=r"'cycle.anagen_mean_days' must be an integer within"):
        read_toml_file(p)


def test_long_integer_names_its_line(corpus):
    p = corpus / "toml_int_5000_digits.toml"
    with pytest.raises(InputError) as info:
        read_toml_file(p)
    msg = str(info.value)
    assert "line 2: an integer of 5,001 digits; integers must be within ±9.22e+18" in msg
    assert "set_int_max_str_digits" not in msg  # Python's advice is no use to a user


def test_control_characters_leave_string_values(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('name = "\\u001b[2J\\u0007 A\\tB"\nnotes = ["x\\u001b]0;t\\u0007", "l1\\nl2"]\n')
    assert read_toml_file(p) == {"name": "[2J A\tB", "notes": ["x]0;t", "l1\nl2"]}
