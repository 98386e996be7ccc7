"""The answer to "is stem-cell therapy for hair loss effective?" from the bundled evidence.

:func:`summarise_evidence` runs in three steps, each in its own module:

1. **analyses** (this module): controlled stem-cell effects pooled overall and by product on
   each outcome scale (percent change and hairs/cm² are never pooled together here), thickness
   on its own scale, the minoxidil benchmark, the published comparators, the direction-of-
   effect synthesis, the within-arm (pre-post) synthesis, the common scale, indirect
   comparisons and the coverage of published reviews;
2. **grading** (``_summary_grading``): per-study risk of bias from the curated text, GRADE-style
   certainty of every analysis;
3. **wording** (``_summary_wording``): statements never stronger than their certainty (GRADE
   26 [1]_), the verdict and what the evidence cannot support.

The result types are in ``_summary_types`` and the figures in ``_summary_plots``; every name
that used to live here is re-exported.

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
from typing import Any

import numpy as np
import pandas as pd

from anagen.errors import InputError
from anagen.evidence._grade import StudyBias, rate_certainty
from anagen.evidence._summary_grading import (  # noqa: F401 (re-exported)
    _RANDOMISATION_FLAGS,
    _analyse,
    _small_study_text,
    _study_bias,
)
from anagen.evidence._summary_plots import (  # noqa: F401 (re-exported)
    _published_label,
    summary_forest_plot,
    summary_funnel_plot,
)
from anagen.evidence._summary_types import (
    DISCLAIMER,
    QUESTION,
    Analysis,
    EvidenceSummary,
    PublishedComparator,
    _replace,
)
from anagen.evidence._summary_wording import (  # noqa: F401 (re-exported)
    _PLAIN,
    _SCALES,
    _STATEMENT,
    _UNITS,
    _by_product,
    _label,
    _statement,
    cannot_support,
    prepost_line,
    short_citation,
    verdict_lines,
)
from anagen.evidence._swim import direction_of_effect

__all__ = [
    "DISCLAIMER",
    "Analysis",
    "EvidenceSummary",
    "PublishedComparator",
    "summarise_evidence",
    "summary_forest_plot",
    "summary_funnel_plot",
]

_ORDER = {lvl: i for i, lvl in enumerate(("very low", "low", "moderate", "high"))}


def _with_n_and_label(eff: pd.DataFrame) -> pd.DataFrame:
    eff = eff.assign(
        label=[f"{_label(s)} ({d})" for s, d in zip(eff["study_id"], eff["design"], strict=True)]
    )
    eff["n"] = np.where(
        eff["design"] == "split-scalp", eff["n_treated"], eff["n_treated"] + eff["n_control"]
    )
    return eff


class _StemAnalyser:
    """Pools and grades stem-cell analyses of one outcome domain."""

    def __init__(self, studies: pd.DataFrame, unquantified: pd.DataFrame, method: str) -> None:
        self.by_id = studies.drop_duplicates("study_id").set_index("study_id")
        self.unquantified = unquantified
        self.method = method

    def _info(self, sid: str) -> tuple[bool, StudyBias, bool]:
        rec = self.by_id.loc[sid]
        rand, serious, concerns, ind = _study_bias(
            str(rec["design"]), str(rec["risk_of_bias_notes"]), str(rec["control_type"])
        )
        return rand, StudyBias(_label(sid), 1.0, serious, concerns), ind

    def __call__(self, name: str, frame: pd.DataFrame, *, all_products: bool = False) -> Analysis:
        infos = [self._info(s) for s in frame["study_id"]]
        products = sorted(set(frame["product_group"]))
        indirect: list[tuple[str, str]] = []
        if len(products) > 1:
            indirect.append(("intervention", f"different products pooled ({', '.join(products)})"))
        # the all-products question is also answered by the controlled trials of products
        # with no usable numbers: all of those are missing from it
        uq = self.unquantified
        missing = uq if all_products else uq[uq["product_group"].isin(products)]
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
            method=self.method,
            bias=bias,
            randomised=randomised,
            indirect=indirect,
            unreported=len(missing),
            industry=any(ind for _, _, ind in infos),
            imputation=notes,
        )


def _stem_analyses(eff: pd.DataFrame, analyser: _StemAnalyser) -> list[Analysis]:
    """Overall (when several products report on a scale) and by product, per scale."""
    out: list[Analysis] = []
    for measure in ("MD_pct", "MD"):
        sub = eff[eff["measure"] == measure]
        if len(sub) == 0:
            continue
        if sub["product_group"].nunique() > 1:
            out.append(analyser("stem-cell therapy (all products)", sub, all_products=True))
        for product, g in sub.groupby("product_group", sort=True):
            out.append(analyser(f"{product}", g))
    return out


def _other_outcomes(
    studies: pd.DataFrame, r: float, method: str, domains: tuple[str, ...] = ("thickness",)
) -> list[Analysis]:
    """Controlled analyses of the other outcome domains, each on its own scale."""
    from anagen.evidence._studies import study_directions, study_effects

    out: list[Analysis] = []
    for dom in domains:
        e2 = study_effects(outcome=dom, r=r, studies=studies)
        if not len(e2):
            continue
        d2 = study_directions(outcome=dom, studies=studies)
        ctl = d2[d2["comparison"] == "vs control"]
        analyser = _StemAnalyser(studies, ctl[~ctl["quantified"]], method)
        e2 = _with_n_and_label(e2)
        for _measure, sub in e2.groupby("measure", sort=False):
            for product, g in sub.groupby("product_group", sort=True):
                a = analyser(f"{product}", g)
                out.append(
                    _replace(
                        a,
                        name=f"{product} [{dom}]",
                        verdict=a.verdict.replace("hair density", f"hair {dom}"),
                    )
                )
    return out


_COUNT_OUTCOMES = ("count_pct_change", "count_per_0.65cm2", "count")
_COUNT_UNITS = {
    "percent": "percentage points",
    "hairs_per_0.65cm2": "hairs per 0.65 cm²",
    "hair_count_unspecified_area": "hairs (area not stated)",
}


def _count_outcomes(studies: pd.DataFrame, r: float, method: str) -> list[Analysis]:
    """Hair-count outcomes vs control, on their own scales (the density analyses prefer a
    study's hairs/cm² row; these use its count rows)."""
    from anagen.evidence._studies import study_directions, study_effects

    cnt = studies[studies["outcome"].isin(_COUNT_OUTCOMES)]
    if not len(cnt):
        return []
    e = study_effects(outcome="density", r=r, studies=cnt)
    if not len(e):
        return []
    d = study_directions(outcome="density", studies=cnt)
    ctl = d[d["comparison"] == "vs control"]
    analyser = _StemAnalyser(studies, ctl[~ctl["quantified"]], method)
    out: list[Analysis] = []
    for scale, sub in _with_n_and_label(e).groupby("outcome_scale", sort=True):
        unit = _COUNT_UNITS.get(str(scale), str(scale))
        for product, g in sub.groupby("product_group", sort=True):
            a = analyser(f"{product}", g)
            verdict = a.verdict.replace("hair density", "hair count")
            if a.measure == "MD":
                verdict = verdict.replace("hairs/cm²", unit)
            out.append(
                _replace(
                    a,
                    name=f"{product} [hair count]",
                    scale=f"difference in hair count ({unit})",
                    verdict=verdict,
                )
            )
    return out


def _with_r_sensitivity(
    analyses: list[Analysis], studies: pd.DataFrame, outcome: str
) -> list[Analysis]:
    """Re-pool every analysis whose effects depend on the split-scalp correlation at the ends
    of :data:`anagen.evidence.CORRELATION_RANGE` (Cochrane Handbook §23.2.7)."""
    from anagen.evidence._convert import CORRELATION_RANGE
    from anagen.evidence._pool import pool
    from anagen.evidence._studies import study_effects

    by_r = {rr: study_effects(outcome=outcome, r=rr, studies=studies) for rr in CORRELATION_RANGE}
    out = list(analyses)
    for i, a in enumerate(out):
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
            out[i] = _replace(a, r_sensitivity=tuple(rows))
    return out


def _minoxidil_benchmark(method: str) -> Analysis | None:
    """The bundled minoxidil trials vs placebo, pooled and graded (risk of bias not assessed)."""
    from anagen.evidence._studies import comparator_effects

    comp = comparator_effects()
    mx = comp[comp["control_type"] == "placebo"].reset_index(drop=True)
    if not len(mx):
        return None
    mx = mx.assign(
        label=[
            f"{_label(t)} ({a.split(' twice')[0].split(' once')[0].split(' +')[0]})"
            for t, a in zip(mx["trial"], mx["treatment_arm"], strict=True)
        ]
    )
    n_mx = float(mx["n_treated"].sum() + mx["n_control"].sum())
    a = _analyse(
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
        imputation=[f"{t}: {i}" for t, i in zip(mx["label"], mx["imputation"], strict=True) if i],
    )
    rob = a.certainty.judgements[0]
    fixed = type(rob)(
        rob.domain,
        0,
        "not assessed: per-trial risk-of-bias data are not bundled, so this rating is an upper bound",
    )
    cert = rate_certainty(randomised=True, judgements=[fixed, *a.certainty.judgements[1:]])
    verdict = _statement(a.name, cert.rating, a.result, _UNITS[a.measure], a.n)
    verdict = verdict[:-2] + ", an upper bound: risk of bias not assessed here)."
    return _replace(a, certainty=cert, verdict=verdict)


def _text_or_empty(x: object) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _published_comparators() -> tuple[PublishedComparator, ...]:
    """Published pooled estimates for established treatments vs placebo (not re-analysed)."""
    from anagen.evidence._studies import comparator_pooled

    return tuple(
        PublishedComparator(
            treatment=str(p.treatment),
            comparison=str(p.comparison),
            scale=str(p.effect_scale),
            estimate=float(p.estimate),
            ci_low=float(p.ci_low),
            ci_high=float(p.ci_high),
            k_studies=_text_or_empty(p.k_studies),
            n_patients=_text_or_empty(p.n_patients),
            citation=str(p.citation),
            row_id=str(p.row_id),
        )
        for p in comparator_pooled().itertuples(index=False)
        if p.vs_placebo == "yes"
    )


def _extensions(
    eff: pd.DataFrame, studies: pd.DataFrame, pre_post: Any, method: str
) -> dict[str, Any]:
    from anagen.evidence._common_scale import common_scale, indirect_vs_minoxidil
    from anagen.evidence._reviews import coverage, published_vs_anagen

    ext: dict[str, Any] = {}
    if len(eff):
        ext["common_scale"] = common_scale(eff, studies, method=method)
        ext["indirect"] = indirect_vs_minoxidil(eff, studies, method=method)
    ext["coverage"] = coverage(studies)
    ext["published_vs_anagen"] = published_vs_anagen(pre_post, method=method)
    return ext


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
    from anagen.evidence._prepost import prepost_synthesis
    from anagen.evidence._store import default_studies, evidence_date
    from anagen.evidence._studies import study_directions, study_effects

    if method not in METHODS:
        raise InputError(field="--method", allowed=f"one of {', '.join(METHODS)}", got=method)
    r = CORRELATION_DEFAULT if r is None else float(r)
    studies = default_studies() if studies is None else studies
    outcome = "density"  # the question's outcome; the verdicts are worded for it

    # 1. analyses (graded as they are built)
    eff = _with_n_and_label(study_effects(outcome=outcome, r=r, studies=studies))
    directions = study_directions(outcome=outcome, studies=studies)
    controlled = directions[directions["comparison"] == "vs control"]
    analyser = _StemAnalyser(studies, controlled[~controlled["quantified"]], method)
    analyses = _with_r_sensitivity(_stem_analyses(eff, analyser), studies, outcome)
    benchmark = _minoxidil_benchmark(method)
    if benchmark is not None:
        analyses.append(benchmark)
    other_out = _other_outcomes(studies, r, method) + _count_outcomes(studies, r, method)
    pre_post = prepost_synthesis(studies=studies, method=method, r=r)
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

    # 2. overall certainty: that of the all-products analysis, else the lowest product's
    stem = [a for a in analyses if a.family == "stem-cell"]
    pooled_all = [a for a in stem if a.name.startswith("stem-cell therapy")]
    best = min(
        (a.certainty.rating for a in (pooled_all or stem)),
        key=_ORDER.__getitem__,
        default="very low",
    )

    # 3. wording
    n_trials = len(eff)
    n_people = int(eff["n"].sum()) if n_trials else 0
    head = (
        f"Stem-cell therapies for androgenetic alopecia: of {dc.k} studies with a control "
        f"group, {n_trials} ({n_people} participants) report enough to compute an effect. "
        f"Direction of effect: {dc.sentence()}."
    )
    verdict = verdict_lines(
        head=head,
        stem=stem,
        comparators=[a for a in analyses if a.family == "comparator"],
        best=best,
        n_trials=n_trials,
        n_imputed=int(eff["imputed"].sum()) if n_trials else 0,
        prepost=prepost_line(pre_post),
    )
    active = directions[directions["comparison"] == "vs active"]
    return EvidenceSummary(
        question=QUESTION,
        analyses=tuple(analyses),
        published=_published_comparators(),
        direction_controlled=dc,
        direction_uncontrolled=du,
        not_quantified=not_q,
        by_product=_by_product(directions, analyses),
        verdict=tuple(verdict),
        certainty=best,
        cannot_support=cannot_support(stem, list(active["study_id"]), eff["followup_weeks"]),
        method=method,
        r=r,
        other_outcomes=tuple(other_out),
        pre_post=pre_post,
        extensions=_extensions(eff, studies, pre_post, method),
        evidence_date=evidence_date(studies),
    )
