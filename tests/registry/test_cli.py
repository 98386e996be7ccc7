"""``anagen registry`` end to end on both databases (in-process, as a user types it)."""

from __future__ import annotations

import json

import pytest

from anagen.cli import main


def test_walkthrough(cli, tmp_path):
    assert cli("login", "--clinic", "north", "--user", "carl")[0] == 0
    assert (tmp_path / "session.json").stat().st_mode & 0o077 == 0  # token file private
    code, out, _ = cli("whoami", "--json")
    assert code == 0 and json.loads(out)["role"] == "clinician"
    assert (
        cli(
            "patient",
            "add",
            "P100",
            "--birth-year",
            "1979",
            "--sex",
            "M",
            "--stage",
            "IV",
            "--onset-year",
            "2012",
            "--consent-version",
            "v2",
            "--consent-date",
            "2024-02-01",
            "--health",
            "hypertension=true",
        )[0]
        == 0
    )
    assert (
        cli(
            "visit",
            "add",
            "P100",
            "--date",
            "2024-02-03",
            "--kind",
            "baseline",
            "--area",
            "vertex",
            "--total",
            "150",
            "--terminal",
            "110",
            "--vellus",
            "40",
        )[0]
        == 0
    )
    code, out, err = cli(
        "treatment",
        "add",
        "P100",
        "--option",
        "finasteride_1mg",
        "--start",
        "2024-02-05",
        "--draws",
        "5",
        "--follicles",
        "2000",
        "--months",
        "3,9,48",
        "--json",
    )
    assert code == 0, err
    tr = json.loads(out)
    # finasteride trials followed men for 192 weeks (to month 45): month 48 is frozen as unknown
    assert [p["month"] for p in tr["predictions"]] == [3, 9]
    assert [p["month"] for p in tr["unknown_predictions"]] == [48]
    assert "no trial followed patients beyond 192 weeks" in tr["unknown_predictions"][0]["reason"]
    assert tr["unknown_predictions"][0]["change_median"] is None
    code, out, err = cli(
        "ae",
        "add",
        "P100",
        "--description",
        "reduced libido",
        "--severity",
        "mild",
        "--causality",
        "possible",
        "--outcome",
        "recovering",
        "--onset",
        "2024-03-01",
        "--treatment",
        str(tr["id"]),
    )
    assert code == 0, err
    code, out, _ = cli("patient", "show", "P100", "--json")
    d = json.loads(out)
    assert d["visits"][0]["terminal_density_per_cm2"] == 110.0
    assert d["observed_vs_predicted"]["treatments"][0]["planned_months"] == [3, 9, 48]
    assert d["adverse_events"][0]["causality"] == "possible"
    code, out, _ = cli("verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    assert cli("logout")[0] == 0
    code, _, err = cli("patient", "list")
    assert code == 2 and "not logged in" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            [
                "visit",
                "add",
                "P100",
                "--date",
                "2024-13-01",
                "--kind",
                "baseline",
                "--area",
                "vertex",
            ],
            "'--date' must be a date YYYY-MM-DD",
        ),
        (
            [
                "visit",
                "add",
                "NOPE",
                "--date",
                "2024-01-01",
                "--kind",
                "baseline",
                "--area",
                "vertex",
            ],
            "no patient NOPE in your clinic",
        ),
        (
            [
                "patient",
                "add",
                "P2",
                "--birth-year",
                "1979",
                "--sex",
                "M",
                "--stage",
                "IV",
                "--onset-year",
                "2012",
                "--consent-version",
                "v2",
                "--consent-date",
                "2024-02-01",
                "--health",
                "flu",
            ],
            "'--health' must be KEY=VALUE",
        ),
        (
            ["treatment", "add", "P100", "--option", "x", "--start", "2024-01-01", "--months", "a"],
            "'--months' must be comma-separated integers",
        ),
        (["user", "add", "eve", "--role", "admin"], "only an admin can add users"),
    ],
)
def test_bad_input_exit_2(cli, args, needle):
    assert cli("login", "--clinic", "north", "--user", "carl")[0] == 0
    code, _out, err = cli(*args)
    assert code == 2
    assert needle in " ".join(err.split()), err
    assert "Traceback" not in err


def test_wrong_password_exit_2(cli, monkeypatch):
    monkeypatch.setenv("ANAGEN_REGISTRY_PASSWORD", "not the right one")
    code, _, err = cli("login", "--clinic", "north", "--user", "carl")
    assert code == 2 and "login failed" in err


def test_every_command_has_help(capsys):
    for cmd in (
        ["init"],
        ["login"],
        ["user", "add"],
        ["patient", "add"],
        ["visit", "add"],
        ["treatment", "add"],
        ["ae", "add"],
        ["verify"],
        ["dictionary"],
    ):
        assert main(["registry", *cmd, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


CROSS_CLINIC_CLI = [
    ["patient", "show", "P100"],
    ["patient", "show", "#1"],
    [
        "patient",
        "update",
        "#1",
        "--set",
        "onset_year=2000",
        "--expected-version",
        "1",
        "--reason",
        "x",
    ],
    ["visit", "add", "P100", "--date", "2024-06-01", "--kind", "follow-up", "--area", "vertex"],
    ["treatment", "add", "P100", "--option", "none", "--start", "2024-02-05", "--no-predict"],
    ["treatment", "session", "1", "--date", "2024-03-01"],
    [
        "ae",
        "add",
        "P100",
        "--description",
        "x",
        "--severity",
        "mild",
        "--causality",
        "possible",
        "--outcome",
        "unknown",
        "--onset",
        "2024-03-01",
    ],
]


def test_cross_clinic_through_every_cli_path(cli, tmp_path):
    """A south clinician names north's patient and ids in every CLI command: refused."""
    assert cli("login", "--clinic", "north", "--user", "carl")[0] == 0
    assert (
        cli(
            "patient",
            "add",
            "P100",
            "--birth-year",
            "1979",
            "--sex",
            "M",
            "--stage",
            "IV",
            "--onset-year",
            "2012",
            "--consent-version",
            "v2",
            "--consent-date",
            "2024-02-01",
        )[0]
        == 0
    )
    assert (
        cli(
            "visit",
            "add",
            "P100",
            "--date",
            "2024-02-03",
            "--kind",
            "baseline",
            "--area",
            "vertex",
            "--terminal",
            "110",
        )[0]
        == 0
    )
    assert (
        cli(
            "treatment", "add", "P100", "--option", "none", "--start", "2024-02-05", "--no-predict"
        )[0]
        == 0
    )
    assert cli("login", "--clinic", "south", "--user", "sam")[0] == 0
    for args in CROSS_CLINIC_CLI:
        code, _, err = cli(*args)
        assert code == 2 and ("no patient" in err or "no treatment" in err), (args, err)
    code, out, _ = cli("patient", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = cli("export", "--to", str(tmp_path / "south"), "--json")
    assert code == 0 and json.loads(out)["result"]["patients"] == 0
    assert cli("login", "--clinic", "north", "--user", "carl")[0] == 0
    code, out, _ = cli("patient", "show", "P100", "--json")
    d = json.loads(out)
    assert d["version"] == 1 and len(d["visits"]) == 1 and d["adverse_events"] == []
    assert d["treatments"][0]["sessions_given"] == 0
