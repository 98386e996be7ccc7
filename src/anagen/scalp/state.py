"""Follicle-population state (arrays, one entry per simulated follicle) and its initialisation.

References
----------
.. [S1] Halloy J, Bernard BA, Loussouarn G, Goldbeter A. Modeling the dynamics of human hair
   cycles by a follicular automaton. PNAS 2000;97:8328-8333.
.. [S5] Courtois M, Loussouarn G, Hourseau C, Grollier JF. Hair cycle and alopecia. Skin
   Pharmacol 1994;7:84-89.
.. [S43] Rakowska A, et al. Trichoscopy in female androgenic alopecia. Int J Trichology
   2009;1:123-130 (normal frontal shaft 61 +/- 8 um).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from anagen.errors import InputError
from anagen.scalp._kernels import ANAGEN, CATAGEN, DEAD, LATENCY, TELOGEN
from anagen.scalp._modulation import ZONE_NAMES
from anagen.scalp.params import ScalpParams

__all__ = [
    "BYTES_PER_FOLLICLE",
    "ScalpState",
    "max_follicles",
    "stationary_start",
    "synchronised_start",
]

#: Memory used per simulated follicle: state arrays plus the temporaries of initialisation.
BYTES_PER_FOLLICLE = 96
DAYS_PER_YEAR = 365.25

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A generator from an int, a :class:`~numpy.random.SeedSequence`, a generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
    ):
        raise InputError(field="seed", allowed="a non-negative integer", got=seed)
    return np.random.default_rng(np.random.SeedSequence(seed))


def max_follicles() -> int:
    """Largest population that fits in half of the currently available memory."""
    try:
        avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        avail = 4 * 1024**3
    return int(avail // 2 // BYTES_PER_FOLLICLE)


@dataclass(frozen=True)
class ScalpState:
    """Follicle states at day 0 of a simulation, as arrays of length ``n_follicles``.

    Attributes
    ----------
    phase
        int8 phase code: 0 anagen, 1 catagen, 2 telogen, 3 latency, 4 dead.
    t_exit
        Day on which the current phase ends (``inf`` for dead follicles).
    q
        Accumulated miniaturisation, in cycles at pace 1 (see :class:`AGAParams`).
    d0
        Terminal shaft diameter of the follicle (um), drawn once (61 +/- 8 um [S43]).
    diam
        Diameter of the hair the follicle currently carries (um).
    zone, origin
        Current zone index and zone of origin (whose androgen sensitivity the follicle keeps
        after a transplant), in :data:`ZONE_NAMES` order.
    sens
        The follicle's own androgen-sensitivity multiplier (mean 1; lognormal with CV
        ``aga.follicle_sensitivity_cv``), so that within a zone a growing *proportion* of
        follicles miniaturises, as observed [S5].
    sex
        ``"M"`` or ``"F"``.
    age_years
        Age of the person on day 0 (``nan`` if not given).
    aga_start_day
        Day from which completed cycles add miniaturisation (negative: already under way;
        ``inf``: no pattern hair loss).
    scale
        Simulated follicles per real scalp follicle (densities divide by it).
    """

    phase: np.ndarray
    t_exit: np.ndarray
    q: np.ndarray
    d0: np.ndarray
    diam: np.ndarray
    zone: np.ndarray
    origin: np.ndarray
    sens: np.ndarray
    sex: str
    age_years: float
    aga_start_day: float
    scale: float

    @property
    def n_follicles(self) -> int:
        return int(self.phase.size)

    @property
    def n_alive(self) -> int:
        return int(np.count_nonzero(self.phase != DEAD))

    def copy(self) -> ScalpState:
        return replace(
            self,
            phase=self.phase.copy(),
            t_exit=self.t_exit.copy(),
            q=self.q.copy(),
            d0=self.d0.copy(),
            diam=self.diam.copy(),
            zone=self.zone.copy(),
            origin=self.origin.copy(),
            sens=self.sens.copy(),
        )

    def shifted(self, days: float) -> ScalpState:
        """The same state with the time origin moved ``days`` later (ages advance)."""
        return replace(
            self,
            t_exit=self.t_exit - days,
            age_years=self.age_years + days / DAYS_PER_YEAR,
            aga_start_day=self.aga_start_day - days,
        )


def real_follicles_by_zone(params: ScalpParams) -> np.ndarray:
    """Real follicles per zone: area x hair density / (1 - p_latency - p_emerging).

    Hairs are counted in anagen, catagen and telogen only, and a new anagen hair only once it
    has emerged (``phototrichogram.lag_days`` after onset), so the follicle density that gives
    the baseline hair density at equilibrium is ``density / (1 - p_latency - lag / cycle)``
    (renewal theory: the stationary share of follicles less than ``lag`` days into anagen is
    ``lag / mean cycle``; derived).
    """
    c = params.cycle
    p_lat = c.stationary_fractions()["latency"]
    p_new = min(params.phototrichogram.lag_days, c.anagen_mean_days) / c.cycle_mean_days
    z = params.zones
    return np.asarray(z.area_cm2) * np.asarray(z.hair_density_per_cm2) / (1.0 - p_lat - p_new)


def allocate_zones(params: ScalpParams, n: int) -> np.ndarray:
    """Numbers of simulated follicles per zone, proportional to real ones (largest remainder)."""
    real = real_follicles_by_zone(params)
    exact = n * real / real.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = n - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return counts


def _lognormal_sigma(cv: float) -> float:
    return float(np.sqrt(np.log1p(cv * cv)))


def _draw_np(
    rng: np.random.Generator,
    dist: str,
    mean: float,
    cv: float,
    size: int,
    *,
    length_biased: bool = False,
) -> np.ndarray:
    """Durations (or length-biased durations) with the given mean and CV, drawn with ``rng``.

    A length-biased draw has density ``x f(x) / mean``: lognormal(mu + sigma^2, sigma) and
    gamma(k + 1, theta) for lognormal(mu, sigma) and gamma(k, theta) (derived).
    """
    if dist == "lognormal":
        s = _lognormal_sigma(cv)
        shift = 0.5 * s * s if length_biased else -0.5 * s * s
        return mean * np.exp(s * rng.standard_normal(size) + shift)
    k = 1.0 if dist == "exponential" else 1.0 / (cv * cv)
    return rng.gamma(k + (1.0 if length_biased else 0.0), mean / k, size)


def _base_arrays(params: ScalpParams, n: int, rng: np.random.Generator):
    counts = allocate_zones(params, n)
    zone = np.repeat(np.arange(len(ZONE_NAMES), dtype=np.int8), counts)
    a = params.aga
    d0 = rng.normal(a.terminal_diameter_um, a.terminal_diameter_sd_um, n)
    # a terminal follicle's shaft stays above the vellus threshold (truncation)
    d0 = np.maximum(d0, a.vellus_threshold_um).astype(np.float32)
    s = _lognormal_sigma(a.follicle_sensitivity_cv) if a.follicle_sensitivity_cv > 0 else 0.0
    sens = np.exp(s * rng.standard_normal(n) - 0.5 * s * s).astype(np.float32)
    return zone, zone.copy(), d0, sens


def stationary_start(
    params: ScalpParams, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Phases and exit days of ``n`` normal follicles drawn from the stationary distribution.

    The phase is drawn with probability ``m_i / sum(m)`` and the remaining time from the
    stationary forward-recurrence density ``(1 - F_i(x)) / m_i``, sampled as ``U * D*`` with
    ``D*`` length-biased (renewal theory; reference section 1.5 items 4 and 6). The population
    is then stationary from day 0: no transient.
    """
    c = params.cycle
    p = np.array([c.anagen_mean_days, c.catagen_days, c.telogen_mean_days, c.latency_mean_days])
    phase = rng.choice(4, size=n, p=p / p.sum()).astype(np.int8)
    t_exit = np.empty(n)
    u = rng.random(n)
    for code, mean, cv in (
        (ANAGEN, c.anagen_mean_days, c.anagen_cv),
        (TELOGEN, c.telogen_mean_days, c.telogen_cv),
        (LATENCY, c.latency_mean_days, c.latency_cv),
    ):
        idx = np.flatnonzero(phase == code)
        t_exit[idx] = u[idx] * _draw_np(rng, c.distribution, mean, cv, idx.size, length_biased=True)
    idx = np.flatnonzero(phase == CATAGEN)
    t_exit[idx] = u[idx] * c.catagen_days
    return phase, t_exit


def synchronised_start(
    params: ScalpParams, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """All follicles entering anagen on day 0 with fresh anagen durations."""
    c = params.cycle
    return np.zeros(n, dtype=np.int8), _draw_np(
        rng, c.distribution, c.anagen_mean_days, c.anagen_cv, n
    )


def normal_state(
    params: ScalpParams,
    n: int,
    rng: np.random.Generator,
    *,
    sex: str,
    age_years: float,
    start: str | None = None,
) -> ScalpState:
    """A scalp without pattern hair loss, started at equilibrium or synchronised."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(field="n_follicles", allowed="a positive integer", got=n)
    limit = max_follicles()
    if n > limit:
        raise InputError(
            field="n_follicles", allowed=f"<= {limit} (half the available memory)", got=n
        )
    start = params.start_state if start is None else start
    if start not in ("equilibrium", "anagen"):
        raise InputError(field="start.state", allowed="one of equilibrium, anagen", got=start)
    n = int(n)
    zone, origin, d0, sens = _base_arrays(params, n, rng)
    if start == "equilibrium":
        phase, t_exit = stationary_start(params, n, rng)
    else:
        phase, t_exit = synchronised_start(params, n, rng)
    real_total = real_follicles_by_zone(params).sum()
    return ScalpState(
        phase=phase,
        t_exit=t_exit,
        q=np.zeros(n, dtype=np.float32),
        d0=d0,
        diam=d0.copy(),
        zone=zone,
        origin=origin,
        sens=sens,
        sex=sex,
        age_years=float(age_years),
        aga_start_day=np.inf,
        scale=n / real_total,
    )


PHASE_CODES = {
    "anagen": ANAGEN,
    "catagen": CATAGEN,
    "telogen": TELOGEN,
    "latency": LATENCY,
    "dead": DEAD,
}
