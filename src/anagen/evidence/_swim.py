"""Synthesis without meta-analysis: vote counting on the direction of effect, with a sign test.

Many hair-loss cell-therapy reports cannot be pooled: single-arm series, comparisons with an
active treatment, or a control arm reported only as "significant". The SWiM guideline [1]_
and the Cochrane Handbook [2]_ name the acceptable fallback: count the studies whose effect
points towards benefit and towards harm (regardless of statistical significance), test the
split with an exact binomial sign test, and report the range of the effects that are
quantified. Vote counting on *significance* is not acceptable and is not offered here.

References
----------
.. [1] Campbell M, McKenzie JE, Sowden A, et al. Synthesis without meta-analysis (SWiM) in
   systematic reviews: reporting guideline. BMJ 2020;368:l6890.
.. [2] McKenzie JE, Brennan SE. Chapter 12: Synthesizing and presenting findings using other
   methods. In: Cochrane Handbook for Systematic Reviews of Interventions v6.4, 2023, §12.2.2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from anagen.errors import InputError

__all__ = ["DirectionSynthesis", "direction_of_effect"]


@dataclass(frozen=True, slots=True)
class DirectionSynthesis:
    """Direction-of-effect vote count and sign test (Cochrane Handbook §12.2.2.3).

    Attributes
    ----------
    k
        Number of studies given (including those with an unknown direction).
    n_benefit, n_harm, n_no_difference, n_unknown
        Studies whose effect favours the intervention, favours the comparison, is exactly
        "no difference" as reported, or whose direction was not reported.
    n_tested
        ``n_benefit + n_harm``: the studies entering the sign test (ties and unknowns drop
        out, as in the classical sign test).
    proportion_benefit, ci_low, ci_high
        ``n_benefit / n_tested`` and its exact (Clopper-Pearson) confidence interval; NaN when
        no study has a direction.
    p
        Two-sided exact binomial p-value against a proportion of 0.5; NaN when
        ``n_tested == 0``.
    level
        Confidence level of the interval.
    effect_min, effect_median, effect_max, n_quantified
        Range and median of the effect estimates that were given (NaN ones ignored);
        ``n_quantified`` counts them.
    labels, directions
        Study labels and the directions as given (+1, 0, -1 or NaN).
    """

    k: int
    n_benefit: int
    n_harm: int
    n_no_difference: int
    n_unknown: int
    n_tested: int
    proportion_benefit: float
    ci_low: float
    ci_high: float
    p: float
    level: float
    effect_min: float
    effect_median: float
    effect_max: float
    n_quantified: int
    labels: tuple[str, ...]
    directions: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-ready Python values (NaN where not available)."""
        out = asdict(self)
        out["labels"] = list(self.labels)
        out["directions"] = list(self.directions)
        return out

    def sentence(self) -> str:
        """One plain-language sentence describing the vote count and the sign test."""
        if self.n_tested == 0:
            return f"none of {self.k} studies reported a direction of effect"
        text = (
            f"{self.n_benefit} of {self.n_tested} studies with a reported direction favour the "
            f"treatment (sign test p = {self.p:.3g}; {self.level:.0%} CI of the proportion "
            f"{self.ci_low:.2f}-{self.ci_high:.2f})"
        )
        if self.n_unknown:
            text += f"; {self.n_unknown} more did not report a direction"
        if self.n_no_difference:
            text += f"; {self.n_no_difference} reported no difference"
        return text


def direction_of_effect(
    directions: Sequence[float] | np.ndarray,
    *,
    effects: Sequence[float] | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> DirectionSynthesis:
    """Vote-count studies by direction of effect and test the split with a sign test.

    Parameters
    ----------
    directions
        One value per study: ``+1`` (favours the intervention), ``-1`` (favours the
        comparison), ``0`` (reported as no difference, direction unknown) or NaN (not
        reported). Any other value is an error.
    effects
        Optional effect estimates, one per study, on a common scale (NaN where unknown),
        summarised by their range and median as SWiM item 6 asks.
    labels
        Optional study labels (default ``"1"``, ``"2"``, ...).
    level
        Confidence level of the exact interval for the proportion favouring the intervention.

    Returns
    -------
    DirectionSynthesis

    Raises
    ------
    InputError
        For an empty input, a direction outside {-1, 0, +1, NaN}, mismatched lengths or a bad
        level.

    References
    ----------
    Campbell et al. 2020 [1]_; Cochrane Handbook §12.2.2.3 [2]_.

    Examples
    --------
    >>> res = direction_of_effect([1, 1, 1, 1, 1, 1])
    >>> res.n_benefit, round(res.p, 5)
    (6, 0.03125)
    """
    d = np.asarray(directions, dtype=float).ravel()
    if d.size == 0:
        raise InputError(field="directions", allowed="at least one study", got=0)
    known = ~np.isnan(d)
    bad = known & ~np.isin(d, (-1.0, 0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="directions", row=i + 1, allowed="-1, 0, +1 or NaN", got=d[i])
    if not (0.0 < level < 1.0):
        raise InputError(field="level", allowed="a number in (0, 1)", got=level)
    if labels is None:
        labs = tuple(str(i + 1) for i in range(d.size))
    else:
        labs = tuple(str(x) for x in labels)
        if len(labs) != d.size:
            raise InputError(field="labels", allowed=f"{d.size} labels", got=len(labs))
    if effects is None:
        e = np.full(d.size, np.nan)
    else:
        e = np.asarray(effects, dtype=float).ravel()
        if e.size != d.size:
            raise InputError(field="effects", allowed=f"{d.size} values", got=e.size)
    n_b = int(np.sum(d == 1.0))
    n_h = int(np.sum(d == -1.0))
    n_0 = int(np.sum(d == 0.0))
    n_u = int(np.sum(~known))
    n = n_b + n_h
    if n > 0:
        from scipy import stats

        test = stats.binomtest(n_b, n, 0.5, alternative="two-sided")
        p = float(test.pvalue)
        ci = test.proportion_ci(confidence_level=level, method="exact")
        prop, lo, hi = n_b / n, float(ci.low), float(ci.high)
    else:
        p = prop = lo = hi = math.nan
    q = e[~np.isnan(e)]
    return DirectionSynthesis(
        k=int(d.size),
        n_benefit=n_b,
        n_harm=n_h,
        n_no_difference=n_0,
        n_unknown=n_u,
        n_tested=n,
        proportion_benefit=prop,
        ci_low=lo,
        ci_high=hi,
        p=p,
        level=float(level),
        effect_min=float(q.min()) if q.size else math.nan,
        effect_median=float(np.median(q)) if q.size else math.nan,
        effect_max=float(q.max()) if q.size else math.nan,
        n_quantified=int(q.size),
        labels=labs,
        directions=tuple(float(x) for x in d),
    )
