"""Evidence: curated trials of stem-cell hair therapies and a metafor-exact meta-analysis engine.

Public names are loaded lazily (``from anagen.evidence import pool`` imports only the pooling
module), so the command line starts fast and plotting code loads only when asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> private module that defines it. Each section is kept by the module's owner.
_PUBLIC: dict[str, str] = {
    # --- pooling, heterogeneity, bias, moderators, influence -----------------------------
    "pool": "_pool",
    "pool_many": "_pool",
    "PoolResult": "_pool",
    "PoolManyResult": "_pool",
    "METHODS": "_pool",
    # --- effect sizes, conversions, curated data ----------------------------------------
    # --- plots, synthesis without meta-analysis, evidence summary -----------------------
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'anagen.evidence' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"anagen.evidence.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
