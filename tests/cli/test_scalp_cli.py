"""``anagen scalp simulate``: JSON contract, reproducibility, plots, and bad input → exit 2."""

from __future__ import annotations

import json

import pytest

from anagen.cli import main

SMALL = ["scalp", "simulate", "--follicles", "3000", "--seed", "5"]


def _json(capsys, *args):
    assert main([*SMALL, "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_keys(capsys):
    out = _json(capsys, "--days", "120", "--every", "30")
    assert out["t_days"] == [0.0, 30.0, 60.0, 90.0, 120.0]
    assert set(out["fractions"]) == {"anagen", "catagen", "telogen", "latency"}
    assert all(len(v) == 5 for v in out["fractions"].values())
    for key in (
        "density_per_cm2",
        "terminal_per_cm2",
        "vellus_per_cm2",
        "anagen_percent",
        "anagen_telogen_ratio",
        "shedding_per_day",
        "mean_diameter_um",
        "cumulative_thickness_mm_per_cm2",
    ):
        assert set(out[key]) == {*out["zone_names"], "scalp"}, key
    assert 0.8 < out["fractions"]["anagen"][-1] < 0.92
    assert out["stage"][0] == "I"
    photo = out["phototrichogram"]["vertex"]
    assert photo["area_cm2"] == 1.0 and 150 < photo["total_hairs"] < 300


def test_same_seed_same_json(capsys):
    a = _json(capsys, "--age", "45", "--sex", "M", "--years", "1")
    b = _json(capsys, "--age", "45", "--sex", "M", "--years", "1")
    assert a == b


def test_stage_and_meanfield_and_plot(capsys, tmp_path):
    png = tmp_path / "s.png"
    out = _json(
        capsys, "--stage", "III", "--years", "1", "--engine", "meanfield", "--plot", str(png)
    )
    assert out["engine"] == "meanfield" and out["stage"][0] == "III"
    assert png.stat().st_size > 10_000


def test_table_output(capsys):
    assert main([*SMALL, "--sex", "F", "--stage", "II", "--years", "1"]) == 0
    text = capsys.readouterr().out
    assert "Whole scalp over time" in text and "mid_scalp" in text


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["--years", "0"], "--years"),
        (["--years", "-2"], "--years"),
        (["--days", "10", "--years", "1"], "--years"),
        ([], "--years"),
        (["--years", "1", "--follicles", "0"], "--follicles"),
        (["--years", "1", "--follicles", "100000000000"], "--follicles"),
        (["--years", "1", "--engine", "euler"], "--engine"),
        (["--years", "1", "--format", "xml"], "--format"),
        (["--years", "1", "--every", "0"], "--every"),
        (["--years", "1", "--sex", "X"], "sex"),
        (["--years", "1", "--stage", "IX"], "stage"),
        (["--years", "1", "--sex", "F", "--stage", "VI"], "stage"),
        (["--years", "1", "--age", "-3"], "age"),
    ],
)
def test_bad_input_exits_2_naming_the_option(capsys, args, key):
    assert main([*SMALL, *args]) == 2
    err = capsys.readouterr().err
    assert f"'{key}'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[cycle]\nanagen_cv = -1\n", "cycle.anagen_cv"),
        ("[cycle]\ntelogen_mean_days = 0\n", "cycle.telogen_mean_days"),
        ('[cycle]\ndistribution = "weibull"\n', "cycle.distribution"),
        ("[zones]\nsensitivity_male = [1, 1, 1, 1, 1]\n", "zones.sensitivity_male"),
        ("[cycle\nanagen_cv = ", "not valid TOML"),
    ],
)
def test_bad_parameter_file_exits_2_and_writes_nothing(capsys, tmp_path, text, key):
    p = tmp_path / "p.toml"
    p.write_text(text)
    png = tmp_path / "out.png"
    assert main([*SMALL, "--params", str(p), "--years", "1", "--plot", str(png)]) == 2
    err = capsys.readouterr().err
    assert key in err and "p.toml" in err and "Traceback" not in err
    assert not png.exists()


def test_missing_parameter_file(capsys, tmp_path):
    assert main([*SMALL, "--params", str(tmp_path / "none.toml"), "--years", "1"]) == 2
    assert "not found" in capsys.readouterr().err


def test_bad_plot_suffix(capsys, tmp_path):
    assert main([*SMALL, "--years", "1", "--plot", str(tmp_path / "x.csv")]) == 2
    assert "'--plot'" in capsys.readouterr().err
