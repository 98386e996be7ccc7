"""The published effects shown next to an option match the person's sex and the option's strength."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from anagen.decision._assess_published import published_for
from anagen.evidence._summary import _published_comparators


@pytest.fixture(scope="module")
def summary():
    return SimpleNamespace(published=_published_comparators())


def _hairs(rows):
    return [(q.treatment, round(q.estimate, 1)) for q in rows if q.scale == "hairs_per_cm2"]


def test_minoxidil_by_sex_and_strength(summary):
    # a man on 5 %: the men's 5 % trial (Olsen 2002, +14.7 at 48 weeks), not the women's pooled 2 %
    man5 = _hairs(published_for("minoxidil_5", "M", summary))
    assert man5 == [("5% minoxidil solution twice daily, men (Olsen 2002, 48 weeks)", 14.7)]
    man2 = _hairs(published_for("minoxidil_2", "M", summary))
    assert man2 == [("2% minoxidil solution twice daily, men (Olsen 2002, 48 weeks)", 8.8)]
    woman5 = _hairs(published_for("minoxidil_5", "F", summary))
    assert woman5 == [("5% minoxidil solution twice daily, women (Lucky 2004, 48 weeks)", 16.6)]
    woman2 = _hairs(published_for("minoxidil_2", "F", summary))
    assert [e for _, e in woman2] == [11.3, 13.2]
    assert "women" in woman2[1][0] and "mostly 2%" in woman2[1][0]
    olsen = published_for("minoxidil_5", "M", summary)[0]
    assert (round(olsen.ci_low, 1), round(olsen.ci_high, 1)) == (8.3, 21.1)  # n = 139 vs 78


def test_no_trial_of_this_sex_is_said(summary):
    # laser: the hairs/cm² trials are of women; a man sees them labelled, with the mixed-sex SMD
    man = published_for("lllt", "M", summary)
    assert [q.scale for q in man] == ["SMD", "hairs_per_cm2", "hairs_per_cm2"]
    assert all("trials in women only: none in men among anagen's published effects" in q.treatment
               for q in man[1:])  # fmt: skip
    woman = published_for("lllt", "F", summary)
    assert not any("only: none in" in q.treatment for q in woman) and len(woman) == 3
    # finasteride: men's trials only; a woman sees them labelled as the men's
    fin_m = published_for("finasteride_1mg", "M", summary)
    assert _hairs(fin_m) == [("finasteride 1 mg (212 men 18-40 y) [S22]", 17.3)]
    assert not any("only: none in" in q.treatment for q in fin_m)
    fin_f = published_for("finasteride_1mg", "F", summary)
    assert len(fin_f) == 3 and all("trials in men only: none in women among anagen's published effects"
                                   in q.treatment for q in fin_f)  # fmt: skip
    # PRP: the RCT meta-analysis pooled both sexes - shown to both, unlabelled
    for sex in "MF":
        assert _hairs(published_for("prp", sex, summary)) == [
            ("PRP (platelet-rich plasma) injections", 27.6)
        ]
    for option in ("svf", "transplant", "hf_micrografts", "none"):
        assert published_for(option, "M", summary) == ()


def test_arm_rows_read_without_pandas_equal_the_validated_table():
    """The published minoxidil arms are read from the bundled CSV with the csv module (a cold
    assess does not import pandas for them); they must equal the rows computed from the table
    that load_comparator_trials validates."""
    from anagen.decision._assess_published import _arm_rows
    from anagen.evidence import load_comparator_trials

    frame = load_comparator_trials()
    rows = tuple(
        tuple((c, str(v)) for c, v in rec.items()) for rec in frame.to_dict(orient="records")
    )
    assert _arm_rows() == _arm_rows(rows)
    assert {(o, s) for o, s, _ in _arm_rows()} == {
        ("minoxidil_5", "M"),
        ("minoxidil_2", "M"),
        ("minoxidil_5", "F"),
        ("minoxidil_2", "F"),
    }
