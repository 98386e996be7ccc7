"""Regenerate: growth-factor exposure that decays over weeks, acting on follicle kinetics.

Model (pure functions, no scalp engine needed):

1. **Exposure.** Each session ``s`` at day ``t_s`` leaves a relative exposure ``x_s`` (dose per
   cm² divided by the product's reference dose) that decays with half-life ``h``::

       E(t) = sum_s x_s * 2 ** (-(t - t_s) / h)      for t >= t_s

   so repeat sessions add, and exposure fades after the last one.
2. **Response** (Emax / Hill, saturating)::

       r(E) = E**n / (EC50**n + E**n)  in [0, 1)

3. **Kinetics.** Over a zone with injected share ``c`` the zone-mean factors are

       latency_factor     = 1 - c * Emax_latency  * r       (< 1: dormant follicles wake sooner)
       anagen_factor      = 1 + c * Emax_anagen   * r       (> 1: anagen lasts longer)
       reversal           =     c * Emax_reversal * r       (miniaturisation partly undone)

   evaluated as epoch means on a weekly grid, then one neutral epoch once the response has
   faded. Dead follicles are untouched: :class:`anagen.scalp.Modulation` cannot revive them.
4. **Fading.** The gains are not permanent: reversed miniaturisation thickens only the hair
   grown during the stimulus (the follicle keeps its own miniaturisation), and the anagen time
   the stimulus adds beyond the untreated duration ends one exposure half-life after the last
   session plus an exponential fade of mean ``fade_days`` (prior 60 d, 15-240 d; fitted by
   calibration to the follow-up visits of Kuka 2020 [KUKA20], Gentile 2019 [GEN19] and the
   12-month loss of effect in [DSC20]). See :class:`anagen.scalp.Modulation` ``hold_end_day``.

Every constant is a :class:`~anagen.therapy.Prior` in :data:`DEFAULT_PRIORS`; the *direction* of
each effect is sourced, the *sizes* are assumptions with wide ranges, to be fitted to trials by
the calibration step. Sources for directions: growth factors in the follicle (FGF induces
anagen, IGF-1 maintains growth, VEGF is expressed in anagen) [T60]; ADSC conditioned medium
induced anagen in mice [T49]; regrowth comes mainly from reactivating dormant follicles, not from
reversing miniaturisation [S68][S19]; only the *lowest* dose beat placebo in a dose-finding
cell-therapy trial [DSC20] and the low-dose STYLE arm was the one reported as better than control
[T17] (saturation at or below the reference dose); visible growth ~3 months after a procedure
[T139], re-evaluation 6-8 months after the last session [T129], and a cell-therapy effect gone by
12 months [DSC20] bound the time scales.

Prior-predictive check (not a fit): with the medians, the STYLE low-dose protocol gives a
density gain of the order of ten hairs/cm² inside the injected area at 24 weeks, below the
+29 reported [T17]; the upper ends of the ranges reach it, the lower ends give almost no
effect. Fitting these priors to the trials is the calibration step's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, Modulation
from anagen.therapy._priors import Prior

__all__ = [
    "DEFAULT_PRIORS",
    "RegenerationParams",
    "RegenerationPriors",
    "clip_regeneration_values",
    "exposure",
    "regenerate",
    "response",
]


@dataclass(frozen=True, slots=True)
class RegenerationParams:
    """One set of regeneration constants (a point in the prior)."""

    half_life_days: float
    ec50: float
    hill: float
    emax_latency: float
    emax_anagen: float
    emax_reversal: float
    fade_days: float = 60.0

    def __post_init__(self) -> None:
        for name in ("half_life_days", "ec50", "hill"):
            if not getattr(self, name) > 0:
                raise InputError(field=name, allowed="> 0", got=getattr(self, name))
        if not 0 <= self.emax_latency < 1:
            raise InputError(field="emax_latency", allowed="in [0, 1)", got=self.emax_latency)
        if not self.emax_anagen >= 0:
            raise InputError(field="emax_anagen", allowed=">= 0", got=self.emax_anagen)
        if not 0 <= self.emax_reversal <= 1:
            raise InputError(field="emax_reversal", allowed="in [0, 1]", got=self.emax_reversal)
        if not self.fade_days >= 0:
            raise InputError(field="fade_days", allowed=">= 0", got=self.fade_days)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def clip_regeneration_values(v: dict) -> dict:
    """Regeneration values (floats or arrays) clipped into their allowed ranges, as the prior
    sampler does (the normal priors of the effect sizes can fall outside them)."""
    out = dict(v)
    out["emax_latency"] = np.clip(v["emax_latency"], 0.0, 0.99)
    out["emax_reversal"] = np.clip(v["emax_reversal"], 0.0, 1.0)
    out["emax_anagen"] = np.maximum(v["emax_anagen"], 0.0)
    out["fade_days"] = np.maximum(v["fade_days"], 0.0)
    return out


@dataclass(frozen=True)
class RegenerationPriors:
    """Named priors of :class:`RegenerationParams` (same field names)."""

    half_life_days: Prior
    ec50: Prior
    hill: Prior
    emax_latency: Prior
    emax_anagen: Prior
    emax_reversal: Prior
    fade_days: Prior = field(
        default_factory=lambda: Prior(
            "regenerate.fade_days",
            60.0,
            15.0,
            240.0,
            "days",
            "lognormal",
            ("KUKA20", "DSC20", "GEN19"),
            assumption=True,
            note=(
                "mean time an anagen that the treatment added outlasts the stimulus (the last"
                " session + one exposure half-life); Kuka 2020 NH3 low dose +16.6 at 24 wk,"
                " +2.8 at 52 wk (1 session); DSC20 effect gone by 12 months; Gentile 2019"
                " +33 % at 23 wk and +27 % at 44 wk after the last of 3 sessions"
            ),
        )
    )

    def median(self) -> RegenerationParams:
        """The prior medians as parameters."""
        return RegenerationParams(**{f.name: getattr(self, f.name).median for f in fields(self)})

    def sample(self, rng: np.random.Generator) -> RegenerationParams:
        """One draw; bounded quantities are clipped into their allowed range."""
        v = {f.name: float(getattr(self, f.name).sample(rng)) for f in fields(self)}
        return RegenerationParams(**{k: float(x) for k, x in clip_regeneration_values(v).items()})

    def to_dict(self) -> dict[str, dict[str, object]]:
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}


#: Priors for cell and cell-free products (exposure relative to the product's reference dose).
DEFAULT_PRIORS = RegenerationPriors(
    half_life_days=Prior(
        "regenerate.half_life_days",
        45.0,
        10.0,
        180.0,
        "days",
        "lognormal",
        ("T139", "T129", "DSC20"),
        assumption=True,
        note="no pharmacokinetics found; weeks-scale so that effects appear within ~3 months and are gone within ~12 months",
    ),
    ec50=Prior(
        "regenerate.ec50",
        0.5,
        0.1,
        2.5,
        "x reference dose",
        "lognormal",
        ("T17", "DSC20"),
        assumption=True,
        note="lowest doses were the effective ones, so saturation is placed at or below the reference dose",
    ),
    hill=Prior(
        "regenerate.hill",
        1.0,
        0.5,
        3.0,
        "1",
        "lognormal",
        (),
        assumption=True,
        note="dose-response shape unknown (gap 8.6); 1 is the plain Emax model",
    ),
    emax_latency=Prior(
        "regenerate.emax_latency",
        0.7,
        0.45,
        0.95,
        "fraction of latency removed",
        "uniform",
        ("T60", "T49", "S68"),
        assumption=True,
        note="main lever: reactivation of dormant follicles [S68]; FGF induces anagen [T60]",
    ),
    emax_anagen=Prior(
        "regenerate.emax_anagen",
        0.5,
        0.0,
        1.0,
        "fractional anagen lengthening",
        "uniform",
        ("T60",),
        assumption=True,
        note="IGF-1 maintains follicle growth in vitro [T60]",
    ),
    emax_reversal=Prior(
        "regenerate.emax_reversal",
        0.25,
        0.0,
        0.5,
        "fraction reversed per anagen entry",
        "uniform",
        ("S68", "T34", "C1", "KUKA20"),
        assumption=True,
        note=(
            "direction: thicker shafts are reported [T34], though reversal of miniaturisation"
            " is not the main mechanism [S68]; size: no source gives a per-cycle fraction. The"
            " range (0-0.5; 0-0.3 before the slower natural history) is set so that the prior"
            " predictive spans the reported controlled effects on the target-area outcome"
            " (PRP +27.6 hairs/cm² [C1]; Kuka 2020 +16.6 at 24 wk [KUKA20]): with 0.3 at most,"
            " the median-dose model gave <= +8/cm² for both"
        ),
    ),
)


def exposure(
    t_days: np.ndarray | Sequence[float],
    session_days: Sequence[float],
    dose: np.ndarray | Sequence[float],
    half_life_days: float,
) -> np.ndarray:
    """Relative growth-factor exposure at times ``t_days``.

    Parameters
    ----------
    t_days
        Shape ``(k,)``.
    session_days
        Day of each session, shape ``(s,)``.
    dose
        Relative exposure left by each session: shape ``(s, z)`` per session and zone, or
        ``(z,)`` for the same dose every session.
    half_life_days
        Decay half-life.

    Returns
    -------
    numpy.ndarray
        Shape ``(k, z)``; exposure is 0 before the first session.
    """
    t = np.asarray(t_days, dtype=float)
    sd = np.asarray(session_days, dtype=float)
    d = np.asarray(dose, dtype=float)
    if d.ndim == 1:
        d = np.broadcast_to(d, (sd.size, d.size))
    lag = t[:, None] - sd[None, :]  # (k, s)
    w = np.where(lag >= 0, np.exp2(-np.clip(lag, 0, None) / half_life_days), 0.0)
    return w @ d


def response(e: np.ndarray | float, ec50: float, hill: float) -> np.ndarray:
    """Emax/Hill response in [0, 1): ``e**hill / (ec50**hill + e**hill)``."""
    e = np.clip(np.asarray(e, dtype=float), 0.0, None)
    eh = e**hill
    return eh / (ec50**hill + eh)


def regenerate(
    session_days: Sequence[float],
    dose_by_zone: np.ndarray | Sequence[float],
    coverage_by_zone: np.ndarray | Sequence[float],
    params: RegenerationParams,
    *,
    horizon_days: float,
    step_days: float = 7.0,
    fade_tol: float = 1e-3,
) -> Modulation:
    """Turn a session schedule and per-zone doses into a :class:`~anagen.scalp.Modulation`.

    Parameters
    ----------
    session_days
        Day of each session (first usually 0).
    dose_by_zone
        Relative exposure per session in the injected area of each zone, shape ``(n_zones,)``
        or ``(n_sessions, n_zones)`` (ZONE_NAMES order); 0 for untreated zones.
    coverage_by_zone
        Share of each zone injected, in [0, 1], shape ``(n_zones,)``.
    params
        Regeneration constants, e.g. ``DEFAULT_PRIORS.median()``.
    horizon_days
        Length of the simulation; epochs stop there.
    step_days
        Epoch length while the response is active.
    fade_tol
        Response below which the effect is treated as gone (one neutral epoch follows).

    Returns
    -------
    Modulation
        Weekly epochs while active, then a neutral epoch; untreated zones stay neutral.
    """
    nz = len(ZONE_NAMES)
    cov = np.asarray(coverage_by_zone, dtype=float)
    if cov.shape != (nz,) or np.any((cov < 0) | (cov > 1)):
        raise InputError(
            field="coverage_by_zone", allowed=f"{nz} values in [0, 1]", got=cov.tolist()
        )
    d = np.asarray(dose_by_zone, dtype=float)
    if d.shape[-1] != nz or np.any(d < 0):
        raise InputError(
            field="dose_by_zone", allowed=f"non-negative values for the {nz} zones", got=d.shape
        )
    sd = np.asarray(session_days, dtype=float)
    if sd.size == 0 or np.any(sd < 0):
        raise InputError(field="session_days", allowed="at least one day >= 0", got=sd.tolist())
    if not horizon_days > 0:
        raise InputError(field="horizon_days", allowed="> 0", got=horizon_days)
    peak = float(exposure(sd, sd, d, params.half_life_days).max()) if d.size else 0.0
    if peak <= 0 or not np.any(cov > 0):
        return Modulation.none()
    # time after the last session when the response of the largest exposure drops below fade_tol
    e_tol = params.ec50 * (fade_tol / (1 - fade_tol)) ** (1 / params.hill)
    t_fade = sd.max() + params.half_life_days * max(np.log2(peak / e_tol), 0.0)
    end = min(horizon_days, t_fade)
    edges = np.union1d(np.arange(0.0, end, step_days), sd[sd < end])
    edges = np.append(edges, end)
    starts, stops = edges[:-1], edges[1:]
    # epoch means from 8 sub-points per epoch
    frac = (np.arange(8) + 0.5) / 8
    tt = starts[:, None] + (stops - starts)[:, None] * frac[None, :]
    r = response(exposure(tt.ravel(), sd, d, params.half_life_days), params.ec50, params.hill)
    r = r.reshape(starts.size, 8, nz).mean(axis=1) * cov[None, :]
    t_days = starts
    lat = 1.0 - params.emax_latency * r
    ana = 1.0 + params.emax_anagen * r
    rev = params.emax_reversal * r
    if end < horizon_days:  # neutral epoch after the effect has faded
        t_days = np.append(t_days, end)
        lat = np.vstack([lat, np.ones(nz)])
        ana = np.vstack([ana, np.ones(nz)])
        rev = np.vstack([rev, np.zeros(nz)])
    # gains fade: what the stimulus adds to an anagen lasts until one exposure half-life after
    # the last session, then an exponential fade of mean fade_days (Modulation.hold_end_day)
    hold = np.full(lat.shape, sd.max() + params.half_life_days)
    fade = np.full(lat.shape, params.fade_days)
    return Modulation(
        t_days=t_days,
        anagen_factor=ana,
        latency_factor=lat,
        reversal=rev,
        hold_end_day=hold,
        fade_days=fade,
    )
