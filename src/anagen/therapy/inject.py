"""Inject: the injection plan as points, volumes and dose per cm² per zone, plus safety checks.

Zone areas are those of the scalp model (:func:`anagen.scalp.default_params`, ``zones.area_cm2``),
so "area injected" becomes "share of the zone covered" on the same scalp that is simulated.

Checks (level ``warning`` unless said otherwise):

* volume per session above 7 mL, the top of the 5-7 mL per PRP session of [T61];
* volume per cm² (``volume_per_point / spacing²``) outside 0.02-0.2 mL/cm², i.e. beyond half the
  lower and twice the upper end of the 0.05-0.1 mL/cm² of [T61] (0.1 mL/cm² fat in STYLE [T17]);
* grid spacing outside 0.5-2 cm around the ~1 cm grid of [T61][T63][T52];
* intradermal depth outside 2-4 mm [T61];
* an injected area larger than the zone (``error``);
* a target dose the harvest cannot supply at its median;
* a zone with no living follicles: in this model treatments act on living follicles only and dead
  follicles never return (the :class:`anagen.scalp.Modulation` contract); none of the cited
  trials reports new follicles, only denser and thicker hair where follicles remain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES
from anagen.therapy.process import ProcessResult
from anagen.therapy.protocol import ZONE_AREA_CM2, Protocol

__all__ = ["ZONE_AREA_CM2", "Check", "InjectionResult", "ZoneDose", "inject"]


#: Living share of a zone's follicles below which a treated zone gets a warning (assumption).
FEW_LIVING = 0.05
MAX_SESSION_VOLUME_ML = 7.0
VOLUME_PER_CM2_RANGE = (0.02, 0.2)
SPACING_RANGE_CM = (0.5, 2.0)
INTRADERMAL_DEPTH_MM = (2.0, 4.0)


@dataclass(frozen=True, slots=True)
class Check:
    """One finding about a plan: ``level`` is ``'ok'``, ``'warning'`` or ``'error'``."""

    level: str
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class ZoneDose:
    """Per-zone quantities of one session."""

    zone: str
    area_cm2: float
    zone_area_cm2: float
    coverage: float  # share of the zone injected, 0-1
    n_points: int
    volume_ml: float
    dose_per_cm2: float  # median dose in the injected area (product unit)
    relative_exposure: float  # median dose / reference dose, in the injected area

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True)
class InjectionResult:
    """Output of :func:`inject`: per-zone doses, a coverage map and the checks."""

    zones: tuple[ZoneDose, ...]
    session_volume_ml: float
    checks: tuple[Check, ...]
    dose_unit: str

    def coverage_map(self) -> dict[str, float]:
        """Share of every model zone covered by the injections (0 for untreated zones)."""
        cov = dict.fromkeys(ZONE_NAMES, 0.0)
        cov.update({z.zone: z.coverage for z in self.zones})
        return cov

    def exposure_by_zone(self) -> np.ndarray:
        """Zone-mean relative exposure per session, shape ``(n_zones,)``, ZONE_NAMES order.

        The dose is spread evenly over the injected area and the zone mean is
        ``coverage x relative exposure`` (uncovered skin of a zone gets none).
        """
        out = np.zeros(len(ZONE_NAMES))
        for z in self.zones:
            out[ZONE_NAMES.index(z.zone)] = z.coverage * z.relative_exposure
        return out

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.level == "warning")


def inject(
    protocol: Protocol,
    processed: ProcessResult,
    *,
    dead_zones: Iterable[str] = (),
    zone_area_cm2: dict[str, float] | None = None,
    living_fraction: Mapping[str, float] | None = None,
) -> InjectionResult:
    """Lay the injection plan on the scalp and check it.

    Parameters
    ----------
    protocol
        The protocol (its ``[injection]`` section is used).
    processed
        Output of :func:`anagen.therapy.process` (dose per cm² per session).
    dead_zones
        Zones with no living follicles left (from the patient file or a simulated scalp).
    zone_area_cm2
        Zone areas; defaults to :data:`ZONE_AREA_CM2`.
    living_fraction
        Share of each zone's follicles still alive (e.g. from the patient's simulated scalp);
        a treated zone at 0 counts as dead, one below :data:`FEW_LIVING` gets a warning.

    Raises
    ------
    InputError
        If a zone's injected area exceeds the zone's area.
    """
    areas = zone_area_cm2 or ZONE_AREA_CM2
    inj = protocol.injection
    dead = set(dead_zones)
    alive = dict(living_fraction or {})
    dead |= {z for z, f in alive.items() if f <= 0.0}
    dose_med = float(np.median(processed.dose_per_cm2))
    rel_med = float(np.median(processed.relative_exposure))
    zones = []
    checks: list[Check] = []
    for za in inj.zones:
        zone_area = areas[za.zone]
        if za.area_cm2 > zone_area:
            raise InputError(
                field=f"injection.zones.{za.zone}.area_cm2",
                allowed=f"<= {zone_area:g} (the model's {za.zone} zone area in cm2)",
                got=za.area_cm2,
            )
        n_points = max(1, round(za.area_cm2 / inj.grid_spacing_cm**2))
        zones.append(
            ZoneDose(
                za.zone,
                za.area_cm2,
                zone_area,
                za.area_cm2 / zone_area,
                n_points,
                n_points * inj.volume_per_point_ml,
                dose_med,
                rel_med,
            )
        )
        if za.zone in dead:
            checks.append(
                Check(
                    "warning",
                    f"injection.zones.{za.zone}",
                    f"{za.zone} has no living follicles: cells cannot bring dead follicles back, this dose is wasted",
                )
            )
        elif alive.get(za.zone, 1.0) < FEW_LIVING:
            checks.append(
                Check(
                    "warning",
                    f"injection.zones.{za.zone}",
                    f"only {alive[za.zone]:.1%} of {za.zone} follicles are alive: little can respond there",
                )
            )
    volume = float(sum(z.volume_ml for z in zones))
    if volume > MAX_SESSION_VOLUME_ML:
        checks.append(
            Check(
                "warning",
                "injection",
                f"{volume:.1f} mL per session exceeds the {MAX_SESSION_VOLUME_ML:g} mL top of the cited PRP protocol [T61]",
            )
        )
    per_cm2 = inj.volume_per_point_ml / inj.grid_spacing_cm**2
    lo, hi = VOLUME_PER_CM2_RANGE
    if not lo <= per_cm2 <= hi:
        checks.append(
            Check(
                "warning",
                "injection.volume_per_point_ml",
                f"{per_cm2:.3f} mL/cm2 is outside {lo}-{hi} mL/cm2 (cited 0.05-0.1 [T61])",
            )
        )
    slo, shi = SPACING_RANGE_CM
    if not slo <= inj.grid_spacing_cm <= shi:
        checks.append(
            Check(
                "warning",
                "injection.grid_spacing_cm",
                f"{inj.grid_spacing_cm:g} cm is outside {slo}-{shi} cm (cited ~1 cm grid [T61][T63])",
            )
        )
    dlo, dhi = INTRADERMAL_DEPTH_MM
    if inj.delivery == "intradermal" and not dlo <= inj.depth_mm <= dhi:
        checks.append(
            Check(
                "warning",
                "injection.depth_mm",
                f"{inj.depth_mm:g} mm is outside the {dlo:g}-{dhi:g} mm of the cited protocol [T61]",
            )
        )
    if (
        processed.target_shortfall == processed.target_shortfall
        and processed.target_shortfall > 0.5
    ):
        checks.append(
            Check(
                "warning",
                "injection.cells_per_cm2",
                f"the harvest falls short of the target dose in {processed.target_shortfall:.0%} of prior draws: take more tissue or treat a smaller area",
            )
        )
    if not checks:
        checks.append(Check("ok", "injection", "within the ranges of the cited protocols"))
    return InjectionResult(tuple(zones), volume, tuple(checks), processed.dose_unit)
