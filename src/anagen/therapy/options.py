"""Benefits and drawbacks of each option as cited data (package file ``data/options.toml``).

Per option: invasiveness, downtime, side effects with their frequency where a source gives one,
autologous vs allogeneic, regulatory status (US, EU), typical sessions, cost range, and the
evidence in one line. Every field carries source tags (:data:`anagen.therapy.SOURCES`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from anagen.errors import InputError
from anagen.therapy._sources import SOURCES
from anagen.therapy.data import data_path

__all__ = ["OptionInfo", "SideEffect", "load_options", "option_info"]


@dataclass(frozen=True, slots=True)
class SideEffect:
    effect: str
    frequency: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OptionInfo:
    """Cited facts about one option."""

    key: str
    name: str
    invasiveness: str
    origin: str
    downtime: str
    typical_sessions: str
    regulatory_us: str
    regulatory_eu: str
    cost_low: float
    cost_high: float
    cost_unit: str
    evidence_note: str
    side_effects: tuple[SideEffect, ...]
    sources: dict[str, tuple[str, ...]]

    def cost_text(self) -> str:
        if self.cost_high == 0:
            return "$0"
        rng = (
            f"${self.cost_low:,.0f}"
            if self.cost_low == self.cost_high
            else f"${self.cost_low:,.0f}-{self.cost_high:,.0f}"
        )
        return f"{rng} {self.cost_unit}"

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "invasiveness": self.invasiveness,
            "origin": self.origin,
            "downtime": self.downtime,
            "typical_sessions": self.typical_sessions,
            "regulatory_us": self.regulatory_us,
            "regulatory_eu": self.regulatory_eu,
            "cost_usd": {"low": self.cost_low, "high": self.cost_high, "unit": self.cost_unit},
            "evidence_note": self.evidence_note,
            "side_effects": [
                {"effect": s.effect, "frequency": s.frequency, "sources": list(s.sources)}
                for s in self.side_effects
            ],
            "sources": {k: list(v) for k, v in self.sources.items()},
        }


def _tags(key: str, field: str, tags: list[str]) -> tuple[str, ...]:
    for t in tags:
        if t not in SOURCES:
            raise InputError(
                field=f"{key}.{field}", allowed="a listed source tag", got=t, file="options.toml"
            )
    return tuple(tags)


@lru_cache(maxsize=1)
def load_options() -> dict[str, OptionInfo]:
    """All options, by key (validated: every source tag must be listed)."""
    with data_path("options.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    out = {}
    for key, d in raw.items():
        src = {
            f.removesuffix("_sources"): _tags(key, f, d[f])
            for f in (
                "downtime_sources",
                "sessions_sources",
                "regulatory_sources",
                "cost_sources",
                "evidence_sources",
            )
        }
        effects = tuple(
            SideEffect(e["effect"], e["frequency"], _tags(key, "side_effects", e["sources"]))
            for e in d["side_effects"]
        )
        out[key] = OptionInfo(
            key,
            d["name"],
            d["invasiveness"],
            d["origin"],
            d["downtime"],
            d["typical_sessions"],
            d["regulatory_us"],
            d["regulatory_eu"],
            float(d["cost_low"]),
            float(d["cost_high"]),
            d["cost_unit"],
            d["evidence_note"],
            effects,
            src,
        )
    return out


def option_info(key: str) -> OptionInfo:
    """Facts about one option (``InputError`` for an unknown key)."""
    opts = load_options()
    if key not in opts:
        raise InputError(field="option", allowed=f"one of {', '.join(opts)}", got=key)
    return opts[key]
