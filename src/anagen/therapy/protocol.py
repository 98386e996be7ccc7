"""Protocol files: a treatment written down as harvest, processing, injection plan and sessions.

A protocol is a TOML file (schema below, documented with examples in ``docs/therapy.md``)::

    [protocol]
    name = "STYLE low dose"            # free text
    product = "svf_enriched_fat"       # a key of anagen.therapy.PRODUCTS
    study = "Kerastem STYLE trial, NCT02503852"
    sources = ["T16", "T17"]           # tags of anagen.therapy.SOURCES

    [harvest]
    source = "adipose"                 # adipose | bone_marrow | scalp_punch | none
    fat_g = 80                         # adipose: grams of lipoaspirate (1 mL ~ 1 g)
    # marrow_ml = 25                   # bone_marrow: mL aspirated
    # punches = 5; punch_mm = 2.5      # scalp_punch: number and diameter of punches
    # product_ml = 3                   # none: mL of cell-free product per session

    [processing]
    method = "enzymatic"               # see anagen.therapy.METHODS

    [injection]
    delivery = "intradermal"           # intradermal | subcutaneous
    grid_spacing_cm = 1.0
    volume_per_point_ml = 0.1
    depth_mm = 2.0
    cells_per_cm2 = 5e5                # optional target dose (cell products)
    zones = [{ zone = "frontal", area_cm2 = 20 }, { zone = "mid_scalp", area_cm2 = 20 }]

    [sessions]
    count = 1
    interval_days = 0

Hard limits (an :class:`~anagen.errors.InputError`, exit 2 on the command line) are those of
the cited regimens: a volume per injection point above 0.2 mL (twice the 0.1 mL per site of
the Sasaki PRP technique [T63]), more than 500 g of fat (the capacity of an automated closed
system [T11]), more than 300 mL of marrow (the largest mean aspirate in [T45] is 280.3 mL).
Softer limits become warnings in :func:`anagen.therapy.inject`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, default_params
from anagen.therapy._sources import SOURCES
from anagen.therapy._validation import read_toml, validate_model
from anagen.therapy.products import METHODS, PRODUCTS, SOURCES_OF_CELLS, Product

__all__ = [
    "ZONE_AREA_CM2",
    "Harvest",
    "Injection",
    "Processing",
    "Protocol",
    "ProtocolInfo",
    "Sessions",
    "ZoneArea",
    "load_protocol",
]

#: Zone areas of the scalp model, cm² (``anagen.scalp.default_params().zones.area_cm2``).
ZONE_AREA_CM2: dict[str, float] = dict(
    zip(ZONE_NAMES, default_params().zones.area_cm2, strict=True)
)

#: Largest volume per injection point accepted, mL (2 x 0.1 mL per site [T63]).
MAX_VOLUME_PER_POINT_ML = 0.2
#: Largest lipoaspirate accepted, g (automated closed-system capacity, up to 500 mL [T11]).
MAX_FAT_G = 500.0
#: Largest marrow aspirate accepted, mL (largest group mean 280.3 mL [T45], rounded up).
MAX_MARROW_ML = 300.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProtocolInfo(_Strict):
    """``[protocol]``: what the treatment is and which study it follows."""

    name: str = Field(min_length=1)
    product: str
    study: str = ""
    sources: tuple[str, ...] = ()
    notes: str = ""

    @model_validator(mode="after")
    def _check(self) -> ProtocolInfo:
        if self.product not in PRODUCTS:
            raise InputError(
                field="protocol.product", allowed=f"one of {', '.join(PRODUCTS)}", got=self.product
            )
        for tag in self.sources:
            if tag not in SOURCES:
                raise InputError(
                    field="protocol.sources",
                    allowed="tags listed in docs/therapy.md (e.g. T17)",
                    got=tag,
                )
        return self


class Harvest(_Strict):
    """``[harvest]``: where the cells come from and how much tissue is taken, per session."""

    source: Literal["adipose", "bone_marrow", "scalp_punch", "none"]
    fat_g: float | None = Field(default=None, gt=0, le=MAX_FAT_G)
    marrow_ml: float | None = Field(default=None, gt=0, le=MAX_MARROW_ML)
    punches: int | None = Field(default=None, ge=1, le=20)
    punch_mm: float = Field(default=2.0, ge=1.0, le=4.0)
    product_ml: float | None = Field(default=None, gt=0, le=20.0)

    @model_validator(mode="after")
    def _amount(self) -> Harvest:
        key = SOURCES_OF_CELLS[self.source]
        if getattr(self, key) is None:
            raise InputError(
                field=f"harvest.{key}",
                allowed=f"given for harvest.source = '{self.source}'",
                got=None,
            )
        for other in set(SOURCES_OF_CELLS.values()) - {key}:
            if getattr(self, other) is not None:
                raise InputError(
                    field=f"harvest.{other}",
                    allowed=f"absent for harvest.source = '{self.source}' (use {key})",
                    got=getattr(self, other),
                )
        return self

    @property
    def amount(self) -> float:
        """The harvested amount in the source's own unit (g, mL, punches, mL of product)."""
        return float(getattr(self, SOURCES_OF_CELLS[self.source]))

    @property
    def amount_unit(self) -> str:
        return {
            "adipose": "g fat",
            "bone_marrow": "mL marrow",
            "scalp_punch": "punches",
            "none": "mL product",
        }[self.source]


class Processing(_Strict):
    """``[processing]``: how the harvest becomes the injected product."""

    method: str
    expansion_fold: float | None = Field(default=None, gt=1.0, le=1e4)

    @model_validator(mode="after")
    def _method(self) -> Processing:
        if self.method not in METHODS:
            raise InputError(
                field="processing.method", allowed=f"one of {', '.join(METHODS)}", got=self.method
            )
        if self.method == "culture_expansion" and self.expansion_fold is None:
            raise InputError(
                field="processing.expansion_fold",
                allowed="given for culture expansion (no sourced default exists)",
                got=None,
            )
        return self


class ZoneArea(_Strict):
    """One treated zone and the area injected in it."""

    zone: str
    area_cm2: float = Field(gt=0)

    @model_validator(mode="after")
    def _zone(self) -> ZoneArea:
        if self.zone not in ZONE_NAMES:
            raise InputError(
                field="injection.zones.zone",
                allowed=f"one of {', '.join(ZONE_NAMES)}",
                got=self.zone,
            )
        return self


class Injection(_Strict):
    """``[injection]``: where and how the product goes into the scalp."""

    delivery: Literal["intradermal", "subcutaneous"] = "intradermal"
    # 1 mm to 3 cm: a finer grid is not an injection pattern (and would make millions of points)
    grid_spacing_cm: float = Field(ge=0.1, le=3.0)
    volume_per_point_ml: float = Field(gt=0, le=MAX_VOLUME_PER_POINT_ML)
    depth_mm: float = Field(gt=0, le=10.0)
    cells_per_cm2: float | None = Field(default=None, gt=0, le=1e10)
    zones: tuple[ZoneArea, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Injection:
        names = [z.zone for z in self.zones]
        if len(set(names)) != len(names):
            raise InputError(field="injection.zones", allowed="each zone listed once", got=names)
        for z in self.zones:
            if z.area_cm2 > ZONE_AREA_CM2[z.zone]:
                raise InputError(
                    field=f"injection.zones.{z.zone}.area_cm2",
                    allowed=f"<= {ZONE_AREA_CM2[z.zone]:g} (the model's {z.zone} zone area in cm2)",
                    got=z.area_cm2,
                )
        return self

    @property
    def total_area_cm2(self) -> float:
        return float(sum(z.area_cm2 for z in self.zones))


class Sessions(_Strict):
    """``[sessions]``: how many treatments, how far apart."""

    count: int = Field(ge=1, le=24)
    interval_days: float = Field(default=0.0, ge=0, le=730)

    @model_validator(mode="after")
    def _interval(self) -> Sessions:
        if self.count > 1 and self.interval_days <= 0:
            raise InputError(
                field="sessions.interval_days",
                allowed="> 0 when sessions.count > 1",
                got=self.interval_days,
            )
        return self

    @property
    def days(self) -> tuple[float, ...]:
        """Day of each session, the first on day 0."""
        return tuple(i * self.interval_days for i in range(self.count))


class Protocol(_Strict):
    """A whole protocol file. Build with :func:`load_protocol` or :meth:`from_dict`."""

    protocol: ProtocolInfo
    harvest: Harvest
    processing: Processing
    injection: Injection
    sessions: Sessions

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        product = PRODUCTS[self.protocol.product]
        if self.harvest.source != product.source:
            raise InputError(
                field="harvest.source",
                allowed=f"'{product.source}' for product '{product.key}'",
                got=self.harvest.source,
            )
        if self.processing.method not in product.methods:
            raise InputError(
                field="processing.method",
                allowed=f"one of {', '.join(product.methods)} for product '{product.key}'",
                got=self.processing.method,
            )
        if self.injection.cells_per_cm2 is not None and not product.is_cellular:
            raise InputError(
                field="injection.cells_per_cm2",
                allowed=f"absent for the cell-free product '{product.key}'",
                got=self.injection.cells_per_cm2,
            )
        return self

    @property
    def product(self) -> Product:
        return PRODUCTS[self.protocol.product]

    @property
    def name(self) -> str:
        return self.protocol.name

    @classmethod
    def from_dict(cls, data: dict, *, file: str | None = None) -> Protocol:
        """Validate a parsed protocol; errors name the key, what is allowed and what was given."""
        return validate_model(cls, data, file=file)


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate a protocol TOML file.

    Raises
    ------
    InputError
        Unknown product or method, negative amounts, volumes beyond the limits above, unknown
        or repeated zones, missing sections; the message names the key.
    """
    return Protocol.from_dict(read_toml(path), file=str(path))
