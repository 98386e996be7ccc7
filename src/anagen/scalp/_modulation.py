"""How a treatment acts on the scalp model: piecewise-constant, per-zone modulation of kinetics.

This is the contract between :mod:`anagen.therapy` (which turns a protocol into growth-factor
exposure and then into a :class:`Modulation`) and :mod:`anagen.scalp` (whose engines apply it).
A treatment never touches follicle state directly: it changes the rates at which follicles move
between phases, the pace of pattern hair loss, and how much miniaturisation reverses; and a hair
transplant moves living follicles from a donor zone to a recipient zone. Dead follicles cannot
be revived by any field here.

Epoch ``j`` covers days ``[t_days[j], t_days[j + 1])`` (the last one runs to the end of the
simulation). All factor arrays have shape ``(m, n_zones)`` with zones in :data:`ZONE_NAMES`
order; a factor of exactly 1 (and a reversal of 0) means "no effect".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anagen.errors import InputError

__all__ = ["ZONE_NAMES", "Modulation", "Transplant"]

#: The scalp zones of the model, in array order (Norwood–Hamilton / Ludwig regions).
ZONE_NAMES: tuple[str, ...] = (
    "frontal",
    "mid_scalp",
    "vertex",
    "temporal",
    "parietal",
    "occipital",
)


@dataclass(frozen=True, slots=True)
class Transplant:
    """Move ``n_follicles`` living follicles from ``from_zone`` to ``to_zone`` on ``day``.

    A follicular-unit transplant (FUE/FUT) relocates follicles: the donor zone loses them, the
    recipient zone gains them, and they keep the donor zone's androgen sensitivity. The engines
    move at most the living follicles the donor zone has; ``survival`` is the fraction of grafts
    that take (the rest are lost).
    """

    day: float
    from_zone: str
    to_zone: str
    n_follicles: int
    survival: float = 1.0

    def __post_init__(self) -> None:
        for name in ("from_zone", "to_zone"):
            zone = getattr(self, name)
            if zone not in ZONE_NAMES:
                raise InputError(field=name, allowed=f"one of {', '.join(ZONE_NAMES)}", got=zone)
        if not self.day >= 0:
            raise InputError(field="day", allowed=">= 0", got=self.day)
        if self.n_follicles < 0:
            raise InputError(field="n_follicles", allowed=">= 0", got=self.n_follicles)
        if not 0.0 <= self.survival <= 1.0:
            raise InputError(field="survival", allowed="in [0, 1]", got=self.survival)


def _as_epochs(
    name: str, value: np.ndarray, m: int, default: float, *, inf_ok: bool = False
) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 0:
        return np.full((m, len(ZONE_NAMES)), default)
    if arr.shape != (m, len(ZONE_NAMES)):
        raise InputError(
            field=name, allowed=f"an array of shape ({m}, {len(ZONE_NAMES)})", got=arr.shape
        )
    bad = np.isnan(arr) if inf_ok else ~np.isfinite(arr)
    if bad.any():
        raise InputError(field=name, allowed="finite numbers", got="NaN or inf")
    return arr


@dataclass(frozen=True)
class Modulation:
    """Piecewise-constant, per-zone modulation of follicle kinetics by a treatment.

    Attributes
    ----------
    t_days
        Shape ``(m,)``, strictly increasing, ``t_days[0] == 0``: the start day of each epoch,
        counted from the start of the simulation.
    anagen_factor
        ``(m, n_zones)``, > 0. Multiplies the anagen duration of follicles that *enter* anagen
        during the epoch (> 1: longer anagen, as minoxidil or growth factors are thought to do).
    latency_factor
        ``(m, n_zones)``, > 0. Multiplies latency (kenogen) durations. At each epoch boundary the
        residual latency of follicles currently in latency is rescaled by ``new / old``, so a
        factor < 1 makes dormant follicles re-enter anagen sooner.
    progression_factor
        ``(m, n_zones)``, >= 0. Multiplies the per-cycle pace of pattern hair loss (anagen
        shortening, miniaturisation, progress towards follicle loss): 0 halts it, 1 leaves it,
        as an antiandrogen such as finasteride slows it.
    reversal
        ``(m, n_zones)``, in [0, 1]. Fraction of a living follicle's accumulated miniaturisation
        undone each time it enters anagen during the epoch. Dead follicles are untouched.
    hold_end_day
        ``(m, n_zones)``, default ``inf`` (gains kept). Where finite, the treatment's gains
        *fade*: a follicle keeps its own miniaturisation; while the treatment holds (anagen
        entries before ``hold_end_day``) its reversals add up in a memory of the follicle's
        miniaturisation under the treatment, from which its hairs grow; at its first entry
        after ``hold_end_day`` the follicle is back on its own course; and the part of
        the anagen that the treatment adds beyond the untreated duration (same random draw)
        ends at ``hold_end_day + Exp(fade_days)`` at the latest. A treatment never makes an
        anagen shorter than untreated this way.
    fade_days
        ``(m, n_zones)``, >= 0, default 0: mean of that exponential fade (days).
    transplants
        Follicle relocations (hair transplant), applied on their day.
    """

    t_days: np.ndarray
    anagen_factor: np.ndarray = field(default_factory=lambda: np.empty(0))
    latency_factor: np.ndarray = field(default_factory=lambda: np.empty(0))
    progression_factor: np.ndarray = field(default_factory=lambda: np.empty(0))
    reversal: np.ndarray = field(default_factory=lambda: np.empty(0))
    hold_end_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    fade_days: np.ndarray = field(default_factory=lambda: np.empty(0))
    transplants: tuple[Transplant, ...] = ()

    def __post_init__(self) -> None:
        t = np.atleast_1d(np.asarray(self.t_days, dtype=np.float64))
        if t.ndim != 1 or t.size == 0 or t[0] != 0.0 or (np.diff(t) <= 0).any():
            raise InputError(
                field="t_days", allowed="a strictly increasing 1-D array starting at 0", got=t
            )
        m = t.size
        object.__setattr__(self, "t_days", t)
        arrays = {
            "anagen_factor": _as_epochs("anagen_factor", self.anagen_factor, m, 1.0),
            "latency_factor": _as_epochs("latency_factor", self.latency_factor, m, 1.0),
            "progression_factor": _as_epochs("progression_factor", self.progression_factor, m, 1.0),
            "reversal": _as_epochs("reversal", self.reversal, m, 0.0),
            "hold_end_day": _as_epochs("hold_end_day", self.hold_end_day, m, np.inf, inf_ok=True),
            "fade_days": _as_epochs("fade_days", self.fade_days, m, 0.0),
        }
        for name in ("anagen_factor", "latency_factor"):
            if (arrays[name] <= 0).any():
                raise InputError(field=name, allowed="> 0 in every epoch and zone")
        if (arrays["progression_factor"] < 0).any():
            raise InputError(field="progression_factor", allowed=">= 0 in every epoch and zone")
        if (arrays["fade_days"] < 0).any():
            raise InputError(field="fade_days", allowed=">= 0 in every epoch and zone")
        if np.isnan(arrays["hold_end_day"]).any():
            raise InputError(field="hold_end_day", allowed="a day or inf")
        if ((arrays["reversal"] < 0) | (arrays["reversal"] > 1)).any():
            raise InputError(field="reversal", allowed="in [0, 1] in every epoch and zone")
        for name, arr in arrays.items():
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "transplants", tuple(self.transplants))

    @classmethod
    def none(cls) -> Modulation:
        """No treatment: every factor 1, no reversal, no transplant."""
        return cls(t_days=np.zeros(1))

    @property
    def fades(self) -> bool:
        """True when some epoch's gains fade (a finite ``hold_end_day``)."""
        return bool(np.any(np.isfinite(self.hold_end_day)))

    @property
    def n_epochs(self) -> int:
        return int(self.t_days.size)

    def epoch_at(self, day: float) -> int:
        """Index of the epoch in force on ``day``."""
        return int(np.searchsorted(self.t_days, day, side="right") - 1)
