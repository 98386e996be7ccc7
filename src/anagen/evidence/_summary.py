"""The answer to "is stem-cell therapy for hair loss effective?" from the bundled evidence.

:func:`summarise_evidence` pools the controlled stem-cell trials overall and by product (on
each outcome scale separately: percent change and hairs/cm² cannot be pooled together),
pools the bundled minoxidil trials as a benchmark, lists published pooled estimates for the
other established treatments, adds a synthesis without meta-analysis over every study that
reported a direction, rates each pooled analysis with GRADE-style rules, and words a verdict
that is never stronger than its certainty (GRADE informative statements [1]_).

This is decision support for a conversation with a specialist, not a diagnosis or medical
advice.

References
----------
.. [1] Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26: informative statements to
   communicate the findings of systematic reviews of interventions. J Clin Epidemiol
   2020;119:126-135.
.. [2] Campbell M, et al. Synthesis without meta-analysis (SWiM) in systematic reviews.
   BMJ 2020;368:l6890.
.. [3] Guyatt GH, et al. GRADE guidelines 3-8. J Clin Epidemiol 2011;64.
.. [4] Cochrane Handbook v6.4, 2023, §10.14 (sensitivity analysis).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from anagen.errors import InputError
from anagen.evidence._grade import (
    EGGER_MIN_K,
    Certainty,
    StudyBias,
    judge_imprecision,
    judge_inconsistency,
    judge_indirectness,
    judge_publication_bias,
    judge_risk_of_bias,
    rate_certainty,
)
from anagen.evidence._swim import DirectionSynthesis, direction_of_effect

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from anagen.evidence._pool import PoolResult
    from anagen.evidence._prepost import PrePostSynthesis

__all__ = [
    "DISCLAIMER",
    "Analysis",
    "EvidenceSummary",
    "PublishedComparator",
    "summarise_evidence",
    "summary_forest_plot",
    "summary_funnel_plot",
]

DISCLAIMER = (
    "Decision support for a conversation with a hair-loss specialist - not a diagnosis and not "
    "medical advice."
)
QUESTION = "Is stem-cell therapy for hair loss (androgenetic alopecia) effective?"

_SCALES = {
    "MD_pct": "difference in % change from baseline (percentage points)",
    "MD": "mean difference in hair density (hairs/cm²)",
}
_UNITS = {"MD_pct": "percentage points", "MD": "hairs/cm²"}
#: Plain names of the curated product groups, for the verdict sentences.
_PLAIN = {
    "ADSC": "adipose-derived stem-cell injections (ADSC)",
    "ADSC-CE": "adipose stem-cell constituent extract (ADSC-CE, topical)",
    "ADSC-CM": "adipose stem-cell conditioned medium (ADSC-CM)",
    "MSC-CM": "umbilical-cord stem-cell conditioned medium (MSC-CM)",
    "SVF": "stromal vascular fraction (SVF)",
    "HFSC-micrograft": "hair-follicle stem-cell micrografts (HFSC)",
    "bone-marrow": "bone-marrow cells",
    "DSC": "dermal sheath cup cells (DSC)",
}
_STATEMENT = {  # GRADE 26 informative statements [1]_
    "high": "{x} increases hair density",
    "moderate": "{x} probably increases hair density",
    "low": "{x} may increase hair density",
    "very low": "the evidence is very uncertain about the effect of {x} on hair density",
}


@dataclass(frozen=True, slots=True)
class Analysis:
    """One pooled (or single-study) analysis with its certainty.

    Attributes
    ----------
    name
        What is compared (``"Stem-cell therapies (all products)"``, ``"ADSC-CE"``, ...).
    family
        ``"stem-cell"`` or ``"comparator"``.
    measure, scale
        ``"MD_pct"`` or ``"MD"`` and a description of the scale.
    k, n
        Studies and participants (split-scalp participants counted once).
    studies
        Study labels.
    result
        The pooled result (fixed effect for a single study, where it is the study itself).
    small_study_test
        Egger test text: its result when k >= 10, else why it was not run.
    imputation
        What was assumed or imputed per study (``"study: note"``).
    sensitivity
        Text of the analysis without imputed values.
    sensitivity_result
        Its pooled result, or ``None`` when no or too few studies remain.
    certainty
        GRADE-style rating with reasons.
    verdict
        Plain-language statement matched to the certainty.
    yi, vi
        Study effects and variances, for plots.
    study_ids
        Curated study identifiers (stem-cell analyses).
    r_sensitivity
        ``(r, estimate, ci_low, ci_high)`` at the ends of
        :data:`anagen.evidence.CORRELATION_RANGE` when an effect depends on the assumed
        split-scalp correlation; empty otherwise.
    """

    name: str
    family: str
    measure: str
    scale: str
    k: int
    n: float
    studies: tuple[str, ...]
    result: PoolResult
    small_study_test: str
    imputation: tuple[str, ...]
    sensitivity: str
    sensitivity_result: PoolResult | None
    certainty: Certainty
    verdict: str
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    study_ids: tuple[str, ...] = ()
    r_sensitivity: tuple[tuple[float, float, float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        r = self.result
        return {
            "name": self.name,
            "family": self.family,
            "measure": self.measure,
            "scale": self.scale,
            "k": self.k,
            "n": self.n,
            "studies": list(self.studies),
            "estimate": r.estimate,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "p": r.p,
            "method": r.method,
            "tau2": r.tau2 if self.k > 1 else math.nan,
            "i2": r.i2 if self.k > 1 else math.nan,
            "pi_low": r.pi_low if self.k > 1 else math.nan,
            "pi_high": r.pi_high if self.k > 1 else math.nan,
            "pool": r.to_dict(),
            "small_study_test": self.small_study_test,
            "imputation": list(self.imputation),
            "sensitivity": self.sensitivity,
            "sensitivity_estimate": None
            if self.sensitivity_result is None
            else self.sensitivity_result.estimate,
            "certainty": self.certainty.to_dict(),
            "verdict": self.verdict,
            "r_sensitivity": [
                {"r": r_, "estimate": e, "ci_low": lo, "ci_high": hi}
                for r_, e, lo, hi in self.r_sensitivity
            ],
        }


@dataclass(frozen=True, slots=True)
class PublishedComparator:
    """A published pooled estimate for an established treatment (not re-analysed here)."""

    treatment: str
    comparison: str
    scale: str
    estimate: float
    ci_low: float
    ci_high: float
    k_studies: str
    n_patients: str
    citation: str
    row_id: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EvidenceSummary:
    """Everything :func:`summarise_evidence` found, ready to print or serialise.

    Attributes
    ----------
    question
        The question answered.
    analyses
        Pooled analyses: stem-cell overall per scale, stem-cell by product, minoxidil trials.
    published
        Published pooled estimates for comparators (PRP, minoxidil, finasteride, laser).
    direction_controlled, direction_uncontrolled
        Vote counts over every stem-cell study compared with a control, and over the rest
        (against baseline or an active treatment), the latter not evidence of efficacy.
    not_quantified
        Studies that could not give an effect, with the reason.
    by_product
        One line per product group: every study of it, its comparison, direction of effect
        and, if it gives no usable effect, why.
    verdict
        Headline lines.
    certainty
        Overall certainty for stem-cell therapies: that of the all-products analysis, else the
        lowest of the product analyses.
    cannot_support
        Claims this evidence could not support.
    method, r
        Estimator and assumed split-scalp correlation used.
    disclaimer
        Always shown.
    other_outcomes
        Controlled analyses of the other outcome domains (hair thickness), each on its own
        scale.
    pre_post
        Within-arm changes from baseline pooled per product (:mod:`._prepost`), with the
        minoxidil yardstick; never mixed with the controlled analyses.
    extensions
        Further named results with ``to_dict`` (common scale, indirect comparisons,
        coverage of published reviews).
    evidence_date
        "studies up to YYYY-MM, N trials": how current the evidence is.
    """

    question: str
    analyses: tuple[Analysis, ...]
    published: tuple[PublishedComparator, ...]
    direction_controlled: DirectionSynthesis
    direction_uncontrolled: DirectionSynthesis
    not_quantified: tuple[str, ...]
    by_product: tuple[str, ...]
    verdict: tuple[str, ...]
    certainty: str
    cannot_support: tuple[str, ...]
    method: str
    r: float
    disclaimer: str = field(default=DISCLAIMER)
    other_outcomes: tuple[Analysis, ...] = ()
    pre_post: PrePostSynthesis | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    evidence_date: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN where not available)."""
        return {
            "evidence_date": self.evidence_date,
            "other_outcomes": [a.to_dict() for a in self.other_outcomes],
            "pre_post": None if self.pre_post is None else self.pre_post.to_dict(),
            **{k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in self.extensions.items()},
            "question": self.question,
            "verdict": list(self.verdict),
            "certainty": self.certainty,
            "analyses": [a.to_dict() for a in self.analyses],
            "published_comparators": [p.to_dict() for p in self.published],
            "direction_of_effect": {
                "vs_control": self.direction_controlled.to_dict(),
                "uncontrolled_or_active": self.direction_uncontrolled.to_dict(),
            },
            "not_quantified": list(self.not_quantified),
            "by_product": list(self.by_product),
            "cannot_support": list(self.cannot_support),
            "method": self.method,
            "r": self.r,
            "disclaimer": self.disclaimer,
        }


# --------------------------------------------------------------------------------------------
# risk of bias read from the curated design and notes columns


_RANDOMISATION_FLAGS = ("non-randomised comparison", "randomisation not described")


def _study_bias(
    design: str, notes: str, control_type: str
) -> tuple[bool, tuple[str, ...], tuple[str, ...], bool]:
    """(randomised, serious, concerns, industry) from a study's curated text."""
    text = f"{design} {notes}".lower()
    non_random = bool(re.search(r"non-randomi[sz]ed", text))
    not_stated = bool(re.search(r"randomi[sz]ation not stated|allocation method not stated", text))
    randomised = (
        bool(re.search(r"\brct\b|randomi[sz]ed", design.lower()))
        and not non_random
        and not not_stated
    )
    serious: list[str] = []
    concerns: list[str] = []
    if non_random:
        serious.append("non-randomised comparison")
    elif not randomised:
        concerns.append("randomisation not described")
    if "blind" not in design.lower():
        concerns.append("no blinding described")
    if "allocation of halves not described" in text or "allocation details unknown" in text:
        concerns.append("allocation not described")
    if "single author group" in text:
        concerns.append("single author group with overlapping reports")
    if re.search(r"dropped out|per-arm split not reported", text):
        concerns.append("attrition per arm not reported")
    if control_type == "untreated":
        concerns.append("untreated (not placebo) control")
    industry = bool(re.search(r"industry|funded|sponsored", text))
    return randomised, tuple(serious), tuple(concerns), industry


def _label(study_id: str) -> str:
    m = re.match(r"([A-Za-z]+?)(\d{4})(\w*)$", study_id)
    return f"{m.group(1)} {m.group(2)}{m.group(3)}" if m else study_id


def _small_study_text(yi: np.ndarray, vi: np.ndarray) -> tuple[str, float | None]:
    k = yi.size
    if k < EGGER_MIN_K:
        return (
            f"too few studies (k = {k}; Egger's test needs k >= {EGGER_MIN_K} to be meaningful)",
            None,
        )
    from anagen.evidence._bias import egger_test

    e = egger_test(yi, vi)
    return f"Egger test t = {e.stat:.2f}, p = {e.p:.3g}", e.p


def _statement(
    name: str, certainty: str, r: PoolResult, unit: str, n: float, studies: tuple[str, ...] = ()
) -> str:
    lead = _STATEMENT[certainty].format(x=_PLAIN.get(name, name))
    lead = lead[0].upper() + lead[1:]
    who = f" ({', '.join(studies)})" if 0 < len(studies) <= 3 else ""
    return (
        f"{lead} ({r.estimate:+.1f} {unit}, 95% CI {r.ci_low:.1f} to {r.ci_high:.1f}; "
        f"k = {r.k}{who}, N = {n:g}; certainty {certainty.upper()})."
    )


def _analyse(
    name: str,
    family: str,
    frame: pd.DataFrame,
    *,
    label_col: str,
    n: float,
    method: str,
    bias: list[StudyBias],
    randomised: bool,
    indirect: list[tuple[str, str]],
    unreported: int,
    industry: bool,
    imputation: list[str],
) -> Analysis:
    from anagen.evidence._impute import sensitivity_without_imputed
    from anagen.evidence._pool import pool

    measure = str(frame["measure"].iloc[0])
    y = frame["yi"].to_numpy(float)
    v = frame["vi"].to_numpy(float)
    k = y.size
    m = method if k >= 2 else "FE"
    res = pool(y, v, method=m)
    imp = frame["imputed"].to_numpy(bool)
    if imp.all():
        sens, sens_res = "not possible: every study needed an imputed or assumed value", None
    elif not imp.any():
        sens, sens_res = "not needed: no study needed an imputed value", None
    else:
        s = sensitivity_without_imputed(y, v, imp, method=m if (~imp).sum() >= 2 else "FE")
        sens_res = s.without_imputed
        if sens_res is None:
            sens = "too few studies without imputed values remain"
        else:
            sens = (
                f"without the {int(imp.sum())} stud{'y' if imp.sum() == 1 else 'ies'} with imputed values: "
                f"{sens_res.estimate:.2f} (95% CI {sens_res.ci_low:.2f} to {sens_res.ci_high:.2f}, k = {sens_res.k})"
            )
    sst, egger_p = _small_study_text(y, v)
    weights = list(res.weights)
    bias = [
        StudyBias(b.label, w, b.serious, b.concerns) for b, w in zip(bias, weights, strict=True)
    ]
    judgements = [
        judge_risk_of_bias(bias),
        judge_inconsistency(
            list(y),
            res.i2,
            pi_low=res.pi_low if k > 1 else math.nan,
            pi_high=res.pi_high if k > 1 else math.nan,
        ),
        judge_indirectness(indirect),
        judge_imprecision(res.ci_low, res.ci_high, n),
        judge_publication_bias(
            k, n_total=n, egger_p=egger_p, unreported=unreported, industry=industry
        ),
    ]
    cert = rate_certainty(randomised=randomised, judgements=judgements)
    short = tuple(_label(str(x)) for x in frame["study_id"]) if "study_id" in frame else ()
    verdict = _statement(name, cert.rating, res, _UNITS[measure], n, short)
    return Analysis(
        name=name,
        family=family,
        measure=measure,
        scale=_SCALES[measure],
        k=k,
        n=float(n),
        studies=tuple(str(s) for s in frame[label_col]),
        result=res,
        small_study_test=sst,
        imputation=tuple(imputation),
        sensitivity=sens,
        sensitivity_result=sens_res,
        certainty=cert,
        verdict=verdict,
        study_ids=tuple(str(x) for x in frame["study_id"]) if "study_id" in frame else (),
        yi=tuple(float(x) for x in y),
        vi=tuple(float(x) for x in v),
    )


def summarise_evidence(
    *, method: str = "REML", r: float | None = None, studies: pd.DataFrame | None = None
) -> EvidenceSummary:
    """Answer the question from the bundled trials: pooled effects, certainty and a verdict.

    Parameters
    ----------
    method
        Estimator of tau² for every pooled analysis (see :data:`anagen.evidence.METHODS`);
        single-study analyses are the study itself.
    r
        Assumed correlation between the halves of split-scalp trials (default
        :data:`anagen.evidence.CORRELATION_DEFAULT`).
    studies
        Study table to use (e.g. bundled plus the user's rows from
        :func:`anagen.evidence.evidence_studies`); ``None`` uses the bundled one.

    Returns
    -------
    EvidenceSummary
        For the outcome the question is about: hair count or density (percent change or
        hairs/cm²).

    Raises
    ------
    InputError
        Unknown method, or r outside [-1, 1].

    References
    ----------
    GRADE 3-8 [3]_, GRADE 26 [1]_, SWiM [2]_, Cochrane Handbook §10.14 [4]_.
    """
    from anagen.evidence._convert import CORRELATION_DEFAULT
    from anagen.evidence._pool import METHODS
    from anagen.evidence._studies import (
        comparator_effects,
        comparator_pooled,
        study_directions,
        study_effects,
    )

    if method not in METHODS:
        raise InputError(field="--method", allowed=f"one of {', '.join(METHODS)}", got=method)
    r = CORRELATION_DEFAULT if r is None else float(r)
    from anagen.evidence._store import default_studies

    studies = default_studies() if studies is None else studies
    outcome = "density"  # the question's outcome; the verdicts are worded for it
    eff = study_effects(outcome=outcome, r=r, studies=studies)
    directions = study_directions(outcome=outcome, studies=studies)
    by_id = studies.drop_duplicates("study_id").set_index("study_id")

    def study_info(sid: str) -> tuple[bool, StudyBias, bool]:
        rec = by_id.loc[sid]
        rand, serious, concerns, ind = _study_bias(
            str(rec["design"]), str(rec["risk_of_bias_notes"]), str(rec["control_type"])
        )
        return rand, StudyBias(_label(sid), 1.0, serious, concerns), ind

    eff = eff.assign(
        label=[f"{_label(s)} ({d})" for s, d in zip(eff["study_id"], eff["design"], strict=True)]
    )
    eff["n"] = np.where(
        eff["design"] == "split-scalp", eff["n_treated"], eff["n_treated"] + eff["n_control"]
    )
    controlled = directions[directions["comparison"] == "vs control"]
    unquantified = controlled[~controlled["quantified"]]

    analyses: list[Analysis] = []

    def stem_analysis(name: str, frame: pd.DataFrame, *, all_products: bool = False) -> Analysis:
        infos = [study_info(s) for s in frame["study_id"]]
        products = sorted(set(frame["product_group"]))
        indirect: list[tuple[str, str]] = []
        if len(products) > 1:
            indirect.append(("intervention", f"different products pooled ({', '.join(products)})"))
        # the all-products question is also answered by the controlled trials of products
        # with no usable numbers: all of those are missing from it
        missing = (
            unquantified
            if all_products
            else unquantified[unquantified["product_group"].isin(products)]
        )
        unrep = len(missing)
        notes = [
            f"{_label(s)}: {t}"
            for s, t, i in zip(
                frame["study_id"], frame["imputation"], frame["imputed"], strict=True
            )
            if i and t
        ]
        randomised = all(rand for rand, _, _ in infos)
        bias = [b for _, b, _ in infos]
        if not randomised:
            # starting at "low" already counts the missing randomisation (GRADE 3): do not
            # count it again under risk of bias
            bias = [
                StudyBias(
                    b.label,
                    b.weight,
                    tuple(x for x in b.serious if x not in _RANDOMISATION_FLAGS),
                    tuple(x for x in b.concerns if x not in _RANDOMISATION_FLAGS),
                )
                for b in bias
            ]
        return _analyse(
            name,
            "stem-cell",
            frame,
            label_col="label",
            n=float(frame["n"].sum()),
            method=method,
            bias=bias,
            randomised=randomised,
            indirect=indirect,
            unreported=unrep,
            industry=any(ind for _, _, ind in infos),
            imputation=notes,
        )

    for measure in ("MD_pct", "MD"):
        sub = eff[eff["measure"] == measure]
        if len(sub) == 0:
            continue
        if sub["product_group"].nunique() > 1:
            analyses.append(
                stem_analysis("stem-cell therapy (all products)", sub, all_products=True)
            )
        for product, g in sub.groupby("product_group", sort=True):
            analyses.append(stem_analysis(f"{product}", g))

    # other outcome domains, each on its own scale (never pooled with density)
    other_out: list[Analysis] = []
    for dom in ("thickness",):
        e2 = study_effects(outcome=dom, r=r, studies=studies)
        if not len(e2):
            continue
        e2 = e2.assign(
            label=[f"{_label(s)} ({d})" for s, d in zip(e2["study_id"], e2["design"], strict=True)]
        )
        e2["n"] = np.where(
            e2["design"] == "split-scalp", e2["n_treated"], e2["n_treated"] + e2["n_control"]
        )
        for _measure, sub in e2.groupby("measure", sort=False):
            for product, g in sub.groupby("product_group", sort=True):
                a = stem_analysis(f"{product}", g)
                other_out.append(
                    _replace(
                        a,
                        name=f"{product} [{dom}]",
                        verdict=a.verdict.replace("hair density", f"hair {dom}"),
                    )
                )

    # sensitivity to the assumed split-scalp correlation (Cochrane Handbook §23.2.7)
    from anagen.evidence._convert import CORRELATION_RANGE
    from anagen.evidence._pool import pool

    by_r = {rr: study_effects(outcome=outcome, r=rr, studies=studies) for rr in CORRELATION_RANGE}
    for i, a in enumerate(analyses):
        rows = []
        for rr, e in by_r.items():
            sel = e[e["study_id"].isin(a.study_ids) & (e["measure"] == a.measure)]
            if len(sel) != a.k or np.allclose(
                sel.set_index("study_id").loc[list(a.study_ids), "vi"], a.vi
            ):
                continue
            pr = pool(sel["yi"], sel["vi"], method=a.result.method)
            rows.append((float(rr), pr.estimate, pr.ci_low, pr.ci_high))
        if rows:
            analyses[i] = _replace(a, r_sensitivity=tuple(rows))

    # comparator: minoxidil trials vs placebo (trial-level data)
    comp = comparator_effects()
    mx = comp[comp["control_type"] == "placebo"].reset_index(drop=True)
    if len(mx):
        mx = mx.assign(
            label=[
                f"{_label(t)} ({a.split(' twice')[0].split(' once')[0].split(' +')[0]})"
                for t, a in zip(mx["trial"], mx["treatment_arm"], strict=True)
            ]
        )
        n_mx = float(mx["n_treated"].sum() + mx["n_control"].sum())
        analyses.append(
            _analyse(
                "minoxidil (vs placebo)",
                "comparator",
                mx,
                label_col="label",
                n=n_mx,
                method=method,
                bias=[StudyBias(lbl, 1.0) for lbl in mx["label"]],
                randomised=True,
                indirect=[],
                unreported=0,
                industry=False,
                imputation=[
                    f"{t}: {i}" for t, i in zip(mx["label"], mx["imputation"], strict=True) if i
                ],
            )
        )
        a = analyses[-1]
        rob = a.certainty.judgements[0]
        fixed = type(rob)(
            rob.domain,
            0,
            "not assessed: per-trial risk-of-bias data are not bundled, so this rating is an upper bound",
        )
        cert = rate_certainty(randomised=True, judgements=[fixed, *a.certainty.judgements[1:]])
        verdict = _statement(a.name, cert.rating, a.result, _UNITS[a.measure], a.n)
        verdict = verdict[:-2] + ", an upper bound: risk of bias not assessed here)."
        analyses[-1] = _replace(a, certainty=cert, verdict=verdict)

    pub = comparator_pooled()
    published = tuple(
        PublishedComparator(
            treatment=str(p.treatment),
            comparison=str(p.comparison),
            scale=str(p.effect_scale),
            estimate=float(p.estimate),
            ci_low=float(p.ci_low),
            ci_high=float(p.ci_high),
            k_studies=""
            if p.k_studies is None or (isinstance(p.k_studies, float) and math.isnan(p.k_studies))
            else str(p.k_studies),
            n_patients=""
            if p.n_patients is None
            or (isinstance(p.n_patients, float) and math.isnan(p.n_patients))
            else str(p.n_patients),
            citation=str(p.citation),
            row_id=str(p.row_id),
        )
        for p in pub.itertuples(index=False)
        if p.vs_placebo == "yes"
    )

    dc = direction_of_effect(
        controlled["direction"].to_numpy(float), labels=[_label(s) for s in controlled["study_id"]]
    )
    other = directions[directions["comparison"] != "vs control"]
    du = direction_of_effect(
        other["direction"].to_numpy(float), labels=[_label(s) for s in other["study_id"]]
    )
    not_q = tuple(
        f"{_label(s)} ({p}, {c}): {why}"
        for s, p, c, why, q in zip(
            directions["study_id"],
            directions["product_group"],
            directions["comparison"],
            directions["reason"],
            directions["quantified"],
            strict=True,
        )
        if not q
    )

    stem = [a for a in analyses if a.family == "stem-cell"]
    order = {lvl: i for i, lvl in enumerate(("very low", "low", "moderate", "high"))}
    pooled_all = [a for a in stem if a.name.startswith("stem-cell therapy")]
    basis = pooled_all or stem
    best = min((a.certainty.rating for a in basis), key=order.__getitem__, default="very low")
    n_trials = len(eff)
    n_people = int(eff["n"].sum()) if n_trials else 0
    head = (
        f"Stem-cell therapies for androgenetic alopecia: of {dc.k} studies with a control "
        f"group, {n_trials} ({n_people} participants) report enough to compute an effect. "
        f"Direction of effect: {dc.sentence()}."
    )
    verdict = [head]
    verdict += [f"- {a.verdict}" for a in stem]
    verdict += [
        f"Overall certainty that stem-cell therapy increases hair density: {best.upper()}. Products "
        "differ, and the trials report percent changes or p-values rather than full results"
        + (
            "; every effect needed an assumption (see 'imputed')."
            if n_trials and bool(eff["imputed"].all())
            else f"; {int(eff['imputed'].sum())} of {n_trials} effects needed an assumption."
        )
    ]
    for a in analyses:
        if a.family == "comparator":
            verdict.append(f"Benchmark: {a.verdict}")
    active = directions[directions["comparison"] == "vs active"]
    max_k = max((a.k for a in stem if not a.name.startswith("stem-cell")), default=0)
    fu = eff["followup_weeks"].dropna()
    cannot = (
        f"the size of benefit to expect from any one stem-cell product: each has at most {max_k} "
        "usable controlled trial(s) on any one outcome scale",
        "a ranking of stem-cell therapy against minoxidil, finasteride, PRP or laser: no trial "
        "compares them directly with usable numbers (the trials with an active comparator, "
        f"{', '.join(_label(s) for s in active['study_id'])}, report none), and the other "
        "effects are on different scales or from different populations",
        "how long any benefit lasts: the longest usable controlled follow-up is "
        f"{fu.max():.0f} weeks" + (" and no trial reports durability beyond it" if len(fu) else ""),
        "who benefits most (sex, age, Norwood/Ludwig stage): the bundled reports give no usable "
        "subgroup results",
        "safety beyond the absence of reported serious adverse events in small series",
        "a test for publication bias or small-study effects: every stem-cell analysis has far "
        f"fewer than {EGGER_MIN_K} studies",
    )
    from anagen.evidence._common_scale import common_scale, indirect_vs_minoxidil
    from anagen.evidence._prepost import prepost_synthesis
    from anagen.evidence._reviews import coverage, published_vs_anagen
    from anagen.evidence._store import evidence_date

    pre_post = prepost_synthesis(studies=studies, method=method, r=r)
    pp_all = [
        a
        for a in pre_post.analyses
        if a.outcome_domain == "density" and a.product_group == "all" and a.scale == "hairs_per_cm2"
    ]
    if pp_all and pre_post.yardsticks:
        pa, y = pp_all[0], pre_post.yardsticks[0]
        verdict.insert(
            len(verdict) - sum(1 for x in verdict if x.startswith("Benchmark:")),
            f"Within-arm changes from baseline (pre-post, not vs control): treated stem-cell arms "
            f"gained {pa.result.estimate:+.1f} hairs/cm² (95% CI {pa.result.ci_low:.1f} to "
            f"{pa.result.ci_high:.1f}; k = {pa.k}, N = {pa.n:g}; certainty "
            f"{pa.certainty.rating.upper()}). Such changes "
            f"overstate effects: in the bundled minoxidil trials the treated arms gained "
            f"{y.prepost.estimate:.1f}, the placebo arms {y.placebo_prepost.estimate:.1f}, the "
            f"controlled effect was {y.controlled.estimate:.1f} hairs/cm² ({y.ratio:.2f}-fold).",
        )
    extensions: dict[str, Any] = {}
    if len(eff):
        extensions["common_scale"] = common_scale(eff, studies, method=method)
        extensions["indirect"] = indirect_vs_minoxidil(eff, studies, method=method)
    extensions["coverage"] = coverage(studies)
    extensions["published_vs_anagen"] = published_vs_anagen(pre_post, method=method)
    return EvidenceSummary(
        other_outcomes=tuple(other_out),
        pre_post=pre_post,
        extensions=extensions,
        evidence_date=evidence_date(studies),
        question=QUESTION,
        analyses=tuple(analyses),
        published=published,
        direction_controlled=dc,
        direction_uncontrolled=du,
        not_quantified=not_q,
        by_product=_by_product(directions, analyses),
        verdict=tuple(verdict),
        certainty=best,
        cannot_support=cannot,
        method=method,
        r=r,
    )


_DIRECTION_WORDS = {
    1.0: "favours treatment",
    0.0: "no difference",
    -1.0: "favours the comparison",
}


def _by_product(directions: pd.DataFrame, analyses: list[Analysis]) -> tuple[str, ...]:
    """One line per product group over every study, usable or not (SWiM item 5: grouping)."""
    from anagen.evidence._studies import PRODUCT_GROUPS

    lines = []
    for pg in PRODUCT_GROUPS:
        g = directions[directions["product_group"] == pg]
        if not len(g):
            continue
        items = []
        for rec in g.itertuples(index=False):
            word = _DIRECTION_WORDS.get(float(rec.direction), "direction not reported")
            text = f"{_label(rec.study_id)} {rec.comparison}: {word}"
            if not rec.quantified:
                text += f" ({rec.reason})"
            items.append(text)
        usable = [a for a in analyses if a.family == "stem-cell" and a.name == pg]
        tail = (
            "usable effect: "
            + "; ".join(
                f"{a.result.estimate:+.1f} {_UNITS[a.measure]} "
                f"[{a.result.ci_low:.1f}, {a.result.ci_high:.1f}], certainty {a.certainty.rating}"
                for a in usable
            )
            if usable
            else "no usable effect"
        )
        lines.append(f"{_PLAIN.get(pg, pg)}: {'; '.join(items)}. {tail[0].upper() + tail[1:]}.")
    return tuple(lines)


def _replace(a: Analysis, **changes: Any) -> Analysis:
    from dataclasses import replace

    return replace(a, **changes)


# --------------------------------------------------------------------------------------------
# figures


def _published_label(p: PublishedComparator) -> str:
    treatment = re.sub(r"\s*\(.*?\)", "", p.treatment).strip()
    people = re.search(r"\((men|women)[;)]", p.treatment)
    extra = re.search(r"(short|long) term", p.comparison)
    parts = [treatment]
    if people:
        parts.append(people.group(1))
    if extra:
        parts.append(extra.group(0))
    return ", ".join(parts) + f" ({short_citation(p.citation)})"


def short_citation(citation: str) -> str:
    """First author's surname and the year of a citation (``"Kieling 2024"``)."""
    first = re.split(r",|;| et al|\s(?:19|20)\d{2}\b", citation, maxsplit=1)[0]
    author = " ".join(w for w in first.split() if not w.isupper())
    year = re.search(r"\b(19|20)\d{2}\b", citation)
    return f"{author}{' ' + year.group(0) if year else ''}"


def summary_forest_plot(summary: EvidenceSummary) -> Figure:
    """Forest plot of the summary: one panel per outcome scale, comparators alongside.

    The percent-change panel holds the stem-cell trials reporting percent change (pooled
    overall and by product) and published finasteride estimates on the same scale; the
    hairs/cm² panel holds the stem-cell trials in hairs/cm², the minoxidil trials (pooled
    separately: stem-cell and minoxidil trials are never pooled together) and published PRP,
    minoxidil and laser estimates.
    """
    import matplotlib.pyplot as plt

    from anagen.evidence._plots import PublishedEstimate, forest_plot

    panels = []
    for measure, scale_key in (("MD_pct", "percent"), ("MD", "hairs_per_cm2")):
        items = [a for a in summary.analyses if a.measure == measure]
        overall = next((a for a in items if a.name.startswith("stem-cell therapy")), None)
        parts = [a for a in items if a is not overall]
        if not parts and overall is None:
            continue
        ys: list[float] = []
        vs: list[float] = []
        labels: list[str] = []
        groups: list[str] = []
        for a in parts:
            ys += list(a.yi)
            vs += list(a.vi)
            labels += list(a.studies)
            name = a.name if a.family == "comparator" else f"Stem cells: {a.name}"
            groups += [name[0].upper() + name[1:]] * a.k
        chosen = [p for p in summary.published if p.scale == scale_key]
        names = [_published_label(p) for p in chosen]
        seen: dict[str, int] = {}
        pub = []
        for p, lab in zip(chosen, names, strict=True):
            if names.count(lab) > 1:
                seen[lab] = seen.get(lab, 0) + 1
                lab = f"{lab} #{seen[lab]}"
            pub.append(PublishedEstimate(lab, p.estimate, p.ci_low, p.ci_high))
        panels.append((measure, ys, vs, labels, groups, overall, pub))
    heights = [
        len(p[1])
        + 2 * len(set(p[4]))
        + sum(1 for g in set(p[4]) if p[4].count(g) >= 2)
        + (2 + len(p[6]) if p[6] else 0)
        + (3 if p[5] else 0)
        + 3
        for p in panels
    ]
    fig = plt.figure(figsize=(11.5, 1.2 + 0.3 * sum(heights)))
    gs = fig.add_gridspec(
        len(panels),
        1,
        height_ratios=heights,
        hspace=0.35,
        left=0.36,
        right=0.66,
        top=1 - 0.6 / (1.2 + 0.3 * sum(heights)),
        bottom=0.7 / (1.2 + 0.3 * sum(heights)),
    )
    for i, (measure, ys, vs, labels, groups, overall, pub) in enumerate(panels):
        ax = fig.add_subplot(gs[i])
        forest_plot(
            ys,
            vs,
            labels,
            groups=groups,
            result=overall.result if overall is not None else None,
            overall=overall is not None,
            method=summary.method,
            published=pub,
            published_title="Published pooled estimates vs placebo (not re-analysed)",
            xlabel=_SCALES[measure][0].upper() + _SCALES[measure][1:],
            ax=ax,
            digits=1,
        )
    fig.suptitle(
        "Stem-cell therapies for androgenetic alopecia vs control, with established treatments",
        fontsize=11,
        fontweight="bold",
        x=0.02,
        ha="left",
    )
    return fig


def summary_funnel_plot(summary: EvidenceSummary) -> Figure:
    """Funnel plot of the largest analysis with at least three studies (with trim and fill)."""
    import matplotlib.pyplot as plt

    from anagen.evidence._plots import funnel_plot

    cands = [a for a in summary.analyses if a.k >= 3]
    if not cands:
        raise InputError(
            "no analysis has the 3 or more studies a funnel plot needs", field="--funnel"
        )
    a = max(cands, key=lambda x: x.k)
    fig, ax = plt.subplots(figsize=(6.5, 5.0))
    stem_k = max((x.k for x in summary.analyses if x.family == "stem-cell"), default=0)
    funnel_plot(
        a.yi,
        a.vi,
        result=a.result,
        trimfill=True,
        method=summary.method,
        xlabel=a.scale[0].upper() + a.scale[1:],
        title=f"{a.name[0].upper() + a.name[1:]} (k = {a.k})",
        ax=ax,
    )
    fig.text(
        0.01,
        0.005,
        f"Stem-cell analyses have k <= {stem_k}: too few studies for a funnel plot "
        "(Sterne et al. 2011 ask for at least 10).",
        fontsize=8,
        color="#444444",
    )
    return fig
