"""Run every benchmark (``benchmarks/bench_*.py``) and print its report.

Each benchmark measures anagen against a baseline in the same run and prints the ratio.
Usage: ``python benchmarks/run.py [name ...]`` (names without ``bench_``, e.g. ``pool``).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== benchmark: {name} ===", flush=True)
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
