"""The result types of the evidence summary: one analysis, a published comparator, the summary.

Built by :func:`anagen.evidence.summarise_evidence` (``_summary``); every type has ``to_dict``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anagen.evidence._grade import Certainty
from anagen.evidence._swim import DirectionSynthesis

if TYPE_CHECKING:
    from anagen.evidence._pool import PoolResult
    from anagen.evidence._prepost import PrePostSynthesis

__all__ = ["DISCLAIMER", "QUESTION", "Analysis", "EvidenceSummary", "PublishedComparator"]

DISCLAIMER = (
    "Decision support for a conversation with a hair-loss specialist - not a diagnosis and not "
    "medical advice."
)
QUESTION = "Is stem-cell therapy for hair loss (androgenetic alopecia) effective?"


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


def _replace(a: Analysis, **changes: Any) -> Analysis:
    from dataclasses import replace

    return replace(a, **changes)
