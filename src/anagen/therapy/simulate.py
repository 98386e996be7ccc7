"""Run treatments on the simulated scalp (:mod:`anagen.scalp`): treated vs untreated, per zone.

Treated and untreated runs share the initial scalp and the random seed (common random numbers),
so the difference between them is the treatment's modelled effect, not sampling noise.

These are model-level runs at the treatments' prior medians (a tool to explore the model). A
person's predictions, with the calibrated posterior, intervals, safety and candidacy, come from
one function, :func:`anagen.decision.assess_patient`; the commands only render it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, ScalpState, default_params, initial_scalp
from anagen.scalp import simulate as scalp_simulate
from anagen.scalp.params import ScalpParams
from anagen.scalp.state import PHASE_CODES
from anagen.therapy.patient import Patient
from anagen.therapy.treatments import Treatment

__all__ = [
    "STATUS_NOTE",
    "TreatmentRun",
    "living_fraction_by_zone",
    "patient_scalp",
    "scalp_stage_of",
    "simulate_treatment",
]

STATUS_NOTE = (
    "Model run at the treatments' prior medians (a model explorer); a person's predictions, "
    "calibrated to the trials: anagen assess. Decision support, not a diagnosis."
)

_DEAD = PHASE_CODES["dead"]
_HAIR_PHASES = [PHASE_CODES[p] for p in ("anagen", "catagen", "telogen")]  # a hair is present
_MEN = {"IIa": "II", "IIIa": "III", "III-vertex": "IIIv", "IVa": "IV", "Va": "V"}
_WOMEN = {
    "I-1": "I",
    "I-2": "I",
    "I-3": "I",
    "I-4": "I",
    "II-1": "II",
    "II-2": "II",
    "advanced": "III",
    "frontal": "I",
}


def scalp_stage_of(patient: Patient) -> str:
    """The scalp model's stage label for the patient's stage (Savin → Ludwig, Norwood subtypes → main)."""
    table = _MEN if patient.sex == "M" else _WOMEN
    return table.get(patient.stage, patient.stage)


def patient_scalp(
    patient: Patient, *, n_follicles: int = 20_000, seed: int = 0, params: ScalpParams | None = None
) -> tuple[ScalpParams, ScalpState]:
    """Day-0 scalp of the patient: age, sex, stage; zones without living follicles marked dead;
    a measured hair density lower than the model's thins that zone's living follicles at random
    by the same proportion, so the expected hair density matches the measurement.
    """
    params = params or default_params()
    state = initial_scalp(
        params,
        age=patient.age,
        sex=patient.sex,
        stage=scalp_stage_of(patient),
        n_follicles=n_follicles,
        seed=seed,
    )
    dead = patient.dead_zones
    measured = patient.follicles.measured_density_per_cm2
    if not dead and not measured:
        return params, state
    st = state.copy()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    area = np.asarray(params.zones.area_cm2)
    for z in dead:
        idx = st.zone == ZONE_NAMES.index(z)
        st.phase[idx] = _DEAD
        st.t_exit[idx] = np.inf
        st.diam[idx] = 0.0
    for z, dens in measured.items():
        zi = ZONE_NAMES.index(z)
        alive = np.flatnonzero((st.zone == zi) & (st.phase != _DEAD))
        hairs = np.count_nonzero((st.zone == zi) & np.isin(st.phase, _HAIR_PHASES))
        modelled = hairs / (st.scale * area[zi])
        if dens < modelled and alive.size:
            k = round(alive.size * (1.0 - dens / modelled))
            kill = rng.choice(alive, size=k, replace=False)
            st.phase[kill] = _DEAD
            st.t_exit[kill] = np.inf
            st.diam[kill] = 0.0
    return params, st


def living_fraction_by_zone(state: ScalpState) -> dict[str, float]:
    """Share of each zone's follicles that are alive in a scalp state."""
    out = {}
    for i, z in enumerate(ZONE_NAMES):
        in_zone = state.zone == i
        n = int(np.count_nonzero(in_zone))
        out[z] = float(np.count_nonzero(in_zone & (state.phase != _DEAD)) / n) if n else 0.0
    return out


@dataclass(frozen=True)
class TreatmentRun:
    """A treatment and its untreated twin on the same simulated scalp."""

    key: str
    name: str
    option: str
    t_days: np.ndarray
    zone_names: tuple[str, ...]
    treated: np.ndarray  # hairs/cm2, (n_t, n_zones)
    untreated: np.ndarray
    area_cm2: np.ndarray
    note: str = STATUS_NOTE
    effect_draws: np.ndarray | None = None  # (draws, n_t, n_zones) prior-predictive effects

    def effect_band(
        self, q: tuple[float, float] = (0.05, 0.95)
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Quantiles over prior draws of treated − untreated, each ``(n_t, n_zones)``; ``None``
        without draws."""
        if self.effect_draws is None or len(self.effect_draws) == 0:
            return None
        lo, hi = np.quantile(self.effect_draws, q, axis=0)
        return lo, hi

    def _at(self, arr: np.ndarray, years: float) -> np.ndarray:
        i = int(np.argmin(np.abs(self.t_days - years * 365.25)))
        return arr[i]

    def effect_at(self, years: float) -> np.ndarray:
        """Treated minus untreated density per zone (hairs/cm²) at ``years``."""
        return self._at(self.treated, years) - self._at(self.untreated, years)

    def scalp_mean(self, arr: np.ndarray) -> np.ndarray:
        """Area-weighted mean density over the whole scalp, per time."""
        return arr @ self.area_cm2 / self.area_cm2.sum()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "key": self.key,
            "name": self.name,
            "option": self.option,
            "t_days": self.t_days,
            "zone_names": list(self.zone_names),
            "density_per_cm2": {"treated": self.treated, "untreated": self.untreated},
            "note": self.note,
        }
        band = self.effect_band()
        if band is not None:
            out["effect_prior_band_90"] = {
                "draws": len(self.effect_draws),
                "p05": band[0],
                "p95": band[1],
            }
        return out


def simulate_treatment(
    treatment: Treatment,
    patient: Patient,
    *,
    years: float = 3.0,
    seed: int = 0,
    n_follicles: int = 20_000,
    every: float = 30.0,
    engine: str = "stochastic",
    scalp: tuple[ScalpParams, ScalpState] | None = None,
    draws: int = 0,
    advance: Callable[[int], None] | None = None,
) -> TreatmentRun:
    """Simulate ``treatment`` for ``patient`` over ``years`` next to no treatment.

    The treated run uses the prior medians. With ``draws > 0`` the treatment is also run with
    that many independent draws of its priors (same scalp, same simulation seed), giving a
    prior-predictive band of the effect (:meth:`TreatmentRun.effect_band`); ``advance`` is
    called once per draw (progress bars).

    Raises
    ------
    InputError
        For ``years`` outside (0, 30] or fewer than 500 follicles.
    """
    if not 0 < years <= 30:
        raise InputError(field="--years", allowed="in (0, 30]", got=years)
    if n_follicles < 500:
        raise InputError(field="n_follicles", allowed=">= 500", got=n_follicles)
    if not 0 <= draws <= 1000:
        raise InputError(field="draws", allowed="in [0, 1000]", got=draws)
    params, state = scalp or patient_scalp(patient, n_follicles=n_follicles, seed=seed)
    days = years * 365.25
    mod = treatment.modulation(days, patient)
    kw = {"days": days, "every": every, "engine": engine}
    treated = scalp_simulate(params, state, seed=seed + 1, modulation=mod, **kw)
    untreated = scalp_simulate(params, state, seed=seed + 1, modulation=None, **kw)
    effects = None
    if draws:
        effects = np.empty((draws, *np.shape(untreated.density_per_cm2)))
        for i, ss in enumerate(np.random.SeedSequence([seed, 11]).spawn(draws)):
            m = treatment.modulation(days, patient, np.random.default_rng(ss))
            tr = scalp_simulate(params, state, seed=seed + 1, modulation=m, **kw)
            effects[i] = np.asarray(tr.density_per_cm2) - np.asarray(untreated.density_per_cm2)
            if advance is not None:
                advance(1)
    return TreatmentRun(
        treatment.key,
        treatment.name,
        treatment.option,
        np.asarray(treated.t_days),
        tuple(treated.zone_names),
        np.asarray(treated.density_per_cm2),
        np.asarray(untreated.density_per_cm2),
        np.asarray(params.zones.area_cm2, dtype=float),
        effect_draws=effects,
    )
