"""Ratio-of-means common scale, Bucher indirect comparisons, reviews coverage and reproduction."""

from __future__ import annotations

import math

import pytest

from anagen.errors import InputError
from anagen.evidence import load_studies, study_effects
from anagen.evidence._common_scale import (
    borrowed_baseline,
    bucher,
    common_scale,
    indirect_vs_minoxidil,
    rom_effects,
)
from anagen.evidence._prepost import prepost_synthesis
from anagen.evidence._reviews import coverage, load_reviews, published_vs_anagen


@pytest.fixture(scope="module")
def data():
    s = load_studies()
    return s, study_effects(studies=s)


def test_percent_study_becomes_log_ratio_without_assumption(data):
    s, e = data
    r = rom_effects(e, s).set_index("study_id")
    tak = r.loc["Tak2020"]
    assert tak["lnrom"] == pytest.approx(math.log(128.1 / 107.1))
    assert not tak["converted"]
    g = r.loc["Gentile2020"]
    b = borrowed_baseline(s)[0]
    assert g["converted"] and g["lnrom"] == pytest.approx(math.log((b + 23.3) / (b - 0.7)))


def test_borrowed_baseline_is_median_of_reported(data):
    s, _ = data
    med, lo, hi, k = borrowed_baseline(s)
    assert k >= 4 and lo <= med <= hi
    with pytest.raises(InputError, match="baseline"):
        borrowed_baseline(s.iloc[0:0])


def test_common_scale_has_sensitivity_without_converted(data):
    s, e = data
    cs = common_scale(e, s)
    names = [a[0] for a in cs.analyses]
    assert "stem-cell therapy (all products)" in names
    allp = cs.analyses[names.index("stem-cell therapy (all products)")]
    assert allp[1].k == 3 and allp[2] is not None and allp[2].k == 2
    d = cs.to_dict()
    assert d["analyses"][0]["without_converted"]["k"] == 2
    assert any("borrowed baseline" in n for n in cs.notes)


def test_bucher_is_difference_with_summed_variance():
    d, se, lo, hi = bucher(3.0, 1.0, 1.0, 2.0)
    assert hi == pytest.approx(2 + 1.959964 * math.sqrt(5), abs=1e-5)
    assert d == 2.0 and se == pytest.approx(math.sqrt(5))
    assert lo == pytest.approx(2 - 1.959964 * math.sqrt(5), abs=1e-5)
    with pytest.raises(InputError):
        bucher(1.0, 0.0, 1.0, 1.0)


def test_indirect_interval_is_wider_than_either_direct(data):
    s, e = data
    ind = indirect_vs_minoxidil(e, s)
    assert ind.comparisons
    for c in ind.comparisons:
        assert c.se > c.direct_a[1] and c.se > c.direct_b[1]
        assert c.text().startswith("INDIRECT")
    rom = [c for c in ind.comparisons if c.scale == "lnROM"]
    assert all(len(c.baseline_sensitivity) == 2 for c in rom)


def test_reviews_table_and_coverage(data):
    s, _ = data
    rv = load_reviews()
    assert {"Gasteratos2024", "Chien2024", "KrefftTrzciniecka2023"} <= set(rv["review_id"])
    cov = coverage(s)
    ids = [r.review_id for r in cov.rows]
    assert ids == ["Gasteratos2024", "Chien2024", "KrefftTrzciniecka2023"]
    for r in cov.rows:
        assert r.k_anagen == r.k_controlled + r.k_prepost_only + r.k_no_number
    g = cov.rows[0]
    assert g.k_review == "12" and g.n_review == "514" and g.k_anagen < 12


def test_published_vs_anagen_rows(data):
    rep = published_vs_anagen(prepost_synthesis())
    first = rep.rows[0]
    assert "Cochrane" in first.published and first.anagen_k == 7
    assert first.anagen_ci[0] < first.published_estimate < first.anagen_ci[1]
    assert any(r.anagen_estimate is None and "not computable" in r.reason for r in rep.rows)
    assert all("Why they differ" in line for line in rep.lines())
