"""``anagen calibrate run | loso``: output, files, and bad input → exit 2, one line."""

from __future__ import annotations

import json

from anagen.cli import main


def test_run_small_then_loso_json(capsys, tmp_path):
    out = tmp_path / "post.npz"
    args = ["calibrate", "run", "--draws", "20", "--quantile", "0.25", "--area", "1"]
    args += ["--scheduler", "synchronous"]
    assert main([*args, "--out", str(out), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["posterior"] == str(out) and out.with_suffix(".json").is_file()
    assert {r["block"] for r in d["summary"]} == {
        "cell_injection",
        "micrografts",
        "cell_free",
        "prp",
        "minoxidil",
        "finasteride",
        "lllt",
    }
    assert main(["calibrate", "loso", "--posterior", str(out), "--format", "json"]) == 0
    loso = json.loads(capsys.readouterr().out)
    assert loso["n_studies"] == len(loso["rows"]) == 23
    kuka = [r for r in loso["rows"] if r["study"] == "Kuka2020"]
    assert len(kuka) == 4 and all(r["fit_on"] == 0 for r in kuka)
    assert 0 <= loso["coverage_80"] <= 1
    studies = {r["study"] for r in loso["rows"]}
    assert loso["studies_total"] == len(studies)
    assert loso["studies_covered_80"] == sum(
        all(r["covered"] for r in loso["rows"] if r["study"] == s) for s in studies
    )


def test_loso_table_of_the_shipped_posterior(capsys):
    assert main(["calibrate", "loso"]) == 0
    text = capsys.readouterr().out
    assert "coverage of the 80 % intervals" in text and "Gentile2020" in text
    assert "by study, every row inside: " in " ".join(text.split())


def test_bad_input_exit_2(capsys, tmp_path):
    assert main(["calibrate", "run", "--out", str(tmp_path / "x.txt")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["calibrate", "run", "--draws", "3", "--out", str(tmp_path / "x.npz")]) == 2
    assert "--draws" in capsys.readouterr().err
    assert main(["calibrate", "run", "--area", "0", "--out", str(tmp_path / "x.npz")]) == 2
    assert "--area" in capsys.readouterr().err
    assert main(["calibrate", "loso", "--format", "xml"]) == 2
    assert main(["calibrate", "loso", "--posterior", str(tmp_path / "none.npz")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err


def test_check_ppc_and_se_sensitivity(capsys, tmp_path):
    out = tmp_path / "ppc.png"
    assert main(["calibrate", "check", "--format", "json", "--plot-ppc", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["ppc"]) == 23 and out.stat().st_size > 10_000
    for r in d["ppc"]:
        assert r["post_lo80"] <= r["post_median"] <= r["post_hi80"]
        assert 0 <= r["percentile"] <= 100
    factors = [r["se_factor"] for r in d["se_sensitivity"]]
    assert factors == [0.5, 1.0, 2.0]
    # the x1 row re-ranks nothing: its coverage is the LOSO table's
    assert main(["calibrate", "loso", "--format", "json"]) == 0
    loso = json.loads(capsys.readouterr().out)
    assert d["se_sensitivity"][1]["loso_coverage_80"] == loso["coverage_80"]
    assert main(["calibrate", "check", "--plot-time", str(tmp_path / "t.txt")]) == 2
    assert "--plot-time" in capsys.readouterr().err


def test_predictive_percentile_is_never_printed_as_0_or_100():
    from anagen.decision._calibrate_check import percentile_text as _pctl

    assert [_pctl(v) for v in (0.0, 0.4, 1.0, 50.2, 99.0, 99.6, 100.0)] == [
        "<1",
        "<1",
        "1",
        "50",
        "99",
        ">99",
        ">99",
    ]
