"""``anagen therapy show | simulate | compare``: output, plots, and bad input → exit 2, one line."""

from __future__ import annotations

import json

import pytest

from anagen.cli import main
from anagen.therapy import data_path, protocol_paths

PATIENT = str(data_path("example_patient.toml"))


@pytest.mark.parametrize("name", sorted(protocol_paths()))
def test_show_json_for_every_shipped_protocol(capsys, name):
    assert main(["therapy", "show", str(protocol_paths()[name]), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {"harvest", "process", "inject", "regenerate"} <= set(d)
    assert d["inject"]["coverage_map"] and d["inject"]["checks"]


def test_show_table_and_plot(capsys, tmp_path):
    out = tmp_path / "stages.png"
    assert main(["therapy", "show", "style_low_dose", "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert "viable cells" in text and "coverage" in text and "prior medians" in text
    assert out.stat().st_size > 10_000


FAST = ["--draws", "6", "--follicles", "2000", "--workers", "1"]


def test_simulate_protocol_table_json_and_plot(capsys, tmp_path):
    out = tmp_path / "traj.png"
    args = ["therapy", "simulate", "kim2021_svf", "--patient", PATIENT, *FAST, "--seed", "3"]
    assert main([*args, "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert "no treatment" in text and "Durability" in text and "hairs per cm²" in text
    assert out.stat().st_size > 10_000
    # Kim 2021 followed patients 24 weeks: from month 12 on, no number in the table or the JSON
    rows = {s.split()[1]: s for s in text.splitlines() if s.startswith("│")}
    assert "unknown†" in rows["12"] and "unknown†" in rows["48"] and "unknown†" not in rows["6"]
    assert "after month 6, no number is shown: no trial followed patients beyond 24" in " ".join(
        text.split()
    )
    assert main([*args, "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [h["month"] for h in d["option"]["horizons"]] == [6, 12, 24]
    h12 = d["option"]["horizons"][1]
    assert h12["effect_vs_none"] is None and h12["model_extrapolation"]["effect_vs_none"]
    assert d["provenance"]["seed"] == 3 and d["no_treatment"]["key"] == "none"
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == d  # one seed, one answer


def test_simulate_unknown_name_lists_the_alternatives_too(capsys):
    """``therapy simulate`` takes an alternative as well as a protocol: a wrong name says so."""
    assert main(["therapy", "simulate", "minoxidil_10", "--patient", PATIENT, *FAST]) == 2
    raw = capsys.readouterr().err
    err = " ".join(raw.split())
    assert "or an alternative (minoxidil_2, minoxidil_5, finasteride_1mg" in err
    assert "got 'minoxidil_10'" in err and raw.strip().count("\n") == 0


def test_simulate_prior_is_said_loudly(capsys):
    args = ["therapy", "simulate", "prp", "--patient", PATIENT, *FAST, "--source", "prior"]
    assert main(args) == 0
    cap = capsys.readouterr()
    assert "NOT calibrated" in " ".join(cap.err.split()) and "PRIOR" in cap.out
    assert main([*args[:-1], "uncalibrated"]) == 2
    assert "--source" in capsys.readouterr().err


def test_simulate_an_alternative(capsys):
    assert main(["therapy", "simulate", "finasteride_1mg", "--patient", PATIENT, *FAST]) == 0
    text = capsys.readouterr().out
    assert "Oral finasteride 1 mg" in text
    # every reporting month is inside finasteride's 192 weeks, yet the trajectory stops at month
    # 45: the footnote still says why (it used to end with an empty reason)
    assert "after month 45, no number is shown: no trial followed patients beyond 192 weeks" in (
        " ".join(text.split())
    )


def test_compare_json_and_plot(capsys, tmp_path):
    out = tmp_path / "cmp.png"
    args = ["therapy", "compare", "--patient", PATIENT, *FAST, "--protocol", "style_low_dose"]
    assert main([*args, "--format", "json", "--plot", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)
    opts = {o["option"] for o in d["options"]}
    assert {
        "none",
        "minoxidil_5",
        "finasteride_1mg",
        "prp",
        "lllt",
        "transplant",
        "adipose_cells",
    } <= opts
    assert {"cost", "downtime", "side_effects", "regulatory_us", "candidacy"} <= set(
        d["options"][-1]
    )
    assert out.stat().st_size > 10_000
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "eligible" in text
    assert text.count("Questions to ask a provider") == 1


def test_every_command_gives_the_same_numbers(capsys):
    """One answer: assess, therapy simulate and therapy compare render one computation."""
    common = [*FAST, "--seed", "4", "--format", "json"]
    assert main(["assess", PATIENT, *common, "--protocol", "gentile2019_micrografts"]) == 0
    a = {o["key"]: o["horizons"] for o in json.loads(capsys.readouterr().out)["options"]}
    assert main(["therapy", "compare", "--patient", PATIENT, *common, "--protocol",
                 "gentile2019_micrografts"]) == 0  # fmt: skip
    c = {o["key"]: o["horizons"] for o in json.loads(capsys.readouterr().out)["options"]}
    assert a == c
    for name in ("gentile2019_micrografts", "minoxidil_5", "finasteride_1mg"):
        assert main(["therapy", "simulate", name, "--patient", PATIENT, *common]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["option"]["horizons"] == a[d["option"]["key"]]
        assert d["no_treatment"]["horizons"] == a["none"]


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (
            ("volume_per_point_ml = 0.1", "volume_per_point_ml = 1.0"),
            "'injection.volume_per_point_ml' must be <= 0.2, got 1.0",
        ),
        (
            ('product = "svf_enriched_fat"', 'product = "magic"'),
            "'protocol.product' must be one of",
        ),
        (('method = "enzymatic"', 'method = "blender"'), "'processing.method' must be one of"),
        (("fat_g = 60", "fat_g = -60"), "'harvest.fat_g' must be > 0"),
        (("[injection]", "[injection\n"), "not valid TOML"),
    ],
)
def test_bad_protocol_exits_2_with_one_line(capsys, tmp_path, edit, needle):
    text = protocol_paths()["style_low_dose"].read_text().replace(*edit)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["therapy", "show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3  # one message (rich may wrap it)


@pytest.mark.parametrize(
    "args",
    [
        ["therapy", "show", "no_such_protocol"],
        ["therapy", "show", "style_low_dose", "--format", "xml"],
        ["therapy", "show", "style_low_dose", "--plot", "out.txt"],
        ["therapy", "simulate", "style_low_dose", "--patient", PATIENT, "--draws", "1"],
        ["therapy", "simulate", "none", "--patient", PATIENT],
        ["therapy", "simulate", "style_low_dose", "--patient", "missing.toml"],
        ["therapy", "compare", "--patient", PATIENT, "--follicles", "10"],
    ],
)
def test_bad_options_exit_2(capsys, args):
    assert main(args) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_patient_section(capsys, tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[health]\npregnant = false\n")
    assert main(["therapy", "simulate", "style_low_dose", "--patient", str(bad)]) == 2
    assert "'patient' must be present" in capsys.readouterr().err
