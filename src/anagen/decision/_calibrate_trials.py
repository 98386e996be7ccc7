"""Virtual trials that mirror the curated studies, and the simulated effect of one parameter set.

A :class:`VirtualTrial` carries what a study reported (effect, SE, outcome scale, follow-up,
control) and how anagen reproduces it: a small virtual population (age, sex, stage and weight of
a few model patients spanning what the study reported, else the stated defaults of
:data:`DEFAULTS`), a treatment (a shipped protocol, a topical cell-free product, or one of the
alternatives) and the zones where the outcome is read. :func:`curated_trials` builds them from
the evidence package (:func:`anagen.evidence.study_effects`,
:func:`anagen.evidence.comparator_effects`) and the therapy package's published effects
(:func:`anagen.therapy.evidence_priors`).

Simulation: the stochastic engine with common random numbers — the treated and the untreated
run of a model patient share the initial scalp and the seed, and the seed is the same for
every parameter draw, so the difference between draws is the parameters' doing, not noise.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, Modulation
from anagen.scalp import simulate as scalp_simulate
from anagen.therapy import (
    DEFAULT_PRIORS,
    PRP,
    Finasteride,
    LowLevelLaser,
    Minoxidil,
    Patient,
    Prior,
    Protocol,
    RegenerationParams,
    evidence_priors,
    patient_scalp,
    protocol_paths,
    regenerate,
    response,
    run_protocol,
)
from anagen.therapy.treatments import affected_zones

__all__ = [
    "BLOCKS",
    "DEFAULTS",
    "TrialSimulator",
    "VirtualPatient",
    "VirtualTrial",
    "block_priors",
    "curated_trials",
    "sample_block",
]

#: Stated defaults for what a study does not report (assumptions, listed in docs/calibration.md).
DEFAULTS = {
    "age": 40.0,
    "stage_M": "III",
    "stage_F": "II",
    "years_since_onset": 5.0,
    "followup_weeks_unreported": 26.0,
}

Kind = Literal["protocol", "topical", "prp", "minoxidil_5", "minoxidil_2", "finasteride", "lllt"]
Measure = Literal["MD", "MD_pct"]

#: Parameter blocks: each has its own priors and its own studies (the likelihood factorises).
BLOCKS = ("regeneration", "prp", "minoxidil", "finasteride", "lllt")
_BLOCK_OF_KIND = {
    "protocol": "regeneration",
    "topical": "regeneration",
    "prp": "prp",
    "minoxidil_5": "minoxidil",
    "minoxidil_2": "minoxidil",
    "finasteride": "finasteride",
    "lllt": "lllt",
}
_Z975 = 1.959963984540054


def block_priors(block: str) -> dict[str, Prior]:
    """The named priors a block samples (for ``regeneration`` and ``prp``: the regeneration
    priors of :data:`anagen.therapy.DEFAULT_PRIORS`, which PRP shares by construction)."""
    if block in ("regeneration", "prp"):
        return {k: getattr(DEFAULT_PRIORS, k) for k in DEFAULT_PRIORS.__dataclass_fields__}
    if block == "minoxidil":
        p = Minoxidil().priors()
        return {k: v for k, v in p.items() if v.high > v.low}  # potency 2 % vs 5 % is fixed
    if block == "finasteride":
        return Finasteride().priors()
    if block == "lllt":
        return LowLevelLaser().priors()
    raise InputError(field="block", allowed=f"one of {', '.join(BLOCKS)}", got=block)


def sample_block(block: str, rng: np.random.Generator) -> dict[str, float]:
    """One draw of a block's priors (regeneration values clipped as RegenerationPriors does)."""
    if block in ("regeneration", "prp"):
        return DEFAULT_PRIORS.sample(rng).to_dict()
    return {k: float(p.sample(rng)) for k, p in block_priors(block).items()}


@dataclass(frozen=True)
class VirtualPatient:
    """One model patient of a virtual trial, with its weight in the trial's mean."""

    age: float
    sex: Literal["M", "F"]
    stage: str
    weight: float = 1.0

    def patient(self) -> Patient:
        return Patient.from_dict(
            {
                "patient": {
                    "age": self.age,
                    "sex": self.sex,
                    "stage": self.stage,
                    "years_since_onset": min(DEFAULTS["years_since_onset"], self.age),
                }
            }
        )


@dataclass(frozen=True)
class VirtualTrial:
    """A study's reported effect and the virtual trial that mirrors it.

    Attributes
    ----------
    study_id, source
        Study key and where the numbers come from.
    kind
        Treatment: ``protocol`` (a shipped protocol, optionally with its sessions replaced),
        ``topical`` (cell-free product applied daily: exposure held at one reference dose while
        used), ``prp``, ``minoxidil_5``, ``minoxidil_2``, ``finasteride``, ``lllt``.
    measure
        ``MD``: treated minus control hairs/cm²; ``MD_pct``: difference in mean percent change
        from baseline (percentage points).
    reported, se
        The reported effect and its standard error (``se_note`` says how it was obtained).
    followup_days
        Day of the outcome, counted from the first session / start of use.
    use_days
        For continuous treatments, how long they are used (default: to the end).
    """

    study_id: str
    kind: Kind
    measure: Measure
    reported: float
    se: float
    followup_days: float
    population: tuple[VirtualPatient, ...]
    control: str
    source: str
    protocol: str | None = None
    sessions: tuple[int, float] | None = None
    use_days: float | None = None
    se_note: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _BLOCK_OF_KIND:
            raise InputError(
                field=f"{self.study_id}.kind", allowed=", ".join(_BLOCK_OF_KIND), got=self.kind
            )
        if self.measure not in ("MD", "MD_pct"):
            raise InputError(
                field=f"{self.study_id}.measure", allowed="MD or MD_pct", got=self.measure
            )
        if not (np.isfinite(self.se) and self.se > 0):
            raise InputError(field=f"{self.study_id}.se", allowed="a finite value > 0", got=self.se)
        if not np.isfinite(self.reported):
            raise InputError(
                field=f"{self.study_id}.reported", allowed="a finite number", got=self.reported
            )
        if not 0 < self.followup_days <= 30 * 365.25:
            raise InputError(
                field=f"{self.study_id}.followup_days",
                allowed="in (0, 10957]",
                got=self.followup_days,
            )
        if not self.population:
            raise InputError(
                field=f"{self.study_id}.population", allowed="at least one patient", got=0
            )
        if self.kind == "protocol" and self.protocol not in protocol_paths():
            raise InputError(
                field=f"{self.study_id}.protocol",
                allowed=f"a shipped protocol ({', '.join(protocol_paths())})",
                got=self.protocol,
            )

    @property
    def block(self) -> str:
        return _BLOCK_OF_KIND[self.kind]

    def describe(self) -> dict[str, object]:
        """JSON-ready description (for the provenance file and the docs)."""
        return {
            "study_id": self.study_id,
            "block": self.block,
            "treatment": self.kind
            + (f" ({self.protocol}" if self.protocol else "")
            + (
                f", {self.sessions[0]} sessions {self.sessions[1]:g} d apart"
                if self.sessions
                else ""
            )
            + (")" if self.protocol else ""),
            "measure": self.measure,
            "reported": self.reported,
            "se": self.se,
            "se_note": self.se_note,
            "followup_weeks": round(self.followup_days / 7, 1),
            "population": [
                {"age": p.age, "sex": p.sex, "stage": p.stage, "weight": p.weight}
                for p in self.population
            ],
            "control": self.control,
            "source": self.source,
            "notes": self.notes,
        }


def _protocol(name: str, sessions: tuple[int, float] | None) -> Protocol:
    with protocol_paths()[name].open("rb") as fh:
        data = tomllib.load(fh)
    if sessions is not None:
        data["sessions"] = {"count": int(sessions[0]), "interval_days": float(sessions[1])}
    return Protocol.from_dict(data, file=name)


def _with_values(treatment, values: dict[str, float]):
    """A copy of a continuous treatment whose priors are replaced by fixed values."""
    t = copy.copy(treatment)
    base = treatment.prior_values(None)
    fixed = {**base, **values}
    t.prior_values = lambda rng=None: dict(fixed)
    return t


def _continuous(kind: str, use_days: float | None):
    if kind == "minoxidil_5":
        return Minoxidil(strength_percent=5.0, stop_day=use_days)
    if kind == "minoxidil_2":
        return Minoxidil(strength_percent=2.0, stop_day=use_days)
    if kind == "lllt":
        return LowLevelLaser(stop_day=use_days)
    return Finasteride(stop_day=use_days)


def topical_modulation(
    params: RegenerationParams,
    zones: tuple[str, ...],
    use_days: float,
    horizon_days: float,
    concentration: float = 1.0,
) -> Modulation:
    """Daily topical cell-free product: the exposure is held at ``concentration`` reference
    doses (E = concentration; 1 = the calibration's reference, Tak 2020's extract) in ``zones``
    while used and is 0 afterwards (an assumption: no dose for a topical extract is reported
    relative to an injected one)."""
    mask = np.array([z in zones for z in ZONE_NAMES], dtype=float)
    r = float(response(float(concentration), params.ec50, params.hill))
    on = {
        "latency_factor": 1.0 - params.emax_latency * r * mask,
        "anagen_factor": 1.0 + params.emax_anagen * r * mask,
        "reversal": params.emax_reversal * r * mask,
    }
    nz = len(ZONE_NAMES)
    if use_days >= horizon_days:
        return Modulation(t_days=np.zeros(1), **{k: v[None, :] for k, v in on.items()})
    off = {"latency_factor": np.ones(nz), "anagen_factor": np.ones(nz), "reversal": np.zeros(nz)}
    return Modulation(
        t_days=np.array([0.0, use_days]), **{k: np.vstack([on[k], off[k]]) for k in on}
    )


@dataclass
class _Prepared:
    patient: Patient
    params: object
    state: object
    weight: float
    zones: np.ndarray  # indices of the zones where the outcome is read
    baseline: float  # mean density over those zones at day 0
    untreated: float  # mean density at follow-up without treatment
    seed: int
    run: object = None


@dataclass
class TrialSimulator:
    """Simulates one virtual trial for any parameter values of its block (scalps, untreated
    twins and protocol runs are prepared once).

    Parameters
    ----------
    trial
        The virtual trial.
    n_follicles
        Simulated follicles per model patient (20,000 by default: see docs/calibration.md for
        the Monte-Carlo noise this leaves).
    seed
        Base seed of the scalps and of the common random numbers.
    """

    trial: VirtualTrial
    n_follicles: int = 20_000
    seed: int = 0
    _prepared: list[_Prepared] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.n_follicles < 500:
            raise InputError(field="n_follicles", allowed=">= 500", got=self.n_follicles)
        t = self.trial
        proto = _protocol(t.protocol, t.sessions) if t.kind == "protocol" else None
        for i, vp in enumerate(t.population):
            pat = vp.patient()
            s = int(self.seed) * 1000 + i
            params, state = patient_scalp(pat, n_follicles=self.n_follicles, seed=s)
            run = run_protocol(proto, pat, seed=s) if proto is not None else None
            if run is not None:
                zones = np.flatnonzero(run.dose_by_zone() > 0)
            else:
                zones = np.array([ZONE_NAMES.index(z) for z in affected_zones(pat)])
            un = scalp_simulate(params, state, days=t.followup_days, every=None, seed=s + 1)
            d = np.asarray(un.density_per_cm2)
            self._prepared.append(
                _Prepared(
                    pat,
                    params,
                    state,
                    vp.weight,
                    zones,
                    float(d[0, zones].mean()),
                    float(d[-1, zones].mean()),
                    s + 1,
                    run,
                )
            )

    def modulation(self, values: dict[str, float], prep: _Prepared) -> Modulation:
        t = self.trial
        h = t.followup_days
        if t.kind in ("protocol", "topical", "prp"):
            p = RegenerationParams(**values)
            if t.kind == "protocol":
                return prep.run.modulation(h, p, injected_area=True)
            if t.kind == "topical":
                return topical_modulation(p, affected_zones(prep.patient), t.use_days or h, h)
            mask = np.array([z in affected_zones(prep.patient) for z in ZONE_NAMES], dtype=float)
            return regenerate(PRP().session_days(h), mask, mask, p, horizon_days=h)
        tr = _with_values(_continuous(t.kind, t.use_days), values)
        return tr.modulation(h, prep.patient)

    def effect(self, values: dict[str, float]) -> float:
        """The virtual trial's mean effect (on its outcome scale) for these parameter values."""
        t = self.trial
        num = 0.0
        wsum = 0.0
        for prep in self._prepared:
            mod = self.modulation(values, prep)
            tr = scalp_simulate(
                prep.params,
                prep.state,
                days=t.followup_days,
                every=None,
                seed=prep.seed,
                modulation=mod,
            )
            diff = float(np.asarray(tr.density_per_cm2)[-1, prep.zones].mean()) - prep.untreated
            e = diff if t.measure == "MD" else 100.0 * diff / prep.baseline
            num += prep.weight * e
            wsum += prep.weight
        return num / wsum


def _se_from_ci(lo: float, hi: float) -> float:
    return (hi - lo) / (2 * _Z975)


def curated_trials() -> tuple[VirtualTrial, ...]:
    """The virtual trials mirroring every curated study with a usable controlled outcome.

    Stem-cell studies come from :func:`anagen.evidence.study_effects` (effect, SE and how the
    SE was imputed); minoxidil trials from :func:`anagen.evidence.comparator_effects`;
    finasteride, PRP and laser from :func:`anagen.therapy.evidence_priors` (SE from the 95 % CI).
    Left out (and why) is listed in docs/calibration.md.
    """
    from anagen.evidence import comparator_effects, study_effects

    se = study_effects().set_index("study_id")
    trials: list[VirtualTrial] = []
    g20 = se.loc["Gentile2020"]
    trials.append(
        VirtualTrial(
            "Gentile2020",
            "protocol",
            "MD",
            float(g20.yi),
            float(g20.se),
            90 + 7 * float(g20.followup_weeks),
            (
                VirtualPatient(DEFAULTS["age"], "M", "III"),
                VirtualPatient(DEFAULTS["age"], "M", "V"),
                VirtualPatient(DEFAULTS["age"], "F", "I"),
                VirtualPatient(DEFAULTS["age"], "F", "II"),
            ),
            str(g20.control),
            "evidence.study_effects (S06)",
            protocol="gentile2019_micrografts",
            se_note=str(g20.imputation),
            notes="sessions and stages not reported: the group's Gentile 2019 protocol (3 x 45 d) "
            "and population (Norwood-Hamilton 2-5, Ludwig 1-2; sexes 1:1 assumed); 58 wk counted "
            "after the last session as in the group's 2017/2019 reports (assumption)",
        )
    )
    g17 = se.loc["Gentile2017"]
    trials.append(
        VirtualTrial(
            "Gentile2017",
            "protocol",
            "MD_pct",
            float(g17.yi),
            float(g17.se),
            60 + 7 * float(g17.followup_weeks),
            (
                VirtualPatient(38.0, "M", "III"),
                VirtualPatient(49.5, "M", "IV"),
                VirtualPatient(61.0, "M", "V"),
            ),
            str(g17.control),
            "evidence.study_effects (S08)",
            protocol="gentile2019_micrografts",
            sessions=(2, 60.0),
            se_note=str(g17.imputation),
            notes="Norwood-Hamilton 3-5, age 38-61 (men: the Norwood scale); 2 sessions 60 d apart; "
            "23 wk after the last session",
        )
    )
    tak = se.loc["Tak2020"]
    trials.append(
        VirtualTrial(
            "Tak2020",
            "topical",
            "MD_pct",
            float(tak.yi),
            float(tak.se),
            7 * float(tak.followup_weeks),
            (VirtualPatient(45.3, "M", "III", 29.0), VirtualPatient(45.3, "F", "I", 9.0)),
            str(tak.control),
            "evidence.study_effects (S01)",
            se_note=str(tak.imputation),
            notes="topical ADSC extract twice daily for 16 wk: exposure held at one reference "
            "dose while used (assumption); 29 M / 9 F, mean age 45.3; BASP M2/F1 read as "
            "Norwood III / Ludwig I",
        )
    )
    # minoxidil: Suchonwanit 2019 Table 2 (men) and Table 3 (women) trials vs placebo
    ce = comparator_effects()
    ages = {"Olsen2002": 36.5, "Olsen2007": 39.2, "Berger2003": 40.0, "Lucky2004": 37.0}
    for _, r in ce.iterrows():
        arm = str(r.treatment_arm)
        if r.control_type != "placebo" or r.trial not in ages:
            continue
        kind = "minoxidil_5" if arm.startswith("5%") else "minoxidil_2"
        sex = "F" if r.trial == "Lucky2004" else "M"
        trials.append(
            VirtualTrial(
                f"{r.trial}_{kind.split('_')[1]}pct",
                kind,
                "MD",
                float(r.yi),
                float(r.se),
                7 * float(r.duration_weeks),
                (VirtualPatient(ages[r.trial], sex, DEFAULTS[f"stage_{sex}"]),),
                str(r.control_arm),
                f"evidence.comparator_effects ({r.row_id})",
                se_note=str(r.imputation) if r.imputed else "from the arm SDs",
                notes=f"{arm}; sex from the review table (Table 2 men, Table 3 women; assumption); "
                "stage not reported (default)",
            )
        )
    ev = evidence_priors()
    fin = next(e for e in ev if e.option == "finasteride_1mg" and e.source == "S22")
    trials.append(
        VirtualTrial(
            "VanNeste2000",
            "finasteride",
            "MD",
            fin.value,
            2.5,
            7 * float(fin.weeks),
            (VirtualPatient(29.0, "M", DEFAULTS["stage_M"]),),
            "placebo",
            "therapy.evidence_priors (S22)",
            se_note="reported '+17.3 +/- 2.5', read as the SE of the difference (assumption)",
            notes="212 men aged 18-40 (age 29 = midpoint)",
        )
    )
    m24 = next(
        e for e in ev if e.option == "finasteride_1mg" and e.comparison.endswith(">= 24 months")
    )
    trials.append(
        VirtualTrial(
            "Mella2010_24mo",
            "finasteride",
            "MD_pct",
            m24.value,
            _se_from_ci(m24.ci_low, m24.ci_high),
            7 * 104.0,
            (VirtualPatient(DEFAULTS["age"], "M", DEFAULTS["stage_M"]),),
            "placebo",
            "therapy.evidence_priors (C3)",
            se_note="from the 95 % CI",
            notes="meta-analysis, >= 24 months read as 104 wk; the <= 12 months pool is left out "
            "(it overlaps the 48-week Van Neste 2000 trial)",
        )
    )
    prp = next(e for e in ev if e.option == "prp")
    trials.append(
        VirtualTrial(
            "Kieling2024",
            "prp",
            "MD",
            prp.value,
            _se_from_ci(prp.ci_low, prp.ci_high),
            7 * DEFAULTS["followup_weeks_unreported"],
            (VirtualPatient(DEFAULTS["age"], "M", DEFAULTS["stage_M"]),),
            "placebo",
            "therapy.evidence_priors (C1)",
            se_note="from the 95 % CI",
            notes="meta-analysis of 13 RCTs (I2 96 %); follow-up not reported: 26 wk default",
        )
    )
    for i, e in enumerate(
        sorted(
            (e for e in ev if e.option == "lllt" and e.unit == "hairs/cm2"), key=lambda e: e.value
        )
    ):
        trials.append(
            VirtualTrial(
                f"CochraneLLLT_{i + 1}",
                "lllt",
                "MD",
                e.value,
                _se_from_ci(e.ci_low, e.ci_high),
                7 * DEFAULTS["followup_weeks_unreported"],
                (VirtualPatient(DEFAULTS["age"], "F", DEFAULTS["stage_F"]),),
                "sham device",
                "therapy.evidence_priors (C2)",
                se_note="from the 95 % CI",
                notes="laser comb in women (Cochrane CD007628); follow-up not reported: 26 wk default",
            )
        )
    return tuple(trials)
