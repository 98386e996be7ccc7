"""Virtual trials that mirror the curated studies, and the simulated effect of one parameter set.

A :class:`VirtualTrial` carries what a study reported (effect, SE, outcome scale, follow-up,
control) and how anagen reproduces it: a small virtual population (age, sex, stage and weight of
a few model patients spanning what the study reported, else the stated defaults of
:data:`DEFAULTS`), a treatment (a shipped protocol, a topical cell-free product, or one of the
alternatives) and the zones where the outcome is read. :func:`curated_trials` builds them from
the evidence package (:func:`anagen.evidence.study_effects`,
:func:`anagen.evidence.comparator_effects`) and the therapy package's published effects
(:func:`anagen.therapy.evidence_priors`).

Simulation: the model's one measured outcome, :func:`anagen.scalp.target_area_counts` (the
re-found target area, true counts: a study's mean has no reading error left), on a patch of each
outcome zone of every model patient (:func:`anagen.decision._trial_area.area_state`); the area
read is ``area_cm2`` (8 cm² by default: the mean of eight 1 cm² areas) in one target zone per
model patient (as assess chooses it: the vertex for men, the mid-scalp for women), so that one
model patient gives a precise mean. Common random numbers: the treated and
the untreated run of a model patient share the patch and the seed, and the seed is the same for
every parameter draw, so the difference between draws is the parameters' doing, not noise.

Per-product families: the regeneration constants are fitted separately for cell injections
(adipose/SVF/ADRC-enriched fat, bone marrow), follicle micrografts, cell-free products
(conditioned medium, extracts, exosomes) and PRP (:data:`FAMILIES`), each from the same prior
(:data:`anagen.therapy.DEFAULT_PRIORS`) and only its own studies. A family without studies
keeps its prior: its numbers come from the prior alone (:func:`family_evidence`).
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES, Modulation
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
    protocol_paths,
    regenerate,
    response,
    run_protocol,
)
from anagen.therapy.treatments import affected_zones

__all__ = [
    "BLOCKS",
    "DEFAULTS",
    "FAMILIES",
    "REGEN_BLOCKS",
    "TrialSimulator",
    "VirtualPatient",
    "VirtualTrial",
    "block_priors",
    "curated_trials",
    "family_evidence",
    "family_of",
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
Measure = Literal["MD", "MD_pct", "MD_pct_mean", "within", "within_pct"]
#: Every measure (see :class:`VirtualTrial`).
MEASURES = ("MD", "MD_pct", "MD_pct_mean", "within", "within_pct")

#: Product option (``Product.option`` of a protocol) -> regeneration family.
FAMILIES = {
    "adipose_cells": "cell_injection",
    "bone_marrow_cells": "cell_injection",
    "hf_micrografts": "micrografts",
    "cell_free": "cell_free",
    "prp": "prp",
}
#: Regeneration families (each its own copy of the regeneration constants).
REGEN_BLOCKS = ("cell_injection", "micrografts", "cell_free", "prp")
#: Parameter blocks: each has its own priors and its own studies (the likelihood factorises).
BLOCKS = (*REGEN_BLOCKS, "minoxidil", "finasteride", "lllt")
#: Default measured area per model patient in the calibration (cm², split over its zones).
CAL_AREA_CM2 = 8.0
_BLOCK_OF_KIND = {
    "protocol": "by protocol",
    "topical": "cell_free",
    "prp": "prp",
    "minoxidil_5": "minoxidil",
    "minoxidil_2": "minoxidil",
    "finasteride": "finasteride",
    "lllt": "lllt",
}
_Z975 = 1.959963984540054
_Z9995 = 3.2905267314918945  # two-sided p = .001
#: Assumed size of the Kuka 2020 NH III low-dose subgroup (not reported; see curated_trials).
_KUKA_N = 12
#: Patients analysed in Gentile 2019 (35 enrolled, 1 excluded, 1 rejected; curated notes).
_GEN19_N = 33


#: Calibrated potency of 2 % minoxidil relative to 5 % on the model's levers. The cited 0.60
#: [C4] is the ratio of the two strengths' placebo-corrected *effects* (Olsen 2002); the model's
#: effect is convex in its levers (reversal must carry a follicle past the terminal threshold),
#: so 0.60 x the 5 % levers gives about 0.4 x the 5 % effect. The lever-level potency is
#: therefore fitted, on the trials that ran both strengths (Olsen 2002, Lucky 2004).
MINOXIDIL_2_POTENCY = Prior(
    "minoxidil_2.potency",
    0.75,
    0.5,
    1.0,
    "1",
    "uniform",
    ("C4",),
    True,
    note="lever-level potency of 2 % vs 5 % minoxidil (fitted): from 0.5 (below the effect "
    "ratio 0.60 of Olsen 2002 [C4], which the convex model turns into a smaller effect ratio) "
    "to 1.0 (2 % as strong as 5 %, the upper bound)",
)


def family_of(option: str) -> str:
    """Regeneration family of a product option (``Product.option``)."""
    if option not in FAMILIES:
        raise InputError(field="option", allowed=f"one of {', '.join(FAMILIES)}", got=option)
    return FAMILIES[option]


def protocol_family(name: str) -> str:
    """Regeneration family of a shipped protocol."""
    return family_of(_protocol(name, None).product.option)


def family_evidence(trials: tuple[VirtualTrial, ...] | None = None) -> dict[str, dict]:
    """For each regeneration family: the studies that inform it and whether its numbers come
    from data (``"data"``: fitted to those studies) or from the prior alone (``"prior"``).

    Differences between families fitted on data come from data; a family on its prior differs
    from the others only through what the data moved in theirs — say so in reports.
    """
    trials = curated_trials() if trials is None else trials
    out = {}
    for fam in REGEN_BLOCKS:
        ids = sorted({t.study for t in trials if t.block == fam})
        out[fam] = {"studies": ids, "source": "data" if ids else "prior"}
    return out


def block_priors(block: str) -> dict[str, Prior]:
    """The named priors a block samples (for the regeneration families: the regeneration
    priors of :data:`anagen.therapy.DEFAULT_PRIORS`, one copy per family)."""
    if block in REGEN_BLOCKS:
        return {k: getattr(DEFAULT_PRIORS, k) for k in DEFAULT_PRIORS.__dataclass_fields__}
    if block == "minoxidil":
        p = dict(Minoxidil().priors())
        p["potency_2_vs_5"] = MINOXIDIL_2_POTENCY
        return p
    if block == "finasteride":
        return Finasteride().priors()
    if block == "lllt":
        return LowLevelLaser().priors()
    raise InputError(field="block", allowed=f"one of {', '.join(BLOCKS)}", got=block)


def sample_block(block: str, rng: np.random.Generator) -> dict[str, float]:
    """One draw of a block's priors (regeneration values clipped as RegenerationPriors does)."""
    if block in REGEN_BLOCKS:
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
        from baseline (percentage points: each patient's change as a percent of his own
        baseline, averaged); ``MD_pct_mean``: the difference of the mean counts as a percent of
        the mean baseline count (a trial that reports hairs gained over a mean baseline count,
        e.g. 107 of 876 hairs [KAUF98]); ``within``: the treated arm's own change from
        baseline (hairs/cm²: untreated course + placebo/vehicle response + treatment);
        ``within_pct``: the same as a percent of the baseline count.
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
    group: str = ""  # the study several rows belong to (visits of one trial); default study_id

    @property
    def study(self) -> str:
        """The study this row belongs to (left out together in leave-one-study-out)."""
        return self.group or self.study_id

    def __post_init__(self) -> None:
        if self.kind not in _BLOCK_OF_KIND:
            raise InputError(
                field=f"{self.study_id}.kind", allowed=", ".join(_BLOCK_OF_KIND), got=self.kind
            )
        if self.measure not in MEASURES:
            raise InputError(
                field=f"{self.study_id}.measure",
                allowed=", ".join(MEASURES),
                got=self.measure,
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
        if self.kind == "protocol":
            return protocol_family(str(self.protocol))
        return _BLOCK_OF_KIND[self.kind]

    def describe(self) -> dict[str, object]:
        """JSON-ready description (for the provenance file and the docs)."""
        return {
            "study_id": self.study_id,
            "study": self.study,
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


@lru_cache(maxsize=64)
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
    weight: float
    patches: list  # (zone, patch state, seed) per outcome zone
    baseline: float  # mean terminal count per cm² over the zones at day 0
    untreated: float  # the same at follow-up without treatment
    run: object = None
    # the patches' target areas (anagen.scalp.measure.TargetArea) by visit days: chosen and
    # seeded once, read under every parameter draw's treatment
    areas: dict = field(default_factory=dict)


@lru_cache(maxsize=4)
def _area_params(area_cm2: float):
    from anagen.scalp import default_params

    p = default_params()
    return replace(p, phototrichogram=replace(p.phototrichogram, area_cm2=float(area_cm2)))


@dataclass
class TrialSimulator:
    """Simulates one virtual trial for any parameter values of its block (patches, untreated
    twins and protocol runs are prepared once).

    Parameters
    ----------
    trial
        The virtual trial.
    area_cm2
        Measured area per model patient, split evenly over its outcome zones (each zone's patch
        holds twice its share; see the module docstring).
    seed
        Base seed of the patches and of the common random numbers.
    """

    trial: VirtualTrial
    area_cm2: float = CAL_AREA_CM2
    seed: int = 0
    _prepared: list[_Prepared] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        from anagen.decision._trial_area import area_state
        from anagen.therapy.simulate import scalp_stage_of

        if not 0.5 <= self.area_cm2 <= 40.0:
            raise InputError(field="area_cm2", allowed="in [0.5, 40]", got=self.area_cm2)
        t = self.trial
        proto = _protocol(t.protocol, t.sessions) if t.kind == "protocol" else None
        for i, vp in enumerate(t.population):
            pat = vp.patient()
            s = int(self.seed) * 1000 + i
            run = run_protocol(proto, pat, seed=s) if proto is not None else None
            if run is not None:
                zones = [ZONE_NAMES[j] for j in np.flatnonzero(run.dose_by_zone() > 0)]
            else:
                zones = list(affected_zones(pat))
            # one target zone per patient, as trials count one area, chosen as assess chooses
            # it (anagen.decision._assess.target_zone / option_zone): the vertex for men, the
            # mid-scalp for women, where the treatment acts there; else the mid-scalp, else its
            # first zone
            own = "vertex" if pat.sex == "M" else "mid_scalp"
            if own in zones:
                zones = [own]
            else:
                zones = ["mid_scalp"] if "mid_scalp" in zones else zones[:1]
            share = self.area_cm2 / len(zones)
            params = _area_params(share)
            rng = np.random.default_rng(np.random.SeedSequence([s, 17]))
            patches = []
            for k, z in enumerate(zones):
                st = area_state(
                    params, sex=pat.sex, age=pat.age, stage=scalp_stage_of(pat), zone=z,
                    rng=rng, area_cm2=2.0 * share,
                )  # fmt: skip
                patches.append((z, st, np.random.SeedSequence([s, 23, k])))
            prep = _Prepared(pat, vp.weight, patches, 0.0, 0.0, run)
            m = self._counts(prep, None)
            prep.baseline, prep.untreated = float(m[0]), float(m[-1])
            self._prepared.append(prep)

    def _counts(
        self, prep: _Prepared, mod: Modulation | None, days: Sequence[float] | None = None
    ) -> np.ndarray:
        """Mean true terminal count per cm² over the patient's zones at day 0 and follow-up
        (or at ``[0, *days]``)."""
        from anagen.scalp.measure import TargetArea

        params = _area_params(self.area_cm2 / len(prep.patches))
        days = [0.0, float(self.trial.followup_days)] if days is None else [0.0, *days]
        key = tuple(float(d) for d in days)
        areas = prep.areas.get(key)
        if areas is None:
            areas = prep.areas[key] = [
                TargetArea(params, st, zone=z, visit_days=days, seed=ss, noise=False)
                for z, st, ss in prep.patches
            ]
        c = np.array([a.counts(mod).true_terminal_per_cm2 for a in areas])
        return c.mean(axis=0)

    def modulation(
        self, values: dict[str, float], prep: _Prepared, horizon: float | None = None
    ) -> Modulation:
        t = self.trial
        h = t.followup_days if horizon is None else horizon
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

    @property
    def tau_scale(self) -> float:
        """Factor from hairs/cm2 to the trial's outcome scale (``100 / baseline`` for a percent
        change: the weighted mean baseline count of the model patients; else 1)."""
        if self.trial.measure not in ("MD_pct", "MD_pct_mean", "within_pct"):
            return 1.0
        w = np.array([p.weight for p in self._prepared])
        base = np.array([p.baseline for p in self._prepared])
        return float(100.0 * w.sum() / np.sum(w * base))

    def effect(self, values: dict[str, float]) -> float:
        """The virtual trial's mean effect (on its outcome scale) for these parameter values."""
        from anagen.scalp.placebo import DEFAULT_PLACEBO, placebo_change

        t = self.trial
        num = 0.0
        wsum = 0.0
        for prep in self._prepared:
            m = self._counts(prep, self.modulation(values, prep))
            base, follow = float(m[0]), float(m[-1])
            if t.measure in ("within", "within_pct"):
                e = follow - base + float(placebo_change(t.followup_days, DEFAULT_PLACEBO))
                if t.measure == "within_pct":
                    e = 100.0 * e / base
            else:
                diff = follow - prep.untreated
                e = 100.0 * diff / prep.baseline if t.measure == "MD_pct" else diff
            num += prep.weight * e
            wsum += prep.weight
        if t.measure == "MD_pct_mean":  # mean difference over the mean baseline
            return num * self.tau_scale / wsum
        return num / wsum

    def effect_curve(self, values: dict[str, float], weeks: Sequence[float]) -> np.ndarray:
        """The effect at each of ``weeks`` (one run to the last; the treatment as in the trial,
        its course cut at the last week)."""
        return _effect_curve(self, values, weeks)


def _effect_curve(sim: TrialSimulator, values: dict[str, float], weeks) -> np.ndarray:
    from anagen.scalp.placebo import DEFAULT_PLACEBO, placebo_change

    t = sim.trial
    days = 7.0 * np.asarray(weeks, dtype=float)
    num = np.zeros(days.size)
    wsum = 0.0
    for prep in sim._prepared:
        treated = sim._counts(prep, sim.modulation(values, prep, float(days[-1])), days)
        if t.measure in ("within", "within_pct"):
            e = treated[1:] - treated[0] + placebo_change(days, DEFAULT_PLACEBO)
            if t.measure == "within_pct":
                e = 100.0 * e / treated[0]
        else:
            un = sim._counts(prep, None, days)
            diff = treated[1:] - un[1:]
            e = 100.0 * diff / un[0] if t.measure == "MD_pct" else diff
        num += prep.weight * e
        wsum += prep.weight
    if t.measure == "MD_pct_mean":  # mean difference over the mean baseline
        return num * sim.tau_scale / wsum
    return num / wsum


def _vertex_loss(age: float) -> tuple[VirtualPatient, ...]:
    """Men with vertex loss, one model patient per stage (equal weights): Norwood-Hamilton
    III-vertex, IV and V.

    The finasteride trials counted hairs in the balding vertex [KAUF98] of men with
    "mild-to-moderate, predominantly vertex" loss [WHIT03]; Norwood-Hamilton II and III have no
    vertex loss, VI and beyond are not "moderate" (the mapping of the words to stages is ours).
    The stage matters for a percent-of-baseline outcome: Mella 2010 averages each man's change
    as a percent of his own count, and a man with a thinner vertex gains more percent for the
    same hairs/cm2, so one Norwood III model patient understated it (docs/calibration.md)."""
    return tuple(VirtualPatient(age, "M", s) for s in ("III-vertex", "IV", "V"))


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
    g20_population = (
        VirtualPatient(DEFAULTS["age"], "M", "III"),
        VirtualPatient(DEFAULTS["age"], "M", "V"),
        VirtualPatient(DEFAULTS["age"], "F", "I"),
        VirtualPatient(DEFAULTS["age"], "F", "II"),
    )
    trials.append(
        VirtualTrial(
            "Gentile2020",
            "protocol",
            "MD",
            float(g20.yi),
            float(g20.se),
            90 + 7 * float(g20.followup_weeks),
            g20_population,
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
    # Gentile 2019 [GEN19]: percent change of density from baseline in the treated half, 23 and
    # 44 weeks after the last of 3 sessions 45 days apart (curated rows S03-S04; control-half
    # numbers not in the abstract, so the within-arm change): the micrografts' follow-up series
    for wk, mean, sd in ((23, 33.0, 7.5), (44, 27.0, 3.5)):
        trials.append(
            VirtualTrial(
                f"Gentile2019_wk{wk}",
                "protocol",
                "within_pct",
                mean,
                sd / np.sqrt(_GEN19_N),
                90 + 7.0 * wk,
                g20_population,
                "none (within-arm change of the treated half; saline half not reported)",
                "evidence.studies S03-S04 (Gentile 2019, abstract)",
                protocol="gentile2019_micrografts",
                se_note=f"SD / sqrt(n), n = {_GEN19_N} (35 enrolled, 1 excluded, 1 rejected); "
                "'+/-' read as the SD (assumption)",
                notes="Norwood-Hamilton 2-5, Ludwig 1-2 (the Gentile 2020 population: sexes 1:1 "
                "assumed); the within-arm change includes the model's untreated course and the "
                "placebo/vehicle response; same group as Gentile 2017/2020 (patients may overlap)",
                group="Gentile2019",
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
    # Kuka 2020 (STYLE): within-arm time course of the low-dose ADRC-enriched fat arm, NH III
    # subgroup (curated row S30 notes): mean change +/- SD at weeks 6, 12, 24, 52 after one
    # session. The only follow-up series of a cell injection: it carries the onset and the
    # fading of the cell-injection family. n of the subgroup is not reported.
    for wk, mean, sd in (
        (6, 13.90, 16.68),
        (12, 11.75, 19.42),
        (24, 16.56, 14.68),
        (52, 2.78, 16.15),
    ):
        trials.append(
            VirtualTrial(
                f"Kuka2020_wk{wk}",
                "protocol",
                "within",
                mean,
                sd / np.sqrt(_KUKA_N),
                7.0 * wk,
                (VirtualPatient(41.0, "M", "III"),),
                "none (within-arm change; saline arm change not reported)",
                "evidence.studies S30 (Kuka 2020, abstract)",
                protocol="style_low_dose",
                se_note=f"SD / sqrt(n), n = {_KUKA_N} assumed (subgroup n not reported: about "
                "70 % of the low-dose arm's ~17 men)",
                notes="terminal hair count in an unspecified area read as hairs/cm2 "
                "(assumption); mean age 41; the within-arm change includes the model's "
                "untreated course and the placebo/vehicle response",
                group="Kuka2020",
            )
        )
    # minoxidil: Suchonwanit 2019 Table 2 (men) and Table 3 (women) trials vs placebo. Stages
    # where the abstract names them (one model man per stage, as _vertex_loss does): Berger 2003
    # enrolled men with "Hamilton-Norwood type III vertex or type IV baldness" [BERG03]; the
    # abstracts of Olsen 2002 [OLS02] and Olsen 2007 [OLS07] give ages only (default stage)
    ce = comparator_effects()
    ages = {"Olsen2002": 36.5, "Olsen2007": 39.2, "Berger2003": 40.0, "Lucky2004": 37.0}
    stages = {"Berger2003": ("III-vertex", "IV")}
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
                tuple(
                    VirtualPatient(ages[r.trial], sex, st)
                    for st in stages.get(r.trial, (DEFAULTS[f"stage_{sex}"],))
                ),
                str(r.control_arm),
                f"evidence.comparator_effects ({r.row_id})",
                se_note=str(r.imputation) if r.imputed else "from the arm SDs",
                notes=f"{arm}; sex from the review table (Table 2 men, Table 3 women; assumption); "
                + (
                    "men with Hamilton-Norwood III vertex or IV baldness [BERG03] (abstract), "
                    "one model man per stage, counted at the vertex"
                    if r.trial in stages
                    else "stage not in the abstract (default)"
                )
                + "; the arms of one trial share its placebo arm and its random effect (one "
                "study in leave-one-out)",
                group=str(r.trial),
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
            _vertex_loss(29.0),
            "placebo",
            "therapy.evidence_priors (S22)",
            se_note="reported '+17.3 +/- 2.5', read as the SE of the difference (assumption)",
            notes="212 men aged 18-40 (age 29 = midpoint); vertex phototrichogram in men with "
            "vertex loss: Norwood-Hamilton III-vertex, IV, V (see _vertex_loss)",
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
            _vertex_loss(DEFAULTS["age"]),
            "placebo",
            "therapy.evidence_priors (C3)",
            se_note="from the 95 % CI",
            notes="meta-analysis, >= 24 months read as 104 wk; the <= 12 months pool is left out "
            "(it overlaps the 48-week Van Neste 2000 trial); percent change of each man's own "
            "count, averaged over men with vertex loss (Norwood-Hamilton III-vertex, IV, V: "
            "see _vertex_loss)",
        )
    )
    # long-term finasteride visits [KAUF98][PRICE06]: they carry the time course after the first
    # year (the reversal window, finasteride.reversal_days)
    for e in (e for e in ev if e.option == "finasteride_1mg" and e.source == "KAUF98"):
        year = round(float(e.weeks) / 52.0)
        trials.append(
            VirtualTrial(
                f"Kaufman1998_{year}y",
                "finasteride",
                "MD_pct_mean",
                e.value,
                e.value / _Z9995,
                7 * float(e.weeks),
                _vertex_loss(29.5),
                "placebo",
                "therapy.evidence_priors (KAUF98)",
                se_note="p < .001 vs placebo taken at its bound (SE = effect / 3.29; the "
                "abstract gives no SD or CI, so the SE is an upper bound)",
                notes="1,553 men aged 18-41 (29.5 = midpoint; 1,215 in the second year); hairs "
                "counted in a 5.1 cm2 circle of the balding vertex: the difference of the mean "
                "counts as a percent of the mean baseline count (876 hairs); men with vertex loss "
                "(see _vertex_loss); the two visits share a random effect; Mella 2010's >= 24 "
                "months pool may include these men (its trials are not listed in its abstract)",
                group="Kaufman1998",
            )
        )
    p06 = next(e for e in ev if e.option == "finasteride_1mg" and e.source == "PRICE06")
    trials.append(
        VirtualTrial(
            "Price2006_192wk",
            "finasteride",
            "MD_pct",
            p06.value,
            p06.value / _Z975,
            7 * float(p06.weeks),
            _vertex_loss(DEFAULTS["age"]),
            "placebo",
            "therapy.evidence_priors (PRICE06)",
            se_note="P < .05 vs placebo taken at its bound (SE = effect / 1.96; an upper bound)",
            notes="finasteride +7.2 % vs placebo -13.0 % from baseline at week 192, net 20.3 as "
            "reported; ages, stages and count area not in the abstract: men with vertex loss "
            "(see _vertex_loss) at the default age, read at the vertex (assumption)",
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
    # OBSERVATIONAL clinic-registry rows among the user's evidence (selection 'all' or 'user';
    # anagen registry export --format evidence, then anagen evidence add): labelled, one study
    # per clinic export. See anagen.registry._calibration_source.
    from anagen.registry._calibration_source import registry_trials

    trials.extend(registry_trials()[0])
    return tuple(trials)
