"""A protocol run stage by stage: harvest → process → inject → regenerate, every stage inspectable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anagen.scalp import ZONE_NAMES, Modulation
from anagen.therapy.harvest import HarvestResult, harvest
from anagen.therapy.inject import InjectionResult, inject
from anagen.therapy.patient import Patient
from anagen.therapy.process import ProcessResult, process
from anagen.therapy.protocol import Protocol
from anagen.therapy.regenerate import (
    DEFAULT_PRIORS,
    RegenerationParams,
    RegenerationPriors,
    exposure,
    regenerate,
    response,
)

__all__ = ["ProtocolRun", "run_protocol"]


@dataclass(frozen=True)
class ProtocolRun:
    """All stage outputs of one protocol for one patient."""

    protocol: Protocol
    harvest: HarvestResult
    process: ProcessResult
    inject: InjectionResult
    priors: RegenerationPriors

    @property
    def session_days(self) -> tuple[float, ...]:
        return self.protocol.sessions.days

    def dose_by_zone(self) -> np.ndarray:
        """Median relative exposure per session in the injected area of each zone."""
        out = np.zeros(len(ZONE_NAMES))
        for z in self.inject.zones:
            out[ZONE_NAMES.index(z.zone)] = z.relative_exposure
        return out

    def coverage_by_zone(self) -> np.ndarray:
        cov = self.inject.coverage_map()
        return np.array([cov[z] for z in ZONE_NAMES])

    def modulation(
        self,
        horizon_days: float,
        params: RegenerationParams | None = None,
        *,
        injected_area: bool = False,
    ) -> Modulation:
        """The regenerate stage: exposure → :class:`~anagen.scalp.Modulation`.

        By default the factors are zone means (a zone injected over 30 % of its area gets 30 %
        of the local effect). ``injected_area=True`` gives the effect *inside* the injected area
        (coverage 1 in every treated zone), which is what trials measure at their target site.
        """
        cov = self.coverage_by_zone()
        if injected_area:
            cov = (cov > 0).astype(float)
        return regenerate(
            self.session_days,
            self.dose_by_zone(),
            cov,
            params or self.priors.median(),
            horizon_days=horizon_days,
        )

    def exposure_curve(
        self, days: np.ndarray, params: RegenerationParams | None = None
    ) -> dict[str, np.ndarray]:
        """Relative exposure and response (0-1) in the injected area over ``days``, per zone."""
        p = params or self.priors.median()
        e = exposure(days, self.session_days, self.dose_by_zone(), p.half_life_days)
        return {
            "t_days": np.asarray(days, float),
            "exposure": e,
            "response": response(e, p.ec50, p.hill),
        }

    def to_dict(self) -> dict[str, object]:
        """Every stage's quantities, JSON-ready."""
        p = self.priors.median()
        days = np.array([0.0, 7, 28, 90, 180, 365]) + (
            self.session_days[-1] if self.session_days else 0
        )
        curve = self.exposure_curve(days, p)
        treated = [ZONE_NAMES.index(z.zone) for z in self.inject.zones]
        return {
            "protocol": {
                "name": self.protocol.name,
                "product": self.protocol.product.key,
                "product_name": self.protocol.product.name,
                "study": self.protocol.protocol.study,
                "sources": list(self.protocol.protocol.sources),
                "autologous": self.protocol.product.autologous,
            },
            "harvest": {
                "source": self.harvest.source,
                "amount": self.harvest.amount,
                "amount_unit": self.harvest.amount_unit,
                "quantities": [q.to_dict() for q in self.harvest.summary()],
            },
            "process": {
                "method": self.process.method,
                "quantities": [q.to_dict() for q in self.process.summary()],
                "target_shortfall_probability": self.process.target_shortfall,
                "growth_factors_pg_per_cm2": self.process.growth_factors_pg_per_cm2,
            },
            "inject": {
                "session_volume_ml": self.inject.session_volume_ml,
                "zones": [z.to_dict() for z in self.inject.zones],
                "coverage_map": self.inject.coverage_map(),
                "checks": [c.to_dict() for c in self.inject.checks],
            },
            "sessions": {"count": self.protocol.sessions.count, "days": list(self.session_days)},
            "regenerate": {
                "params_median": p.to_dict(),
                "exposure_after_last_session": {
                    "days_after_last": [0, 7, 28, 90, 180, 365],
                    "relative_exposure": curve["exposure"][:, treated[0]].tolist()
                    if treated
                    else [],
                    "response": curve["response"][:, treated[0]].tolist() if treated else [],
                },
                "priors": self.priors.to_dict(),
            },
            "status": "stages at the prior medians (what the protocol delivers); a person's "
            "calibrated predictions: anagen assess. Decision support, not a diagnosis",
        }


def run_protocol(
    protocol: Protocol,
    patient: Patient | None = None,
    *,
    priors: RegenerationPriors = DEFAULT_PRIORS,
    n_draws: int = 2000,
    seed: int = 0,
    living_fraction: dict[str, float] | None = None,
) -> ProtocolRun:
    """Run harvest, process and inject for ``protocol`` (and ``patient``'s donor factors).

    The regenerate stage is :meth:`ProtocolRun.modulation`, evaluated for a horizon.
    ``living_fraction`` (zone → share of follicles alive, e.g. from
    :func:`anagen.therapy.living_fraction_by_zone`) adds the "no living follicles" checks.
    """
    donor = patient.donor() if patient is not None else None
    h = harvest(protocol.harvest, donor, n_draws=n_draws, seed=seed)
    pr = process(protocol, h, seed=seed + 1)
    dead = patient.dead_zones if patient is not None else ()
    inj = inject(protocol, pr, dead_zones=dead, living_fraction=living_fraction)
    return ProtocolRun(protocol, h, pr, inj, priors)
