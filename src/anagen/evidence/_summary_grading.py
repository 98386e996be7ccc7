"""Grading of the evidence summary: per-study risk of bias from the curated text, pooling one
analysis and rating its certainty (GRADE 3-8 rules of :mod:`anagen.evidence._grade`).

References
----------
.. [1] Guyatt GH, et al. GRADE guidelines 3-8. J Clin Epidemiol 2011;64.
.. [2] Cochrane Handbook v6.4, 2023, §10.14 (sensitivity analysis), §23.2.7.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from anagen.evidence._grade import (
    EGGER_MIN_K,
    StudyBias,
    judge_imprecision,
    judge_inconsistency,
    judge_indirectness,
    judge_publication_bias,
    judge_risk_of_bias,
    rate_certainty,
)
from anagen.evidence._summary_types import Analysis
from anagen.evidence._summary_wording import _SCALES, _UNITS, _label, _statement

__all__ = ["analyse", "study_bias"]

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


analyse = _analyse
study_bias = _study_bias
