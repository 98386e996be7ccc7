"""Regression: output paths that cannot receive a file are refused up front (issue 12), and a
write that fails midway leaves neither a temporary file nor a changed target."""

from __future__ import annotations

import errno
import os

import pytest

from tests.fuzz.conftest import run_cli

WRITERS = [
    (["scalp", "simulate", "--follicles", "2000", "--years", "1", "--plot"], ".png", "--plot"),
    (["therapy", "show", "style_low_dose", "--plot"], ".pdf", "--plot"),
    (["evidence", "pool", "{csv}", "--forest"], ".svg", "--forest"),
    (["trial", "simulate", "adsc_vs_placebo", "--trials", "2", "--plot"], ".png", "--plot"),
    (["assess", "--example", "--draws", "5", "--report"], ".html", "--report"),
    (["calibrate", "run", "--out"], ".npz", "--out"),
]


def _args(cmd, target, tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\nC,0.2,0.02\n")
    return [a.replace("{csv}", str(csv)) for a in cmd] + [str(target)]


def _bad_targets(tmp_path, suffix):
    folder = tmp_path / f"dir{suffix}"
    folder.mkdir()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    out = [f"/proc/x{suffix}", f"/sys/x{suffix}", f"/dev/x{suffix}", str(folder)]
    if os.geteuid() != 0:  # root writes anywhere
        out.append(str(locked / f"x{suffix}"))
    out.append(str(tmp_path / "missing" / f"x{suffix}"))
    return out


@pytest.mark.parametrize(
    "cmd, suffix, flag", WRITERS, ids=lambda w: w if isinstance(w, str) else w[0] + " " + w[1]
)
def test_unusable_targets_refused(cmd, suffix, flag, tmp_path, capsys):
    for target in _bad_targets(tmp_path, suffix):
        assert run_cli(_args(cmd, target, tmp_path), seconds=60) == 2, target
        err = capsys.readouterr().err
        assert f"'{flag}' must be" in err and "Traceback" not in err, err


def test_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, capsys):
    target = tmp_path / "plot.png"
    target.write_bytes(b"previous figure")
    import matplotlib.figure

    def full(self, fname, **kw):
        with open(fname, "wb") as fh:
            fh.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full)
    args = ["scalp", "simulate", "--follicles", "2000", "--years", "1", "--plot", str(target)]
    assert run_cli(args) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert target.read_bytes() == b"previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]


def test_failing_scalp_simulate_leaves_no_plot(tmp_path, monkeypatch, capsys):
    """The figure is written after everything the command reports was computed: a failure in
    the phototrichogram (after the simulation) leaves no plot behind (issue 12)."""
    import anagen.scalp.phototrichogram as photo
    from anagen.errors import InputError

    def fails(*args, **kwargs):
        raise InputError("phototrichogram failed", field="phototrichogram.area_cm2")

    monkeypatch.setattr(photo, "phototrichogram", fails)
    target = tmp_path / "plot.png"
    args = ["scalp", "simulate", "--follicles", "2000", "--years", "1", "--plot", str(target)]
    assert run_cli(args) == 2
    assert "phototrichogram failed" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_dead_processes_are_swept(tmp_path):
    """A temporary file of a process that no longer runs is removed by the next write into the
    folder once it is an hour old; a recent one, a live process's, and other files are kept."""
    import subprocess
    import sys
    import time

    from anagen._io import atomic_write

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    old = time.time() - 7200
    files = {
        "stale": tmp_path / f".anagen-{dead}-{'a' * 16}.tmp.png",
        "recent": tmp_path / f".anagen-{dead}-{'b' * 16}.tmp.png",
        "alive": tmp_path / f".anagen-{os.getpid()}-{'c' * 16}.tmp.png",
        "other": tmp_path / ".anagen-notes.txt",
    }
    for name, p in files.items():
        p.write_text(name)
        if name != "recent":
            os.utime(p, (old, old))
    with atomic_write(tmp_path / "out.txt") as fh:
        fh.write("done")
    assert (tmp_path / "out.txt").read_text() == "done"
    assert not files["stale"].exists()
    assert all(files[k].exists() for k in ("recent", "alive", "other"))
