"""Every ``anagen ...`` command line in the docs' code blocks (docs/*.md, README.md) still parses:
its sub-commands and options exist. (``--help`` is appended: the parser refuses an unknown option
or command before it would print the help, so nothing runs.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anagen.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _doc_commands() -> list[tuple[str, str]]:
    """(file:line, command) of each ``anagen <command> ...`` line in a code block (a line
    ending in a backslash continues on the next; output lines are not commands)."""
    known = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    out = []
    for f in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        lines = f.read_text(encoding="utf-8").splitlines()
        in_block = False
        for i, line in enumerate(lines, 1):
            if line.lstrip().startswith("```"):
                in_block = not in_block
                continue
            s = line.strip().removeprefix("$ ")
            if not (in_block and s.startswith("anagen ")) or s.split()[1] not in known:
                continue
            j = i
            while s.endswith("\\") and j < len(lines):
                s, j = s[:-1] + " " + lines[j].strip(), j + 1
            for sep in (" #", "&&", " | ", " > ", " 2>"):
                s = s.split(sep)[0]
            out.append((f"{f.relative_to(ROOT)}:{i}", s.strip()))
    # and the README's inline commands (its "What you can ask it" table)
    for i, line in enumerate((ROOT / "README.md").read_text(encoding="utf-8").splitlines(), 1):
        for m in re.finditer(r"`(anagen [^`]+)`", line):
            if m.group(1).split()[1] in known:
                out.append((f"README.md:{i}", m.group(1)))
    return out


COMMANDS = _doc_commands()


def test_the_docs_show_commands():
    assert len(COMMANDS) >= 50


@pytest.mark.parametrize(("where", "line"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_doc_command_parses(where, line):
    args = shlex.split(line)[1:]
    res = CliRunner().invoke(app, [*args, "--help"])
    assert res.exit_code == 0, f"{where}: {line}\n{res.output}"
