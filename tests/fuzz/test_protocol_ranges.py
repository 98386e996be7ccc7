"""Regression: protocol numbers outside their usable range are refused up front (issue 12).

A grid spacing of 1e-200 cm used to raise ZeroDivisionError/OverflowError in the injection
plan (through ``therapy show`` and ``assess``).
"""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import CORPUS, run_cli

PROTOCOLS = sorted(CORPUS.glob("protocol_*.toml"))


@pytest.mark.parametrize("path", PROTOCOLS, ids=lambda p: p.stem)
@pytest.mark.parametrize(
    "cmd",
    [["therapy", "show", "{}"], ["assess", "--example", "--draws", "5", "--protocol", "{}"]],
    ids=["therapy show", "assess"],
)
def test_refused_with_the_key(cmd, path, capsys):
    assert run_cli([a.replace("{}", str(path)) for a in cmd], seconds=60) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert path.name in err and "'injection." in err
