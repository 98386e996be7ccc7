"""Turn what trial reports actually give into means, SDs and standard errors.

Hair-loss trials rarely report a mean change with its SD per arm. They give baseline and
follow-up SDs, split-scalp (within-patient) comparisons, confidence intervals, p-values,
medians with ranges, or a mean percent change. Each function here implements one published
conversion; the assumption it rests on is stated in its docstring so that callers can record
it next to the number it produced.

References
----------
.. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and computing
   estimates of effect. In: Cochrane Handbook for Systematic Reviews of Interventions,
   version 6.4, 2023. §6.5.2.2-6.5.2.3 (SE from CI and p-value), §6.5.2.8 (change-score SDs
   with an imputed correlation).
.. [2] Elbourne DR, Altman DG, Higgins JPT, et al. Meta-analyses involving cross-over trials:
   methodological issues. Int J Epidemiol 2002;31(1):140-149 (paired SE from the SDs of the
   two conditions and their correlation).
.. [3] Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation from the
   sample size, median, range and/or interquartile range. BMC Med Res Methodol 2014;14:135.
.. [4] Luo D, Wan X, Liu J, Tong T. Optimally estimating the sample mean from the sample size,
   median, mid-range, and/or mid-quartile range. Stat Methods Med Res 2018;27(6):1785-1805.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from anagen.errors import InputError

__all__ = [
    "CORRELATION_DEFAULT",
    "CORRELATION_RANGE",
    "change_sd",
    "mean_sd_from_quantiles",
    "paired_difference",
    "percent_change",
    "percent_change_to_log_ratio",
    "range_divisor",
    "se_from_ci",
    "se_from_p",
]

#: Default pre/post (or left/right half-scalp) correlation. The Cochrane Handbook (§6.5.2.8)
#: imputes a correlation when a trial reports baseline and final SDs but not the SD of the
#: change, and asks for a sensitivity analysis over plausible values; 0.5 is the value at which
#: the change-score SD equals the common baseline/final SD.
CORRELATION_DEFAULT: float = 0.5
#: Range for that sensitivity analysis (low and high correlation).
CORRELATION_RANGE: tuple[float, float] = (0.2, 0.8)


def _arr(name: str, value: ArrayLike) -> np.ndarray:
    a = np.atleast_1d(np.asarray(value, dtype=float))
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field=name, row=i + 1, allowed="a finite number", got=float(a[i]))
    return a


def _nonneg(name: str, value: ArrayLike) -> np.ndarray:
    a = _arr(name, value)
    bad = a < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field=name, row=i + 1, allowed=">= 0", got=float(a[i]))
    return a


def _check_r(r: ArrayLike) -> np.ndarray:
    a = _arr("r", r)
    bad = (a < -1) | (a > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="r", row=i + 1, allowed="in [-1, 1]", got=float(a[i]))
    return a


def change_sd(
    sd_baseline: ArrayLike, sd_followup: ArrayLike, r: ArrayLike = CORRELATION_DEFAULT
) -> np.ndarray:
    """SD of the change from baseline given the baseline and follow-up SDs.

    Parameters
    ----------
    sd_baseline, sd_followup
        SDs of the baseline and the follow-up measurement in the same group.
    r
        Assumed correlation between baseline and follow-up (default
        :data:`CORRELATION_DEFAULT`; vary it over :data:`CORRELATION_RANGE`).

    Returns
    -------
    numpy.ndarray
        ``sqrt(sd_b² + sd_f² - 2 r sd_b sd_f)``.

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.8 (imputing SDs for changes from baseline).
    """
    sb = _nonneg("sd_baseline", sd_baseline)
    sf = _nonneg("sd_followup", sd_followup)
    rr = _check_r(r)
    return np.sqrt(np.maximum(sb**2 + sf**2 - 2.0 * rr * sb * sf, 0.0))


def paired_difference(
    mean_treated: ArrayLike,
    mean_control: ArrayLike,
    n: ArrayLike,
    *,
    sd_treated: ArrayLike | None = None,
    sd_control: ArrayLike | None = None,
    sd_diff: ArrayLike | None = None,
    r: ArrayLike = CORRELATION_DEFAULT,
) -> tuple[np.ndarray, np.ndarray]:
    """Within-patient mean difference (split-scalp / half-head) and its sampling variance.

    In a split-scalp trial both "arms" are the same ``n`` people. The effect is the mean of
    the within-patient differences ``yi = mean_treated - mean_control``; its variance is
    ``sd_diff² / n``. When the SD of the differences is not reported it is reconstructed from
    the SDs of the two halves and an assumed correlation ``r`` between halves:
    ``sd_diff² = sd_t² + sd_c² - 2 r sd_t sd_c``.

    Parameters
    ----------
    mean_treated, mean_control
        Mean outcome (or mean change) on the treated and control halves.
    n
        Number of patients contributing both halves (>= 2).
    sd_treated, sd_control
        SDs on each half; used when ``sd_diff`` is not given.
    sd_diff
        SD of the within-patient differences, if reported (takes precedence).
    r
        Assumed correlation between the halves (ignored when ``sd_diff`` is given).

    Returns
    -------
    yi, vi : numpy.ndarray
        Mean difference and its variance.

    Notes
    -----
    Analysing a split-scalp trial as if the halves were independent groups (``sd_t²/n +
    sd_c²/n``) is the special case ``r = 0`` and overstates the variance whenever the halves
    are positively correlated, which they are for the same scalp.

    References
    ----------
    .. [1] Elbourne DR, et al. Int J Epidemiol 2002;31(1):140-149.
    .. [2] Cochrane Handbook v6.4, §23.2.7 (cross-over and within-person designs).
    """
    mt = _arr("mean_treated", mean_treated)
    mc = _arr("mean_control", mean_control)
    nn = _arr("n", n)
    bad = nn < 2
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="n", row=i + 1, allowed=">= 2", got=float(nn[i]))
    if sd_diff is not None:
        sdd = _nonneg("sd_diff", sd_diff)
    elif sd_treated is not None and sd_control is not None:
        sdd = change_sd(sd_treated, sd_control, r)
    else:
        raise InputError(
            "give sd_diff, or both sd_treated and sd_control", field="sd_diff", got=None
        )
    yi = mt - mc
    vi = np.broadcast_to(sdd**2 / nn, np.broadcast_shapes(yi.shape, sdd.shape, nn.shape))
    return np.broadcast_to(yi, vi.shape).astype(float), vi.astype(float)


def _quantile(level: float, df: ArrayLike | None) -> np.ndarray | float:
    if df is None:
        return float(special.ndtri(1.0 - (1.0 - level) / 2.0))
    d = _arr("df", df)
    bad = ~(d > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="df", row=i + 1, allowed="> 0", got=float(d[i]))
    return special.stdtrit(d, 1.0 - (1.0 - level) / 2.0)


def se_from_ci(
    ci_low: ArrayLike, ci_high: ArrayLike, *, level: float = 0.95, df: ArrayLike | None = None
) -> np.ndarray:
    """Standard error from a symmetric confidence interval.

    Parameters
    ----------
    ci_low, ci_high
        Interval limits (on the analysis scale: log scale for ratios).
    level
        Confidence level of the interval (default 0.95).
    df
        Degrees of freedom if the interval was built on a t distribution (small trials);
        ``None`` for a normal-based interval.

    Returns
    -------
    numpy.ndarray
        ``(ci_high - ci_low) / (2 q)``, with ``q`` the normal or t quantile at
        ``1 - (1-level)/2`` (1.959964 for a 95% normal interval).

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.2 (normal) and §6.5.2.3 (t for small samples).
    """
    if not 0 < level < 1:
        raise InputError(field="level", allowed="in (0, 1)", got=level)
    lo = _arr("ci_low", ci_low)
    hi = _arr("ci_high", ci_high)
    bad = ~(hi > lo)
    if bad.any():
        i = int(np.flatnonzero(np.broadcast_to(bad, np.broadcast_shapes(lo.shape, hi.shape)))[0])
        raise InputError(field="ci_high", row=i + 1, allowed="> ci_low", got=float(hi.flat[i]))
    return (hi - lo) / (2.0 * np.asarray(_quantile(level, df)))


def se_from_p(estimate: ArrayLike, p: ArrayLike, *, df: ArrayLike | None = None) -> np.ndarray:
    """Standard error from an effect estimate and its two-sided p-value.

    Parameters
    ----------
    estimate
        The effect (e.g. a mean difference); only its magnitude is used.
    p
        Two-sided p-value in (0, 1). A bound such as "P < 0.0001" entered as 0.0001 gives
        the *largest* SE compatible with the report, i.e. a conservative (too wide) SE.
    df
        Degrees of freedom if the test was a t test; ``None`` for a z test.

    Returns
    -------
    numpy.ndarray
        ``|estimate| / q(1 - p/2)``.

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.3 (obtaining SEs from t statistics or p-values).
    """
    est = _arr("estimate", estimate)
    pp = _arr("p", p)
    bad = ~((pp > 0) & (pp < 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="p", row=i + 1, allowed="in (0, 1)", got=float(pp[i]))
    if df is None:
        q = -special.ndtri(pp / 2.0)
    else:
        d = _arr("df", df)
        if np.any(~(d > 0)):
            raise InputError(field="df", allowed="> 0", got=d.tolist())
        q = -special.stdtrit(d, pp / 2.0)
    return np.abs(est) / q


Scenario = Literal["S1", "S2", "S3"]

#: Largest n for which the range divisor ξ(n) is the exact expected range (Wan 2014 Table 1).
XI_EXACT_MAX_N = 50


@lru_cache(maxsize=64)
def _expected_normal_range(n: int) -> float:
    """E[max - min] of n standard normal draws, ``∫ 1 - Φ(x)ⁿ - (1 - Φ(x))ⁿ dx``."""
    from scipy import integrate, stats

    def integrand(x: float) -> float:
        return 1.0 - stats.norm.cdf(x) ** n - stats.norm.sf(x) ** n

    return float(integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12)[0])


def range_divisor(n: ArrayLike) -> np.ndarray:
    """ξ(n), the divisor that turns a sample range into an SD estimate (Wan 2014).

    Parameters
    ----------
    n
        Sample size(s), integers >= 2.

    Returns
    -------
    numpy.ndarray
        For ``n <= 50`` the exact expected range of ``n`` standard normal values, computed by
        numerical integration (these reproduce Wan et al.'s Table 1, which they recommend for
        small samples); above that the closed form ``2 Φ⁻¹((n - 0.375)/(n + 0.25))``.

    References
    ----------
    .. [1] Wan X, Wang W, Liu J, Tong T. BMC Med Res Methodol 2014;14:135, Table 1 and
       formula (7).
    """
    nn = _arr("n", n)
    bad = (nn < 2) | (nn != np.round(nn))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="n", row=i + 1, allowed="an integer >= 2", got=float(nn[i]))
    closed = 2.0 * special.ndtri((nn - 0.375) / (nn + 0.25))
    exact = np.array(
        [_expected_normal_range(int(k)) if k <= XI_EXACT_MAX_N else np.nan for k in nn]
    )
    return np.where(nn <= XI_EXACT_MAX_N, exact, closed)


def mean_sd_from_quantiles(
    n: ArrayLike,
    median: ArrayLike,
    *,
    minimum: ArrayLike | None = None,
    maximum: ArrayLike | None = None,
    q1: ArrayLike | None = None,
    q3: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, Scenario]:
    """Estimate a sample mean and SD from the median with the range and/or the IQR.

    The scenario follows from what is given: ``S1`` {min, median, max}; ``S2``
    {q1, median, q3}; ``S3`` all five. Means use the optimally weighted estimators of Luo et
    al. (2018); SDs those of Wan et al. (2014). Both assume approximately normal data; for a
    skewed outcome they are rough.

    Parameters
    ----------
    n
        Sample size (>= 2 for S1/S3; >= 1 for S2).
    median
        Sample median.
    minimum, maximum
        Sample range (scenarios S1 and S3).
    q1, q3
        First and third quartiles (scenarios S2 and S3).

    Returns
    -------
    mean, sd : numpy.ndarray
        Estimated mean and SD.
    scenario : str
        ``"S1"``, ``"S2"`` or ``"S3"``.

    Notes
    -----
    With ξ(n) from :func:`range_divisor` (the exact expected range of n standard normal values
    for n <= 50, else ``2 Φ⁻¹((n - 0.375)/(n + 0.25))``) and ``η(n) = 2 Φ⁻¹((0.75n -
    0.125)/(n + 0.25))`` (Wan 2014, Luo 2018):

    * S1: mean = w (a+b)/2 + (1-w) m with ``w = 4/(4 + n^0.75)``; SD = (b - a)/ξ(n).
    * S2: mean = (0.7 + 0.39/n)(q1+q3)/2 + (0.3 - 0.39/n) m; SD = (q3 - q1)/η(n).
    * S3: mean = w1 (a+b)/2 + w2 (q1+q3)/2 + (1 - w1 - w2) m with ``w1 = 2.2/(2.2 + n^0.75)``,
      ``w2 = 0.7 - 0.72/n^0.55``; SD = (b - a)/(2ξ(n)) + (q3 - q1)/(2η(n)).

    For η(n) the closed form is used for every n; Wan et al. also tabulate exact values for
    small samples (their Table 2), which differ slightly from it when n is small.

    References
    ----------
    .. [1] Wan X, Wang W, Liu J, Tong T. BMC Med Res Methodol 2014;14:135.
    .. [2] Luo D, Wan X, Liu J, Tong T. Stat Methods Med Res 2018;27(6):1785-1805.
    """
    nn = _arr("n", n)
    m = _arr("median", median)
    has_range = minimum is not None and maximum is not None
    has_iqr = q1 is not None and q3 is not None
    if (minimum is None) != (maximum is None):
        raise InputError(
            field="maximum" if maximum is None else "minimum",
            allowed="given together with its partner (min and max)",
            got=None,
        )
    if (q1 is None) != (q3 is None):
        raise InputError(
            field="q3" if q3 is None else "q1",
            allowed="given together with its partner (q1 and q3)",
            got=None,
        )
    if not (has_range or has_iqr):
        raise InputError(
            "give the range (minimum, maximum), the IQR (q1, q3) or both", field="minimum"
        )
    scenario: Scenario = "S3" if has_range and has_iqr else ("S1" if has_range else "S2")
    min_n = 1 if scenario == "S2" else 2
    bad = nn < min_n
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="n", row=i + 1, allowed=f">= {min_n}", got=float(nn[i]))
    xi = range_divisor(nn) if scenario != "S2" else np.nan
    eta = 2.0 * special.ndtri((0.75 * nn - 0.125) / (nn + 0.25))
    if has_range:
        a = _arr("minimum", minimum)
        b = _arr("maximum", maximum)
        if np.any(b < a):
            raise InputError(field="maximum", allowed=">= minimum", got=np.asarray(b).tolist())
    if has_iqr:
        lq = _arr("q1", q1)
        uq = _arr("q3", q3)
        if np.any(uq < lq):
            raise InputError(field="q3", allowed=">= q1", got=np.asarray(uq).tolist())
    if scenario == "S1":
        w = 4.0 / (4.0 + nn**0.75)
        mean = w * (a + b) / 2.0 + (1.0 - w) * m
        sd = (b - a) / xi
    elif scenario == "S2":
        mean = (0.7 + 0.39 / nn) * (lq + uq) / 2.0 + (0.3 - 0.39 / nn) * m
        sd = (uq - lq) / eta
    else:
        w1 = 2.2 / (2.2 + nn**0.75)
        w2 = 0.7 - 0.72 / nn**0.55
        mean = w1 * (a + b) / 2.0 + w2 * (lq + uq) / 2.0 + (1.0 - w1 - w2) * m
        sd = (b - a) / (2.0 * xi) + (uq - lq) / (2.0 * eta)
    return np.asarray(mean, dtype=float), np.asarray(sd, dtype=float), scenario


def percent_change(mean_baseline: ArrayLike, mean_followup: ArrayLike) -> np.ndarray:
    """Percent change of a group mean, ``100 (follow-up - baseline) / baseline``.

    Parameters
    ----------
    mean_baseline, mean_followup
        Group means at baseline (> 0) and follow-up.

    Returns
    -------
    numpy.ndarray
        Percent change of the means. This is not the same number as the mean of individual
        percent changes (what most hair trials report); the two agree only when every patient
        has the same baseline, so use it to compare reports, not to replace them.
    """
    b = _arr("mean_baseline", mean_baseline)
    f = _arr("mean_followup", mean_followup)
    bad = ~(b > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field="mean_baseline", row=i + 1, allowed="> 0", got=float(b[i]))
    return 100.0 * (f - b) / b


def percent_change_to_log_ratio(pct_treated: ArrayLike, pct_control: ArrayLike) -> np.ndarray:
    """Log ratio of follow-up means (ROM) implied by two mean percent changes.

    ``log((1 + pct_t/100) / (1 + pct_c/100))``. This equals metafor's ROM of the follow-up
    means only if (i) the reported percentages are changes of the group means and (ii) the
    two groups have the same baseline mean (what randomisation aims for). Both are
    assumptions; record them when this conversion is used.

    Parameters
    ----------
    pct_treated, pct_control
        Mean percent change from baseline (> -100) in each group.

    Returns
    -------
    numpy.ndarray
        The implied log ratio of means.

    References
    ----------
    .. [1] Hedges LV, Gurevitch J, Curtis PS. Ecology 1999;80(4):1150-1156 (ratio of means).
    """
    pt = _arr("pct_treated", pct_treated)
    pc = _arr("pct_control", pct_control)
    for name, v in (("pct_treated", pt), ("pct_control", pc)):
        bad = ~(v > -100)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(field=name, row=i + 1, allowed="> -100", got=float(v[i]))
    return np.log1p(pt / 100.0) - np.log1p(pc / 100.0)
