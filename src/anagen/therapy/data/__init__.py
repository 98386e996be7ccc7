"""Package data of :mod:`anagen.therapy`: protocols, options, evidence priors, example patient."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_path", "protocol_paths"]


def data_path(name: str) -> Path:
    """Path of a file shipped in ``anagen/therapy/data``."""
    return Path(str(resources.files(__name__).joinpath(name)))


def protocol_paths() -> dict[str, Path]:
    """The shipped protocol files, by file stem."""
    folder = data_path("protocols")
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}
