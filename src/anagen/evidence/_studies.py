"""The bundled trials turned into analysable effects (loading and checking: ``_study_tables``).

:func:`study_effects` turns the stem-cell rows into at most one effect per study and
outcome *against a control*, saying what it had to assume; studies that cannot give such an
effect (single-arm series, reports without numbers) are listed by :func:`study_directions` for
a synthesis without meta-analysis. :func:`comparator_effects` and :func:`comparator_pooled` do
the same for the minoxidil trial arms and the published comparator meta-analyses.

Effect scale
------------
Most controlled stem-cell trials report the mean **percent change from baseline** per arm (or
per scalp half) and nothing else. The effect is then the difference in mean percent change,
``MD_pct`` (percentage points), which needs no baseline means. Where a trial reports absolute
changes in hairs/cm² the effect is the raw mean difference ``MD``. The two are not pooled
together here; :mod:`anagen.evidence._common_scale` puts them on one ratio-of-means scale with
its assumptions stated.

References
----------
.. [1] Higgins JPT, Thomas J, Chandler J, et al. (eds). Cochrane Handbook for Systematic Reviews
   of Interventions v6.4, 2023: §6.5.2 (extracting estimates), §23.2.7 (within-person
   designs), §23.3.4 (shared control arms: split the control group).
.. [2] Campbell M, McKenzie JE, Sowden A, et al. Synthesis without meta-analysis (SWiM) in
   systematic reviews: reporting guideline. BMJ 2020;368:l6890.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from anagen.errors import InputError
from anagen.evidence._convert import CORRELATION_DEFAULT, paired_difference, se_from_ci, se_from_p
from anagen.evidence._effect_sizes import effect_sizes
from anagen.evidence._impute import impute_sd

# the loaders and table constants live in _study_tables; re-exported for existing imports
from anagen.evidence._study_tables import (  # noqa: F401
    CONTROL_TYPES,
    DESIGN_TYPES,
    OUTCOME_DOMAINS,
    OUTCOMES,
    PRODUCT_GROUPS,
    _txt,
    load_comparator_trials,
    load_comparators,
    load_studies,
)

__all__ = [
    "DESIGN_TYPES",
    "OUTCOME_DOMAINS",
    "PRODUCT_GROUPS",
    "comparator_effects",
    "comparator_pooled",
    "load_comparator_trials",
    "load_comparators",
    "load_studies",
    "study_directions",
    "study_effects",
]

# --------------------------------------------------------------------------------------------
# effects against control

_SCALE_MEASURE = {
    "percent": "MD_pct",
    "hairs_per_cm2": "MD",
    "hairs_per_0.65cm2": "MD",
    "um": "MD",
    "um_per_cm2": "MD",
    "follicles_per_mm2": "MD",
    "VAS": "MD",
    "hair_count_unspecified_area": "MD",
}
# preferred scale when one study reports the same outcome several ways
_SCALE_RANK = {
    "hairs_per_cm2": 0,
    "percent": 1,
    "hairs_per_0.65cm2": 2,
    "um": 3,
    "um_per_cm2": 4,
    "follicles_per_mm2": 5,
    "hair_count_unspecified_area": 6,
    "VAS": 7,
}

MissingSE = Literal["p_bound", "borrow_sd"]


def _f(x: object) -> float:
    return math.nan if x is None or x is pd.NA else float(x)  # type: ignore[arg-type]


def _check_outcome(outcome: str) -> None:
    if outcome not in OUTCOME_DOMAINS:
        raise InputError(
            field="outcome", allowed=f"one of {', '.join(OUTCOME_DOMAINS)}", got=outcome
        )


def _citation(rec: object) -> str:
    return f"{rec.study_id} ({rec.year}); {rec.doi_or_pmid}; {rec.where_in_source}"  # type: ignore[attr-defined]


def _donor_sds(df: pd.DataFrame, scale: str) -> tuple[np.ndarray, list[str]]:
    """Reported change SDs on one outcome scale, from rows kept for analysis."""
    sds: list[float] = []
    who: list[str] = []
    rows = df[(df["outcome_scale"] == scale) & df["duplicate_of"].isna()]
    for rec in rows.itertuples(index=False):
        for arm in ("treated", "control"):
            sd = _f(getattr(rec, f"{arm}_change_sd"))
            if not math.isnan(sd):
                sds.append(sd)
                who.append(f"{rec.study_id} {arm} {_f(rec.followup_weeks_min):g} wk")
    return np.asarray(sds, dtype=float), who


def _controlled_effect(
    rec: object, df: pd.DataFrame, r: float, missing_se: MissingSE, sd_method: str
) -> dict[str, object] | None:
    """One row's effect vs control, or None when the report does not allow one.

    The variance comes from the first source that works, in this order: the reported SDs;
    then, for ``missing_se="p_bound"``, the between-group p-value, else SDs borrowed from
    other trials on the same scale; for ``"borrow_sd"`` the same two in the other order. In a
    split-scalp trial that reports the treated half's SD only, the control half is assumed
    to have the same SD before anything is borrowed.
    """
    g = rec.__getattribute__
    mt = _f(g("treated_change_mean"))
    mc = _f(g("control_change_mean"))
    notes: list[str] = []
    if math.isnan(mc) and not math.isnan(_f(g("control_change_max"))):
        mc = _f(g("control_change_max"))
        notes.append(
            f"control change reported only as '<{mc:g}'; the bound {mc:g} is used "
            "(shrinks the difference)"
        )
    if math.isnan(mt) or math.isnan(mc):
        return None
    scale = g("outcome_scale")
    sdt, sdc = _f(g("treated_change_sd")), _f(g("control_change_sd"))
    p, p_rel = _f(g("between_p")), g("between_p_relation")
    paired = g("design_type") == "split-scalp"
    n_t, n_c, n_an = _f(g("n_treated")), _f(g("n_control")), _f(g("n_analysed"))
    yi = mt - mc
    if paired:
        n_t = n_c = n_an if not math.isnan(n_an) else n_t
    elif not (math.isnan(n_an) or math.isnan(n_t) or math.isnan(n_c)) and n_an < n_t + n_c:
        share = n_t / (n_t + n_c)
        n_t, n_c = n_an * share, n_an * (1.0 - share)
        notes.append(f"n per arm derived: {n_an:g} analysed split as randomised ({n_t:g}/{n_c:g})")
    if math.isnan(n_t) or math.isnan(n_c) or min(n_t, n_c) < 2:
        return None  # no sizes, or an arm too small to have a spread (a case report)

    def from_sds(s1: float, s2: float) -> float:
        if paired:
            notes.append(f"paired SE with assumed between-half correlation r = {r:g}")
            return float(paired_difference(mt, mc, n_t, sd_treated=s1, sd_control=s2, r=r)[1][0])
        return float(effect_sizes("MD", mt, s1, n_t, mc, s2, n_c)[1][0])

    def from_p() -> float | None:
        if math.isnan(p):
            return None
        notes.append(
            f"SE from the between-{'half' if paired else 'group'} p {p_rel} {p:g} "
            "(z test assumed; a bound gives the largest SE compatible with the report)"
        )
        return float(se_from_p(yi, p)[0]) ** 2

    def from_borrowed() -> float | None:
        donors, who = _donor_sds(df, scale)
        if donors.size == 0:
            return None
        filled = impute_sd(
            [sdt, sdc],
            method=sd_method,
            donor_sd=donors,  # type: ignore[arg-type]
            labels=who,
        )
        notes.extend(sorted({h for h in filled.how if h}))
        return from_sds(float(filled.sd[0]), float(filled.sd[1]))

    if not (math.isnan(sdt) or math.isnan(sdc)):
        vi: float | None = from_sds(sdt, sdc)
    elif paired and not math.isnan(sdt):
        notes.append(f"control-half SD not reported, assumed equal to the treated half's ({sdt:g})")
        vi = from_sds(sdt, sdt)
    else:
        order = (from_p, from_borrowed) if missing_se == "p_bound" else (from_borrowed, from_p)
        vi = order[0]()
        if vi is None:
            vi = order[1]()
    if vi is None:
        return None
    return dict(
        yi=yi,
        vi=vi,
        measure=_SCALE_MEASURE[scale],
        n_treated=n_t,
        n_control=n_c,
        imputed=bool(notes),
        imputation="; ".join(notes),
    )


_EFFECT_COLUMNS = [
    "study_id",
    "year",
    "product",
    "product_group",
    "design",
    "control",
    "n_treated",
    "n_control",
    "followup_weeks",
    "outcome",
    "outcome_scale",
    "measure",
    "yi",
    "vi",
    "se",
    "imputed",
    "imputation",
    "risk_of_bias_notes",
    "citation",
    "row_id",
]


def study_effects(
    *,
    outcome: str = "density",
    r: float = CORRELATION_DEFAULT,
    missing_se: MissingSE = "p_bound",
    sd_method: str = "max_sd",
    studies: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One analysable effect per stem-cell study against its control, for one outcome.

    Parameters
    ----------
    outcome
        Outcome domain: ``"density"`` (hair count or density, any area or percent scale),
        ``"thickness"``, ``"histology"`` or ``"global"``.
    r
        Assumed correlation between the two halves of a split-scalp trial, used when its
        within-patient SE has to be rebuilt from SDs (Cochrane Handbook §23.2.7; default
        0.5, vary over :data:`anagen.evidence.CORRELATION_RANGE`).
    missing_se
        What to do when a trial gives no SD: ``"p_bound"`` (default) derives the SE from the
        reported between-group p-value, taking a bound such as ``P < 0.0001`` at its limit
        (the widest SE compatible with the report); ``"borrow_sd"`` borrows SDs from other
        bundled trials on the same scale (:func:`anagen.evidence.impute_sd`). Either way the
        effect is flagged ``imputed``.
    sd_method
        Borrowing rule for ``impute_sd`` (default ``"max_sd"``, the conservative choice).
    studies
        A table as returned by :func:`load_studies`; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id, year, product, product_group, design (parallel|split-scalp),
        control, n_treated, n_control, followup_weeks, outcome, outcome_scale, measure
        ("MD_pct": difference in mean percent change, percentage points; "MD": raw mean
        difference in the outcome's unit), yi, vi, se, imputed, imputation (what was
        assumed), risk_of_bias_notes, citation, row_id``. No NaN in ``yi``/``vi``.

    Notes
    -----
    Rows are dropped, never invented, when (i) the study has no control (single-arm; see
    :func:`study_directions`), (ii) the control is an active treatment, (iii) the row is
    marked ``duplicate_of`` another report of the same cohort (Gentile 2019 *Biomedicines*
    repeats Gentile 2017's 29 ± 5% result, relabelled as thickness; the 2017 report, which
    gives the placebo-area comparison, is kept), or (iv) the report lacks a mean for either
    arm. When a study reports the same outcome several ways, the hairs/cm² row is preferred
    to the percent row, then the longest follow-up.

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.3, §23.2.7.
    .. [2] Furukawa TA, et al. J Clin Epidemiol 2006;59(1):7-10.
    """
    _check_outcome(outcome)
    if missing_se not in ("p_bound", "borrow_sd"):
        raise InputError(field="missing_se", allowed="one of p_bound, borrow_sd", got=missing_se)
    if not -1 <= r <= 1:
        raise InputError(field="r", allowed="in [-1, 1]", got=r)
    from anagen.evidence._store import default_studies

    df = default_studies() if studies is None else studies
    rows = df[
        (df["outcome_domain"] == outcome)
        & df["duplicate_of"].isna()
        & df["control_type"].isin(["placebo", "untreated"])
    ]
    found: list[dict[str, object]] = []
    for rec in rows.itertuples(index=False):
        eff = _controlled_effect(rec, df, r, missing_se, sd_method)
        if eff is None:
            continue
        found.append(
            dict(
                study_id=rec.study_id,
                year=int(rec.year),
                product=rec.product,
                product_group=rec.product_group,
                design=rec.design_type,
                control=rec.control,
                followup_weeks=_f(rec.followup_weeks_max),
                outcome=rec.outcome,
                outcome_scale=rec.outcome_scale,
                risk_of_bias_notes=rec.risk_of_bias_notes,
                citation=_citation(rec),
                row_id=rec.row_id,
                **eff,
            )
        )
    out = pd.DataFrame(found, columns=[c for c in _EFFECT_COLUMNS if c != "se"])
    if len(out):
        out["_rank"] = out["outcome_scale"].map(_SCALE_RANK)
        out["_fu"] = -out["followup_weeks"].fillna(-1.0)
        out = (
            out.sort_values(["study_id", "_rank", "_fu"])
            .drop_duplicates("study_id", keep="first")
            .drop(columns=["_rank", "_fu"])
        )
    floats = ["n_treated", "n_control", "followup_weeks", "yi", "vi"]
    out = out.astype({**dict.fromkeys(floats, float), "year": int, "imputed": bool})
    out["se"] = np.sqrt(out["vi"])
    out = out[_EFFECT_COLUMNS].sort_values(["measure", "year", "study_id"]).reset_index(drop=True)
    return out


_DIRECTION_COLUMNS = [
    "study_id",
    "year",
    "product_group",
    "design",
    "comparison",
    "direction",
    "n",
    "followup_weeks",
    "outcome",
    "change_treated",
    "change_control",
    "between_p",
    "quantified",
    "reason",
    "risk_of_bias_notes",
    "citation",
    "row_id",
]


def study_directions(
    *, outcome: str = "density", studies: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every stem-cell study of one outcome with its reported direction of effect.

    For a synthesis without meta-analysis (vote counting on direction, sign test; SWiM
    guideline) this lists one row per study, including those :func:`study_effects` cannot
    quantify (single-arm series, active comparators, reports without numbers).

    Parameters
    ----------
    outcome
        Outcome domain, as in :func:`study_effects`.
    studies
        A table from :func:`load_studies`; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id, year, product_group, design, comparison ("vs control" |
        "vs active" | "vs baseline"), direction (+1 favours treatment, 0 no difference, -1
        favours the comparison, NaN not reported), n, followup_weeks, outcome,
        change_treated, change_control, between_p, quantified (True if the study is in
        study_effects), reason (why not, if not), risk_of_bias_notes, citation, row_id``.
        A study's row is its comparison against control when it has one, else against an
        active treatment, else against baseline. Duplicate reports are left out.

    References
    ----------
    .. [1] Campbell M, et al. BMJ 2020;368:l6890 (SWiM).
    """
    _check_outcome(outcome)
    from anagen.evidence._store import default_studies

    df = default_studies() if studies is None else studies
    quantified = set(study_effects(outcome=outcome, studies=df)["study_id"])
    rows = df[(df["outcome_domain"] == outcome) & df["duplicate_of"].isna()]
    basis_rank = {"control": 0, "active": 1, "baseline": 2}
    recs: list[dict[str, object]] = []
    for rec in rows.itertuples(index=False):
        comparison = {"control": "vs control", "active": "vs active", "baseline": "vs baseline"}[
            rec.direction_basis
        ]
        if rec.study_id in quantified:
            reason = ""
        elif rec.design_type == "single-arm":
            reason = "no control group"
        elif rec.control_type == "active":
            reason = "active comparator (not placebo)"
        elif min(_f(rec.n_treated), _f(rec.n_control)) < 2:
            reason = "fewer than 2 participants in an arm (no spread to weigh it by)"
        elif math.isnan(_f(rec.treated_change_mean)):
            if not math.isnan(_f(rec.between_p)):
                reason = "direction and p-value only, no arm means with a spread"
            elif _txt(rec.direction) is not None:
                reason = "direction only, no arm means with a spread"
            else:
                reason = "no numeric result in the accessible report"
        else:
            reason = "control-arm result not reported"
        n = _f(rec.n_analysed)
        if math.isnan(n):
            n = _f(rec.n_treated) + (
                0.0 if rec.design_type == "split-scalp" else np.nan_to_num(_f(rec.n_control))
            )
        recs.append(
            dict(
                study_id=rec.study_id,
                year=int(rec.year),
                product_group=rec.product_group,
                design=rec.design_type,
                comparison=comparison,
                direction=math.nan if _txt(rec.direction) is None else float(rec.direction),
                n=n,
                followup_weeks=_f(rec.followup_weeks_max),
                outcome=rec.outcome,
                change_treated=_f(rec.treated_change_mean),
                change_control=_f(rec.control_change_mean),
                between_p=_f(rec.between_p),
                quantified=rec.study_id in quantified,
                reason=reason,
                risk_of_bias_notes=rec.risk_of_bias_notes,
                citation=_citation(rec),
                row_id=rec.row_id,
                _rank=basis_rank[rec.direction_basis],
                _known=0 if _txt(rec.direction) is not None else 1,
            )
        )
    out = pd.DataFrame(recs, columns=[*_DIRECTION_COLUMNS, "_rank", "_known"])
    out = (
        out.sort_values(
            ["study_id", "_rank", "_known", "followup_weeks"], ascending=[True, True, True, False]
        )
        .drop_duplicates("study_id", keep="first")
        .drop(columns=["_rank", "_known"])
    )
    out["quantified"] = out["quantified"].astype(bool)
    return out.sort_values(["year", "study_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# comparators

_TRIAL_COLUMNS = [
    "trial",
    "treatment_arm",
    "control_arm",
    "control_type",
    "duration_weeks",
    "n_treated",
    "n_control",
    "measure",
    "yi",
    "vi",
    "se",
    "imputed",
    "imputation",
    "citation",
    "row_id",
]


def comparator_effects(
    *, trials: pd.DataFrame | None = None, sd_method: str = "median_sd"
) -> pd.DataFrame:
    """Mean differences (hairs/cm², change from baseline) for the bundled minoxidil arms.

    Parameters
    ----------
    trials
        A table from :func:`load_comparator_trials`; ``None`` uses the bundled one.
    sd_method
        Rule for arms without an SD (:func:`anagen.evidence.impute_sd`), borrowing from the
        arms of placebo-controlled trials in the same table that report one.

    Returns
    -------
    pandas.DataFrame
        Columns ``trial, treatment_arm, control_arm, control_type ("placebo" | "active"),
        duration_weeks, n_treated, n_control, measure ("MD"), yi, vi, se, imputed,
        imputation, citation, row_id``. Where two active arms share one placebo arm
        (three-arm trials), the placebo n is split evenly between the comparisons so the
        placebo patients are not counted twice (Cochrane Handbook §23.3.4).

    References
    ----------
    .. [1] Viechtbauer W. J Stat Softw 2010;36(3) (``escalc`` MD).
    .. [2] Cochrane Handbook v6.4, §23.3.4; §6.5.2.10 (SD imputation).
    """
    t = load_comparator_trials() if trials is None else trials
    donors_mask = t["control_type"] == "placebo"
    donor_sd = np.concatenate(
        [
            t.loc[donors_mask, "treated_change_sd"].to_numpy(float),
            t.loc[donors_mask, "control_change_sd"].to_numpy(float),
        ]
    )
    donor_sd = donor_sd[~np.isnan(donor_sd)]
    shares = t.groupby(["trial", "control_arm"])["row_id"].transform("count")
    out: list[dict[str, object]] = []
    for rec, k in zip(t.itertuples(index=False), shares, strict=True):
        notes: list[str] = []
        sd1, sd2 = float(rec.treated_change_sd), float(rec.control_change_sd)
        if math.isnan(sd1) or math.isnan(sd2):
            filled = impute_sd([sd1, sd2], method=sd_method, donor_sd=donor_sd)  # type: ignore[arg-type]
            sd1, sd2 = (float(x) for x in filled.sd)
            notes.extend(sorted({h for h in filled.how if h}))
        n2 = float(rec.n_control)
        if k > 1:
            n2 = n2 / k
            notes.append(
                f"shared control arm (n={float(rec.n_control):g}) split across {k} "
                f"comparisons: n={n2:g}"
            )
        yi, vi = effect_sizes(
            "MD", rec.treated_change_mean, sd1, rec.n_treated, rec.control_change_mean, sd2, n2
        )
        imputed = any(n.startswith("SD imputed") for n in notes)
        out.append(
            dict(
                trial=rec.trial,
                treatment_arm=rec.treatment_arm,
                control_arm=rec.control_arm,
                control_type=rec.control_type,
                duration_weeks=float(rec.duration_weeks),
                n_treated=float(rec.n_treated),
                n_control=n2,
                measure="MD",
                yi=float(yi[0]),
                vi=float(vi[0]),
                se=math.sqrt(float(vi[0])),
                imputed=imputed,
                imputation="; ".join(notes),
                citation=f"{rec.trial}; via {rec.source}; {rec.where_in_source}",
                row_id=rec.row_id,
            )
        )
    return pd.DataFrame(out, columns=_TRIAL_COLUMNS)


_POOLED_COLUMNS = [
    "treatment",
    "comparison",
    "comparator_group",
    "outcome",
    "effect_scale",
    "vs_placebo",
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "vi",
    "k_studies",
    "n_patients",
    "citation",
    "notes",
    "row_id",
]


def comparator_pooled(*, comparators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published pooled estimates for established treatments, with SE from their 95% CI.

    Parameters
    ----------
    comparators
        A table from :func:`load_comparators`; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, comparison, comparator_group, outcome, effect_scale,
        vs_placebo, estimate, ci_low, ci_high, se, vi, k_studies, n_patients, citation,
        notes, row_id``. ``se = (ci_high - ci_low) / (2 × 1.959964)`` (normal-based 95%
        interval assumed; the sources do not say). Rows whose source gives no estimate are
        left out.

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.2.
    """
    c = load_comparators() if comparators is None else comparators
    c = c[c["pooled_md"].notna()].copy()
    se = se_from_ci(c["ci_low"].to_numpy(float), c["ci_high"].to_numpy(float))
    out = pd.DataFrame(
        {
            "treatment": c["treatment"],
            "comparison": c["comparison"],
            "comparator_group": c["comparator_group"],
            "outcome": c["outcome"],
            "effect_scale": c["effect_scale"],
            "vs_placebo": c["vs_placebo"],
            "estimate": c["pooled_md"].astype(float),
            "ci_low": c["ci_low"].astype(float),
            "ci_high": c["ci_high"].astype(float),
            "se": se,
            "vi": se**2,
            "k_studies": c["k_studies"],
            "n_patients": c["n_patients"],
            "citation": c["source"] + "; " + c["where_in_source"],
            "notes": c["notes"],
            "row_id": c["row_id"],
        }
    )
    return out[_POOLED_COLUMNS].reset_index(drop=True)
