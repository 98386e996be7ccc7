"""Assessment of one person: the one function that computes a person's predictions.

:func:`assess_patient` plans the options and parameter draws (:mod:`._assess_plan`), simulates
every draw on the patient's whole scalp, untreated and under each option
(:mod:`._assess_sim`), and summarises each option (:mod:`._assess_summary`,
:mod:`._assess_verdict`) into one :class:`~anagen.decision.Assessment`. ``anagen assess``,
``anagen therapy simulate``, ``anagen therapy compare``, the HTML/PDF report and the web app only
render that object, so the same patient, option, seed and parameter source give the same numbers
everywhere.

It is safe to call concurrently (no module state): the caller passes an executor (or a Dask
client) to spread the draws, and may pass the posterior and the evidence summary it already
holds. Outputs are decision support for a conversation with a hair-loss specialist, not a
diagnosis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from anagen.decision._assess_plan import (
    ALTERNATIVES,
    COURSE_MONTHS,
    DAYS_PER_MONTH,
    HORIZON_MONTHS,
    MONTHS,
    data_checksums,
    no_treatment,
    parameter_draws,
    plan_options,
    resolve_protocols,
)
from anagen.decision._assess_sim import DrawJob, modulation, simulate_all
from anagen.decision._assess_summary import (
    MODEL_POSTERIOR,
    MODEL_PRIOR,
    certainty,
    cost,
    durability,
    horizons,
)
from anagen.decision._assess_verdict import DISCLAIMER, headline, option_verdict, overall_verdict
from anagen.decision._assessment import (
    SCHEMA_VERSION,
    Assessment,
    Interval,
    OptionAssessment,
    Provenance,
    SideEffect,
    Trajectory,
)
from anagen.decision._constraints import Choice, IntRange, check, check_all
from anagen.errors import InputError

__all__ = [
    "ASSESS_CONSTRAINTS",
    "DISCLAIMER",
    "HORIZON_MONTHS",
    "MONTHS",
    "OUTCOME",
    "UNIT",
    "VISIBLE_FRACTION",
    "assess_patient",
    "resolve_protocols",
]

#: The outcome every command reports, and its unit in words.
OUTCOME = "terminal hair density, mean over the pattern-loss zones"
UNIT = "hairs per cm²"
#: A "visible improvement": a gain over no treatment of at least this share of the person's
#: current terminal density in the pattern-loss zones.
VISIBLE_FRACTION = 0.10

#: Input limits of :func:`assess_patient`, declared once (the CLI and the web API reuse them).
ASSESS_CONSTRAINTS: dict[str, IntRange | Choice] = {
    "seed": IntRange(0, 2**63 - 1),
    "n_draws": IntRange(5, 2000),
    "n_follicles": IntRange(2_000, 200_000),
    "n_scalps": IntRange(1, 64),
    "source": Choice(("posterior", "prior")),
}


def _posterior(source: str, posterior: Any) -> Any:
    if source == "prior":
        return None
    if posterior is not None:
        return posterior
    from anagen.decision._calibrate import load_posterior

    return load_posterior()


def _evidence_summary():
    from anagen.evidence import summarise_evidence

    return summarise_evidence()


def assess_patient(
    patient: Any,
    *,
    protocols: Sequence[Any] | None = None,
    options: Sequence[str] | None = None,
    seed: int = 0,
    n_draws: int = 30,
    n_follicles: int = 8_000,
    n_scalps: int = 4,
    source: str = "posterior",
    posterior: Any = None,
    evidence: Any = None,
    with_evidence: bool = True,
    executor: Any = None,
    with_maps: bool = True,
) -> Assessment:
    """Predict every option for ``patient``: effect at 6, 12 and 24 months with 80 % intervals,
    chance of a visible improvement, durability, cost, safety and candidacy, and the certainty
    of the evidence behind each number.

    Parameters
    ----------
    patient
        A :class:`~anagen.therapy.Patient` (or a path to a patient TOML file).
    protocols
        Stem-cell protocols: ``None`` for the shipped ones, ``()`` for none, or names, paths or
        ``Protocol`` objects.
    options
        Keys of the alternatives to include (``None``: all of :data:`ALTERNATIVES`). No
        treatment is always included: it is every option's comparator.
    seed
        One seed, one answer: every random stream derives from it, the draw and the option key.
    n_draws, n_follicles, n_scalps
        Parameter draws (each with its own stochastic simulation), follicles of the simulated
        scalp, distinct simulated day-0 scalps used in turn by the draws.
    source
        ``"posterior"`` (default: the calibrated posterior, ``posterior`` or the shipped one) or
        ``"prior"`` (the uncalibrated priors; every output says so).
    posterior, evidence
        A :class:`~anagen.decision.Posterior` and an evidence summary the caller already holds;
        the shipped posterior and a fresh :func:`~anagen.evidence.summarise_evidence` otherwise.
    with_evidence
        ``False`` leaves the GRADE ratings "not assessed" (faster).
    executor
        A ``concurrent.futures`` executor or a Dask client to run the draws on; ``None`` runs
        them here. The numbers do not depend on it.
    with_maps
        Also run the two scalp-map simulations of the report (no treatment and the leading
        stem-cell option at the parameter medians).

    Raises
    ------
    InputError
        A parameter outside :data:`ASSESS_CONSTRAINTS` (named), an unknown protocol
        (``protocols``) or option (``options``), an invalid patient file or posterior.
    """
    from anagen.therapy import Patient, load_patient

    check_all(
        ASSESS_CONSTRAINTS,
        {"seed": seed, "n_draws": n_draws, "n_follicles": n_follicles, "n_scalps": n_scalps,
         "source": source},
    )  # fmt: skip
    if n_scalps > n_draws:
        raise InputError(field="n_scalps", allowed=f"at most n_draws ({n_draws})", got=n_scalps)
    if not isinstance(patient, Patient):
        patient = load_patient(patient)
    protos = resolve_protocols(protocols)
    alts = tuple(ALTERNATIVES if options is None else options)
    specs = plan_options(protos, alts)
    post = _posterior(source, posterior)
    fut_ev = None
    if evidence is None and with_evidence and executor is not None:
        ex = executor.get_executor() if hasattr(executor, "get_executor") else executor
        fut_ev = ex.submit(_evidence_summary)
    return _assess(
        patient, protos, alts, specs, post, source, seed, n_draws, n_follicles, n_scalps,
        evidence, with_evidence, fut_ev, executor, with_maps,
    )  # fmt: skip


assess_patient.constraints = ASSESS_CONSTRAINTS  # type: ignore[attr-defined]


def _assess(
    patient, protos, alts, specs, post, source, seed, n_draws, n_follicles, n_scalps,
    evidence, with_evidence, fut_ev, executor, with_maps,
) -> Assessment:  # fmt: skip
    import anagen
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy import assess as candidacy
    from anagen.therapy import option_info, patient_scalp
    from anagen.therapy.treatments import affected_zones

    regen, pdraws, regen_median = parameter_draws(post, n_draws, seed)
    zones = affected_zones(patient)
    scalps = tuple(
        patient_scalp(patient, n_follicles=n_follicles, seed=seed * 1009 + k)
        for k in range(n_scalps)
    )
    area = np.asarray(scalps[0][0].zones.area_cm2, dtype=float)
    mask = np.array([z in zones for z in ZONE_NAMES], dtype=float)
    weights = area * mask / float(np.sum(area * mask))
    horizon = HORIZON_MONTHS * DAYS_PER_MONTH
    months = np.arange(HORIZON_MONTHS + 1, dtype=float)
    job = DrawJob(
        tuple(specs), patient, scalps, tuple(regen), tuple(pdraws), weights, horizon,
        months.size, seed,
    )  # fmt: skip
    untreated, treated = simulate_all(job, n_draws, executor)
    if evidence is not None:
        summary = evidence
    elif fut_ev is not None:
        summary = fut_ev.result()
    else:
        summary = _evidence_summary() if with_evidence else None

    baseline = untreated[:, 0]
    base_iv = Interval.of(baseline)
    threshold = VISIBLE_FRACTION * base_iv.median
    model_text = MODEL_POSTERIOR if post is not None else MODEL_PRIOR

    def build(spec, dens) -> OptionAssessment:
        eff = dens - untreated
        gain = dens - baseline[:, None]
        info = option_info(spec.option)
        calibrated = post is not None and spec.calibrated
        srcs = {t for v in info.sources.values() for t in v}
        if spec.protocol is not None:
            srcs |= set(spec.protocol.protocol.sources)
        o = OptionAssessment(
            key=spec.key,
            name=spec.name,
            option=spec.option,
            kind=spec.kind,
            horizons=horizons(MONTHS, eff, gain, threshold),
            durability=durability(spec, months, gain, eff),
            cost=cost(spec, info, float(np.median(eff[:, 24]))),
            downtime=info.downtime,
            side_effects=tuple(
                SideEffect(s.effect, s.frequency, tuple(s.sources)) for s in info.side_effects
            ),
            regulatory_us=info.regulatory_us,
            regulatory_eu=info.regulatory_eu,
            candidacy=candidacy(patient, spec.option),
            certainty=certainty(spec.option, summary, model_text if calibrated else MODEL_PRIOR),
            sources=tuple(sorted(srcs)),
            verdict="",
            trajectory=Trajectory.of(months, dens),
        )
        return _with_verdict(o)

    opts = [build(s, treated[i]) for i, s in enumerate(specs)]
    opts.append(build(no_treatment(), untreated))
    unit_text = f"{OUTCOME} ({UNIT})"
    verdict = overall_verdict(patient, opts, source, unit_text)
    map_runs = (
        _map_runs(patient, specs, opts, scalps[0], horizon, regen_median) if with_maps else {}
    )
    prov = Provenance(
        schema_version=SCHEMA_VERSION,
        model_version=anagen.__version__,
        parameter_source=source,
        parameter_source_text=model_text,
        seed=seed,
        n_draws=n_draws,
        n_follicles=n_follicles,
        n_scalps=n_scalps,
        horizon_months=HORIZON_MONTHS,
        course_months=COURSE_MONTHS,
        engine="stochastic",
        protocols=tuple(p.name for p in protos),
        options=alts,
        data_checksums=data_checksums(post, protos),
    )
    return Assessment(
        patient=patient,
        outcome=OUTCOME,
        unit=UNIT,
        zones=tuple(zones),
        baseline_density=base_iv,
        options=tuple(opts),
        headline=headline(opts),
        verdict=verdict,
        not_modelled=(),
        evidence_certainty="not assessed" if summary is None else str(summary.certainty),
        visible_definition=(
            f"a gain over no treatment of at least {threshold:.1f} {UNIT} "
            f"({100 * VISIBLE_FRACTION:.0f}% of today's median {base_iv.median:.0f} {UNIT})"
        ),
        visible_threshold=threshold,
        durability_definition=(
            f"drugs, laser and PRP maintenance are assumed used for {COURSE_MONTHS} months, then "
            "stopped; procedures end with their last session. Per draw, the gain returns to "
            "today's at the first month after its peak at which the outcome is back at or below "
            "today's; the advantage over no treatment fades at the first month after the "
            "treatment stops at which its 80% interval includes zero. Past the longest "
            "follow-up of a trial of the option, durability is unknown"
        ),
        provenance=prov,
        disclaimer=DISCLAIMER,
        evidence=summary,
        map_runs=map_runs,
    )


def _with_verdict(o: OptionAssessment) -> OptionAssessment:
    import dataclasses

    return dataclasses.replace(o, verdict=option_verdict(o))


def _map_runs(patient, specs, opts, scalp, horizon, regen) -> dict[str, Any]:
    """No treatment and the stem-cell option with the largest median 12-month effect, one run
    each at the parameter medians (for the report's scalp maps)."""
    from anagen.scalp import simulate

    params, state = scalp
    kw = {"days": horizon, "every": DAYS_PER_MONTH, "seed": 1}
    out = {"No treatment": simulate(params, state, **kw)}
    stem = [(o, s) for o, s in zip(opts, specs, strict=False) if s.protocol is not None and o.safe]
    if stem:
        o, s = max(stem, key=lambda t: t[0].at(12).effect_vs_none.median)
        mod = modulation(s, patient, horizon, regen, None, {})
        out[o.name] = simulate(params, state, modulation=mod, **kw)
    return out


def check_setting(param: str, value: Any, *, name: str | None = None) -> Any:
    """Check one setting against :data:`ASSESS_CONSTRAINTS` (``name``: the CLI flag)."""
    return check(ASSESS_CONSTRAINTS, param, value, name=name)
