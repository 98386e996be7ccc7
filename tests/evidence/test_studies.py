"""The bundled curated tables: validation, effects against control, comparators."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from anagen.errors import InputError
from anagen.evidence import (
    PRODUCT_GROUPS,
    comparator_effects,
    comparator_pooled,
    load_comparator_trials,
    load_comparators,
    load_studies,
    study_directions,
    study_effects,
)

DATA = resources.files("anagen.evidence").joinpath("data")
Z975 = stats.norm.ppf(0.975)


def _rows(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(DATA.joinpath(name).read_text("utf-8"))))


def _write(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_bundled_tables_load_and_validate() -> None:
    s, c, t = load_studies(), load_comparators(), load_comparator_trials()
    assert len(s) == len(_rows("studies.csv")) - 1 == 36
    assert len(c) == 16 and len(t) == 8
    assert s["row_id"].is_unique and set(s["product_group"]) <= set(PRODUCT_GROUPS)
    assert s["doi_or_pmid"].str.len().min() > 0 and s["verification"].str.len().min() > 0
    # every row keeps its original text next to the parsed columns
    both = s["followup_weeks"].notna() & (s["followup_weeks"].str.fullmatch(r"\d+") == True)  # noqa: E712
    np.testing.assert_array_equal(
        s.loc[both, "followup_weeks"].astype(float), s.loc[both, "followup_weeks_min"]
    )


def test_package_docs_are_bundled() -> None:
    for name in ("SCHEMA.md", "PROVENANCE.md"):
        assert DATA.joinpath(name).read_text("utf-8").startswith("#")
    schema = DATA.joinpath("SCHEMA.md").read_text("utf-8")
    for name in ("studies.csv", "comparators.csv", "comparator_trials.csv"):
        for col in _rows(name)[0]:
            assert f"`{col}`" in schema, f"{name}:{col} undocumented"


@pytest.mark.parametrize(
    ("column", "value", "data_row", "needle"),
    [
        ("n_treated", "nineteen", 1, "an integer"),
        ("n_treated", "0", 4, ">= 1"),
        ("year", "", 7, "an integer"),
        ("product_group", "stem cells", 12, "one of"),
        ("treated_change_sd", "-5", 3, ">= 0"),
        ("between_p", "1.5", 19, "<= 1"),
        ("outcome", "hair_mass", 30, "one of"),
        ("sessions_max", "0.5", 3, ">= 1"),
        ("duplicate_of", "Nobody2000", 9, "a study_id"),
        ("outcome_scale", "percent", 6, "hairs_per_cm2"),
        ("control_type", "placebo", 10, "'none' for a single-arm"),
        ("between_p_relation", "", 1, "exactly when between_p"),
    ],
)
def test_corrupted_studies_name_row_and_column(tmp_path, column, value, data_row, needle):
    rows = _rows("studies.csv")
    rows[data_row][rows[0].index(column)] = value
    path = _write(tmp_path, "bad_studies.csv", rows)
    with pytest.raises(InputError) as info:
        load_studies(path)
    msg = str(info.value)
    assert msg.startswith(f"bad_studies.csv row {data_row}: '{column}'"), msg
    assert needle in msg
    assert info.value.row == data_row and info.value.field == column


def test_corrupted_headers_and_files(tmp_path) -> None:
    rows = _rows("studies.csv")
    dropped = [r[:1] + r[2:] for r in rows]  # drop 'study_id'
    with pytest.raises(InputError, match=r"missing column.*study_id"):
        load_studies(_write(tmp_path, "a.csv", dropped))
    extra = [[*r, "x"] for r in rows]
    extra[0][-1] = "colour"
    with pytest.raises(InputError, match=r"unknown column.*colour"):
        load_studies(_write(tmp_path, "b.csv", extra))
    with pytest.raises(InputError, match="file not found"):
        load_studies(tmp_path / "nope.csv")
    dup = [*rows, rows[1]]
    with pytest.raises(InputError, match="row 37: 'row_id' must be unique"):
        load_studies(_write(tmp_path, "c.csv", dup))


def test_corrupted_comparators(tmp_path) -> None:
    rows = _rows("comparators.csv")
    rows[3][rows[0].index("pooled_md")] = "99"
    with pytest.raises(InputError, match=r"row 3: 'pooled_md' must be within its CI"):
        load_comparators(_write(tmp_path, "c.csv", rows))
    rows = _rows("comparator_trials.csv")
    rows[2][rows[0].index("n_control")] = "1"
    with pytest.raises(InputError, match=r"row 2: 'n_control' must be an integer >= 2"):
        load_comparator_trials(_write(tmp_path, "t.csv", rows))


@pytest.mark.parametrize("outcome", ["density", "thickness", "histology", "global"])
def test_effect_table_is_complete_and_finite(outcome) -> None:
    e = study_effects(outcome=outcome)
    assert not e[["yi", "vi", "se"]].isna().any().any()
    assert (e["vi"] > 0).all()
    assert e["study_id"].is_unique
    assert set(e["design"]) <= {"parallel", "split-scalp"}
    assert set(e["measure"]) <= {"MD", "MD_pct"}
    assert (e.loc[e["imputed"], "imputation"].str.len() > 0).all()
    np.testing.assert_allclose(e["se"] ** 2, e["vi"])


def test_density_effects_are_the_reported_differences() -> None:
    e = study_effects().set_index("study_id")
    assert sorted(e.index) == ["Gentile2017", "Gentile2020", "Tak2020"]
    assert "Gentile2019b" not in e.index  # same cohort as Gentile 2017
    assert e.loc["Tak2020", "yi"] == pytest.approx(28.1 - 7.1)
    assert e.loc["Tak2020", "measure"] == "MD_pct"
    assert e.loc["Tak2020", "vi"] == pytest.approx((21.0 / Z975) ** 2)  # from p < 0.05
    assert e.loc["Gentile2020", "yi"] == pytest.approx(23.3 - (-0.7))
    assert e.loc["Gentile2020", "measure"] == "MD"  # hairs/cm2 preferred to per 0.65 cm2
    assert e.loc["Gentile2017", "yi"] == pytest.approx(29.0 - 1.0)  # placebo '<1%' bound
    assert e["imputed"].all()


def test_split_scalp_variance_follows_assumed_correlation() -> None:
    vis = [
        study_effects(r=r).set_index("study_id").loc["Gentile2017", "vi"] for r in (0.2, 0.5, 0.8)
    ]
    assert vis[0] > vis[1] > vis[2]
    assert vis[1] == pytest.approx(25.0 / 11)  # sd_t = sd_c = 5, r = 0.5 -> sd_diff = 5


def test_borrowed_sd_mode() -> None:
    e = study_effects(missing_se="borrow_sd").set_index("study_id")
    # Tak 2020 borrows the largest percent-change SD reported by other trials (7.5)
    assert e.loc["Tak2020", "vi"] == pytest.approx(2 * 7.5**2 / 17)
    assert "SD imputed" in e.loc["Tak2020", "imputation"]
    # nothing to borrow on the hairs/cm2 scale: Gentile 2020 falls back to its p-value
    assert "p < 0.0001" in e.loc["Gentile2020", "imputation"]


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="'outcome'"):
        study_effects(outcome="hair")
    with pytest.raises(InputError, match="'r'"):
        study_effects(r=1.5)
    with pytest.raises(InputError, match="'missing_se'"):
        study_effects(missing_se="guess")  # type: ignore[arg-type]


def test_directions_cover_uncontrolled_studies() -> None:
    d = study_directions()
    assert d["study_id"].is_unique
    effects = set(study_effects()["study_id"])
    assert set(d.loc[d["quantified"], "study_id"]) == effects
    single = d[d["design"] == "single-arm"]
    assert len(single) > 0 and (single["comparison"] == "vs baseline").all()
    assert (d.loc[~d["quantified"], "reason"].str.len() > 0).all()
    assert set(d["direction"].dropna()) <= {-1.0, 0.0, 1.0}


def test_comparator_effects_match_escalc() -> None:
    ref = json.loads((Path(__file__).parent / "metafor" / "escalc_reference.json").read_text())
    e = comparator_effects().set_index("row_id")
    # Olsen 2007 (row T03) is input row 3 of the metafor reference, unsplit
    assert e.loc["T03", "yi"] == pytest.approx(ref["MD"]["yi"][2], rel=1e-12)
    assert e.loc["T03", "vi"] == pytest.approx(ref["MD"]["vi"][2], rel=1e-12)
    # three-arm trials split their placebo arm between the two comparisons
    assert e.loc["T01", "n_control"] == 39 and e.loc["T05", "n_control"] == 25.5
    assert e.loc["T04", "imputed"] and not e.loc["T03", "imputed"]
    assert not e[["yi", "vi"]].isna().any().any()


def test_comparator_pooled_se_from_ci() -> None:
    p = comparator_pooled()
    assert not p[["estimate", "se", "vi"]].isna().any().any()
    first = p.iloc[0]
    assert first["se"] == pytest.approx((41.06 - 14.04) / (2 * Z975))
    assert isinstance(p, pd.DataFrame) and len(p) == 14


def test_package_reads_only_its_own_data() -> None:
    import inspect

    from anagen.evidence import _study_tables as _studies

    source = inspect.getsource(_studies)
    assert "resources.files(" in source  # bundled files, found through the installed package
    assert "shared/evidence" not in source and "../" not in source
