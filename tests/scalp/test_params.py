"""Parameter file: the documented keys, defaults calibrated to the normal scalp, bad input."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

from anagen.errors import InputError
from anagen.scalp import default_params, load_params

ISSUE_KEYS = {
    "cycle": {
        "distribution",
        "anagen_mean_days",
        "anagen_cv",
        "catagen_days",
        "telogen_mean_days",
        "telogen_cv",
        "latency_mean_days",
        "latency_cv",
    },
    "start": {"state"},
}


def test_default_file_has_the_documented_keys():
    text = resources.files("anagen.scalp").joinpath("data/default.toml").read_text()
    data = tomllib.loads(text)
    for section, keys in ISSUE_KEYS.items():
        assert keys <= set(data[section])
    assert data["cycle"]["distribution"] == "lognormal"
    assert data["start"]["state"] == "equilibrium"


def test_defaults_reproduce_normal_scalp_fractions():
    # the 85-90 % anagen, 10-15 % telogen, 1-2 % catagen "dogma" ([S20] abstract)
    f = default_params().cycle.stationary_fractions()
    assert 0.85 <= f["anagen"] <= 0.90
    assert 0.10 <= f["telogen"] <= 0.15
    assert 0.01 <= f["catagen"] <= 0.02


def test_issue_example_file_loads(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text(
        '[cycle]\ndistribution = "gamma"\nanagen_mean_days = 1000\nanagen_cv = 0.5\n'
        "catagen_days = 14\ntelogen_mean_days = 90\ntelogen_cv = 0.3\n"
        'latency_mean_days = 30\nlatency_cv = 0.5\n[start]\nstate = "anagen"\n'
    )
    params = load_params(p)
    assert params.cycle.distribution == "gamma"
    assert params.cycle.telogen_mean_days == 90.0
    assert params.start_state == "anagen"
    # keys not in the file keep their defaults
    assert params.zones == default_params().zones


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[cycle]\nanagen_cv = -1\n", "cycle.anagen_cv"),
        ("[cycle]\nanagen_mean_days = 0\n", "cycle.anagen_mean_days"),
        ("[cycle]\ntelogen_mean_days = -5\n", "cycle.telogen_mean_days"),
        ("[cycle]\nlatency_cv = 0\n", "cycle.latency_cv"),
        ("[cycle]\ncatagen_days = -1\n", "cycle.catagen_days"),
        ('[cycle]\ndistribution = "weibull"\n', "cycle.distribution"),
        ('[cycle]\nanagen_mean_days = "long"\n', "cycle.anagen_mean_days"),
        ('[start]\nstate = "telogen"\n', "start.state"),
        ("[cycle]\nanagen_men_days = 3\n", "cycle.anagen_men_days"),
        ("[zones]\narea_cm2 = [1, 2]\n", "zones.area_cm2"),
        (
            "[zones]\nhair_density_per_cm2 = [223, 223, 0, 223, 223, 223]\n",
            "zones.hair_density_per_cm2[2]",
        ),
        ("[aga]\ncritical_cycles = 1\n", "aga.critical_cycles"),
        ("[prevalence.male]\nfraction = [0, 0.5, 0.4, 0.8]\n", "prevalence.male.fraction"),
        ("[crown]\nx = 1\n", "crown"),
        ("[zones.crown]\narea_cm2 = 50\n", "zones.crown"),
        ("[zones.vertex]\nradius = 5\n", "zones.vertex.radius"),
        ("[zones.vertex]\narea_cm2 = -5\n", "zones.area_cm2[2]"),
    ],
)
def test_bad_values_name_the_key(tmp_path, text, key):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=re.escape(f"'{key}'")):
        load_params(p)


def test_malformed_toml_names_the_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("[cycle\nanagen_cv = ")
    with pytest.raises(InputError, match=re.escape("broken.toml: not valid TOML")):
        load_params(p)


def test_missing_file():
    with pytest.raises(InputError, match="not found"):
        load_params("/nonexistent/params.toml")


def test_zone_tables_edit_one_zone(tmp_path):
    p = tmp_path / "z.toml"
    p.write_text("[zones.vertex]\narea_cm2 = 70.0\nsensitivity_male = 0.9\n")
    z = load_params(p).zones
    d = default_params().zones
    assert z.area_cm2[2] == 70.0 and z.sensitivity_male[2] == 0.9
    assert z.area_cm2[:2] == d.area_cm2[:2] and z.sensitivity_male[3:] == d.sensitivity_male[3:]


def test_dataclass_defaults_equal_the_shipped_file():
    from anagen.scalp.params import AGAParams, CycleParams, PhototrichogramParams, StagingParams

    d = default_params()
    assert CycleParams() == d.cycle
    assert AGAParams() == d.aga
    assert StagingParams() == d.staging
    assert PhototrichogramParams() == d.phototrichogram
