"""Harvest: how many nucleated cells a tissue harvest yields, as a distribution.

Yields per unit of tissue are priors taken from the cited measurements; donor factors (age, BMI,
smoking) scale the adipose yield. Only their *direction* is sourced, so their sizes are stated,
wide assumptions.

References
----------
[T7] Aronowitz et al. 2015 (0.5-1.0 x 10^6 SVF cells per g with the best point-of-care methods);
[T45] BMAC Table 2 (46.4-53.2 x 10^3 nucleated cells per uL of marrow aspirate);
[T31]/[T33] Gentile 2017/2019 (2 x 2 mm biopsy; 3,728.5 +/- 664.5 cells per suspension);
[T3][T5][T14] yield falls with donor age; [T6] BMI >= 25 gives more cells than BMI < 22;
[T4] viable SVF cells per g fall with smoking (rho = -0.312).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anagen.therapy._priors import Prior
from anagen.therapy.protocol import Harvest

__all__ = [
    "ADIPOSE_CELLS_PER_G",
    "DONOR_PRIORS",
    "MARROW_CELLS_PER_ML",
    "PUNCH_CELLS_PER_4MM2",
    "Donor",
    "HarvestResult",
    "Quantity",
    "donor_factor",
    "harvest",
]

ADIPOSE_CELLS_PER_G = Prior(
    "harvest.adipose.cells_per_g",
    0.75e6,
    0.5e6,
    1.0e6,
    "nucleated cells/g",
    "uniform",
    ("T7",),
    note="range reported for the best point-of-care isolation methods; 1 mL lipoaspirate ~ 1 g",
)
MARROW_CELLS_PER_ML = Prior(
    "harvest.bone_marrow.cells_per_ml",
    49.8e6,
    46.4e6,
    53.2e6,
    "nucleated cells/mL",
    "uniform",
    ("T45",),
    note="range of the three group means of the initial aspirate (46.4-53.2 x 10^3 per uL)",
)
PUNCH_CELLS_PER_4MM2 = Prior(
    "harvest.scalp_punch.cells_per_biopsy",
    3728.5,
    3728.5 - 1.645 * 664.5,
    3728.5 + 1.645 * 664.5,
    "cells per 2 x 2 mm biopsy",
    "normal",
    ("T31", "T33"),
    note="mean +/- SD per suspension from a 2 x 2 mm biopsy; scaled to other punch sizes by area (assumption)",
)

#: Donor-factor priors (adipose yield only). Directions are sourced, sizes are assumptions.
DONOR_PRIORS: dict[str, Prior] = {
    "age_per_decade_over_40": Prior(
        "harvest.donor.age_log_slope",
        0.15,
        0.0,
        0.3,
        "log-yield lost per decade over 40",
        "uniform",
        ("T3", "T5", "T14"),
        assumption=True,
        note="cell count falls with age (p < 0.001 [T3]); ADSC fraction falls from 40-49 y [T14]",
    ),
    "bmi_gain_25_vs_22": Prior(
        "harvest.donor.bmi_gain",
        0.25,
        0.0,
        0.5,
        "relative yield gain, BMI >= 25 vs < 22",
        "uniform",
        ("T6", "T3"),
        assumption=True,
        note="positive correlation r = 0.52 [T6]; linear between BMI 22 and 25",
    ),
    "current_smoker_factor": Prior(
        "harvest.donor.smoker_factor",
        0.8,
        0.6,
        1.0,
        "yield multiplier, current smoker",
        "uniform",
        ("T4",),
        assumption=True,
        note="viable cells per g fall with smoking (rho = -0.312) [T4]",
    ),
}


@dataclass(frozen=True, slots=True)
class Donor:
    """Donor characteristics that change the adipose yield."""

    age: float = 40.0
    bmi: float | None = None
    smoking: str = "never"  # never | former | current


@dataclass(frozen=True, slots=True)
class Quantity:
    """A stage output summarised from Monte-Carlo draws: median and 90 % interval."""

    name: str
    unit: str
    median: float
    p05: float
    p95: float

    @classmethod
    def of(cls, name: str, unit: str, draws: np.ndarray) -> Quantity:
        q = np.quantile(np.asarray(draws, dtype=float), [0.5, 0.05, 0.95])
        return cls(name, unit, float(q[0]), float(q[1]), float(q[2]))

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "unit": self.unit,
            "median": self.median,
            "p05": self.p05,
            "p95": self.p95,
        }


@dataclass(frozen=True)
class HarvestResult:
    """Output of :func:`harvest`: draws of nucleated cells (or product mL) per session."""

    source: str
    amount: float
    amount_unit: str
    donor_factor: np.ndarray
    cells: np.ndarray  # nucleated cells per session, one per draw (product mL for source 'none')

    def summary(self) -> list[Quantity]:
        if self.source == "none":
            return [Quantity.of("product", "mL per session", self.cells)]
        out = [Quantity.of("nucleated cells harvested", "cells per session", self.cells)]
        if self.source == "adipose":
            out.append(Quantity.of("donor factor on yield", "multiplier", self.donor_factor))
        return out


def donor_factor(donor: Donor, rng: np.random.Generator, n: int) -> np.ndarray:
    """Multiplier on adipose yield from age, BMI and smoking (``n`` prior draws).

    ``exp(-s_age * max(age - 40, 0) / 10) * (1 + g_bmi * clip((BMI - 22) / 3, 0, 1)) * f_smoke``
    with ``s_age``, ``g_bmi``, ``f_smoke`` drawn from :data:`DONOR_PRIORS`.
    """
    slope = np.asarray(DONOR_PRIORS["age_per_decade_over_40"].sample(rng, n))
    f = np.exp(-slope * max(donor.age - 40.0, 0.0) / 10.0)
    if donor.bmi is not None:
        gain = np.asarray(DONOR_PRIORS["bmi_gain_25_vs_22"].sample(rng, n))
        f = f * (1.0 + gain * float(np.clip((donor.bmi - 22.0) / 3.0, 0.0, 1.0)))
    if donor.smoking == "current":
        f = f * np.asarray(DONOR_PRIORS["current_smoker_factor"].sample(rng, n))
    return f


def harvest(
    spec: Harvest, donor: Donor | None = None, *, n_draws: int = 2000, seed: int = 0
) -> HarvestResult:
    """Nucleated cells obtained per session by the harvest ``spec``.

    Parameters
    ----------
    spec
        The ``[harvest]`` section of a protocol.
    donor
        Donor factors (adipose only); ``None`` means a 40-year-old non-smoker of unknown BMI.
    n_draws, seed
        Monte-Carlo draws from the priors and their seed.

    Examples
    --------
    >>> from anagen.therapy.protocol import Harvest
    >>> r = harvest(Harvest(source="adipose", fat_g=40))
    >>> 2.0e7 < float(np.median(r.cells)) < 4.0e7   # 40 g x 0.5-1.0e6 cells/g [T7]
    True
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    donor = donor or Donor()
    factor = np.ones(n_draws)
    if spec.source == "adipose":
        factor = donor_factor(donor, rng, n_draws)
        cells = spec.amount * np.asarray(ADIPOSE_CELLS_PER_G.sample(rng, n_draws)) * factor
    elif spec.source == "bone_marrow":
        cells = spec.amount * np.asarray(MARROW_CELLS_PER_ML.sample(rng, n_draws))
    elif spec.source == "scalp_punch":
        per_biopsy = np.clip(np.asarray(PUNCH_CELLS_PER_4MM2.sample(rng, n_draws)), 0.0, None)
        area_ratio = np.pi * (spec.punch_mm / 2.0) ** 2 / 4.0
        cells = spec.amount * per_biopsy * area_ratio
    else:
        cells = np.full(n_draws, spec.amount)
    return HarvestResult(spec.source, spec.amount, spec.amount_unit, factor, cells)
