"""How much computing one person's answer gets: one default for every face.

``anagen assess``, ``therapy simulate`` and ``therapy compare``, the web app's assessment and the
registry's frozen predictions (command line, web form and JSON API) all default to this size,
so the same person with the same seed gets the same numbers wherever they are shown (the web
app used 30 draws and the registry 20 draws x 4,000 follicles x 2 scalps, and showed other
numbers than the command line for the same person). Kept free of heavy imports: the command
line reads it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_SIZE", "AssessSize"]


@dataclass(frozen=True, slots=True)
class AssessSize:
    """Parameter draws, follicles of the simulated scalp, distinct day-0 scalps, and seed."""

    n_draws: int = 60
    n_follicles: int = 8_000
    n_scalps: int = 4
    seed: int = 0


DEFAULT_SIZE = AssessSize()
