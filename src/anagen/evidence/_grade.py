"""GRADE-style certainty of a body of evidence, with a written reason for every downgrade.

GRADE [1]_ rates the certainty of an estimate as high, moderate, low or very low: evidence
from randomised trials starts high, from observational studies low, and is rated down one or
two levels for each of five concerns: risk of bias [2]_, imprecision [3]_, inconsistency [4]_,
indirectness [5]_ and publication bias [6]_. GRADE asks for judgement; the functions here
write the judgement as explicit rules so that it can be reproduced and argued with. They
never rate *up* (GRADE's upgrades for large effects or dose-response apply to observational
evidence without serious limitations [1]_, which this field does not have), so a rating from
this module is never stronger than GRADE would allow.

References
----------
.. [1] Guyatt GH, Oxman AD, Schünemann HJ, et al. GRADE guidelines 3: rating the quality of
   evidence. J Clin Epidemiol 2011;64(4):401-406.
.. [2] Guyatt GH, Oxman AD, Vist G, et al. GRADE guidelines 4: rating the quality of
   evidence - study limitations (risk of bias). J Clin Epidemiol 2011;64(4):407-415.
.. [3] Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines 6: rating the quality of
   evidence - imprecision. J Clin Epidemiol 2011;64(12):1283-1293.
.. [4] Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines 7: rating the quality of
   evidence - inconsistency. J Clin Epidemiol 2011;64(12):1294-1302.
.. [5] Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines 8: rating the quality of
   evidence - indirectness. J Clin Epidemiol 2011;64(12):1303-1310.
.. [6] Guyatt GH, Oxman AD, Montori V, et al. GRADE guidelines 5: rating the quality of
   evidence - publication bias. J Clin Epidemiol 2011;64(12):1277-1282.
.. [7] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias
   in randomised trials. BMJ 2019;366:l4898.
.. [8] Deeks JJ, Higgins JPT, Altman DG. Chapter 10: Analysing data and undertaking
   meta-analyses. Cochrane Handbook v6.4, 2023, §10.10.2 (I² bands).
.. [9] Sterne JAC, Sutton AJ, Ioannidis JPA, et al. Recommendations for examining and
   interpreting funnel plot asymmetry in meta-analyses of randomised controlled trials.
   BMJ 2011;343:d4002.
.. [10] Cohen J. Statistical Power Analysis for the Behavioral Sciences, 2nd ed. 1988
   (d = 0.2 "small" standardised difference).
.. [11] Zeng L, Brignardello-Petersen R, Hultcrantz M, et al. GRADE Guidance 34: update on
   rating imprecision using a minimally contextualized approach. J Clin Epidemiol
   2022;150:216-224.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scipy import special

from anagen.errors import InputError

__all__ = [
    "CERTAINTY_LEVELS",
    "Certainty",
    "Judgement",
    "StudyBias",
    "judge_imprecision",
    "judge_inconsistency",
    "judge_indirectness",
    "judge_publication_bias",
    "judge_risk_of_bias",
    "optimal_information_size",
    "rate_certainty",
]

#: GRADE levels, lowest first.
CERTAINTY_LEVELS: tuple[str, ...] = ("very low", "low", "moderate", "high")

#: I² (percent) from which heterogeneity "may represent substantial" (50) and
#: "considerable" (75) heterogeneity, Cochrane Handbook §10.10.2 [8]_.
I2_SUBSTANTIAL = 50.0
I2_CONSIDERABLE = 75.0
#: Minimum number of studies for a funnel-plot asymmetry test (Sterne et al. 2011 [9]_).
EGGER_MIN_K = 10
#: Significance level of Egger's test for asymmetry (Egger et al. 1997, BMJ 315:629; the
#: test has low power, hence 0.10 rather than 0.05).
EGGER_ALPHA = 0.10
#: Indirectness aspects named by GRADE 8 [5]_.
INDIRECTNESS_ASPECTS: tuple[str, ...] = ("population", "intervention", "comparator", "outcome")


@dataclass(frozen=True, slots=True)
class Judgement:
    """One GRADE domain: how many levels it rates down (0, 1 or 2) and why."""

    domain: str
    levels: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict."""
        return {"domain": self.domain, "levels": self.levels, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Certainty:
    """A GRADE-style certainty rating.

    Attributes
    ----------
    start
        ``"high"`` (randomised evidence) or ``"low"`` (observational / non-randomised).
    rating
        Final level, one of :data:`CERTAINTY_LEVELS`.
    judgements
        One :class:`Judgement` per domain, in GRADE's order.
    """

    start: str
    rating: str
    judgements: tuple[Judgement, ...]

    @property
    def downgrades(self) -> tuple[Judgement, ...]:
        """The judgements that rated the evidence down."""
        return tuple(j for j in self.judgements if j.levels > 0)

    def to_dict(self) -> dict[str, Any]:
        """Return the rating as JSON-ready values."""
        return {
            "start": self.start,
            "rating": self.rating,
            "judgements": [j.to_dict() for j in self.judgements],
        }

    def explain(self) -> str:
        """One line per downgrade, e.g. ``"-1 risk of bias: ..."``."""
        lines = [
            f"starts {self.start} ({'randomised' if self.start == 'high' else 'non-randomised'} evidence)"
        ]
        lines += [f"-{j.levels} {j.domain}: {j.reason}" for j in self.downgrades]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class StudyBias:
    """Risk-of-bias concerns of one study, with its weight in the synthesis.

    Parameters
    ----------
    label
        Study label.
    weight
        Weight in the pooled estimate (any positive scale; shares are computed).
    serious
        Concerns that on their own put the study at high risk of bias (RoB 2 "high" in a
        domain [7]_, e.g. a non-randomised comparison).
    concerns
        Lesser concerns (RoB 2 "some concerns", e.g. allocation not described).
    """

    label: str
    weight: float
    serious: tuple[str, ...] = field(default_factory=tuple)
    concerns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def judgement(self) -> str:
        """RoB 2 overall judgement [7]_: high if any serious concern or several lesser ones."""
        if self.serious or len(self.concerns) >= 2:
            return "high"
        return "some concerns" if self.concerns else "low"


def optimal_information_size(d: float = 0.2, alpha: float = 0.05, power: float = 0.8) -> int:
    """Total sample size of one adequately powered two-arm trial (GRADE's OIS [3]_).

    ``n per arm = 2 (z_{1-alpha/2} + z_{power})² / d²``, rounded up, times two arms.

    Parameters
    ----------
    d
        Smallest standardised mean difference worth detecting (default 0.2, Cohen's "small"
        effect [10]_, the conservative choice when no minimal important difference for hair
        density is established).
    alpha, power
        Two-sided type I error and power (GRADE 6 uses 0.05 and 0.8).

    Returns
    -------
    int
        Total participants.

    Examples
    --------
    >>> optimal_information_size()
    786
    """
    if not (d > 0 and 0 < alpha < 1 and 0 < power < 1):
        raise InputError(
            field="d, alpha, power", allowed="d > 0; alpha, power in (0, 1)", got=(d, alpha, power)
        )
    z = -special.ndtri(alpha / 2) + special.ndtri(power)  # normal isf and ppf
    return 2 * math.ceil(2 * z * z / (d * d))


def judge_risk_of_bias(studies: Sequence[StudyBias]) -> Judgement:
    """Rate down for study limitations, weighted by each study's share of the information.

    Rules (GRADE 4 [2]_: rate down when most of the information comes from studies at high
    risk): -1 when studies judged high risk (RoB 2 overall algorithm [7]_) carry more than
    half the weight; -2 when studies with two or more serious concerns carry more than half.

    Parameters
    ----------
    studies
        One :class:`StudyBias` per study in the analysis.

    Returns
    -------
    Judgement
    """
    if not studies:
        raise InputError(field="studies", allowed="at least one study", got=0)
    total = sum(max(s.weight, 0.0) for s in studies)
    if not total > 0:
        raise InputError(field="weight", allowed="> 0 in total", got=total)
    high = [s for s in studies if s.judgement == "high"]
    very = [s for s in studies if len(s.serious) >= 2]
    share_high = sum(s.weight for s in high) / total
    share_very = sum(s.weight for s in very) / total
    detail = "; ".join(
        f"{s.label} ({s.judgement}: {', '.join((*s.serious, *s.concerns)) or 'no concern found'})"
        for s in studies
    )
    if share_very > 0.5:
        return Judgement(
            "risk of bias",
            2,
            f"{share_very:.0%} of the weight from studies with several serious limitations - {detail}",
        )
    if share_high > 0.5:
        return Judgement(
            "risk of bias",
            1,
            f"{share_high:.0%} of the weight from studies at high risk of bias - {detail}",
        )
    return Judgement(
        "risk of bias", 0, f"most weight from studies at low risk or with some concerns - {detail}"
    )


def judge_inconsistency(
    yi: Sequence[float],
    i2: float,
    *,
    pi_low: float = math.nan,
    pi_high: float = math.nan,
    null: float = 0.0,
) -> Judgement:
    """Rate down for unexplained heterogeneity (GRADE 7 [4]_).

    Rules: not assessable with one study (no downgrade, said so). -1 when I² ≥ 50%
    ("substantial", Cochrane §10.10.2 [8]_) or the prediction interval crosses the null;
    -2 when I² ≥ 75% ("considerable") and study estimates lie on both sides of the null.

    Parameters
    ----------
    yi
        Study estimates.
    i2
        I² in percent.
    pi_low, pi_high
        Prediction interval (NaN if not available).
    null
        Value of no effect.
    """
    k = len(yi)
    if k < 2:
        return Judgement(
            "inconsistency",
            0,
            "not assessable: a single study (replication is missing, which counts under imprecision)",
        )
    both_sides = min(yi) < null < max(yi)
    pi_crosses = math.isfinite(pi_low) and math.isfinite(pi_high) and pi_low < null < pi_high
    text = f"I² = {i2:.0f}%" + (
        f", prediction interval {pi_low:.3g} to {pi_high:.3g}" if math.isfinite(pi_low) else ""
    )
    if i2 >= I2_CONSIDERABLE and both_sides:
        return Judgement(
            "inconsistency",
            2,
            f"{text}; considerable heterogeneity with studies on both sides of no effect",
        )
    if i2 >= I2_SUBSTANTIAL or pi_crosses:
        why = (
            "substantial heterogeneity"
            if i2 >= I2_SUBSTANTIAL
            else "prediction interval includes no effect"
        )
        return Judgement("inconsistency", 1, f"{text}; {why}")
    return Judgement("inconsistency", 0, f"{text}; no important heterogeneity")


def judge_indirectness(concerns: Sequence[tuple[str, str]]) -> Judgement:
    """Rate down for indirectness (GRADE 8 [5]_): -1 for concerns in one aspect, -2 in several.

    Parameters
    ----------
    concerns
        ``(aspect, text)`` pairs; aspect one of :data:`INDIRECTNESS_ASPECTS`.
    """
    for aspect, _ in concerns:
        if aspect not in INDIRECTNESS_ASPECTS:
            raise InputError(
                field="aspect", allowed=f"one of {', '.join(INDIRECTNESS_ASPECTS)}", got=aspect
            )
    aspects = sorted({a for a, _ in concerns})
    if not aspects:
        return Judgement(
            "indirectness", 0, "population, intervention, comparator and outcome match the question"
        )
    text = "; ".join(f"{a}: {t}" for a, t in concerns)
    return Judgement("indirectness", 2 if len(aspects) >= 2 else 1, text)


def judge_imprecision(
    ci_low: float,
    ci_high: float,
    n_total: float,
    *,
    null: float = 0.0,
    ois: int | None = None,
) -> Judgement:
    """Rate down for imprecision (GRADE 6 [3]_ and its 2022 update, GRADE 34 [11]_).

    Two criteria: the confidence interval excludes no effect (an interval that ends exactly at
    it, as one rebuilt from "p < 0.05" does, does not exclude it), and the total sample reaches the
    optimal information size (:func:`optimal_information_size`). -1 when one fails, -2 when
    both fail.

    Parameters
    ----------
    ci_low, ci_high
        Confidence interval of the pooled effect.
    n_total
        Participants in the analysis (NaN if unknown: counted as failing).
    null
        Value of no effect.
    ois
        Optimal information size; default :func:`optimal_information_size` ``()``.
    """
    ois = optimal_information_size() if ois is None else ois
    # an interval ending exactly at no effect (e.g. rebuilt from "p < 0.05") includes it;
    # the tolerance only absorbs floating-point rounding of that end point
    tol = 1e-9 * max(abs(ci_low), abs(ci_high), 1.0)
    crosses = ci_low - tol <= null <= ci_high + tol
    small = not (math.isfinite(n_total) and n_total >= ois)
    n_text = "unknown" if not math.isfinite(n_total) else f"{n_total:g}"
    reasons = []
    if crosses:
        lo, hi = (0.0 if abs(x - null) <= tol else x for x in (ci_low, ci_high))
        reasons.append(f"confidence interval ({lo:.3g} to {hi:.3g}) includes no effect")
    if small:
        reasons.append(f"{n_text} participants, below the optimal information size of {ois}")
    if not reasons:
        return Judgement(
            "imprecision", 0, f"CI excludes no effect and N = {n_text} reaches the OIS ({ois})"
        )
    return Judgement("imprecision", len(reasons), "; ".join(reasons))


def judge_publication_bias(
    k: int,
    *,
    n_total: float,
    egger_p: float | None = None,
    unreported: int = 0,
    industry: bool = False,
    ois: int | None = None,
) -> Judgement:
    """Rate down for suspected publication or reporting bias (GRADE 5 [6]_).

    With ``k >= 10`` the Egger test decides (-1 when p < 0.10 [9]_). With fewer studies no
    test is meaningful [9]_, and GRADE 5 suspects bias when the evidence is a few small
    studies, especially industry-funded ones, or when results are known to be unreported:
    -1 when ``k < 10`` and (the total N is below the OIS, or ``unreported > 0``).

    Parameters
    ----------
    k
        Studies in the analysis.
    n_total
        Their participants.
    egger_p
        Egger test p-value (used only when ``k >= 10``).
    unreported
        Eligible studies known to exist whose result could not be used.
    industry
        Whether any included study was industry-funded or had industry authors.
    ois
        Optimal information size (default :func:`optimal_information_size` ``()``).
    """
    ois = optimal_information_size() if ois is None else ois
    if k >= EGGER_MIN_K and egger_p is not None and math.isfinite(egger_p):
        if egger_p < EGGER_ALPHA:
            return Judgement(
                "publication bias",
                1,
                f"Egger test p = {egger_p:.3g} (< {EGGER_ALPHA}): funnel asymmetry",
            )
        return Judgement(
            "publication bias", 0, f"Egger test p = {egger_p:.3g}: no funnel asymmetry detected"
        )
    reasons = [f"too few studies (k = {k} < {EGGER_MIN_K}) for a funnel-plot test"]
    few_small = not (math.isfinite(n_total) and n_total >= ois)
    if few_small:
        reasons.append("the evidence is a few small studies")
    if unreported:
        reasons.append(
            f"{unreported} eligible stud{'y' if unreported == 1 else 'ies'} with results not reported or not usable"
        )
    if industry:
        reasons.append("industry involvement")
    if few_small or unreported:
        return Judgement("publication bias", 1, "suspected: " + "; ".join(reasons))
    return Judgement("publication bias", 0, "; ".join(reasons) + "; not suspected on other grounds")


def rate_certainty(*, randomised: bool, judgements: Sequence[Judgement]) -> Certainty:
    """Combine the domain judgements into a GRADE level (GRADE 3 [1]_).

    Parameters
    ----------
    randomised
        True when every study in the analysis is randomised (start high); otherwise start low.
    judgements
        Domain judgements; their levels are subtracted, stopping at "very low".

    Returns
    -------
    Certainty

    Examples
    --------
    >>> c = rate_certainty(randomised=True, judgements=[Judgement("imprecision", 1, "small")])
    >>> c.rating
    'moderate'
    """
    start = 3 if randomised else 1
    for j in judgements:
        if j.levels not in (0, 1, 2):
            raise InputError(field="levels", allowed="0, 1 or 2", got=j.levels)
    level = max(0, start - sum(j.levels for j in judgements))
    return Certainty(
        start=CERTAINTY_LEVELS[start], rating=CERTAINTY_LEVELS[level], judgements=tuple(judgements)
    )
