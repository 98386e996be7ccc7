"""Simulation output: follicle counts per zone and phase over time, and the observables.

Observables follow phototrichogram usage: a hair is *present* in anagen, catagen and telogen
(an empty follicle in latency shows no hair [S5]); a hair is *vellus* when its shaft is thinner
than the vellus threshold (30 um [S41][S43]), otherwise terminal. The anagen:telogen ratio counts
catagen hairs with telogen (both are non-growing in a two-photograph phototrichogram).

References
----------
.. [S5] Courtois M, Loussouarn G, Hourseau C, Grollier JF. Hair cycle and alopecia. Skin
   Pharmacol 1994;7:84-89.
.. [S41] dermatology.org, hair types (vellus-like < 0.03 mm) (grade C).
.. [S43] Rakowska A, et al. Int J Trichology 2009;1:123-130.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anagen.scalp._modulation import ZONE_NAMES
from anagen.scalp.state import ScalpState

__all__ = ["PHASES", "ScalpTrajectory"]

PHASES: tuple[str, ...] = ("anagen", "catagen", "telogen", "latency", "dead")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass(frozen=True)
class ScalpTrajectory:
    """Counts and observables of a simulated scalp at the sample days.

    Attributes
    ----------
    t_days
        Sample days, shape ``(T,)``.
    counts
        Simulated follicles per sample, zone and phase, shape ``(T, n_zones, 5)`` (phase order
        :data:`PHASES`; expected counts for the mean-field engine).
    terminal, vellus
        Terminal and vellus hairs present, ``(T, n_zones)``.
    diameter_sum_um
        Sum of the shaft diameters of the hairs present, ``(T, n_zones)``.
    shed
        Hairs shed in ``(t[k-1], t[k]]``, ``(T, n_zones)`` (row 0 is 0).
    scale
        Simulated follicles per real follicle.
    area_cm2
        Zone areas.
    engine
        ``"stochastic"`` or ``"meanfield"``.
    final_state
        State at the last sample, with the time origin moved there (stochastic engine only):
        pass it to :func:`simulate` to continue.
    """

    t_days: np.ndarray
    counts: np.ndarray
    terminal: np.ndarray
    vellus: np.ndarray
    diameter_sum_um: np.ndarray
    shed: np.ndarray
    scale: float
    area_cm2: np.ndarray
    sex: str
    age_years: float
    engine: str
    visible_loss: float
    baseline_density_per_cm2: np.ndarray
    n_draws: int = 0
    final_state: ScalpState | None = field(default=None, repr=False)
    zone_names: tuple[str, ...] = ZONE_NAMES

    # ------------------------------------------------------------------ phase fractions
    @property
    def alive(self) -> np.ndarray:
        """Living simulated follicles per sample and zone, ``(T, n_zones)``."""
        return self.counts[:, :, :4].sum(axis=2)

    @property
    def fractions(self) -> dict[str, np.ndarray]:
        """Whole-scalp fraction of living follicles in each phase, ``{phase: (T,)}``."""
        tot = self.alive.sum(axis=1)
        return {
            name: _ratio(self.counts[:, :, i].sum(axis=1), tot) for i, name in enumerate(PHASES[:4])
        }

    def zone_fractions(self, phase: str) -> np.ndarray:
        """Fraction of the living follicles of each zone in ``phase``, ``(T, n_zones)``."""
        return _ratio(self.counts[:, :, PHASES.index(phase)], self.alive)

    # ------------------------------------------------------------------ densities
    def _per_cm2(self, x: np.ndarray) -> np.ndarray:
        return x / (self.scale * self.area_cm2[None, :])

    @property
    def density_per_cm2(self) -> np.ndarray:
        """All hairs present per cm^2, ``(T, n_zones)``."""
        return self._per_cm2(self.terminal + self.vellus)

    @property
    def terminal_density_per_cm2(self) -> np.ndarray:
        return self._per_cm2(self.terminal)

    @property
    def vellus_density_per_cm2(self) -> np.ndarray:
        return self._per_cm2(self.vellus)

    @property
    def scalp_density_per_cm2(self) -> np.ndarray:
        """Area-weighted whole-scalp density of hairs present, ``(T,)``."""
        return (self.terminal + self.vellus).sum(axis=1) / (self.scale * self.area_cm2.sum())

    @property
    def follicles_per_cm2(self) -> np.ndarray:
        """Living follicles per cm^2 (with or without a hair), ``(T, n_zones)``."""
        return self._per_cm2(self.alive)

    # ------------------------------------------------------------------ phototrichogram-type
    @property
    def anagen_percent(self) -> np.ndarray:
        """Anagen hairs as % of hairs present, ``(T, n_zones)``."""
        return 100.0 * _ratio(self.counts[:, :, 0], self.counts[:, :, :3].sum(axis=2))

    @property
    def anagen_telogen_ratio(self) -> np.ndarray:
        """Anagen : (catagen + telogen) hairs, ``(T, n_zones)``."""
        return _ratio(self.counts[:, :, 0], self.counts[:, :, 1:3].sum(axis=2))

    @property
    def shedding_per_day(self) -> np.ndarray:
        """Real hairs shed per day in each zone over the preceding interval, ``(T, n_zones)``."""
        dt = np.diff(self.t_days, prepend=np.nan)
        return self.shed / self.scale / dt[:, None]

    @property
    def mean_diameter_um(self) -> np.ndarray:
        """Mean shaft diameter of the hairs present, ``(T, n_zones)``."""
        return _ratio(self.diameter_sum_um, self.terminal + self.vellus)

    @property
    def cumulative_thickness_mm_per_cm2(self) -> np.ndarray:
        """Sum of shaft diameters per cm^2 of scalp, in mm/cm^2 (a hair-mass index)."""
        return self._per_cm2(self.diameter_sum_um) / 1000.0

    # ------------------------------------------------------------------ staging
    def stage(self, index: int = -1) -> str:
        """Norwood–Hamilton (men) or Ludwig (women) stage of the scalp at sample ``index``."""
        from anagen.scalp.staging import stage_from_loss

        return stage_from_loss(self.zone_loss()[index], self.sex, self.visible_loss)

    def stages(self) -> list[str]:
        """Stage at every sample."""
        from anagen.scalp.staging import stage_from_loss

        return [stage_from_loss(row, self.sex, self.visible_loss) for row in self.zone_loss()]

    def zone_loss(self) -> np.ndarray:
        """Fractional loss of terminal density against the zone baseline, ``(T, n_zones)``."""
        return 1.0 - self.terminal_density_per_cm2 / self.baseline_density_per_cm2[None, :]

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists) for JSON: ``t_days``, ``fractions``, ``density_per_cm2``, ..."""

        def by_zone(x: np.ndarray, scalp: np.ndarray | None = None) -> dict[str, Any]:
            d = {name: x[:, j] for j, name in enumerate(self.zone_names)}
            if scalp is not None:
                d["scalp"] = scalp
            return d

        hairs = (self.terminal + self.vellus).sum(axis=1)
        counts3 = self.counts[:, :, :3].sum(axis=(1,))
        tot_area = self.area_cm2.sum()
        return {
            "engine": self.engine,
            "sex": self.sex,
            "age_years": self.age_years,
            "t_days": self.t_days,
            "zone_names": list(self.zone_names),
            "fractions": self.fractions,
            "density_per_cm2": by_zone(self.density_per_cm2, self.scalp_density_per_cm2),
            "terminal_per_cm2": by_zone(
                self.terminal_density_per_cm2, self.terminal.sum(axis=1) / (self.scale * tot_area)
            ),
            "vellus_per_cm2": by_zone(
                self.vellus_density_per_cm2, self.vellus.sum(axis=1) / (self.scale * tot_area)
            ),
            "anagen_percent": by_zone(
                self.anagen_percent, 100.0 * _ratio(counts3[:, 0], counts3.sum(axis=1))
            ),
            "anagen_telogen_ratio": by_zone(
                self.anagen_telogen_ratio, _ratio(counts3[:, 0], counts3[:, 1:].sum(axis=1))
            ),
            "shedding_per_day": by_zone(self.shedding_per_day, self.shedding_per_day.sum(axis=1)),
            "mean_diameter_um": by_zone(
                self.mean_diameter_um, _ratio(self.diameter_sum_um.sum(axis=1), hairs)
            ),
            "cumulative_thickness_mm_per_cm2": by_zone(
                self.cumulative_thickness_mm_per_cm2,
                self.diameter_sum_um.sum(axis=1) / (self.scale * tot_area) / 1000.0,
            ),
            "follicles_alive": self.alive.sum(axis=1) / self.scale,
            "stage": self.stages(),
        }
