"""Regression: broken effect-size CSV files end with exit 0 or 2, never a traceback (issue 12)."""

from __future__ import annotations

import pytest

from anagen.errors import MAX_ECHO
from tests.fuzz.conftest import CORPUS, run_cli

CSV_CORPUS = sorted(CORPUS.glob("csv_*.csv"))
REFUSED = {
    "csv_cell_200k": "a cell longer than 131,072 characters",
    "csv_invalid_utf8": "not a UTF-8 text file",
    "csv_ragged": "row 1: has 2 cells",
    "csv_empty": "empty file",
    "csv_huge_number": "(5,003 characters)",
}


@pytest.mark.parametrize("path", CSV_CORPUS, ids=lambda p: p.stem)
def test_pool_reads_or_refuses(path, capsys):
    code = run_cli(["evidence", "pool", str(path)], seconds=30)
    err = capsys.readouterr().err
    if path.stem in REFUSED:
        assert code == 2
        line = " ".join(err.split())
        assert REFUSED[path.stem] in line and path.name in line
        assert len(line) < 3 * MAX_ECHO + len(str(path))  # one short line, no echoed megabytes
    else:
        assert code in (0, 2)


@pytest.mark.parametrize("path", CSV_CORPUS, ids=lambda p: p.stem)
def test_evidence_add_reads_or_refuses(path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ANAGEN_EVIDENCE_DIR", str(tmp_path / "store"))
    assert run_cli(["evidence", "add", str(path)], seconds=30) == 2  # none has the schema
    assert path.name in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
