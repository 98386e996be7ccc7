"""Parameters of the scalp model: dataclasses, TOML loading and validation.

The defaults ship as ``anagen/scalp/data/default.toml``; every number there carries its source
tag ([S1]..[S67] of the hair-cycle reference, listed in ``docs/scalp.md``). A user file is merged
over the defaults key by key, so it may hold only the keys it changes; unknown keys are errors.

References
----------
.. [S4] Bernard BA. The human hair follicle, a bistable organ? Exp Dermatol 2012;21:401-403.
.. [S11] Alopecia androgenetica, UpToDate topic (2009), "Hair growth cycle".
.. [S27] Barman JM, Astore I, Pecoraro V. The normal trichogram of the adult. J Invest Dermatol
   1965;44:233-236 (BioNumbers 116431).
.. [S30] drsajjadkhan.com, Hair growth cycle (grade C).
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from anagen.errors import InputError
from anagen.scalp._modulation import ZONE_NAMES

__all__ = [
    "AGAParams",
    "CycleParams",
    "PhototrichogramParams",
    "PrevalenceTable",
    "ScalpParams",
    "StagingParams",
    "ZoneParams",
    "default_params",
    "load_params",
    "params_from_dict",
]

DISTRIBUTIONS = ("lognormal", "gamma", "exponential")
START_STATES = ("equilibrium", "anagen")
NORWOOD_STAGES = ("I", "II", "III", "IIIv", "IV", "V", "VI", "VII")
LUDWIG_STAGES = ("0", "I", "II", "III")


@dataclass(frozen=True, slots=True)
class CycleParams:
    """Phase durations of a normal (non-miniaturised) follicle, in days.

    Anagen, telogen and latency durations are drawn independently per follicle and cycle from
    ``distribution`` with the given mean and coefficient of variation (lognormal per [S4]);
    catagen lasts exactly ``catagen_days`` (0 allowed).

    Field defaults mirror ``data/default.toml``, where each value's source is given (and
    ``docs/scalp.md``); a test keeps the two equal.
    """

    distribution: str = "lognormal"
    anagen_mean_days: float = 1000.0
    anagen_cv: float = 0.5
    catagen_days: float = 14.0
    telogen_mean_days: float = 120.0
    telogen_cv: float = 0.3
    latency_mean_days: float = 30.0
    latency_cv: float = 0.5

    @property
    def cycle_mean_days(self) -> float:
        """Mean length of one full cycle A + C + T + L."""
        return (
            self.anagen_mean_days
            + self.catagen_days
            + self.telogen_mean_days
            + self.latency_mean_days
        )

    def stationary_fractions(self) -> dict[str, float]:
        """Renewal-theory stationary phase fractions, ``m_i / sum(m)`` (independent of CVs)."""
        total = self.cycle_mean_days
        return {
            "anagen": self.anagen_mean_days / total,
            "catagen": self.catagen_days / total,
            "telogen": self.telogen_mean_days / total,
            "latency": self.latency_mean_days / total,
        }


@dataclass(frozen=True, slots=True)
class ZoneParams:
    """Per-zone geometry, baseline hair density and androgen sensitivity (``ZONE_NAMES`` order)."""

    area_cm2: tuple[float, ...]
    hair_density_per_cm2: tuple[float, ...]
    sensitivity_male: tuple[float, ...]
    sensitivity_female: tuple[float, ...]

    def sensitivity(self, sex: str) -> tuple[float, ...]:
        return self.sensitivity_female if sex == "F" else self.sensitivity_male


@dataclass(frozen=True, slots=True)
class AGAParams:
    """Pattern hair loss: per-cycle miniaturisation, its effect on durations and shaft, loss.

    A follicle accumulates ``q`` (in "cycles at pace 1") by ``pace * sensitivity`` per completed
    cycle once AGA has started. Its miniaturisation is ``m = min(q / cycles_to_vellus, 1)``;
    anagen and latency means move log-linearly from the normal to the vellus values with ``m``;
    each follicle's own sensitivity is a lognormal multiplier (mean 1, CV
    ``follicle_sensitivity_cv``); the shaft diameter moves linearly from the follicle's terminal diameter to
    ``vellus_diameter_um``; the follicle is lost when ``q >= critical_cycles``.

    Field defaults mirror ``data/default.toml``, where each value's source is given (and
    ``docs/scalp.md``); a test keeps the two equal.
    """

    pace_male: float = 1.0
    pace_female: float = 0.5
    cycles_to_vellus: float = 6.0
    critical_cycles: float = 12.0
    follicle_sensitivity_cv: float = 1.5
    vellus_anagen_days: float = 86.0
    vellus_latency_days: float = 150.0
    terminal_diameter_um: float = 61.0
    terminal_diameter_sd_um: float = 8.0
    vellus_diameter_um: float = 20.0
    vellus_threshold_um: float = 30.0

    def pace(self, sex: str) -> float:
        return self.pace_female if sex == "F" else self.pace_male


@dataclass(frozen=True, slots=True)
class StagingParams:
    """Thresholds that turn zone densities into Norwood–Hamilton / Ludwig stages.
    Field defaults mirror ``data/default.toml``, where each value's source is given (and
    ``docs/scalp.md``); a test keeps the two equal.
    """

    visible_loss: float = 0.3
    affected_stage_male: str = "III"
    affected_stage_female: str = "I"


@dataclass(frozen=True, slots=True)
class PrevalenceTable:
    """Cumulative fraction of people affected by AGA by age (piecewise linear, flat after)."""

    age_years: tuple[float, ...]
    fraction: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class PhototrichogramParams:
    """Measurement model of a phototrichogram: target area and relative count noise.
    Field defaults mirror ``data/default.toml``, where each value's source is given (and
    ``docs/scalp.md``); a test keeps the two equal.
    """

    count_cv: float = 0.063
    area_cm2: float = 1.0
    growth_mm_per_day: float = 0.35
    emergence_length_mm: float = 4.7

    @property
    def lag_days(self) -> float:
        """Days from anagen onset until a new hair is counted: shaft path / growth rate."""
        return self.emergence_length_mm / self.growth_mm_per_day


@dataclass(frozen=True, slots=True)
class ScalpParams:
    """All parameters of the scalp model (see ``default.toml`` for sources)."""

    cycle: CycleParams
    start_state: str
    zones: ZoneParams
    aga: AGAParams
    staging: StagingParams
    prevalence_male: PrevalenceTable
    prevalence_female: PrevalenceTable
    phototrichogram: PhototrichogramParams

    def prevalence(self, sex: str) -> PrevalenceTable:
        return self.prevalence_female if sex == "F" else self.prevalence_male

    def with_cycle(self, **changes: Any) -> ScalpParams:
        """A copy with some ``[cycle]`` keys changed (validated)."""
        data = _to_dict(self)
        data["cycle"].update(changes)
        return params_from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """The TOML structure of these parameters as nested dicts."""
        return _to_dict(self)


def _to_dict(p: ScalpParams) -> dict[str, Any]:
    def dc(obj: Any) -> dict[str, Any]:
        return {
            f.name: (list(v) if isinstance(v := getattr(obj, f.name), tuple) else v)
            for f in fields(obj)
        }

    return {
        "cycle": dc(p.cycle),
        "start": {"state": p.start_state},
        "zones": dc(p.zones),
        "aga": dc(p.aga),
        "staging": dc(p.staging),
        "prevalence": {"male": dc(p.prevalence_male), "female": dc(p.prevalence_female)},
        "phototrichogram": dc(p.phototrichogram),
    }


# --------------------------------------------------------------------------- validation


def _number(section: str, key: str, value: Any, *, allowed: str, ok) -> float:
    name = f"{section}.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field=name, allowed=f"a number {allowed}", got=value)
    x = float(value)
    if not math.isfinite(x) or not ok(x):
        raise InputError(field=name, allowed=allowed, got=value)
    return x


def _within(lo: float, hi: float, *, lo_open: bool = True) -> Callable[[str, str, Any], float]:
    """A check for a number in a usable range (``(lo, hi]``, or ``[lo, hi]`` if closed)."""
    left = "(" if lo_open else "["
    allowed = f"in {left}{lo:g}, {hi:g}]"

    def check(section: str, key: str, value: Any) -> float:
        return _number(
            section,
            key,
            value,
            allowed=allowed,
            ok=(lambda x: lo < x <= hi) if lo_open else (lambda x: lo <= x <= hi),
        )

    return check


def _zones_within(lo: float, hi: float, *, lo_open: bool = True):
    left = "(" if lo_open else "["

    def check(section: str, key: str, value: Any) -> tuple[float, ...]:
        return _zone_vector(
            section,
            key,
            value,
            allowed=f"in {left}{lo:g}, {hi:g}]",
            ok=(lambda x: lo < x <= hi) if lo_open else (lambda x: lo <= x <= hi),
        )

    return check


def _zone_vector(section: str, key: str, value: Any, *, allowed: str, ok) -> tuple[float, ...]:
    name = f"{section}.{key}"
    if not isinstance(value, list) or len(value) != len(ZONE_NAMES):
        raise InputError(
            field=name,
            allowed=f"a list of {len(ZONE_NAMES)} numbers ({', '.join(ZONE_NAMES)})",
            got=value,
        )
    return tuple(
        _number(section, f"{key}[{i}]", v, allowed=allowed, ok=ok) for i, v in enumerate(value)
    )


# Usable ranges: beyond them the engine would overflow (a lognormal CV of 1e154 makes sigma
# infinite), stall (phase means of a fraction of a day multiply the events) or describe no
# human scalp (an adult scalp is ~450-700 cm2; the densest reported ~400 hairs/cm2).
_DAYS = _within(1.0, 36_500.0, lo_open=False)  # phase means: 1 day to 100 years
_CV = _within(0.0, 10.0)  # coefficient of variation of a phase duration
_AREA = _zones_within(0.0, 2_000.0)  # cm2 per zone
_DENSITY = _zones_within(0.0, 2_000.0)  # hairs/cm2
_SENSITIVITY = _zones_within(0.0, 100.0, lo_open=False)
_PACE = _within(0.0, 100.0, lo_open=False)
_CYCLES = _within(0.0, 1_000.0)
_MICRONS = _within(0.0, 1_000.0)
_MICRONS_SD = _within(0.0, 1_000.0, lo_open=False)


def _checked(
    section: str, data: dict[str, Any], rules: dict[str, Callable[[str, str, Any], Any]]
) -> dict[str, Any]:
    """``data[key]`` checked by ``rules[key]`` for each key of ``rules``, in that order."""
    return {key: check(section, key, data[key]) for key, check in rules.items()}


def _check_keys(section: str, data: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError(field=section, allowed="a table", got=type(data).__name__)
    for key in data:
        if key not in allowed:
            raise InputError(
                field=f"{section}.{key}" if section else key,
                allowed=f"a known key ({', '.join(sorted(allowed))})",
                got="unknown key",
            )
    return data


def _merge(base: dict[str, Any], over: dict[str, Any], where: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        path = f"{where}.{key}" if where else key
        if key not in base:
            raise InputError(
                field=path, allowed=f"a known key ({', '.join(sorted(base))})", got="unknown key"
            )
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise InputError(field=path, allowed="a table", got=value)
            out[key] = _merge(base[key], value, path)
        else:
            out[key] = value
    return out


def _prevalence(sex: str, data: Any) -> PrevalenceTable:
    section = f"prevalence.{sex}"
    _check_keys(section, data, {"age_years", "fraction"})
    ages, frac = data.get("age_years"), data.get("fraction")
    if (
        not isinstance(ages, list)
        or not isinstance(frac, list)
        or len(ages) != len(frac)
        or len(ages) < 2
    ):
        raise InputError(
            field=f"{section}.fraction",
            allowed="a list as long as age_years (at least 2 points)",
            got=frac,
        )
    a = tuple(
        _within(0.0, 150.0, lo_open=False)(section, f"age_years[{i}]", v)
        for i, v in enumerate(ages)
    )
    f = tuple(
        _number(section, f"fraction[{i}]", v, allowed="in [0, 1)", ok=lambda x: 0 <= x < 1)
        for i, v in enumerate(frac)
    )
    if any(b <= a_ for a_, b in itertools.pairwise(a)):
        raise InputError(field=f"{section}.age_years", allowed="strictly increasing", got=list(a))
    if any(b < a_ for a_, b in itertools.pairwise(f)):
        raise InputError(field=f"{section}.fraction", allowed="non-decreasing", got=list(f))
    return PrevalenceTable(age_years=a, fraction=f)


def params_from_dict(data: dict[str, Any]) -> ScalpParams:
    """Build and validate :class:`ScalpParams` from a full nested dict (TOML structure).

    Raises
    ------
    InputError
        Naming the key at fault (``'cycle.anagen_cv'``) and what it allows.
    """
    _check_keys(
        "", data, {"cycle", "start", "zones", "aga", "staging", "prevalence", "phototrichogram"}
    )
    c = _check_keys("cycle", data["cycle"], {f.name for f in fields(CycleParams)})
    dist = c["distribution"]
    if dist not in DISTRIBUTIONS:
        raise InputError(
            field="cycle.distribution", allowed=f"one of {', '.join(DISTRIBUTIONS)}", got=dist
        )
    cycle = CycleParams(
        distribution=dist,
        **_checked(
            "cycle",
            c,
            {
                "anagen_mean_days": _DAYS,
                "anagen_cv": _CV,
                "catagen_days": _within(0.0, 365.0, lo_open=False),
                "telogen_mean_days": _DAYS,
                "telogen_cv": _CV,
                "latency_mean_days": _DAYS,
                "latency_cv": _CV,
            },
        ),
    )
    start = _check_keys("start", data["start"], {"state"})
    if start["state"] not in START_STATES:
        raise InputError(
            field="start.state", allowed=f"one of {', '.join(START_STATES)}", got=start["state"]
        )

    z = _check_keys("zones", data["zones"], {f.name for f in fields(ZoneParams)})
    zones = ZoneParams(
        **_checked(
            "zones",
            z,
            {
                "area_cm2": _AREA,
                "hair_density_per_cm2": _DENSITY,
                "sensitivity_male": _SENSITIVITY,
                "sensitivity_female": _SENSITIVITY,
            },
        )
    )

    g = _check_keys("aga", data["aga"], {f.name for f in fields(AGAParams)})
    aga = AGAParams(
        **_checked(
            "aga",
            g,
            {
                "pace_male": _PACE,
                "pace_female": _PACE,
                "cycles_to_vellus": _CYCLES,
                "critical_cycles": _CYCLES,
                "follicle_sensitivity_cv": _within(0.0, 10.0, lo_open=False),
                "vellus_anagen_days": _DAYS,
                "vellus_latency_days": _DAYS,
                "terminal_diameter_um": _MICRONS,
                "terminal_diameter_sd_um": _MICRONS_SD,
                "vellus_diameter_um": _MICRONS,
                "vellus_threshold_um": _MICRONS,
            },
        )
    )
    if aga.critical_cycles < aga.cycles_to_vellus:
        raise InputError(
            field="aga.critical_cycles",
            allowed=f">= aga.cycles_to_vellus ({aga.cycles_to_vellus})",
            got=aga.critical_cycles,
        )
    if aga.vellus_diameter_um >= aga.terminal_diameter_um:
        raise InputError(
            field="aga.vellus_diameter_um",
            allowed=f"< aga.terminal_diameter_um ({aga.terminal_diameter_um})",
            got=aga.vellus_diameter_um,
        )

    s = _check_keys("staging", data["staging"], {f.name for f in fields(StagingParams)})
    staging = StagingParams(
        visible_loss=_number(
            "staging",
            "visible_loss",
            s["visible_loss"],
            allowed="in (0, 1)",
            ok=lambda x: 0 < x < 1,
        ),
        affected_stage_male=s["affected_stage_male"],
        affected_stage_female=s["affected_stage_female"],
    )
    if staging.affected_stage_male not in NORWOOD_STAGES[1:]:
        raise InputError(
            field="staging.affected_stage_male",
            allowed=f"one of {', '.join(NORWOOD_STAGES[1:])}",
            got=staging.affected_stage_male,
        )
    if staging.affected_stage_female not in LUDWIG_STAGES[1:]:
        raise InputError(
            field="staging.affected_stage_female",
            allowed=f"one of {', '.join(LUDWIG_STAGES[1:])}",
            got=staging.affected_stage_female,
        )

    prev = _check_keys("prevalence", data["prevalence"], {"male", "female"})
    ph = _check_keys(
        "phototrichogram", data["phototrichogram"], {f.name for f in fields(PhototrichogramParams)}
    )
    photo = PhototrichogramParams(
        **_checked(
            "phototrichogram",
            ph,
            {
                "count_cv": _within(0.0, 10.0, lo_open=False),
                "area_cm2": _within(0.0, 100.0),
                "growth_mm_per_day": _within(0.0, 5.0),
                "emergence_length_mm": _within(0.0, 100.0, lo_open=False),
            },
        )
    )
    return ScalpParams(
        cycle=cycle,
        start_state=start["state"],
        zones=zones,
        aga=aga,
        staging=staging,
        prevalence_male=_prevalence("male", prev["male"]),
        prevalence_female=_prevalence("female", prev["female"]),
        phototrichogram=photo,
    )


def _zone_tables(user: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Turn ``[zones.<name>]`` tables of a user file into edits of the per-zone lists."""
    zones = user.get("zones")
    if not isinstance(zones, dict):
        return user
    out = {k: v for k, v in zones.items() if not isinstance(v, dict)}
    for name, table in zones.items():
        if not isinstance(table, dict):
            continue
        if name not in ZONE_NAMES:
            raise InputError(
                field=f"zones.{name}", allowed=f"a zone ({', '.join(ZONE_NAMES)})", got=name
            )
        for key, value in table.items():
            if key not in base["zones"]:
                raise InputError(
                    field=f"zones.{name}.{key}",
                    allowed=f"a known key ({', '.join(sorted(base['zones']))})",
                    got="unknown key",
                )
            values = list(out.get(key, base["zones"][key]))
            values[ZONE_NAMES.index(name)] = value
            out[key] = values
    return {**user, "zones": out}


def _default_dict() -> dict[str, Any]:
    text = resources.files("anagen.scalp").joinpath("data/default.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def default_params() -> ScalpParams:
    """The shipped default parameters (``anagen/scalp/data/default.toml``), with cited sources."""
    return params_from_dict(_default_dict())


def load_params(path: str | Path) -> ScalpParams:
    """Read a TOML parameter file, merged over the defaults, and validate it.

    Parameters
    ----------
    path
        A TOML file with any of the sections ``[cycle]``, ``[start]``, ``[zones]``, ``[aga]``,
        ``[staging]``, ``[prevalence.male]``, ``[prevalence.female]``, ``[phototrichogram]``.
        Zone values are lists in :data:`ZONE_NAMES` order, or per-zone tables such as
        ``[zones.vertex]`` with ``area_cm2 = 70`` (unknown zone names are errors).

    Raises
    ------
    InputError
        If the file is missing or not valid TOML, or a key is unknown or out of range; the
        message names the key (``'cycle.anagen_cv' must be > 0, got -1``).
    """
    from anagen._io import read_toml_file

    p = Path(path)
    user = read_toml_file(p, what="parameter file")
    try:
        base = _default_dict()
        return params_from_dict(_merge(base, _zone_tables(user, base)))
    except InputError as exc:
        raise InputError(str(exc), file=str(p)) from None
