"""The root command: version, help, and the InputError → exit 2 contract."""

from __future__ import annotations

import subprocess
import sys

from anagen import __version__
from anagen.cli import main


def test_version_flag(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == __version__


def test_unknown_command_is_usage_error(capsys):
    assert main(["no-such-command"]) == 2


def test_console_script_runs_as_module():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from anagen.cli import main; sys.exit(main(['--help']))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    assert "evidence" in out.stdout and "scalp" in out.stdout
