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

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from anagen.decision._assess_combine import (
    combination_kappa,
)
from anagen.decision._assess_option import Draws, summarise_option
from anagen.decision._assess_plan import (
    ALTERNATIVES,
    COURSE_MONTHS,
    DAYS_PER_MONTH,
    HORIZON_MONTHS,
    MONTHS,
    data_checksums,
    no_treatment,
    option_zone,
    parameter_draws,
    plan_options,
    resolve_protocols,
)
from anagen.decision._assess_sim import DrawJob, collect_draws, modulation, submit_draws
from anagen.decision._assess_summary import (
    MODEL_POSTERIOR,
    MODEL_PRIOR,
)
from anagen.decision._assess_verdict import (
    DISCLAIMER,
    option_verdict,
    overall_verdict,
    rank,
)
from anagen.decision._assessment import (
    SCHEMA_VERSION,
    Assessment,
    Interval,
    OptionAssessment,
    Provenance,
)
from anagen.decision._constraints import Choice, IntRange, check, check_all
from anagen.decision._size import DEFAULT_SIZE
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

#: The outcome every command reports, and its unit in words: what a trial measures (a
#: target-area count), in the zone where the trials of pattern hair loss place the area.
OUTCOME = "terminal hairs counted in a re-found 1 cm² target area"
UNIT = "hairs per cm²"


def target_zone(patient: Any) -> str:
    """Zone of the target area: the vertex for men (the 1 cm² vertex area of the finasteride and
    minoxidil trials [S22][T01]); the mid-scalp for women (the central scalp where Ludwig and
    Savin stage the thinning, frontal to vertex; the women's minoxidil trials counted there)."""
    return "vertex" if patient.sex == "M" else "mid_scalp"


#: A "visible improvement" is a gain over no treatment of at least 10 % of today's terminal
#: count in the target area, and never less than :data:`VISIBLE_FLOOR`. Basis (an argued
#: threshold: no source gives a threshold of visibility): the pivotal finasteride trials called
#: +107 hairs in a 5.1 cm² vertex circle at one year, i.e. +21 hairs per cm² or 12 % of the
#: 876-hair baseline, a "clinically significant" increase [KAUF98]; 10 % of today's count keeps
#: that relative size for any density, and the floor of half that absolute gain (10 hairs per
#: cm²) stops a handful of hairs on a nearly bald area (a Norwood VI vertex) from counting as
#: visible.
VISIBLE_FRACTION = 0.10
VISIBLE_FLOOR = 10.0
VISIBLE_DEFINITION = (
    "a gain over no treatment of at least {thr:.1f} hairs per cm² in the target area: {frac:.0f}% "
    "of today's count there, and never less than {floor:.0f} hairs per cm² (half of the +21 hairs "
    "per cm², 12% of baseline, that the pivotal finasteride trials called a clinically "
    "significant increase [KAUF98]; an argued threshold: no source gives one for visibility)"
)


def visible_threshold(today: float) -> float:
    """Hairs per cm² a gain must reach to count as visible (:data:`VISIBLE_FRACTION` of
    ``today``'s count, at least :data:`VISIBLE_FLOOR`)."""
    return max(VISIBLE_FLOOR, VISIBLE_FRACTION * float(today))


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
    seed: int = DEFAULT_SIZE.seed,
    n_draws: int = DEFAULT_SIZE.n_draws,
    n_follicles: int = DEFAULT_SIZE.n_follicles,
    n_scalps: int = DEFAULT_SIZE.n_scalps,
    source: str = "posterior",
    posterior: Any = None,
    evidence: Any = None,
    with_evidence: bool = True,
    executor: Any = None,
    with_maps: bool = True,
    target: str | None = None,
    extra_months: Sequence[int] = (),
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
        A :class:`~anagen.decision.Posterior` and an evidence summary the caller already holds
        (or a future of one: anything with ``result()``, asked once the draws are running);
        the shipped posterior and a fresh :func:`~anagen.evidence.summarise_evidence` otherwise.
    with_evidence
        ``False`` leaves the GRADE ratings "not assessed" (faster).
    executor
        A ``concurrent.futures`` executor or a Dask client to run the draws on; ``None`` runs
        them here. The numbers do not depend on it.
    target
        Zone of the 1 cm² target area (default :func:`target_zone`).
    extra_months
        Months (1 to 48) reported besides 6, 12 and 24 (e.g. a trial's follow-up).
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
    for m in extra_months:
        if not (isinstance(m, int) and 1 <= m <= HORIZON_MONTHS):
            raise InputError(
                field="extra_months", allowed=f"integers in [1, {HORIZON_MONTHS}]", got=m
            )
    report_months = tuple(sorted({*MONTHS, *extra_months}))
    if target is not None:
        from anagen.scalp import ZONE_NAMES

        if target not in ZONE_NAMES:
            raise InputError(field="target", allowed="one of " + ", ".join(ZONE_NAMES), got=target)
    protos = resolve_protocols(protocols)
    alts = tuple(ALTERNATIVES if options is None else options)
    specs = plan_options(protos, alts, patient)
    post = _posterior(source, posterior)
    fut_ev = None
    if evidence is not None and hasattr(evidence, "result"):  # read while the draws run
        fut_ev, evidence = evidence, None
    if evidence is None and fut_ev is None and with_evidence and executor is not None:
        ex = executor.get_executor() if hasattr(executor, "get_executor") else executor
        fut_ev = ex.submit(_evidence_summary)
    return _assess(
        patient, protos, alts, specs, post, source, seed, n_draws, n_follicles, n_scalps,
        evidence, with_evidence, fut_ev, executor, with_maps, target, report_months,
    )  # fmt: skip


assess_patient.constraints = ASSESS_CONSTRAINTS  # type: ignore[attr-defined]


def _assess(
    patient, protos, alts, specs, post, source, seed, n_draws, n_follicles, n_scalps,
    evidence, with_evidence, fut_ev, executor, with_maps, target, report_months,
) -> Assessment:  # fmt: skip
    import anagen
    from anagen.therapy import patient_scalp
    from anagen.therapy.treatments import affected_zones

    regen, pdraws, regen_median = parameter_draws(post, n_draws, seed)
    zones = affected_zones(patient)
    scalps = tuple(
        patient_scalp(patient, n_follicles=n_follicles, seed=seed * 1009 + k)
        for k in range(n_scalps)
    )
    zone = target_zone(patient) if target is None else target
    opt_zones = [option_zone(sp, patient, zone) for sp in specs]
    area_zones = tuple(dict.fromkeys([zone, *opt_zones]))
    horizon = HORIZON_MONTHS * DAYS_PER_MONTH
    months = np.arange(HORIZON_MONTHS + 1, dtype=float)
    job = DrawJob(
        tuple(specs), patient, scalps, tuple(regen), tuple(pdraws), area_zones,
        tuple(area_zones.index(z) for z in opt_zones), horizon,
        months.size, seed, tuple(float(k) for k in combination_kappa(n_draws)),
    )  # fmt: skip
    pending = submit_draws(job, n_draws, executor)
    # while the workers simulate: the evidence summary (cached, or on a worker) and the
    # untreated scalp map
    if evidence is not None:
        summary = evidence
    elif fut_ev is not None:
        summary = fut_ev.result()
    else:
        summary = _evidence_summary() if with_evidence else None
    map_none = _map_none(scalps[0], horizon) if with_maps else None
    untreated, treated = collect_draws(job, n_draws, pending)

    d = Draws(
        patient, tuple(specs), untreated, treated, job.spec_zone, area_zones, months,
        report_months, summary, MODEL_POSTERIOR if post is not None else MODEL_PRIOR,
        post is not None,
    )  # fmt: skip
    thresholds = [visible_threshold(Interval.of(u[:, 0]).median) for u in untreated]
    opts, ranking_effect = [], {}
    for i, spec in [*enumerate(specs), (None, no_treatment())]:
        zi = 0 if i is None else job.spec_zone[i]
        dens = untreated[0] if i is None else treated[i]
        o, eff12 = summarise_option(d, spec, dens, zi, thresholds[zi])
        opts.append(o)
        ranking_effect[o.key] = eff12
    opts, groups = rank(opts, ranking_effect)
    opts = [_with_verdict(o) for o in opts]
    base_iv, threshold = opts[-1].baseline, opts[-1].visible_threshold
    outcome = f"{OUTCOME} of the {zone.replace('_', '-')}"
    unit_text = f"{outcome} ({UNIT})"
    verdict = overall_verdict(patient, opts, source, unit_text, groups)
    map_runs = (
        _map_runs(patient, specs, opts, scalps[0], horizon, regen_median, map_none)
        if with_maps
        else {}
    )
    prov = Provenance(
        schema_version=SCHEMA_VERSION,
        model_version=anagen.__version__,
        parameter_source=source,
        parameter_source_text=d.model_text,
        seed=seed,
        n_draws=n_draws,
        n_follicles=n_follicles,
        n_scalps=n_scalps,
        horizon_months=HORIZON_MONTHS,
        course_months=COURSE_MONTHS,
        months=report_months,
        engine="stochastic",
        protocols=tuple(p.name for p in protos),
        options=alts,
        data_checksums=data_checksums(post, protos),
    )
    return Assessment(
        patient=patient,
        outcome=outcome,
        unit=UNIT,
        zones=tuple(zones),
        target_zone=zone,
        baseline_density=base_iv,
        options=tuple(opts),
        headline=tuple(k for g in groups for k in g),
        verdict=verdict,
        not_modelled=not_modelled(patient),
        evidence_certainty="not assessed" if summary is None else str(summary.certainty),
        visible_definition=VISIBLE_DEFINITION.format(
            thr=threshold, frac=100 * VISIBLE_FRACTION, floor=VISIBLE_FLOOR
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


def not_modelled(patient: Any) -> tuple[str, ...]:
    """What the person told us, finding by finding: how it enters the prediction, or why not."""
    p, h = patient.patient, patient.health
    out = []
    if p.smoking != "never" or p.bmi is not None:
        out.append(
            "smoking and BMI: modelled for the fat-derived products only (fewer viable cells per "
            "gram of fat in smokers [T4]; cell yield by BMI [T3][T14]); no source gives their "
            "effect on the response to the other options, so those predictions do not change"
        )
    if h.diabetes_uncontrolled:
        out.append(
            "uncontrolled diabetes: not modelled - lower stem-cell function is reported [T13] "
            "but without an effect size on hair; the candidacy asks a specialist"
        )
    if h.thyroid_disorder:
        out.append(
            "thyroid disorder: not modelled - it can itself cause hair loss, which the pattern "
            "hair loss model does not include; the candidacy asks a specialist [T85][T37]"
        )
    if h.hypertension:
        out.append(
            "hypertension: not modelled - associated with lower SVF cell counts [T3][T5] without "
            "an effect size on hair"
        )
    if h.active_autoimmune or h.immunosuppressed:
        out.append(
            "autoimmune disease or immunosuppression: not modelled (an exclusion of the cell "
            "trials, see candidacy [T19][T75])"
        )
    for what, m in (
        ("minoxidil", h.months_since_minoxidil),
        ("finasteride", h.months_since_finasteride),
        ("a scalp procedure", h.months_since_scalp_procedure),
    ):
        if m is not None:
            out.append(
                f"{what} {m:g} months ago: not modelled (the model starts from today's scalp); "
                "a trial exclusion for the cell products, see candidacy [T19]"
            )
    if patient.treatments.current:
        out.append(
            "current treatments ("
            + ", ".join(patient.treatments.current)
            + "): modelled as options used together with what is added (combinations); today's "
            "scalp is not adjusted for their past effect"
        )
    return tuple(out)


def _with_verdict(o: OptionAssessment) -> OptionAssessment:

    return dataclasses.replace(o, verdict=option_verdict(o))


def _map_none(scalp, horizon) -> Any:
    """The untreated run of the report's scalp maps (parameter medians, seed 1)."""
    from anagen.scalp import simulate

    params, state = scalp
    return simulate(params, state, days=horizon, every=DAYS_PER_MONTH, seed=1)


def _map_runs(patient, specs, opts, scalp, horizon, regen, none_run) -> dict[str, Any]:
    """No treatment (``none_run``, from :func:`_map_none`) and the stem-cell option with the
    largest median 12-month effect among those known at month 24, one run each at the parameter
    medians (for the report's scalp maps)."""
    from anagen.scalp import simulate

    params, state = scalp
    kw = {"days": horizon, "every": DAYS_PER_MONTH, "seed": 1}
    out = {"No treatment": none_run}
    # only an option whose trials followed patients to month 24 (the map's month) is drawn
    stem = [
        (o, s)
        for o, s in zip(opts, specs, strict=False)
        if s.protocol is not None and o.safe and not o.extrapolation and o.at(24).known
    ]
    if stem:
        o, s = max(stem, key=lambda t: t[0].at(12).effect_vs_none.median)
        mod = modulation(s, patient, horizon, regen, None, {})
        out[o.name] = simulate(params, state, modulation=mod, **kw)
    return out


def check_setting(param: str, value: Any, *, name: str | None = None) -> Any:
    """Check one setting against :data:`ASSESS_CONSTRAINTS` (``name``: the CLI flag)."""
    return check(ASSESS_CONSTRAINTS, param, value, name=name)
