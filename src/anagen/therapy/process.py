"""Process: recovery and viability by isolation method, and the dose delivered per session.

References
----------
[T8] enzymatic 82.86 +/- 10.68 % viable; mechanical yields 30-50 % of enzymatic, 85.86 +/- 5.74 %
viable (same 40 mL aspirates, n = 35). [T11] automated closed system equals manual enzymatic yield
(p = 0.8), viability > 90 %. [T2] culture-expanded ADSC viability 93.12-96.14 %. [T36] enzymatic
hair-follicle cell preparation 96 % viable. [T48] growth factors in hypoxic ADSC conditioned medium
(VEGF 788.70 +/- 204.80, TGF-beta 633.10 +/- 11.40, EGF 290.20 +/- 53.20, PDGF 2.90 +/- 0.20 pg/mL).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anagen.therapy._priors import Prior
from anagen.therapy.harvest import HarvestResult, Quantity
from anagen.therapy.protocol import Protocol

__all__ = ["GROWTH_FACTORS_CM", "METHOD_PRIORS", "ProcessResult", "process"]

_Z = 1.6448536269514722


def _normal(
    name: str, mean: float, sd: float, unit: str, src: tuple[str, ...], note: str = ""
) -> Prior:
    return Prior(name, mean, mean - _Z * sd, mean + _Z * sd, unit, "normal", src, note=note)


def _cell_free(method: str) -> tuple[Prior, Prior]:
    """Recovery and viability of a cell-free method: fixed at 1 (the product volume is the dose)."""
    return (
        Prior(f"process.{method}.recovery", 1.0, 1.0, 1.0, "1", "uniform", ()),
        Prior(
            f"process.{method}.viability",
            1.0,
            1.0,
            1.0,
            "fraction",
            "uniform",
            (),
            note="cell-free",
        ),
    )


#: Per method: (recovery relative to the harvest yield, viable fraction).
METHOD_PRIORS: dict[str, tuple[Prior, Prior]] = {
    "enzymatic": (
        Prior(
            "process.enzymatic.recovery",
            1.0,
            1.0,
            1.0,
            "1",
            "uniform",
            ("T7", "T8"),
            note="the harvest yield [T7] is already that of the best enzymatic point-of-care methods",
        ),
        _normal("process.enzymatic.viability", 0.8286, 0.1068, "fraction", ("T8",)),
    ),
    "automated_enzymatic": (
        Prior(
            "process.automated_enzymatic.recovery",
            1.0,
            1.0,
            1.0,
            "1",
            "uniform",
            ("T11",),
            note="same yield as manual enzymatic isolation (p = 0.8)",
        ),
        Prior(
            "process.automated_enzymatic.viability",
            0.945,
            0.90,
            0.99,
            "fraction",
            "uniform",
            ("T11",),
            assumption=True,
            note="'> 90 %' reported; the upper bound 0.99 is assumed",
        ),
    ),
    "mechanical": (
        Prior(
            "process.mechanical.recovery",
            0.4,
            0.3,
            0.5,
            "1",
            "uniform",
            ("T8",),
            note="mechanical digestion gave 30-50 % of the enzymatic yield",
        ),
        _normal("process.mechanical.viability", 0.8586, 0.0574, "fraction", ("T8",)),
    ),
    "culture_expansion": (
        Prior(
            "process.culture_expansion.recovery",
            1.0,
            1.0,
            1.0,
            "1",
            "uniform",
            (),
            note="multiplied by the protocol's expansion_fold, which has no sourced default",
        ),
        Prior(
            "process.culture_expansion.viability",
            0.9463,
            0.9312,
            0.9614,
            "fraction",
            "uniform",
            ("T2",),
        ),
    ),
    "centrifugation": (
        Prior(
            "process.centrifugation.recovery",
            0.6,
            0.3,
            0.9,
            "1",
            "uniform",
            ("T45",),
            assumption=True,
            note="share of nucleated cells kept in the concentrate is not reported for hair (gap 8.2)",
        ),
        Prior(
            "process.centrifugation.viability",
            0.895,
            0.8,
            0.99,
            "fraction",
            "uniform",
            (),
            assumption=True,
            note="no viability for marrow concentrate found; wide assumed range",
        ),
    ),
    "micrograft_mechanical": (
        Prior(
            "process.micrograft_mechanical.recovery",
            1.0,
            1.0,
            1.0,
            "1",
            "uniform",
            ("T33",),
            note="the harvest yield [T33] is already counted in the processed suspension",
        ),
        Prior(
            "process.micrograft_mechanical.viability",
            0.89,
            0.8,
            0.98,
            "fraction",
            "uniform",
            ("T36",),
            assumption=True,
            note="not reported for mechanical micrografts; enzymatic preparation gave 96 % [T36]",
        ),
    ),
    "conditioned_medium": _cell_free("conditioned_medium"),
    "exosome_isolation": _cell_free("exosome_isolation"),
}
# the enzymatic hair-follicle preparation has its own viability (96 % [T36])
_ENZYMATIC_FOLLICLE_VIABILITY = Prior(
    "process.enzymatic_follicle.viability", 0.96, 0.96, 0.96, "fraction", "uniform", ("T36",)
)

#: Growth factors in hypoxic ADSC conditioned medium (fresh), pg/mL, mean and SD [T48].
GROWTH_FACTORS_CM: dict[str, tuple[float, float]] = {
    "VEGF": (788.70, 204.80),
    "TGF-beta": (633.10, 11.40),
    "EGF": (290.20, 53.20),
    "PDGF": (2.90, 0.20),
}


@dataclass(frozen=True)
class ProcessResult:
    """Output of :func:`process`: per-session quantities, one value per Monte-Carlo draw."""

    method: str
    cellular: bool
    dose_unit: str
    processed: np.ndarray  # cells (or mL) after processing
    viable: np.ndarray  # viable cells (or mL) available per session
    dose_per_cm2: np.ndarray  # delivered dose per cm2 of injected area
    relative_exposure: np.ndarray  # dose / product reference dose
    target_shortfall: float  # P(available < target), NaN without a target
    growth_factors_pg_per_cm2: dict[str, float] = field(default_factory=dict)

    def summary(self) -> list[Quantity]:
        if self.cellular:
            out = [
                Quantity.of("cells after processing", "cells per session", self.processed),
                Quantity.of("viable cells", "cells per session", self.viable),
            ]
        else:
            out = [Quantity.of("product", "mL per session", self.viable)]
        out.append(Quantity.of("dose", self.dose_unit, self.dose_per_cm2))
        out.append(Quantity.of("relative exposure", "x reference dose", self.relative_exposure))
        return out


def process(protocol: Protocol, harvested: HarvestResult, *, seed: int = 1) -> ProcessResult:
    """Apply the protocol's processing method to a harvest and compute the dose per session.

    For a cell product the viable cells are ``harvest x recovery x viability`` (x expansion fold
    for culture). If ``injection.cells_per_cm2`` is set, that target is delivered when the viable
    cells suffice and the whole yield otherwise (``target_shortfall`` is the prior probability of
    falling short); without a target the viable cells are spread over the injected area. For a
    cell-free product the dose is the product volume over the injected area.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n = harvested.cells.size
    product = protocol.product
    method = protocol.processing.method
    rec_prior, via_prior = METHOD_PRIORS[method]
    if method == "enzymatic" and protocol.harvest.source == "scalp_punch":
        via_prior = _ENZYMATIC_FOLLICLE_VIABILITY
    recovery = np.asarray(rec_prior.sample(rng, n))
    if method == "culture_expansion":
        recovery = recovery * float(protocol.processing.expansion_fold or 1.0)
    viability = np.clip(np.asarray(via_prior.sample(rng, n)), 0.0, 1.0)
    processed = harvested.cells * recovery
    viable = processed * viability
    area = protocol.injection.total_area_cm2
    target = protocol.injection.cells_per_cm2
    if product.is_cellular and target is not None:
        need = target * area
        dose = np.minimum(viable, need) / area
        shortfall = float(np.mean(viable < need))
    else:
        dose = viable / area
        shortfall = float("nan")
    ref = (
        np.asarray(product.reference_dose.sample(rng, n))
        if product.reference_dose.low < product.reference_dose.high
        else product.reference_dose.median
    )
    rel = dose / ref
    gf: dict[str, float] = {}
    if method == "conditioned_medium":
        ml_per_cm2 = float(np.median(dose))
        gf = {k: mean * ml_per_cm2 for k, (mean, _sd) in GROWTH_FACTORS_CM.items()}
    return ProcessResult(
        method, product.is_cellular, product.dose_unit, processed, viable, dose, rel, shortfall, gf
    )
