"""Virtual trials: file validation, reproducibility, power vs n and effect, type I error,
sample-size search, and a real (tiny) LocalCluster run."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats

from anagen.decision import (
    load_trial,
    power_curve,
    sample_size,
    simulate_trials,
    trial_from_dict,
    trial_paths,
)
from anagen.decision._trial import paired_test, welch_test
from anagen.errors import InputError

# A small, fast trial: men at Norwood III, prior medians, a pool of at most 64 patients.
BASE = {
    "trial": {"name": "test", "design": "parallel", "alpha": 0.05, "trials": 20, "seed": 7},
    "population": {"age": [30, 50], "male_fraction": 1.0, "stages_male": ["III", "III"]},
    "arms": [
        {"name": "minoxidil 5 %", "treatment": "minoxidil_5", "n": 4},
        {"name": "placebo", "treatment": "placebo", "n": 4},
    ],
    "outcome": {"zone": "frontal", "measure": "change", "follow_up_weeks": 48},
    "model": {"parameters": "median", "source": "prior", "max_pool": 64},
}


def spec_with(**edits):
    d = copy.deepcopy(BASE)
    for path, value in edits.items():
        node = d
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return trial_from_dict(d)


def test_shipped_trials_load():
    paths = trial_paths()
    assert {"adsc_vs_placebo", "micrografts_split_scalp"} <= set(paths)
    adsc = load_trial("adsc_vs_placebo")
    assert adsc.design == "parallel" and adsc.arms[0].treatment == "style_low_dose"
    assert adsc.stages_male == ("III", "IIIa", "III-vertex", "IV", "IVa")
    split = load_trial(paths["micrografts_split_scalp"])
    assert split.design == "split-scalp" and split.arms[0].n == split.arms[1].n


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"population.age": [30, 300]}, "population.age[1]"),
        ({"population.stages_male": ["III", "9"]}, "population.stages_male[1]"),
        ({"arms.1.n": 1}, "arms[1].n"),
        ({"arms.0.n": -3}, "arms[0].n"),
        ({"arms.0.treatment": "snake_oil"}, "arms[0].treatment"),
        ({"trial.design": "crossover"}, "trial.design"),
        ({"trial.alpha": 0.9}, "trial.alpha"),
        ({"outcome.zone": "nape"}, "outcome.zone"),
        ({"outcome.follow_up_weeks": 0}, "outcome.follow_up_weeks"),
        ({"population.male_fraction": 1.5}, "population.male_fraction"),
        ({"model.follicles": 10}, "model.follicles"),
        ({"model.source": "oracle"}, "model.source"),
    ],
)
def test_bad_values_name_the_field(edit, field):
    with pytest.raises(InputError) as exc:
        spec_with(**edit)
    assert exc.value.field == field
    assert f"'{field}' must be" in str(exc.value)


def test_unknown_key_and_split_scalp_sizes():
    d = copy.deepcopy(BASE)
    d["outcome"]["colour"] = "red"
    with pytest.raises(InputError, match=r"outcome\.colour"):
        trial_from_dict(d)
    with pytest.raises(InputError, match=r"'arms\[1\].n' must be equal to arms\[0\].n"):
        spec_with(**{"trial.design": "split-scalp", "arms.1.n": 5})


def test_welch_and_paired_tests_match_scipy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(1, 2, (3, 9)), rng.normal(0, 1, (3, 7))
    d, p = welch_test(x, y)
    ref = stats.ttest_ind(x, y, axis=1, equal_var=False)
    np.testing.assert_allclose(p, ref.pvalue, rtol=1e-10)
    np.testing.assert_allclose(d, x.mean(1) - y.mean(1))
    m, p2 = paired_test(x[:, :7] - y)
    np.testing.assert_allclose(p2, stats.ttest_rel(x[:, :7], y, axis=1).pvalue, rtol=1e-10)
    np.testing.assert_allclose(m, (x[:, :7] - y).mean(1))


def test_same_seed_same_result_other_seed_other_result():
    spec = spec_with(**{"model.parameters": "per_patient"})
    a = simulate_trials(spec, scheduler="synchronous")
    b = simulate_trials(spec, scheduler="synchronous")
    np.testing.assert_array_equal(a.estimates, b.estimates)
    np.testing.assert_array_equal(a.p_values, b.p_values)
    c = simulate_trials(spec, seed=8, scheduler="synchronous")
    assert not np.array_equal(a.estimates, c.estimates)
    assert "model-based" in a.note and "UNCALIBRATED" in a.note
    assert a.pool_size == 64 and a.estimates.shape == (20, 1, 1)


def test_posterior_is_the_default_source():
    d = copy.deepcopy(BASE)
    d["model"] = {"max_pool": 64}
    post = trial_from_dict(d)
    assert post.source == "posterior" and post.parameters == "per_patient"
    prior = spec_with(**{"model.parameters": "per_patient"})
    a = simulate_trials(prior, scheduler="synchronous")
    b = simulate_trials(post, scheduler="synchronous")
    assert "posterior" in b.note and "calibrated" in b.note and b.summary()["source"] == "posterior"
    assert not np.array_equal(a.estimates, b.estimates)
    with pytest.raises(InputError, match=r"model\.parameters"):
        spec_with(**{"model.source": "posterior"})  # median has no posterior meaning


def test_split_scalp_runs_and_is_paired():
    spec = spec_with(**{"trial.design": "split-scalp", "trial.trials": 3})
    r = simulate_trials(spec, scheduler="synchronous")
    assert r.estimates.shape == (3, 1, 1) and np.all(np.isfinite(r.estimates))
    np.testing.assert_allclose(r.estimates[:, 0, 0], r.arm_means[:, 0, 0] - r.arm_means[:, 1, 0])


def test_patch_holds_the_target_area_of_its_zone():
    """A virtual patient is a 2 cm² patch of the trial's zone; the one outcome function reads a
    re-found 1 cm² area of it (the same follicles at every visit: without reading error and
    over a week the true count barely moves)."""
    from anagen.decision._trial import _params
    from anagen.decision._trial_area import area_state
    from anagen.scalp import ZONE_NAMES, target_area_counts

    params = _params()
    st = area_state(
        params, sex="M", age=40.0, stage="III", zone="frontal", rng=np.random.default_rng(3)
    )
    assert set(np.unique(st.zone)) == {ZONE_NAMES.index("frontal")} and st.n_follicles > 300
    m = target_area_counts(params, st, zone="frontal", visit_days=[0.0, 7.0], seed=1, noise=False)
    tot = m.true_total_per_cm2
    assert abs(tot[1] - tot[0]) < 0.1 * tot[0]


def test_placebo_vs_placebo_rejects_at_about_alpha():
    spec = spec_with(
        **{
            "arms.0.treatment": "placebo",
            "arms.0.n": 4,
            "arms.1.n": 4,
            "trial.trials": 120,
            "outcome.follow_up_weeks": 8,
            "model.max_pool": 256,
        }
    )
    r = simulate_trials(spec, scheduler="synchronous")
    k = int(np.sum(r.significant))
    # central 99 % of Binomial(120, 0.05)
    lo, hi = stats.binom.ppf([0.005, 0.995], 120, 0.05)
    assert lo <= k <= hi, k


def test_power_increases_with_n_and_with_effect_common_random_numbers():
    spec = spec_with()
    strong = power_curve(spec, [4, 24], scheduler="synchronous")
    assert strong.power[1] > strong.power[0]
    weak_spec = spec_with(**{"arms.0.treatment": "minoxidil_2"})
    weak = power_curve(weak_spec, [24], scheduler="synchronous")
    assert strong.mean_estimate[1] > weak.mean_estimate[0]
    assert strong.power[1] >= weak.power[0]
    # common random numbers: the curve's point at n is the trial run with n
    direct = simulate_trials(spec.with_(n=4), scheduler="synchronous")
    assert direct.power == strong.power[0]


def test_sample_size_search_is_monotone_in_target():
    spec = spec_with()
    curve = sample_size(spec, 0.3, max_n=32, scheduler="synchronous")
    assert list(curve.n) == list(range(2, 33))
    first = {
        t: next((int(n) for n, p in zip(curve.n, curve.power, strict=True) if p >= t), None)
        for t in (0.1, 0.2, 0.3)
    }
    assert curve.sample_size == first[0.3]
    found = [first[t] for t in (0.1, 0.2, 0.3) if first[t] is not None]
    assert found == sorted(found)
    assert np.isfinite(curve.se_at_answer) and curve.se_at_answer > 0
    with pytest.raises(InputError, match="--target"):
        sample_size(spec, 1.5, scheduler="synchronous")


@pytest.mark.parametrize("target", [0.3, 0.8])
def test_the_monte_carlo_se_at_the_answer_meets_its_target(target):
    # the pool grew until the SE at the bisection's n met the target, and the exact first
    # crossing could sit elsewhere with a larger SE (0.021 was printed against 0.02 for
    # adsc_vs_placebo): the SE at the answer itself must meet it while the pool can grow
    # (400 trials: their own binomial SE, at most 0.025, leaves the pool room under 0.03)
    spec = spec_with(**{"model.max_pool": 4096, "trial.trials": 400})
    curve = sample_size(spec, target, max_n=40, scheduler="synchronous", se_target=0.03)
    assert curve.sample_size is not None and curve.pool_size < spec.max_pool
    assert curve.se_at_answer <= 0.03


def test_multi_arm_visits_subgroups_and_topical_concentration():
    d = copy.deepcopy(BASE)
    d["population"].update(male_fraction=0.5, stages_female=["I-1", "II-2"])
    d["arms"] = [
        {"name": "topical x10", "treatment": "topical", "concentration": 10.0, "n": 6},
        {"name": "topical x0.01", "treatment": "topical", "concentration": 0.01, "n": 6},
        {"name": "minoxidil 8 wk", "treatment": "minoxidil_5", "use_weeks": 8, "n": 6},
        {"name": "vehicle", "treatment": "placebo", "n": 6},
    ]
    d["trial"]["control"] = "vehicle"
    d["outcome"].update(follow_up_weeks=16, visits_weeks=[8, 16, 24])
    d["analysis"] = {"subgroups": ["sex", "stage"]}
    spec = trial_from_dict(d)
    assert spec.control == 3 and spec.compared == (0, 1, 2) and spec.visits_weeks == (8, 16, 24)
    r = simulate_trials(spec, scheduler="synchronous")
    assert r.estimates.shape == (20, 3, 3) and r.arm_means.shape == (20, 4, 3)
    rows = r.comparisons()
    assert len(rows) == 9 and {x["arm"] for x in rows} == {a.name for a in spec.arms[:3]}
    eff = {(x["arm"], x["week"]): x["mean_estimate"] for x in rows}
    # twins with prior medians: a higher concentration gives a larger mean effect
    assert eff[("topical x10", 16)] > eff[("topical x0.01", 16)]
    levels = {(g["subgroup"], g["level"]) for g in r.subgroups}
    assert ("sex", "M") in levels and ("sex", "F") in levels
    assert any(g == "stage" for g, _ in levels)
    assert len(r.time_course()) == 12


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"arms": [{"treatment": "placebo", "n": 4}] * 5}, "arms"),
        ({"trial.control": "nobody"}, "trial.control"),
        ({"arms.0.concentration": 2.0}, "arms[0].concentration"),
        ({"arms.1.use_weeks": 4}, "arms[1].use_weeks"),
        ({"arms.0.use_weeks": 99}, "arms[0].use_weeks"),
        ({"arms.0.treatmnet": "placebo"}, "arms[0].treatmnet"),
        ({"outcome.visits_weeks": [4, -1]}, "outcome.visits_weeks[1]"),
        ({"analysis": {"subgroups": ["age"]}}, "analysis.subgroups[0]"),
        ({"model.max_pool": 3}, "model.max_pool"),
    ],
)
def test_new_keys_are_validated(edit, field):
    with pytest.raises(InputError) as exc:
        spec_with(**edit)
    assert exc.value.field == field


def test_per_trial_parameters_simulate_every_trial():
    spec = spec_with(**{"model.parameters": "per_trial", "trial.trials": 3})
    r = simulate_trials(spec, scheduler="synchronous")
    assert r.estimates.shape == (3, 1, 1) and r.pool_size == 3 * 8


def test_stable_sample_size_and_monte_carlo_se():
    from anagen.decision import PowerCurve

    spec = spec_with(**{"trial.trials": 100})
    n = np.arange(2, 8)
    curve = PowerCurve(spec, n, np.array([0.1, 0.5, 0.81, 0.79, 0.85, 0.9]), n * 0.0, 0.8, 4, 7)
    assert curve.sample_size == 4 and curve.sample_size_stable == 6
    np.testing.assert_allclose(curve.power_se[1], 0.05)
    low = PowerCurve(spec, n, np.array([0.1, 0.5, 0.81, 0.79, 0.85, 0.7]), n * 0.0, 0.8, 4, 7)
    assert low.sample_size_stable is None


@pytest.mark.slow
def test_one_and_two_workers_give_the_same_trials():
    from anagen.decision._trial import _Runner

    spec = spec_with(**{"model.parameters": "per_patient"})
    sync = simulate_trials(spec, scheduler="synchronous")
    ticks = []
    with _Runner("local", n_workers=2) as two:
        dist = simulate_trials(spec, scheduler=two, advance=ticks.append)
    np.testing.assert_array_equal(sync.estimates, dist.estimates)
    np.testing.assert_array_equal(sync.p_values, dist.p_values)
    assert sum(ticks) == 64


def test_bad_scheduler_address_is_an_input_error():
    with pytest.raises(InputError, match="--scheduler"):
        simulate_trials(spec_with(), scheduler="tcp://127.0.0.1:1")
