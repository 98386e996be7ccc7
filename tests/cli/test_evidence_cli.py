"""``anagen evidence``: exit codes, messages and outputs as a user sees them."""

from __future__ import annotations

import json

import pytest

from anagen.cli import main

OK = "study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\nC,0.35,0.015\nD,0.6,0.03\n"
ARMS = "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,10,3,20,8,3,20\nB,12,4,30,9,4,28\nC,11,2,15,10,3,15\n"


def _csv(tmp_path, text, name="e.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_pool_table(tmp_path, capsys):
    assert main(["evidence", "pool", _csv(tmp_path, OK)]) == 0
    out = capsys.readouterr().out
    assert "estimate" in out and "prediction interval" in out and "I²" in out


def test_pool_json_keys_match_result(tmp_path, capsys):
    from anagen.evidence import pool

    assert main(["evidence", "pool", _csv(tmp_path, OK), "--format", "json", "--method", "DL"]) == 0
    d = json.loads(capsys.readouterr().out)
    keys = {
        "k",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p",
        "tau2",
        "i2",
        "h2",
        "q",
        "q_p",
        "pi_low",
        "pi_high",
        "tau2_ci_low",
        "tau2_ci_high",
        "i2_ci_low",
        "i2_ci_high",
        "method",
    }
    assert keys <= set(d)
    ref = pool([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL")
    assert d["estimate"] == pytest.approx(ref.estimate) and d["method"] == "DL"
    assert [s["study"] for s in d["studies"]] == ["A", "B", "C", "D"]


def test_pool_arms_smd_knha_forest(tmp_path, capsys):
    png = tmp_path / "forest.png"
    args = [
        "evidence",
        "pool",
        _csv(tmp_path, ARMS),
        "--measure",
        "SMD",
        "--knha",
        "--forest",
        str(png),
        "--format",
        "json",
    ]
    assert main(args) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["knha"] is True and d["measure"] == "SMD" and d["df"] == 2
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 20_000


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("study,yi,vi\nA,0.1,0.01\nB,abc,0.02\n", ["row 2", "'yi'", "abc"]),
        ("study,yi,vi\nA,0.1,0.01\nB,0.2,-0.5\n", ["row 2", "'vi'", "> 0"]),
        ("study,yi,vi\nA,0.1,0.01\nB,,0.02\n", ["row 2", "'yi'", "empty"]),
        ("study,yi,vi\nA,0.1,0.01\nB,NaN,0.02\n", ["row 2", "'yi'", "NaN"]),
        ("study,yi,vx\nA,0.1,0.01\n", ["'vx'", "unknown column"]),
        ("study,yi\nA,0.1\n", ["'vi'", "missing column"]),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,1,1,1,10\n1,1,5,1,1,5\n", ["row 1", "'n1i'", ">= 2"]),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,-1,5,1,1,5\n1,1,5,1,1,5\n", ["row 1", "'sd1i'", ">= 0"]),
        ("study,yi,vi\nA,0.1,0.01\n", ["'k'", ">= 2", "REML"]),
    ],
)
def test_pool_bad_input_exit_2_with_place(tmp_path, capsys, text, fragments):
    path = _csv(tmp_path, text, "bad.csv")
    assert main(["evidence", "pool", path]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "Traceback" not in err
    for f in fragments:
        assert f in err


def test_pool_missing_file_and_bad_options(tmp_path, capsys):
    assert main(["evidence", "pool", str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err
    ok = _csv(tmp_path, OK)
    for extra in (["--method", "XX"], ["--measure", "OR"], ["--format", "xml"], ["--level", "1.5"]):
        assert main(["evidence", "pool", ok, *extra]) == 2
        assert extra[0] in capsys.readouterr().err


def test_pool_output_checked_before_work(tmp_path, capsys):
    ok = _csv(tmp_path, OK)
    assert main(["evidence", "pool", ok, "--forest", str(tmp_path / "no" / "f.png")]) == 2
    assert main(["evidence", "pool", ok, "--forest", str(tmp_path / "f.txt")]) == 2
    assert not (tmp_path / "f.txt").exists()
    # a bad input file with a valid plot path writes no plot
    bad = _csv(tmp_path, "yi,vi\n1,0\n", "bad.csv")
    assert main(["evidence", "pool", bad, "--forest", str(tmp_path / "g.png")]) == 2
    assert not (tmp_path / "g.png").exists()
    capsys.readouterr()


def test_summary_text_and_forest(tmp_path, capsys):
    png = tmp_path / "forest.png"
    funnel = tmp_path / "funnel.svg"
    assert main(["evidence", "summary", "--forest", str(png), "--funnel", str(funnel)]) == 0
    out = capsys.readouterr().out
    for needle in (
        "Verdict",
        "certainty",
        "not a diagnosis",
        "too few studies",
        "imputed",
        "cannot support",
        "Minoxidil",
    ):
        assert needle in out, needle
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 50_000
    assert b"<svg" in funnel.read_bytes()


def test_summary_json(capsys):
    assert main(["evidence", "summary", "--format", "json", "--method", "DL", "--r", "0.8"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["method"] == "DL" and d["r"] == 0.8 and "disclaimer" in d
    assert all("certainty" in a and "k" in a for a in d["analyses"])


@pytest.mark.parametrize(
    "args", [["--r", "2"], ["--method", "XX"], ["--format", "xml"], ["--forest", "f.txt"]]
)
def test_summary_bad_options(args, capsys):
    assert main(["evidence", "summary", *args]) == 2
    assert args[0] in capsys.readouterr().err


def test_studies(capsys):
    assert main(["evidence", "studies", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"study_id", "citation", "direction", "quantified"} <= set(rows[0])
    assert main(["evidence", "studies"]) == 0
    assert "Citations" in capsys.readouterr().out


def test_pool_convergence_failure_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    import anagen.evidence
    from anagen.errors import ConvergenceError

    def failing(*args, **kwargs):
        raise ConvergenceError("REML Fisher scoring did not converge; try --method PM")

    monkeypatch.setattr(anagen.evidence, "pool", failing)
    assert main(["evidence", "pool", _csv(tmp_path, OK)]) == 2
    err = capsys.readouterr().err
    assert "did not converge" in err and "--method" in err and "Traceback" not in err


def test_summary_svg_forest(tmp_path, capsys):
    svg = tmp_path / "f.svg"
    assert main(["evidence", "summary", "--forest", str(svg), "--method", "FE"]) == 0
    assert b"<svg" in svg.read_bytes()
    assert "VERY LOW" in capsys.readouterr().out


GROUPED = (
    "study,group,yi,vi\nA,inj,0.1,0.01\nB,inj,0.3,0.02\nC,top,0.35,0.015\n"
    "D,top,0.6,0.03\nE,top,0.5,0.02\n"
)


def test_pool_subgroups(tmp_path, capsys):
    from anagen.evidence import subgroup_analysis

    path = _csv(tmp_path, GROUPED)
    png = tmp_path / "g.png"
    assert main(["evidence", "pool", path, "--format", "json", "--forest", str(png)]) == 0
    d = json.loads(capsys.readouterr().out)
    ref = subgroup_analysis(
        [0.1, 0.3, 0.35, 0.6, 0.5],
        [0.01, 0.02, 0.015, 0.03, 0.02],
        ["inj", "inj", "top", "top", "top"],
    )
    assert d["subgroups"]["groups"] == ["inj", "top"]
    assert d["subgroups"]["qb"] == pytest.approx(ref.qb)
    assert [s["group"] for s in d["studies"]] == ["inj", "inj", "top", "top", "top"]
    assert png.stat().st_size > 20_000
    assert main(["evidence", "pool", path]) == 0
    assert "test for subgroup differences" in capsys.readouterr().out


def test_pool_refuses_an_impossible_arm_size_and_never_prints_p_0(tmp_path, capsys):
    bad = tmp_path / "n.csv"
    bad.write_text("m1i,sd1i,n1i,m2i,sd2i,n2i\n10,3,1e300,8,3,1e300\n12,4,30,9,4,28\n")
    assert main(["evidence", "pool", str(bad)]) == 2
    assert "'n1' must be 2 to 10,000,000" in capsys.readouterr().err
    huge = tmp_path / "z.csv"  # an effect 60 SEs from zero: its p-value underflows
    huge.write_text("yi,vi\n30,0.25\n30,0.25\n")
    assert main(["evidence", "pool", str(huge)]) == 0
    out = capsys.readouterr().out
    assert "p < 1e-300" in out and "p = 0 " not in out
