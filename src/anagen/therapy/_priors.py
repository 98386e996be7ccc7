"""Named priors: a number with its uncertainty, its unit, its sources, and whether it is assumed.

Every model constant of :mod:`anagen.therapy` is a :class:`Prior`, so the calibration step can
replace the medians by fitted values and sample the rest. A prior is described by its median and
a central 90 % interval ``[low, high]``. ``dist`` fixes the family:

``lognormal``
    positive quantities (cell yields, half-lives); ``low``/``high`` are the 5th/95th percentiles.
``normal``
    quantities that may be negative or are reported as mean ± SD; ``low``/``high`` are the
    5th/95th percentiles.
``uniform``
    only a range is known; ``low``/``high`` are the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from anagen.errors import InputError
from anagen.therapy._sources import SOURCES

__all__ = ["Prior"]

_Z95 = 1.6448536269514722  # standard-normal 95th percentile


@dataclass(frozen=True, slots=True)
class Prior:
    """One uncertain constant.

    Attributes
    ----------
    name
        Dotted name, e.g. ``'harvest.adipose.cells_per_g'``.
    median, low, high
        Median and central 90 % interval (bounds for ``uniform``).
    unit
        Unit of the value (``'cells/g'``, ``'days'``, ``'1'``).
    dist
        ``'lognormal'``, ``'normal'`` or ``'uniform'``.
    sources
        Source tags (see :data:`anagen.therapy.SOURCES`) the value or its direction comes from.
    assumption
        ``True`` when the number itself is not in any source (only a direction or a bound is),
        so the range is a stated, deliberately wide assumption.
    note
        How the number was obtained (e.g. the arithmetic of a derived value).
    """

    name: str
    median: float
    low: float
    high: float
    unit: str
    dist: Literal["lognormal", "normal", "uniform"] = "lognormal"
    sources: tuple[str, ...] = ()
    assumption: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.median <= self.high:
            raise InputError(
                field=self.name,
                allowed="low <= median <= high",
                got=(self.low, self.median, self.high),
            )
        if self.dist == "uniform" and abs(self.median - (self.low + self.high) / 2) > 1e-9 * max(
            abs(self.high), 1.0
        ):
            raise InputError(
                field=self.name,
                allowed="median = midpoint of [low, high] for a uniform prior",
                got=self.median,
            )
        if self.dist == "lognormal" and self.low <= 0:
            raise InputError(field=self.name, allowed="> 0 for a lognormal prior", got=self.low)
        for tag in self.sources:
            if tag not in SOURCES:
                raise InputError(
                    field=f"{self.name}.sources", allowed="a listed source tag", got=tag
                )

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        """Draw from the prior (``size=None`` gives one float)."""
        if self.dist == "uniform":
            return rng.uniform(self.low, self.high, size)
        if self.dist == "normal":
            sd = max(self.high - self.median, self.median - self.low) / _Z95
            return rng.normal(self.median, sd, size)
        mu = np.log(self.median)
        sigma = max(np.log(self.high) - mu, mu - np.log(self.low)) / _Z95
        return rng.lognormal(mu, sigma, size)

    @property
    def log_sigma(self) -> float:
        """Log-scale SD of a lognormal prior (0 for other families)."""
        if self.dist != "lognormal":
            return 0.0
        mu = np.log(self.median)
        return float(max(np.log(self.high) - mu, mu - np.log(self.low)) / _Z95)

    def scaled(self, factor: float, name: str | None = None, note: str = "") -> Prior:
        """The same prior multiplied by a positive constant."""
        return Prior(
            name or self.name,
            self.median * factor,
            self.low * factor,
            self.high * factor,
            self.unit,
            self.dist,
            self.sources,
            self.assumption,
            note or self.note,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "median": self.median,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "dist": self.dist,
            "sources": list(self.sources),
            "assumption": self.assumption,
            "note": self.note,
        }
