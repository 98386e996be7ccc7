"""Conversions from what reports give to means, SDs and SEs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from anagen.errors import InputError
from anagen.evidence import (
    CORRELATION_DEFAULT,
    CORRELATION_RANGE,
    change_sd,
    effect_sizes,
    mean_sd_from_quantiles,
    paired_difference,
    percent_change,
    percent_change_to_log_ratio,
    range_divisor,
    se_from_ci,
    se_from_p,
)


def test_default_correlation_and_range() -> None:
    lo, hi = CORRELATION_RANGE
    assert lo < CORRELATION_DEFAULT < hi


def test_change_sd_special_cases() -> None:
    # r = 0.5 with equal SDs leaves the SD unchanged; r = 0 adds variances; r = 1 subtracts SDs
    assert change_sd(10.0, 10.0, 0.5)[0] == pytest.approx(10.0)
    assert change_sd(3.0, 4.0, 0.0)[0] == pytest.approx(5.0)
    assert change_sd(3.0, 4.0, 1.0)[0] == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 50), st.floats(0.1, 50), st.floats(-0.99, 0.99), st.floats(-0.99, 0.99))
def test_change_sd_decreases_with_correlation(sd_b, sd_f, r1, r2) -> None:
    lo, hi = sorted((r1, r2))
    assert change_sd(sd_b, sd_f, hi)[0] <= change_sd(sd_b, sd_f, lo)[0] + 1e-12


def test_paired_difference_with_r0_equals_independent_md() -> None:
    yi, vi = paired_difference(33.0, 1.0, 33, sd_treated=7.5, sd_control=4.0, r=0.0)
    y2, v2 = effect_sizes("MD", 33.0, 7.5, 33, 1.0, 4.0, 33)
    np.testing.assert_allclose([yi[0], vi[0]], [y2[0], v2[0]], rtol=1e-14)


def test_paired_difference_prefers_reported_sd_of_differences() -> None:
    yi, vi = paired_difference(23.3, -0.7, 27, sd_diff=12.0, sd_treated=1.0, sd_control=1.0)
    assert yi[0] == pytest.approx(24.0)
    assert vi[0] == pytest.approx(144.0 / 27)
    with pytest.raises(InputError, match="'sd_diff'"):
        paired_difference(1.0, 0.0, 10)


def test_se_from_ci_normal_and_t() -> None:
    # Kieling 2024 PRP vs placebo, MD 27.55 (14.04 to 41.06): SE = width / (2 x 1.959964)
    assert se_from_ci(14.04, 41.06)[0] == pytest.approx(27.02 / (2 * 1.959963984540054))
    q = stats.t.ppf(0.975, 9)
    assert se_from_ci(-1.0, 1.0, df=9)[0] == pytest.approx(1.0 / q)
    assert se_from_ci(-1.0, 1.0, level=0.90)[0] == pytest.approx(1.0 / stats.norm.ppf(0.95))
    with pytest.raises(InputError, match="'ci_high'"):
        se_from_ci(2.0, 1.0)
    with pytest.raises(InputError, match="'level'"):
        se_from_ci(1.0, 2.0, level=95)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 100), st.floats(0.01, 20), st.one_of(st.none(), st.integers(2, 200)))
def test_se_from_p_inverts_the_test(estimate, se, df) -> None:
    z = estimate / se
    p = 2 * (stats.norm.sf(z) if df is None else stats.t.sf(z, df))
    if not 1e-300 < p < 1:
        return
    assert se_from_p(estimate, p, df=df)[0] == pytest.approx(se, rel=1e-6)


def test_se_from_p_bound_is_conservative() -> None:
    # Gentile 2020: +23.3 vs -0.7 hairs/cm2, P < 0.0001 -> SE at most 24 / 3.8906
    se = se_from_p(24.0, 0.0001)[0]
    assert se == pytest.approx(24.0 / stats.norm.isf(0.00005))
    assert se > se_from_p(24.0, 0.00001)[0]
    with pytest.raises(InputError, match="'p'"):
        se_from_p(1.0, 0.0)


def test_quantile_scenarios_and_formulas() -> None:
    n = 40
    m, sd, sc = mean_sd_from_quantiles(n, 10.0, minimum=2.0, maximum=20.0)
    xi = range_divisor(n)[0]
    w = 4 / (4 + n**0.75)
    assert sc == "S1"
    assert sd[0] == pytest.approx(18.0 / xi)
    assert m[0] == pytest.approx(w * 11.0 + (1 - w) * 10.0)
    m, sd, sc = mean_sd_from_quantiles(n, 10.0, q1=7.0, q3=14.0)
    eta = 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    assert sc == "S2"
    assert sd[0] == pytest.approx(7.0 / eta)
    assert m[0] == pytest.approx((0.7 + 0.39 / n) * 10.5 + (0.3 - 0.39 / n) * 10.0)
    m, sd, sc = mean_sd_from_quantiles(n, 10.0, minimum=2.0, maximum=20.0, q1=7.0, q3=14.0)
    assert sc == "S3"
    assert sd[0] == pytest.approx(18.0 / (2 * xi) + 7.0 / (2 * eta))
    w1, w2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
    assert m[0] == pytest.approx(w1 * 11.0 + w2 * 10.5 + (1 - w1 - w2) * 10.0)


# Wan et al. 2014, BMC Med Res Methodol 14:135, Table 1: xi(n) for n <= 50 (three decimals)
WAN_TABLE1 = {
    2: 1.128,
    3: 1.693,
    4: 2.059,
    5: 2.326,
    8: 2.847,
    10: 3.078,
    11: 3.173,
    15: 3.472,
    20: 3.735,
    25: 3.931,
    30: 4.086,
    37: 4.259,
    41: 4.341,
    50: 4.498,
}


def test_range_divisor_reproduces_wan_table_1() -> None:
    n = np.array(sorted(WAN_TABLE1))
    np.testing.assert_allclose(range_divisor(n), [WAN_TABLE1[k] for k in n], atol=5e-4)
    # above n = 50 the closed form 2 Phi^-1((n - 0.375)/(n + 0.25)) takes over, continuously
    big = np.array([51, 200, 1000])
    np.testing.assert_allclose(
        range_divisor(big), 2 * stats.norm.ppf((big - 0.375) / (big + 0.25)), rtol=1e-14
    )
    assert abs(range_divisor(51)[0] / range_divisor(50)[0] - 1) < 0.005
    with pytest.raises(InputError, match="'n'"):
        range_divisor(1)


@pytest.mark.parametrize("scenario", ["S1", "S2", "S3"])
def test_quantile_estimates_recover_normal_samples(scenario) -> None:
    rng = np.random.default_rng(20140135)
    n, mu, sigma = 400, 120.0, 25.0
    errs_m, errs_s = [], []
    for _ in range(200):
        x = rng.normal(mu, sigma, n)
        kw = {}
        if scenario in ("S1", "S3"):
            kw |= dict(minimum=x.min(), maximum=x.max())
        if scenario in ("S2", "S3"):
            kw |= dict(q1=np.quantile(x, 0.25), q3=np.quantile(x, 0.75))
        m, s, sc = mean_sd_from_quantiles(n, np.median(x), **kw)
        assert sc == scenario
        errs_m.append(m[0] - mu)
        errs_s.append(s[0] / sigma - 1)
    # unbiased to within Monte-Carlo error; the SD within a few percent on average
    assert abs(np.mean(errs_m)) < 0.5
    assert abs(np.mean(errs_s)) < 0.03


def test_quantile_input_errors() -> None:
    with pytest.raises(InputError, match="'maximum'"):
        mean_sd_from_quantiles(10, 5.0, minimum=1.0)
    with pytest.raises(InputError, match="'q3'"):
        mean_sd_from_quantiles(10, 5.0, q1=6.0, q3=4.0)
    with pytest.raises(InputError, match="'n'"):
        mean_sd_from_quantiles(1, 5.0, minimum=1.0, maximum=9.0)


def test_percent_change_reproduces_reported_percentages() -> None:
    # Reports that give both the means and the percent change must agree with each other:
    # Shin 2015 density 105.4 -> 122.7 (+16.4%) and thickness 57.5 -> 64.0 (+11.3%);
    # Butt 2020 PRP 52.44 -> 63.72 (21.51%) and SVF-PRP 37.66 -> 57.11 (51.64%).
    pct = percent_change([105.4, 57.5, 52.44, 37.66], [122.7, 64.0, 63.72, 57.11])
    np.testing.assert_allclose(pct, [16.4, 11.3, 21.51, 51.64], atol=0.05)
    with pytest.raises(InputError, match="'mean_baseline'"):
        percent_change(0.0, 1.0)


def test_percent_change_to_log_ratio() -> None:
    # Tak 2020: 28.1% vs 7.1% -> log(1.281 / 1.071)
    assert percent_change_to_log_ratio(28.1, 7.1)[0] == pytest.approx(np.log(1.281 / 1.071))
    # consistent with ROM of follow-up means when both groups start from the same baseline
    yi, _ = effect_sizes("ROM", 100 * 1.281, 1.0, 10, 100 * 1.071, 1.0, 10)
    assert percent_change_to_log_ratio(28.1, 7.1)[0] == pytest.approx(yi[0])
    with pytest.raises(InputError, match="'pct_control'"):
        percent_change_to_log_ratio(10.0, -100.0)


def test_range_sd_is_unbiased_for_small_samples() -> None:
    # with the exact expected range, E[range / xi(n)] = sigma for normal data (Wan 2014, S1)
    rng = np.random.default_rng(135)
    x = rng.normal(0.0, 2.0, size=(4000, 10))
    _, sd, _ = mean_sd_from_quantiles(
        np.full(4000, 10), np.median(x, axis=1), minimum=x.min(axis=1), maximum=x.max(axis=1)
    )
    assert np.mean(sd) / 2.0 == pytest.approx(1.0, abs=0.02)
