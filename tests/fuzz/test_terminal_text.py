"""Regression: user text reaches the terminal literally (issue 12).

Rich markup in a user value (``[/]``) used to crash the error printer, bracketed names
(``[trial]``) vanished from messages and tables, and terminal escape sequences were printed raw.
"""

from __future__ import annotations

from anagen.therapy import protocol_paths
from tests.fuzz.conftest import run_cli

LABELS = ["[/]", "[trial] A", "[bold]B", "C\x1b[2J\x1b]0;title\x07", ":smile: D"]


def _csv(tmp_path):
    rows = [f'"{lab}",{0.1 * i:.2f},0.0{i + 1},g{i % 2}' for i, lab in enumerate(LABELS)]
    p = tmp_path / "labels.csv"
    p.write_text("study,yi,vi,group\n" + "\n".join(rows) + "\n")
    return p


def test_error_message_with_markup_is_printed_literally(tmp_path, capsys):
    assert run_cli(["evidence", "pool", str(_csv(tmp_path)), "--method", "[/]"]) == 2
    err = capsys.readouterr().err
    assert "'--method' must be one of" in err and "'[/]'" in err


def test_bracketed_names_stay_in_error_messages(tmp_path, capsys):
    p = tmp_path / "t.toml"
    p.write_text("[population]\nage = [20, 30]\n")
    assert run_cli(["trial", "simulate", str(p), "--scheduler", "synchronous"]) == 2
    assert "'[trial]' must be present" in capsys.readouterr().err


def test_pool_table_shows_labels_literally_without_escapes(tmp_path, capsys):
    assert run_cli(["evidence", "pool", str(_csv(tmp_path))]) == 0
    out = capsys.readouterr().out
    for text in ("[/]", "[trial] A", "[bold]B", ":smile: D"):
        assert text in out
    assert "\x1b" not in out and "\x07" not in out
    assert "g0" in out and "g1" in out  # subgroup table printed too


def _no_control_in_warnings(recwarn) -> None:
    # matplotlib warns about a glyph missing from its font, quoting the character itself
    bad = [str(w.message) for w in recwarn if "\x1b" in str(w.message) or "\x07" in str(w.message)]
    assert not bad


def test_forest_plot_labels_reach_no_escapes(tmp_path, recwarn):
    png = tmp_path / "f.png"
    assert run_cli(["evidence", "pool", str(_csv(tmp_path)), "--forest", str(png)]) == 0
    _no_control_in_warnings(recwarn)


def test_protocol_name_reaches_no_escapes(tmp_path, recwarn, capsys):
    src = protocol_paths()["style_low_dose"].read_text(encoding="utf-8")
    proto = tmp_path / "esc.toml"
    proto.write_text(src.replace('name = "STYLE', 'name = "\\u001b[2J\\u0007STYLE', 1))
    assert run_cli(["therapy", "show", str(proto), "--plot", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr().out
    assert "[2JSTYLE" in out and "\x1b" not in out
    _no_control_in_warnings(recwarn)
