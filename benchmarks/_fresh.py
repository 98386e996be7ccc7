"""The environment of a fresh ``anagen`` process as a user's machine runs it.

Every benchmark that times a fresh process takes its environment from :func:`fresh_env`:

* ``PYTHONPATH`` starts with this checkout's ``src`` (the code measured is the code here);
* ``PYTHONDONTWRITEBYTECODE`` is removed: a user's Python writes the bytecode caches
  (``__pycache__``) on the first run and loads them afterwards, as the Numba cache is. A
  development shell that sets it would otherwise make every "cold" process recompile anagen's
  own modules from source (about 80 modules, 0.25 s on the benchmark machine, measured with
  ``python -m cProfile -m anagen assess --example``), a cost no user pays after the first run.
"""

from __future__ import annotations

import os
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def fresh_env(**extra: str) -> dict[str, str]:
    """A copy of this process's environment for a fresh anagen process (see the module doc)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env
