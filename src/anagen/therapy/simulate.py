"""Run treatments on the simulated scalp (:mod:`anagen.scalp`): treated vs untreated, per zone.

Treated and untreated runs share the initial scalp and the random seed (common random numbers),
so the difference between them is the treatment's modelled effect, not sampling noise.

Outputs are **model-based priors not yet calibrated to trials**; they are decision support for
a conversation with a specialist, not a diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, ScalpState, default_params, initial_scalp
from anagen.scalp import simulate as scalp_simulate
from anagen.scalp.params import ScalpParams
from anagen.scalp.state import PHASE_CODES
from anagen.therapy.candidacy import Candidacy, assess
from anagen.therapy.options import OptionInfo, option_info
from anagen.therapy.patient import Patient
from anagen.therapy.treatments import CellTherapy, Treatment, evidence_priors, standard_options

__all__ = [
    "STATUS_NOTE",
    "Comparison",
    "ComparisonRow",
    "TreatmentRun",
    "compare_options",
    "living_fraction_by_zone",
    "patient_scalp",
    "scalp_stage_of",
    "simulate_treatment",
]

STATUS_NOTE = (
    "Model-based priors, not yet calibrated to trials. Decision support for a conversation "
    "with a hair-loss specialist, not a diagnosis."
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


@dataclass(frozen=True)
class ComparisonRow:
    """One option in a comparison."""

    run: TreatmentRun
    info: OptionInfo
    candidacy: Candidacy
    horizons_years: tuple[float, ...]
    evidence: tuple[str, ...] = field(default=())

    def target_effect(self, years: float, zones: Sequence[str]) -> float:
        """Mean modelled effect (hairs/cm²) over ``zones`` at ``years``."""
        idx = [ZONE_NAMES.index(z) for z in zones]
        return float(np.mean(self.run.effect_at(years)[idx]))

    def to_dict(self, zones: Sequence[str]) -> dict[str, object]:
        return {
            "key": self.run.key,
            "name": self.run.name,
            "option": self.info.key,
            "model_effect_hairs_per_cm2": {
                f"{h:g}y": self.target_effect(h, zones) for h in self.horizons_years
            },
            "published_effect": list(self.evidence),
            "cost": self.info.cost_text(),
            "downtime": self.info.downtime,
            "invasiveness": self.info.invasiveness,
            "origin": self.info.origin,
            "side_effects": [s.effect + f" ({s.frequency})" for s in self.info.side_effects],
            "regulatory_us": self.info.regulatory_us,
            "regulatory_eu": self.info.regulatory_eu,
            "candidacy": self.candidacy.to_dict(),
        }


@dataclass(frozen=True)
class Comparison:
    """All options side by side for one patient."""

    rows: tuple[ComparisonRow, ...]
    zones: tuple[str, ...]
    horizons_years: tuple[float, ...]
    years: float
    note: str = STATUS_NOTE

    def to_dict(self) -> dict[str, object]:
        return {
            "note": self.note,
            "effect_definition": "treated minus untreated density (hairs/cm2), mean over the pattern-loss zones: "
            + ", ".join(self.zones),
            "horizons_years": list(self.horizons_years),
            "options": [r.to_dict(self.zones) for r in self.rows],
        }


def compare_options(
    patient: Patient,
    *,
    protocols: Sequence = (),
    years: float = 3.0,
    seed: int = 0,
    n_follicles: int = 20_000,
    horizons_years: Sequence[float] | None = None,
    advance=None,
) -> Comparison:
    """Every option for ``patient``: modelled effect at horizons, cost, risks, regulation, candidacy.

    Parameters
    ----------
    protocols
        Cell-therapy :class:`~anagen.therapy.Protocol` objects to include (the shipped ones by
        default in the CLI).
    advance
        Optional progress callback, called once per option.
    """
    from anagen.therapy.treatments import affected_zones

    if not 0 < years <= 30:
        raise InputError(field="--years", allowed="in (0, 30]", got=years)
    hz = (
        tuple(horizons_years)
        if horizons_years
        else tuple(h for h in (0.5, 1.0, 2.0, 3.0, 5.0) if h <= years) or (years,)
    )
    scalp = patient_scalp(patient, n_follicles=n_follicles, seed=seed)
    treatments: list[Treatment] = [*standard_options(), *(CellTherapy(p) for p in protocols)]
    rows = []
    for tr in treatments:
        run = simulate_treatment(
            tr, patient, years=years, seed=seed, n_follicles=n_follicles, scalp=scalp
        )
        ev = tuple(e.text() for e in evidence_priors(tr.option))
        rows.append(ComparisonRow(run, option_info(tr.option), assess(patient, tr.option), hz, ev))
        if advance is not None:
            advance(1)
    return Comparison(tuple(rows), affected_zones(patient), hz, years)
