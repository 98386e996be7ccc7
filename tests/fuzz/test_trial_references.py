"""Regression: a trial file's ``arms[].treatment`` opens only shipped names or protocol files
inside the trial file's folder, and never quotes another file's content (issue 12)."""

from __future__ import annotations

import os

import pytest

from anagen.therapy import protocol_paths
from tests.fuzz.conftest import run_cli

SECRET = "s3cr3t-value-from-another-file"


def _trial(folder, treatment):
    p = folder / "trial.toml"
    p.write_text(
        "[trial]\nname = 't'\ntrials = 2\n[population]\nage = [30, 50]\n"
        "stages_male = ['III', 'IV']\n"
        f"[[arms]]\ntreatment = '{treatment}'\nn = 4\n[[arms]]\ntreatment = 'placebo'\nn = 4\n"
        "[outcome]\nzone = 'vertex'\nfollow_up_weeks = 24\n"
    )
    return p


@pytest.fixture
def outside(tmp_path):
    """A protocol-looking file outside the trial folder whose first key holds a secret."""
    other = tmp_path / "other"
    other.mkdir()
    bad = other / "x.toml"
    bad.write_text(f'[protocol]\nname = 1\nsecret = "{SECRET}"\n')
    trial_dir = tmp_path / "trial"
    trial_dir.mkdir()
    return trial_dir, bad


def _refs(trial_dir, bad):
    os.symlink(bad, trial_dir / "link.toml")
    return [str(bad), "../other/x.toml", "link.toml", "sub/../../other/x.toml", "/etc/passwd.toml"]


def test_references_outside_the_folder_are_refused(outside, capsys):
    trial_dir, bad = outside
    for ref in _refs(trial_dir, bad):
        p = _trial(trial_dir, ref)
        assert run_cli(["trial", "simulate", str(p), "--scheduler", "synchronous"]) == 2, ref
        err = " ".join(capsys.readouterr().err.split())
        assert "'arms[0].treatment' must be" in err and "inside the trial file's folder" in err
        assert SECRET not in err


def test_broken_protocol_inside_the_folder_is_not_quoted(outside, capsys):
    trial_dir, _ = outside
    (trial_dir / "mine.toml").write_text(f'[protocol]\nname = "{SECRET}"\nbogus = 1\n')
    p = _trial(trial_dir, "mine.toml")
    assert run_cli(["trial", "simulate", str(p), "--scheduler", "synchronous"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'arms[0].treatment' must be a valid protocol file" in err and SECRET not in err


def test_protocol_beside_the_trial_is_accepted(tmp_path):
    from anagen.decision._trial_file import load_trial

    src = protocol_paths()["style_low_dose"]
    (tmp_path / "proto.toml").write_text(src.read_text(encoding="utf-8"))
    spec = load_trial(_trial(tmp_path, "proto.toml"))
    assert spec.arms[0].treatment == str((tmp_path / "proto.toml").resolve())
