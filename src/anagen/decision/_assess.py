"""Assessment of one person: every option's predicted effect, its certainty, cost and candidacy.

:func:`assess_patient` runs, for each option (the stem-cell protocols, the alternatives and no
treatment), ``n_draws`` joint draws of the model parameters on the patient's whole simulated
scalp (:mod:`anagen.scalp`, stochastic engine), and summarises:

* the change of **terminal** hair density (hairs/cm², area-weighted mean over the pattern-loss
  zones) against no treatment and against today's density at 6, 12 and 24 months, with 80 %
  intervals over draws (parameters × stochastic simulation);
* the probability of a visible improvement (definition: :data:`VISIBLE_FRACTION`);
* durability: when the density falls back to today's after treatment stops;
* total cost over the 24-month course (cited price ranges) and cost per hair/cm² gained;
* downtime, side effects, regulatory status (cited, :func:`anagen.therapy.option_info`);
* candidacy with reasons (:func:`anagen.therapy.assess`);
* the certainty of the evidence behind each number (GRADE ratings of
  :func:`anagen.evidence.summarise_evidence`; "model prior, not calibrated" for the model).

Design for speed: one untreated run per draw is shared by every option and each option's run
uses the same scalp and simulation seed as that untreated run (common random numbers), so the
difference is the option's effect, not sampling noise; draws are split over worker processes
(``fork``), and the evidence summary is computed in a worker alongside the simulations.

Outputs are decision support for a conversation with a hair-loss specialist, not a diagnosis.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from anagen.errors import InputError

__all__ = [
    "DISCLAIMER",
    "HORIZON_MONTHS",
    "MONTHS",
    "VISIBLE_FRACTION",
    "Assessment",
    "Interval",
    "OptionAssessment",
    "assess_patient",
    "resolve_protocols",
]

#: Months at which effects are reported.
MONTHS: tuple[int, ...] = (6, 12, 24)
#: Length of each simulation (months): a 24-month course, then 24 months to see it fade.
HORIZON_MONTHS = 48
#: Drugs, devices and PRP maintenance are assumed used for this long, then stopped.
COURSE_MONTHS = 24
#: A "visible improvement": a gain over no treatment of at least this share of the person's
#: current terminal density in the pattern-loss zones. An assumption: no source in anagen's
#: reference lists gives a threshold of visibility for regrowth.
VISIBLE_FRACTION = 0.10
DISCLAIMER = (
    "Decision support for a conversation with a hair-loss specialist - not a diagnosis and not "
    "medical advice."
)
MODEL_PRIOR = "model prior, not calibrated"
MODEL_POSTERIOR = (
    "model calibrated to the trials (posterior draws of anagen.decision.load_posterior)"
)

_DAYS_PER_MONTH = 365.25 / 12
_SOURCES_COST = "all cost sources are grade C (clinic pages, price guides, mostly undated, US)"

# Which evidence analyses / product lines of summarise_evidence() stand behind each option.
_EVIDENCE_ANALYSES: dict[str, tuple[str, ...]] = {
    "hf_micrografts": ("HFSC-micrograft",),
    "cell_free": ("ADSC-CE",),
    "minoxidil_2": ("minoxidil (vs placebo)",),
    "minoxidil_5": ("minoxidil (vs placebo)",),
}
_EVIDENCE_PRODUCTS: dict[str, tuple[str, ...]] = {
    "adipose_cells": ("adipose-derived stem-cell injections", "stromal vascular fraction"),
    "hf_micrografts": ("hair-follicle stem-cell micrografts",),
    "cell_free": ("adipose stem-cell constituent extract", "adipose stem-cell conditioned medium"),
    "bone_marrow_cells": ("bone-marrow cells",),
}
_EVIDENCE_PUBLISHED: dict[str, tuple[str, ...]] = {
    "prp": ("PRP",),
    "lllt": ("laser", "LLLT"),
    "finasteride_1mg": ("finasteride",),
    "minoxidil_2": ("minoxidil",),
}
_INDIRECT = {
    "cell_free": "the graded trial is a topical extract, not an injected product (indirect)",
    "minoxidil_2": "pooled trials mix strengths (mostly 5 %)",
}


@dataclass(frozen=True, slots=True)
class Interval:
    """Median and 80 % interval (10th-90th percentile) over draws."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, x: np.ndarray) -> Interval:
        lo, med, hi = np.quantile(np.asarray(x, dtype=float), (0.1, 0.5, 0.9))
        return cls(float(med), float(lo), float(hi))

    def text(self, unit: str = "") -> str:
        u = f" {unit}" if unit else ""
        return f"{self.median:+.1f}{u} (80% interval {self.low:+.1f} to {self.high:+.1f})"

    def to_dict(self) -> dict[str, float]:
        return {"median": self.median, "low_10": self.low, "high_90": self.high}


@dataclass(frozen=True)
class OptionAssessment:
    """One option for one person."""

    key: str
    name: str
    option: str
    kind: str  # "stem-cell", "alternative" or "no treatment"
    effect_vs_none: dict[int, Interval]
    change_vs_baseline: dict[int, Interval]
    p_visible: dict[int, float]
    durability: dict[str, Any]
    cost: dict[str, Any]
    cost_per_hair: dict[str, Any]
    downtime: str
    side_effects: tuple[dict[str, Any], ...]
    regulatory: dict[str, str]
    candidacy: dict[str, Any]
    certainty: dict[str, Any]
    sources: tuple[str, ...]
    verdict: str
    fan_months: np.ndarray = field(repr=False)
    fan_density: np.ndarray = field(repr=False)  # (3, n_t): 10th, 50th, 90th percentile

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "option": self.option,
            "kind": self.kind,
            "effect_vs_no_treatment_hairs_per_cm2": {
                f"{m}m": v.to_dict() for m, v in self.effect_vs_none.items()
            },
            "change_vs_baseline_hairs_per_cm2": {
                f"{m}m": v.to_dict() for m, v in self.change_vs_baseline.items()
            },
            "p_visible_improvement": {f"{m}m": v for m, v in self.p_visible.items()},
            "durability": self.durability,
            "cost_usd": self.cost,
            "cost_per_hair_per_cm2_usd": self.cost_per_hair,
            "downtime": self.downtime,
            "side_effects": list(self.side_effects),
            "regulatory": self.regulatory,
            "candidacy": self.candidacy,
            "certainty": self.certainty,
            "sources": list(self.sources),
            "verdict": self.verdict,
            "trajectory": {
                "months": self.fan_months,
                "terminal_density_p10": self.fan_density[0],
                "terminal_density_p50": self.fan_density[1],
                "terminal_density_p90": self.fan_density[2],
            },
        }


@dataclass(frozen=True)
class Assessment:
    """The assessment of one person (see :func:`assess_patient`)."""

    patient: dict[str, Any]
    zones: tuple[str, ...]
    baseline_density: Interval
    options: tuple[OptionAssessment, ...]
    verdict: tuple[str, ...]
    parameter_source: str
    visible_definition: str
    durability_definition: str
    settings: dict[str, Any]
    timings_s: dict[str, float]
    evidence: Any = field(default=None, repr=False, compare=False)  # EvidenceSummary
    #: scalp trajectories at the prior medians (draw-free) for the scalp maps of the report:
    #: ``{"No treatment": traj, <best stem-cell option name>: traj}``
    map_runs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    disclaimer: str = DISCLAIMER

    def option(self, key: str) -> OptionAssessment:
        for o in self.options:
            if o.key == key:
                return o
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        ev = self.evidence
        return {
            "question": "Is stem-cell therapy for hair loss effective for this person - by how "
            "much, for how long, at what cost, compared with what?",
            "disclaimer": self.disclaimer,
            "patient": self.patient,
            "verdict": list(self.verdict),
            "parameter_source": self.parameter_source,
            "outcome": "terminal hair density (hairs/cm2), area-weighted mean over the "
            "pattern-loss zones: " + ", ".join(self.zones),
            "baseline_terminal_density_hairs_per_cm2": self.baseline_density.to_dict(),
            "interval": "80 % (10th to 90th percentile over parameter draws x stochastic "
            "simulation)",
            "visible_improvement_definition": self.visible_definition,
            "durability_definition": self.durability_definition,
            "options": [o.to_dict() for o in self.options],
            "evidence_overall_certainty": None if ev is None else ev.certainty,
            "settings": self.settings,
            "timings_s": self.timings_s,
        }


# --------------------------------------------------------------------------- options and specs


@dataclass(frozen=True)
class _Spec:
    key: str
    name: str
    option: str
    kind: str
    stop_day: float  # treatment (or last session) ends here
    sessions: int  # sessions or units paid for over the course
    protocol: Any = None
    treatment: Any = None  # a Treatment for the alternatives


def resolve_protocols(protocols: Sequence[Any] | None) -> list[Any]:
    """Protocols to assess: the shipped ones (``None``), or names / paths / ``Protocol`` objects.

    Raises
    ------
    InputError
        For a name that is neither a shipped protocol nor an existing ``.toml`` file
        (``field='--protocol'``), or an invalid protocol file (the message names the key).
    """
    from anagen.therapy import Protocol, load_protocol, protocol_paths

    shipped = protocol_paths()
    if protocols is None:
        return [load_protocol(p) for p in shipped.values()]
    out = []
    for p in protocols:
        if isinstance(p, Protocol):
            out.append(p)
            continue
        s = str(p)
        if s in shipped:
            out.append(load_protocol(shipped[s]))
        elif Path(s).is_file():
            out.append(load_protocol(s))
        else:
            raise InputError(
                field="--protocol",
                allowed=f"a protocol .toml file or one of {', '.join(shipped)}",
                got=s,
            )
    return out


def _specs(protocols: Sequence[Any]) -> list[_Spec]:
    from anagen.therapy import PRP, Finasteride, HairTransplant, LowLevelLaser, Minoxidil

    course = COURSE_MONTHS * _DAYS_PER_MONTH
    specs = []
    for p in protocols:
        last = max(p.sessions.days)
        specs.append(
            _Spec(
                f"{p.product.key}:{p.name}",
                p.name,
                p.product.option,
                "stem-cell",
                last,
                p.sessions.count,
                protocol=p,
            )
        )
    prp = PRP()
    alts = [
        Minoxidil(strength_percent=5.0, stop_day=course),
        Minoxidil(strength_percent=2.0, stop_day=course),
        Finasteride(stop_day=course),
        LowLevelLaser(stop_day=course),
        prp,
        HairTransplant(),
    ]
    for t in alts:
        if t.key == "prp":
            days = prp.session_days(course)
            specs.append(
                _Spec(t.key, t.name, t.option, "alternative", max(days), len(days), treatment=t)
            )
        elif t.key == "transplant":
            specs.append(_Spec(t.key, t.name, t.option, "alternative", 0.0, 1, treatment=t))
        else:
            specs.append(_Spec(t.key, t.name, t.option, "alternative", course, 0, treatment=t))
    return specs


# --------------------------------------------------------------------------- parameter draws


def _load_posterior() -> tuple[Any, str | None]:
    """The calibrated posterior (``anagen.decision.load_posterior()``) and ``None``, or ``None``
    and the reason it is not used (no calibration module, or no stored posterior yet)."""
    from anagen import decision

    if "load_posterior" not in getattr(decision, "_PUBLIC", {}):
        return None, "no calibration step in this installation"
    try:
        post = decision.load_posterior()
    except (InputError, ImportError, OSError, KeyError, ValueError) as exc:
        return None, f"no usable calibrated posterior ({exc})"
    if not callable(getattr(post, "sample", None)):
        return None, "the calibrated posterior has no sample() method"
    return post, None


#: Options whose parameters the calibration step fits (the others keep their priors).
_CALIBRATED_KINDS = ("minoxidil_5", "minoxidil_2", "finasteride_1mg", "lllt", "prp")


def _draws(post, n: int, seed: int) -> tuple[list[Any], list[Any]]:
    """Per draw: the regeneration constants of the cell products and of PRP, and the posterior
    draw (``None`` with the priors)."""
    from anagen.therapy import DEFAULT_PRIORS

    rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    if post is None:
        regen = [DEFAULT_PRIORS.sample(rng) for _ in range(n)]
        return [(r, r) for r in regen], [None] * n
    pds = [post.sample(rng) for _ in range(n)]
    return [(d.regeneration, d.prp) for d in pds], pds


# --------------------------------------------------------------------------- simulation (workers)

_JOB: dict[str, Any] = {}


def _modulation(spec: _Spec, patient, horizon_days: float, regen, rng, runs: dict, pdraw=None):
    """The option's modulation for one draw: ``regen`` = (cell, PRP) regeneration constants;
    ``pdraw`` a posterior draw for the calibrated alternatives (``None``: their priors)."""
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy import regenerate, run_protocol
    from anagen.therapy.treatments import affected_zones

    if spec.protocol is not None:
        run = runs.get(spec.key)
        if run is None:
            run = runs[spec.key] = run_protocol(spec.protocol, patient, seed=0)
        return run.modulation(horizon_days, regen[0])
    t = spec.treatment
    if t.key == "prp":
        mask = np.array([z in affected_zones(patient) for z in ZONE_NAMES], dtype=float)
        days = t.session_days(COURSE_MONTHS * _DAYS_PER_MONTH)
        return regenerate(days, mask, mask, regen[1], horizon_days=horizon_days)
    if pdraw is not None and t.key in _CALIBRATED_KINDS:
        return pdraw.modulation(t, horizon_days, patient)
    return t.modulation(horizon_days, patient, rng)


def _run_draws(draws: Sequence[int]) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Simulate the untreated scalp and every option for the given draw indices.

    Returns the indices, untreated densities ``(len, n_t)`` and treated ``(n_opt, len, n_t)``.
    """
    from anagen.scalp import simulate

    job = _JOB
    specs, patient, scalps, regen = job["specs"], job["patient"], job["scalps"], job["regen"]
    w, horizon, every = job["weights"], job["horizon_days"], job["every"]
    runs: dict[str, Any] = {}
    n_t = job["n_t"]
    untreated = np.empty((len(draws), n_t))
    treated = np.empty((len(specs), len(draws), n_t))
    for j, d in enumerate(draws):
        params, state = scalps[d % len(scalps)]
        sim_seed = int(np.random.SeedSequence([job["seed"], 1, d]).generate_state(1)[0])
        kw = {"days": horizon, "every": every}
        untreated[j] = simulate(params, state, seed=sim_seed, **kw).terminal_density_per_cm2 @ w
        for i, spec in enumerate(specs):
            rng = np.random.default_rng(np.random.SeedSequence([job["seed"], 2, d, i]))
            mod = _modulation(spec, patient, horizon, regen[d], rng, runs, job["pdraws"][d])
            sim = simulate(params, state, modulation=mod, seed=sim_seed, **kw)
            treated[i, j] = sim.terminal_density_per_cm2 @ w
    return list(draws), untreated, treated


def _evidence_summary():
    from anagen.evidence import summarise_evidence

    return summarise_evidence()


# --------------------------------------------------------------------------- summaries


def _certainty(option: str, summary, model: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model_numbers": model,
        "cost": _SOURCES_COST,
        "downtime_and_side_effects": "cited clinic pages and study reports; frequencies only "
        "where a source gives one",
    }
    if summary is None:
        out["evidence"] = []
        out["rating"] = out["short"] = "not assessed"
        return out
    rows = []
    for a in summary.analyses:
        if a.name in _EVIDENCE_ANALYSES.get(option, ()):
            rows.append(
                {
                    "analysis": a.name,
                    "certainty": a.certainty.rating,
                    "k": a.k,
                    "n": a.n,
                    "statement": a.verdict,
                }
            )
    products = [
        s for s in summary.by_product if s.startswith(_EVIDENCE_PRODUCTS.get(option, ("\0",)))
    ]
    published = [
        {
            "treatment": p.treatment,
            "comparison": p.comparison,
            "estimate": p.estimate,
            "ci_low": p.ci_low,
            "ci_high": p.ci_high,
            "scale": p.scale,
            "citation": p.citation,
        }
        for p in summary.published
        if any(w.lower() in p.treatment.lower() for w in _EVIDENCE_PUBLISHED.get(option, ()))
    ]
    out["evidence"] = rows
    out["studies_by_product"] = products
    out["published_estimates"] = published
    if rows:
        order = ["very low", "low", "moderate", "high"]
        rating = min((r["certainty"] for r in rows), key=order.index)
        out["rating"] = rating
    elif published:
        out["rating"] = "published meta-analysis or trial, not re-graded by anagen"
    elif option == "none":
        out["rating"] = "not applicable"
    elif products:
        out["rating"] = "no usable controlled effect in the bundled studies"
    else:
        out["rating"] = "no trial evidence in anagen's bundled data"
    if option in _INDIRECT:
        out["note"] = _INDIRECT[option]
    out["short"] = {
        "published meta-analysis or trial, not re-graded by anagen": "published, not graded",
        "no usable controlled effect in the bundled studies": "no usable effect",
        "no trial evidence in anagen's bundled data": "none bundled",
        "not applicable": "n/a",
    }.get(out["rating"], out["rating"])
    return out


def _cost(spec: _Spec, info) -> tuple[dict[str, Any], float | None, float | None]:
    unit = info.cost_unit
    years = COURSE_MONTHS / 12
    if info.cost_high == 0:
        n, basis = 0, "no cost"
    elif unit.startswith("per session"):
        n = spec.sessions
        basis = f"{n} session(s) x {info.cost_text()}"
    elif unit.startswith("per year"):
        n = years
        basis = f"{years:g} years x {info.cost_text()}"
    elif unit.startswith("per device"):
        n = 1
        basis = f"one device, {info.cost_text()}"
    else:
        return (
            {
                "low": None,
                "high": None,
                "basis": f"{info.cost_text()}; the consumption over {COURSE_MONTHS} months is "
                "not in anagen's sources, so no total is computed",
                "sources": list(info.sources.get("cost", ())),
                "certainty": _SOURCES_COST,
            },
            None,
            None,
        )
    low, high = info.cost_low * n, info.cost_high * n
    return (
        {
            "low": low,
            "high": high,
            "basis": basis,
            "over_months": COURSE_MONTHS,
            "sources": list(info.sources.get("cost", ())),
            "certainty": _SOURCES_COST,
        },
        low,
        high,
    )


def _durability(
    spec: _Spec, months: np.ndarray, gain: np.ndarray, eff: np.ndarray
) -> dict[str, Any]:
    """How long the benefit lasts.

    ``gain`` is density minus today's, ``eff`` density minus no treatment, both ``(draws, n_t)``.
    Per draw, the gain "returns to baseline" at the first month after its peak at which the
    density is back at or below today's (draws never above today's have no gain to keep;
    draws still above at the horizon are "beyond horizon"). The advantage over no treatment
    "fades" at the first month after the treatment stops at which the 80 % interval of the
    effect includes zero.
    """
    stop_m = float(spec.stop_day / _DAYS_PER_MONTH)
    n = gain.shape[0]
    above = gain[:, 1:].max(axis=1) > 0
    back = np.full(n, np.nan)
    for d in np.flatnonzero(above):
        peak = 1 + int(np.argmax(gain[d, 1:]))
        below = np.flatnonzero(gain[d, peak:] <= 0)
        if below.size:
            back[d] = months[peak + below[0]]
    share_above = float(above.mean())
    beyond = float(np.mean(above & np.isnan(back)))
    lo = np.quantile(eff, 0.1, axis=0)
    clear = np.flatnonzero(lo > 0)
    fade = None
    if clear.size:
        after = np.flatnonzero((months >= stop_m) & (months > months[clear[0]]) & (lo <= 0))
        fade = float(months[after[0]]) if after.size else None
    out: dict[str, Any] = {
        "treatment_stops_month": round(stop_m, 1),
        "share_of_draws_ever_above_today": share_above,
        "share_of_draws_above_today_at_horizon": beyond,
        "return_to_today_month": None,
        "advantage_over_no_treatment_fades_month": fade,
        "horizon_month": HORIZON_MONTHS,
    }
    if spec.key == "none":
        out["text"] = "not applicable (no treatment)"
        return out
    if not clear.size:
        fade_t = "the advantage over no treatment is never clear (its 80% interval includes 0)"
    elif fade is not None:
        fade_t = (
            "the advantage over no treatment becomes uncertain (80% interval includes 0) from "
            f"month {fade:.0f}"
        )
    else:
        fade_t = f"the advantage over no treatment lasts beyond month {HORIZON_MONTHS}"
    if share_above < 0.5:
        head = (
            f"density never rises above today's in {100 * (1 - share_above):.0f}% of draws "
            "(the option slows the loss rather than reversing it)"
        )
    elif beyond >= share_above / 2:
        head = (
            f"above today's density beyond month {HORIZON_MONTHS} in {100 * beyond:.0f}% of draws"
        )
    else:
        iv = Interval.of(back[above & ~np.isnan(back)])
        out["return_to_today_month"] = iv.to_dict()
        head = (
            f"back to today's density around month {iv.median:.0f} (80% interval "
            f"{iv.low:.0f}-{iv.high:.0f})"
        )
    out["text"] = f"{head}; {fade_t} (treatment stops at month {stop_m:.0f})"
    return out


def _option_verdict(o: dict[str, Any], name: str, key: str) -> str:
    cand = o["candidacy"]
    status = cand["status"].replace("_", " ")
    if key == "none":
        ch = o["change"][12]
        return (
            f"{name}: the model expects today's density to change by {ch.median:+.1f} hairs/cm² "
            f"in 12 months (80% interval {ch.low:+.1f} to {ch.high:+.1f}), as pattern loss goes on."
        )
    eff = o["effect"][12]
    p = o["p_visible"][12]
    reasons = [r["text"] for r in cand["reasons"] if r["effect"] == cand["status"]]
    why = f" ({reasons[0]})" if reasons else ""
    if eff.high <= 0.5:
        size = "little or no gain over no treatment"
    elif eff.low > 0 and p >= 0.5:
        size = "a gain over no treatment that may be visible"
    elif eff.median > 0:
        size = "a possible gain over no treatment, uncertain in size"
    else:
        size = "no clear gain over no treatment"
    return (
        f"{name}: the model suggests {size} at 12 months ({eff.median:+.1f} hairs/cm², 80% "
        f"interval {eff.low:+.1f} to {eff.high:+.1f}; chance of a visible improvement "
        f"{100 * p:.0f}%); evidence: {o['certainty']['rating']}; candidacy: {status}{why}."
    )


def _overall_verdict(patient, opts: list[OptionAssessment], parameter_source: str) -> list[str]:
    sex = "man" if patient.sex == "M" else "woman"
    if parameter_source == MODEL_POSTERIOR:
        params_text = (
            "parameters calibrated to the published trials for the cell products, PRP, minoxidil, "
            "finasteride and laser (the transplant keeps its uncalibrated prior)"
        )
    else:
        params_text = "prior parameters, not calibrated to the trials"
    lines = [
        f"For a {patient.age:g}-year-old {sex} at stage {patient.stage}: predicted changes in "
        f"terminal hair density come from the anagen scalp model with {params_text}, so they "
        "show what the model implies, not measured results for this person."
    ]
    none = next(o for o in opts if o.key == "none")
    ch = none.change_vs_baseline[12]
    lines.append(
        f"Without treatment, the model expects {ch.median:+.1f} hairs/cm² in 12 months (80% "
        f"interval {ch.low:+.1f} to {ch.high:+.1f})."
    )
    usable = [o for o in opts if o.key != "none" and o.candidacy["status"] != "not_eligible"]
    stem = [o for o in usable if o.kind == "stem-cell"]
    alts = [o for o in usable if o.kind == "alternative"]
    if stem:
        best = max(stem, key=lambda o: o.effect_vs_none[12].median)
        e = best.effect_vs_none[12]
        lines.append(
            f"Stem-cell options: the largest modelled 12-month gain is {best.name} "
            f"({e.median:+.1f} hairs/cm² vs no treatment, 80% interval {e.low:+.1f} to "
            f"{e.high:+.1f}; chance of a visible improvement {100 * best.p_visible[12]:.0f}%)."
            + (
                f" Candidacy: {best.candidacy['status'].replace('_', ' ')}."
                if best.candidacy["status"] != "eligible"
                else ""
            )
            + f" The trial evidence behind it: {best.certainty['rating']}"
            + (
                "; the calibration rests on the same few trials, and the calibrated model"
                " falls short of the largest reported stem-cell effects (held-out check:"
                " `anagen calibrate loso`)."
                if parameter_source == MODEL_POSTERIOR
                else "."
            )
        )
    else:
        lines.append("Stem-cell options: none is open to this person on the candidacy rules.")
    if alts:
        best = max(alts, key=lambda o: o.effect_vs_none[12].median)
        e = best.effect_vs_none[12]
        lines.append(
            f"Alternatives: the largest modelled 12-month gain is {best.name} ({e.median:+.1f} "
            f"hairs/cm², 80% interval {e.low:+.1f} to {e.high:+.1f}; evidence: "
            f"{best.certainty['rating']})."
        )
    blocked = [o.name for o in opts if o.candidacy["status"] == "not_eligible"]
    if blocked:
        lines.append("Not open to this person on the candidacy rules: " + "; ".join(blocked) + ".")
    lines.append(
        "Overall certainty of the trial evidence that stem-cell therapy increases hair density "
        "is very low; approved options (minoxidil, finasteride) rest on stronger evidence."
        if stem or any(o.kind == "stem-cell" for o in opts)
        else "See each option's evidence rating."
    )
    lines.append(DISCLAIMER)
    return lines


# --------------------------------------------------------------------------- entry point


def assess_patient(
    patient: Any,
    *,
    protocols: Sequence[Any] | None = None,
    seed: int = 0,
    n_draws: int = 30,
    n_follicles: int = 8_000,
    n_scalps: int = 4,
    workers: int | None = None,
    with_evidence: bool = True,
) -> Assessment:
    """Assess every option for ``patient`` (see the module docstring).

    Parameters
    ----------
    patient
        A :class:`~anagen.therapy.Patient` (or a path to a patient TOML file).
    protocols
        Stem-cell protocols: ``None`` for the shipped ones, or names, paths or ``Protocol``
        objects (:func:`resolve_protocols`).
    seed
        One seed, one answer.
    n_draws
        Joint draws of the model parameters, each with its own stochastic simulation.
    n_follicles
        Follicles of the simulated whole scalp (100,000 is a real scalp).
    n_scalps
        Distinct simulated day-0 scalps of this person, used in turn by the draws.
    workers
        Processes for the simulations (default: up to 2 of the available cores); 1 runs serially.
    with_evidence
        Attach the evidence summary (GRADE ratings). ``False`` leaves the ratings "not assessed".

    Raises
    ------
    InputError
        Out-of-range settings, unknown protocol (``field='--protocol'``), invalid patient file.
    """
    import time

    from anagen.therapy import Patient, load_patient

    t_start = time.perf_counter()
    if not isinstance(patient, Patient):
        patient = load_patient(patient)
    if not (isinstance(n_draws, int) and 5 <= n_draws <= 2000):
        raise InputError(field="n_draws", allowed="an integer in [5, 2000]", got=n_draws)
    if not (isinstance(n_follicles, int) and 2_000 <= n_follicles <= 200_000):
        raise InputError(
            field="n_follicles", allowed="an integer in [2000, 200000]", got=n_follicles
        )
    if not (isinstance(n_scalps, int) and 1 <= n_scalps <= n_draws):
        raise InputError(field="n_scalps", allowed=f"an integer in [1, {n_draws}]", got=n_scalps)
    protocols = resolve_protocols(protocols)  # validated before any process is started
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    fork_ok = workers > 1 and "fork" in mp.get_all_start_methods()
    # the evidence summary (mostly importing SciPy and pooling) runs in its own process from
    # the start, alongside the preparation and the simulations
    ev_pool = ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) if fork_ok else None
    fut_ev = ev_pool.submit(_evidence_summary) if ev_pool is not None and with_evidence else None
    try:
        return _assess(
            patient, protocols, seed, n_draws, n_follicles, n_scalps, workers, fork_ok,
            with_evidence, fut_ev, t_start,
        )  # fmt: skip
    finally:
        if ev_pool is not None:
            ev_pool.shutdown(wait=True, cancel_futures=True)


def _assess(
    patient, protocols, seed, n_draws, n_follicles, n_scalps, workers, fork_ok, with_evidence,
    fut_ev, t_start,
) -> Assessment:  # fmt: skip
    import time

    from anagen.scalp import ZONE_NAMES
    from anagen.therapy import DEFAULT_PRIORS, option_info, patient_scalp
    from anagen.therapy import assess as candidacy
    from anagen.therapy.treatments import affected_zones

    protos = resolve_protocols(protocols)
    specs = _specs(protos)

    post, why_not = _load_posterior()
    regen, pdraws = _draws(post, n_draws, seed)
    parameter_source = MODEL_POSTERIOR if post is not None else MODEL_PRIOR
    if post is None:
        regen_median = (DEFAULT_PRIORS.median(), DEFAULT_PRIORS.median())
    else:
        med = post.median()
        regen_median = (med.regeneration, med.prp)

    zones = affected_zones(patient)
    scalps = [
        patient_scalp(patient, n_follicles=n_follicles, seed=seed * 1009 + k)
        for k in range(n_scalps)
    ]
    params = scalps[0][0]
    area = np.asarray(params.zones.area_cm2, dtype=float)
    mask = np.array([z in zones for z in ZONE_NAMES], dtype=float)
    weights = area * mask / float(np.sum(area * mask))
    horizon = HORIZON_MONTHS * _DAYS_PER_MONTH
    months = np.arange(HORIZON_MONTHS + 1, dtype=float)
    t_prep = time.perf_counter()

    _JOB.clear()
    _JOB.update(
        specs=specs,
        patient=patient,
        scalps=scalps,
        regen=regen,
        pdraws=pdraws,
        weights=weights,
        horizon_days=horizon,
        every=_DAYS_PER_MONTH,
        n_t=months.size,
        seed=seed,
    )
    chunks = [list(range(i, n_draws, max(workers, 1) * 2)) for i in range(max(workers, 1) * 2)]
    chunks = [c for c in chunks if c]
    if fork_ok:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            results = list(pool.map(_run_draws, chunks))
    else:
        results = [_run_draws(c) for c in chunks]
    if fut_ev is not None:
        summary = fut_ev.result()
    else:
        summary = _evidence_summary() if with_evidence else None
    _JOB.clear()
    t_sim = time.perf_counter()

    untreated = np.empty((n_draws, months.size))
    treated = np.empty((len(specs), n_draws, months.size))
    for idx, u, tr in results:
        untreated[idx] = u
        treated[:, idx] = tr
    baseline = untreated[:, 0]
    mi = [int(m) for m in MONTHS]

    def build(key, name, option, kind, dens, spec: _Spec) -> OptionAssessment:
        eff = dens - untreated
        gain = dens - baseline[:, None]
        info = option_info(option)
        cand = candidacy(patient, option).to_dict()
        calibrated = post is not None and (spec.protocol is not None or key in _CALIBRATED_KINDS)
        cert = _certainty(option, summary, MODEL_POSTERIOR if calibrated else MODEL_PRIOR)
        cost, low, high = _cost(spec, info)
        e24 = float(np.median(eff[:, 24]))
        if low is None:
            cph = {"low": None, "high": None, "note": "no total cost computed"}
        elif key == "none":
            cph = {"low": None, "high": None, "note": "not applicable (no treatment)"}
        elif e24 <= 0.5:
            cph = {
                "low": None,
                "high": None,
                "note": f"no median gain over no treatment at 24 months ({e24:+.1f} hairs/cm²)",
            }
        else:
            cph = {
                "low": low / e24,
                "high": high / e24,
                "note": f"total cost / median gain over no treatment at 24 months ({e24:+.1f} "
                "hairs/cm²)",
            }
        thr = VISIBLE_FRACTION * baseline
        d = {
            "effect": {m: Interval.of(eff[:, m]) for m in mi},
            "change": {m: Interval.of(gain[:, m]) for m in mi},
            "p_visible": {m: float(np.mean(eff[:, m] >= thr)) for m in mi},
            "candidacy": cand,
            "certainty": cert,
        }
        srcs = sorted({t for v in info.sources.values() for t in v})
        if spec.protocol is not None:
            srcs = sorted(set(srcs) | set(spec.protocol.protocol.sources))
        return OptionAssessment(
            key=key,
            name=name,
            option=option,
            kind=kind,
            effect_vs_none=d["effect"],
            change_vs_baseline=d["change"],
            p_visible=d["p_visible"],
            durability=_durability(spec, months, gain, eff),
            cost=cost,
            cost_per_hair=cph,
            downtime=info.downtime,
            side_effects=tuple(
                {"effect": s.effect, "frequency": s.frequency, "sources": list(s.sources)}
                for s in info.side_effects
            ),
            regulatory={"us": info.regulatory_us, "eu": info.regulatory_eu},
            candidacy=cand,
            certainty=cert,
            sources=tuple(srcs),
            verdict=_option_verdict(d, name, key),
            fan_months=months,
            fan_density=np.quantile(dens, (0.1, 0.5, 0.9), axis=0),
        )

    opts = [build(s.key, s.name, s.option, s.kind, treated[i], s) for i, s in enumerate(specs)]
    none_spec = _Spec("none", "No treatment", "none", "no treatment", 0.0, 0)
    opts.append(build("none", "No treatment", "none", "no treatment", untreated, none_spec))
    verdict = _overall_verdict(patient, opts, parameter_source)
    map_runs = _map_runs(patient, specs, opts, scalps[0], horizon, regen_median)
    t_end = time.perf_counter()
    p = patient.patient
    return Assessment(
        patient={
            "age": p.age,
            "sex": p.sex,
            "stage": p.stage,
            "years_since_onset": p.years_since_onset,
            "bmi": p.bmi,
            "smoking": p.smoking,
            "health_flags": [k for k, v in patient.health.model_dump().items() if v is True],
            "no_living_follicles": list(patient.dead_zones),
        },
        zones=tuple(zones),
        baseline_density=Interval.of(baseline),
        options=tuple(opts),
        verdict=tuple(verdict),
        parameter_source=parameter_source,
        visible_definition=(
            f"a gain over no treatment of at least {100 * VISIBLE_FRACTION:.0f}% of today's "
            "terminal density in the pattern-loss zones - an assumption: no source in anagen's "
            "reference lists gives a threshold of visibility for regrowth"
        ),
        durability_definition=(
            f"drugs, laser and PRP maintenance are assumed used for {COURSE_MONTHS} months, then "
            "stopped; procedures end with their last session. Per draw, the gain returns to "
            "baseline at the first month after its peak at which the density is back at or below "
            f"today's ('beyond horizon' when still above at month {HORIZON_MONTHS}); the "
            "advantage over no treatment fades at the first month after the treatment stops at "
            "which its 80% interval includes zero"
        ),
        settings={
            "seed": seed,
            "n_draws": n_draws,
            "n_follicles": n_follicles,
            "n_scalps": n_scalps,
            "workers": workers if fork_ok else 1,
            "horizon_months": HORIZON_MONTHS,
            "course_months": COURSE_MONTHS,
            "posterior": why_not or "used",
            "visible_fraction": VISIBLE_FRACTION,
            "engine": "stochastic",
            "protocols": [pr.name for pr in protos],
        },
        timings_s={
            "prepare": t_prep - t_start,
            "simulate_and_evidence": t_sim - t_prep,
            "summarise": t_end - t_sim,
            "total": t_end - t_start,
        },
        evidence=summary,
        map_runs=map_runs,
    )


def _map_runs(patient, specs, opts, scalp, horizon, regen) -> dict[str, Any]:
    """No treatment and the stem-cell option with the largest median 12-month effect, one run
    each at the prior medians (for the report's scalp maps)."""
    from anagen.scalp import simulate

    params, state = scalp
    kw = {"days": horizon, "every": _DAYS_PER_MONTH, "seed": 1}
    out = {"No treatment": simulate(params, state, **kw)}
    stem = [(o, s) for o, s in zip(opts, specs, strict=False) if s.protocol is not None]
    if stem:
        o, s = max(stem, key=lambda t: t[0].effect_vs_none[12].median)
        mod = _modulation(s, patient, horizon, regen, None, {})
        out[o.name] = simulate(params, state, modulation=mod, **kw)
    return out
