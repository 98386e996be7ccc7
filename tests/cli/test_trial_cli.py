"""``anagen trial simulate | power``: output, plots, and bad input → exit 2, one line, no traceback."""

from __future__ import annotations

import json

import pytest

from anagen.cli import main

SMALL = """
[trial]
name = "small"
design = "{design}"
trials = 3
seed = 5

[population]
age = [{age_lo}, 50]
male_fraction = 1.0
stages_male = ["III", "{stage}"]

[[arms]]
name = "minoxidil 5 %"
treatment = "minoxidil_5"
n = {n0}

[[arms]]
name = "placebo"
treatment = "placebo"
n = 3

[outcome]
zone = "frontal"
follow_up_weeks = 12

[model]
parameters = "median"
source = "prior"
max_pool = 64
{extra}"""


def write(tmp_path, **kw):
    values = {"design": "parallel", "age_lo": 30, "stage": "III", "n0": 3, "extra": ""} | kw
    p = tmp_path / "trial.toml"
    p.write_text(SMALL.format(**values))
    return str(p)


def test_simulate_table_json_and_plot(capsys, tmp_path):
    f = write(tmp_path)
    out = tmp_path / "hist.png"
    args = ["trial", "simulate", f, "--scheduler", "synchronous", "--plot", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "power" in text and "model-based" in text and "UNCALIBRATED" in text
    assert "WARNING: source = prior" in text and "Every arm vs placebo" in text
    assert out.stat().st_size > 10_000
    assert main(["trial", "simulate", f, "--scheduler", "synchronous", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["simulated_trials"] == 3 and len(d["estimates"]) == 3
    assert 0 <= d["power"] <= 1 and "model-based" in d["note"]


def test_power_json_and_plot(capsys, tmp_path):
    f = write(tmp_path)
    out = tmp_path / "curve.png"
    args = ["trial", "power", f, "--target", "0.5", "--max-n", "4", "--trials", "3"]
    assert main([*args, "--scheduler", "synchronous", "--plot", str(out)]) == 0
    assert "model-based" in capsys.readouterr().out
    assert out.stat().st_size > 10_000
    assert main([*args, "--scheduler", "synchronous", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [c["n_per_arm"] for c in d["curve"]] == [2, 3, 4]
    assert d["target"] == 0.5 and "model-based" in d["note"]


@pytest.mark.parametrize(
    ("kw", "args", "field"),
    [
        ({"age_lo": 300}, [], "population.age[0]"),
        ({"stage": "9"}, [], "population.stages_male[1]"),
        ({"n0": -2}, [], "arms[0].n"),
        ({"design": "split-scalp"}, [], "arms[1].n"),
        ({}, ["--trials", "0"], "--trials"),
        ({}, ["--format", "xml"], "--format"),
        ({}, ["--source", "posterior"], "--source"),
        ({}, ["--source", "oracle"], "--source"),
        ({}, ["--plot", "out.txt"], "out.txt"),
        ({"extra": "folicles = 3\n"}, [], "model.folicles"),
        ({}, ["--se", "0"], "--se"),
    ],
)
def test_bad_input_exit_2_one_line(capsys, tmp_path, kw, args, field):
    f = write(tmp_path, **({"n0": 4} if kw.get("design") else {}) | kw)
    assert main(["trial", "simulate", f, "--scheduler", "synchronous", *args]) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_bad_target(capsys, tmp_path):
    assert main(["trial", "simulate", str(tmp_path / "nope.toml")]) == 2
    assert "TRIAL" in capsys.readouterr().err
    f = write(tmp_path)
    assert main(["trial", "power", f, "--target", "1.2", "--scheduler", "synchronous"]) == 2
    assert "--target" in capsys.readouterr().err


LASER = """
[trial]
name = "laser two years"
trials = 3
seed = 5

[population]
age = [30, 50]
male_fraction = 1.0
stages_male = ["III", "III"]

[[arms]]
name = "laser"
treatment = "lllt"
n = 3

[[arms]]
name = "sham"
treatment = "placebo"
n = 3

[outcome]
zone = "vertex"
follow_up_weeks = {weeks}
visits_weeks = [26, {weeks}]

[model]
parameters = "median"
source = "prior"
max_pool = 64
"""


def test_a_visit_past_the_evidence_is_flagged_in_text_and_json(capsys, tmp_path):
    """Laser trials followed patients to 26 weeks [JIM14] (the assessment's window): week 104
    is simulated, but every face says it is the model's extrapolation."""
    f = tmp_path / "laser.toml"
    f.write_text(LASER.format(weeks=104))
    run = ["trial", "simulate", str(f), "--scheduler", "synchronous"]
    assert main(run) == 0
    out, err = (" ".join(x.split()) for x in capsys.readouterr())  # the console wraps lines
    assert "WARNING: EXTRAPOLATION" in err and "26 weeks" in err and "JIM14" in err
    assert "104*" in out and "* EXTRAPOLATION: laser (lllt) at week 104" in out
    assert "26*" not in out
    assert main([*run, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    d = json.loads(out)
    assert "EXTRAPOLATION" in err
    assert d["extrapolated"] is True and d["evidence_follow_up_weeks"] == 26
    assert {c["week"]: c["extrapolated"] for c in d["comparisons"]} == {26: False, 104: True}
    assert d["evidence_follow_up"][0]["by_sex"][0]["sources"] == ["JIM14"]
    power = ["trial", "power", str(f), "--target", "0.5", "--max-n", "4", "--trials", "3"]
    assert main([*power, "--scheduler", "synchronous"]) == 0
    out, err = capsys.readouterr()
    out = " ".join(out.split())  # the console wraps lines
    assert "EXTRAPOLATION" in err and "week 104*" in out
    assert "Week 104 is past the follow-up of the evidence" in out
    assert main([*power, "--scheduler", "synchronous", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["extrapolated"] is True and d["evidence_follow_up_weeks"] == 26
    assert "26 weeks" in d["extrapolation"][0] and d["follow_up_weeks"] == 104


def test_a_visit_within_the_evidence_is_not_flagged(capsys, tmp_path):
    f = tmp_path / "laser.toml"
    f.write_text(LASER.format(weeks=26).replace("visits_weeks = [26, 26]", ""))
    assert main(["trial", "simulate", str(f), "--scheduler", "synchronous"]) == 0
    out, err = capsys.readouterr()
    assert "EXTRAPOLATION" not in out + err and "*" not in out
    assert (
        main(["trial", "simulate", str(f), "--scheduler", "synchronous", "--format", "json"]) == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["extrapolated"] is False and d["extrapolation"] == []
