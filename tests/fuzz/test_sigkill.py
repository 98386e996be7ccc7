"""SIGKILL at random moments never leaves a truncated file at the target path (issue 12).

Each command below writes its figure or report to a temporary file beside the target and
renames it into place; a process killed at any moment leaves either the previous file or the
complete new one (a killed process may leave a ``.anagen-<pid>-*.tmp*`` file, which the next
write into the folder removes once it is an hour old; a normal failure never leaves one — see
``test_output_paths.py``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OLD = b"previous complete file"

COMMANDS = {
    ".png": ["scalp", "simulate", "--follicles", "5000", "--years", "1", "--plot"],
    ".pdf": ["therapy", "show", "style_low_dose", "--plot"],
    ".html": ["assess", "--example", "--draws", "5", "--follicles", "2000", "--report"],
}
_END = {".png": b"IEND\xaeB`\x82", ".pdf": b"%%EOF", ".html": b"</html>"}


def _complete(data: bytes, suffix: str) -> bool:
    return data == OLD or data.rstrip().endswith(_END[suffix])


def _kill_while_writing(cmd, env, folder: Path, delay: float) -> bool:
    """Start ``cmd``; SIGKILL it ``delay`` s after its temporary file appears (or at exit)."""
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(".anagen-") for p in folder.iterdir()):
            time.sleep(delay)
            break
        time.sleep(0.002)
    killed = proc.poll() is None
    try:  # the whole process group: worker processes of the command die with it
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return killed


def _next_write_sweeps(cmd, env, folder: Path, target: Path, suffix: str) -> None:
    """What killed runs left in ``folder``, aged an hour, is swept by the next complete run of
    ``cmd``; a live process's temporary file of the same age is kept."""
    old = time.time() - 7200
    for p in folder.iterdir():
        if p.name.startswith(".anagen-"):
            os.utime(p, (old, old))
    fresh = folder / f".anagen-{os.getpid()}-{'0' * 16}.tmp{suffix}"  # a live process's
    fresh.write_bytes(b"in use")
    os.utime(fresh, (old, old))
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, timeout=300)
    assert _complete(target.read_bytes(), suffix)
    assert [p.name for p in folder.iterdir() if p.name.startswith(".anagen-")] == [fresh.name]


@pytest.mark.slow
@pytest.mark.parametrize("suffix", sorted(COMMANDS))
def test_sigkill_never_truncates(suffix, tmp_path):
    rng = random.Random(12)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    target = tmp_path / f"out{suffix}"
    cmd = [sys.executable, "-m", "anagen", *COMMANDS[suffix], str(target)]
    killed = 0
    for _ in range(2):  # killed inside the write window, at a random moment of it
        target.write_bytes(OLD)
        killed += _kill_while_writing(cmd, env, tmp_path, rng.uniform(0.0, 0.05))
        assert _complete(target.read_bytes(), suffix)
    assert killed >= 1  # the window was hit at least once
    _next_write_sweeps(cmd, env, tmp_path, target, suffix)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".png", ".html"])
def test_sigterm_leaves_no_temporary(suffix, tmp_path):
    """SIGTERM (``kill``, ``timeout``) unwinds the command: the previous file or the new one at
    the target, no ``.anagen-*`` temporary beside it, exit 143."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    target = tmp_path / f"out{suffix}"
    cmd = [sys.executable, "-m", "anagen", *COMMANDS[suffix], str(target)]
    killed = 0
    for _ in range(2):
        target.write_bytes(OLD)
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.name.startswith(".anagen-") for p in tmp_path.iterdir()):
                proc.send_signal(signal.SIGTERM)  # the command's process, as `kill` sends it
                killed += 1
                break
            time.sleep(0.001)
        err = proc.communicate(timeout=120)[1].decode()
        assert proc.returncode in (0, 143) and "Traceback" not in err
        assert _complete(target.read_bytes(), suffix)
        assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert killed >= 1  # the window was hit at least once
    _next_write_sweeps(cmd, env, tmp_path, target, suffix)
