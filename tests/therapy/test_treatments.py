"""The alternatives as treatment modules, their evidence priors, and the package's independence."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import anagen.therapy as therapy
from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES
from anagen.therapy import (
    PRP,
    SOURCES,
    Finasteride,
    HairTransplant,
    LowLevelLaser,
    Minoxidil,
    NoTreatment,
    evidence_priors,
    load_options,
    standard_options,
)

H = 3 * 365.25


def test_minoxidil_5_stronger_than_2_and_only_in_pattern_zones():
    m2, m5 = (
        Minoxidil(strength_percent=2.0).modulation(H),
        Minoxidil(strength_percent=5.0).modulation(H),
    )
    f, o = ZONE_NAMES.index("frontal"), ZONE_NAMES.index("occipital")
    assert m5.latency_factor[0, f] < m2.latency_factor[0, f] < 1.0
    assert m5.anagen_factor[0, f] > m2.anagen_factor[0, f] > 1.0
    assert m5.latency_factor[0, o] == 1.0
    with pytest.raises(InputError, match="'strength_percent'"):
        Minoxidil(strength_percent=3.0)


def test_stopping_a_continuous_treatment_removes_its_effect():
    m = Minoxidil(stop_day=365.0).modulation(H)
    assert m.t_days.tolist() == [0.0, 365.0]
    assert np.all(m.latency_factor[1] == 1.0)


def test_finasteride_slows_progression_everywhere():
    m = Finasteride().modulation(H)
    assert np.all(m.progression_factor[0] < 1.0)


def test_prp_schedule_loading_then_maintenance():
    assert PRP().session_days(2 * 365.0) == [0.0, 30.0, 60.0, 240.0, 420.0, 600.0]  # [T61]


def test_transplant_moves_grafts_times_hairs_per_unit():
    m = HairTransplant(grafts=1000).modulation(H)
    moved = sum(t.n_follicles for t in m.transplants)
    assert 2200 - len(m.transplants) <= moved <= 2200  # 2.2 hairs per FU [T70]
    assert {t.from_zone for t in m.transplants} == {"occipital"}
    assert all(t.survival == pytest.approx(0.8) for t in m.transplants)


def test_laser_and_none():
    assert LowLevelLaser().modulation(H).latency_factor[0, 0] < 1.0
    none = NoTreatment().modulation(H)
    assert none.n_epochs == 1 and np.all(none.anagen_factor == 1.0)


def test_every_option_has_facts_and_cited_evidence():
    options = load_options()
    for t in standard_options():
        assert t.option in options
    for ev in evidence_priors():
        assert ev.option in options and ev.source in SOURCES
    assert {e.option for e in evidence_priors()} >= {
        "minoxidil_5",
        "minoxidil_2",
        "finasteride_1mg",
        "prp",
        "lllt",
    }


def test_all_priors_cite_listed_sources():
    for t in standard_options():
        for p in t.priors().values():
            assert all(tag in SOURCES for tag in p.sources)


def test_package_does_not_read_the_shared_folder():
    root = pathlib.Path(therapy.__file__).parent
    for f in root.rglob("*"):
        if f.suffix in {".py", ".toml", ".csv"}:
            assert "../shared" not in f.read_text(encoding="utf-8").replace(
                "(copied from ../shared", ""
            ), f


@pytest.mark.parametrize("treatment", standard_options(), ids=lambda t: t.key)
def test_prior_draws_give_valid_and_varied_modulations(treatment):
    rng = np.random.default_rng(1)
    mods = [treatment.modulation(H, None, rng) for _ in range(5)]
    median = treatment.modulation(H)
    if treatment.key == "none":
        assert all(m.n_epochs == 1 for m in mods)
        return
    first = mods[0]
    varied = any(
        not np.array_equal(m.latency_factor, first.latency_factor)
        or not np.array_equal(m.progression_factor, first.progression_factor)
        or [t.survival for t in m.transplants] != [t.survival for t in first.transplants]
        for m in mods[1:]
    )
    assert varied
    assert median.n_epochs >= 1
