"""Run every benchmark (``benchmarks/bench_*.py``) and print its report.

Each benchmark measures anagen against a baseline in the same run and prints the ratio.
Usage: ``python benchmarks/run.py [name ...]`` (names without ``bench_``, e.g. ``pool``).
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    summary: list[str] = []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== benchmark: {name} ===", flush=True)
        buf = _Tee(sys.stdout)
        with contextlib.redirect_stdout(buf):
            try:
                runpy.run_path(str(script), run_name="__main__")
            except Exception as exc:  # one broken benchmark does not hide the others
                print(f"benchmark {name} FAILED: {exc.__class__.__name__}: {exc}")
                summary.append(f"[{name}] FAILED: {exc.__class__.__name__}: {exc}")
        summary += [f"[{name}] {line.strip()}" for line in buf.lines() if _is_ratio(line)]
    print("\n=== ratios (same run; measured under the load shown) ===")
    print(f"load average {os.getloadavg()} on {os.cpu_count()} cores")
    for line in summary:
        print(line)
    return 0


def _is_ratio(line: str) -> bool:
    low = line.lower()
    return "ratio" in low or "speed-up" in low or "/ floor" in low or "target" in low


class _Tee(io.StringIO):
    """Echo everything to ``out`` and keep a copy for the summary."""

    def __init__(self, out) -> None:
        super().__init__()
        self._out = out

    def write(self, s: str) -> int:
        self._out.write(s)
        self._out.flush()
        return super().write(s)

    def lines(self) -> list[str]:
        return self.getvalue().splitlines()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
