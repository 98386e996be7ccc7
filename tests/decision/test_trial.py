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

# A small, fast trial: 1,000 simulated follicles, men at Norwood III, prior medians.
BASE = {
    "trial": {"name": "test", "design": "parallel", "alpha": 0.05, "trials": 4, "seed": 7},
    "population": {"age": [30, 50], "male_fraction": 1.0, "stages_male": ["III", "III"]},
    "arms": [
        {"name": "minoxidil 5 %", "treatment": "minoxidil_5", "n": 4},
        {"name": "placebo", "treatment": "placebo", "n": 4},
    ],
    "outcome": {"zone": "frontal", "measure": "change", "follow_up_weeks": 48},
    "model": {"follicles": 1000, "parameters": "median"},
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
    assert "model-based" in a.note and "uncalibrated" in a.note


def test_posterior_source_uses_calibrated_draws():
    prior = spec_with(**{"model.parameters": "per_patient", "trial.trials": 2})
    post = spec_with(
        **{"model.parameters": "per_patient", "model.source": "posterior", "trial.trials": 2}
    )
    a = simulate_trials(prior, scheduler="synchronous")
    b = simulate_trials(post, scheduler="synchronous")
    assert "posterior" in b.note and "calibrated" in b.note and b.summary()["source"] == "posterior"
    assert not np.array_equal(a.estimates, b.estimates)
    with pytest.raises(InputError, match=r"model\.parameters"):
        spec_with(**{"model.source": "posterior"})  # median has no posterior meaning


def test_split_scalp_runs_and_is_paired():
    spec = spec_with(**{"trial.design": "split-scalp", "trial.trials": 3})
    r = simulate_trials(spec, scheduler="synchronous")
    assert r.estimates.shape == (3,) and np.all(np.isfinite(r.estimates))
    np.testing.assert_allclose(r.estimates, r.arm_means[:, 0] - r.arm_means[:, 1])


def test_placebo_vs_placebo_rejects_at_about_alpha():
    spec = spec_with(
        **{
            "arms.0.treatment": "placebo",
            "arms.0.n": 4,
            "arms.1.n": 4,
            "trial.trials": 120,
            "outcome.follow_up_weeks": 8,
        }
    )
    r = simulate_trials(spec, scheduler="synchronous")
    k = int(np.sum(r.significant))
    # central 99 % of Binomial(120, 0.05)
    lo, hi = stats.binom.ppf([0.005, 0.995], 120, 0.05)
    assert lo <= k <= hi, k


def test_power_increases_with_n_and_with_effect_common_random_numbers():
    spec = spec_with(**{"trial.trials": 12})
    strong = power_curve(spec, [4, 24], scheduler="synchronous")
    assert strong.power[1] > strong.power[0]
    weak_spec = spec_with(**{"trial.trials": 12, "arms.0.treatment": "minoxidil_2"})
    weak = power_curve(weak_spec, [24], scheduler="synchronous")
    assert strong.mean_estimate[1] > weak.mean_estimate[0]
    assert strong.power[1] >= weak.power[0]
    # common random numbers: the curve's point at n is the trial run with n
    direct = simulate_trials(spec.with_(n=4), scheduler="synchronous")
    assert direct.power == strong.power[0]


def test_sample_size_search_is_monotone_in_target():
    spec = spec_with(**{"trial.trials": 10})
    curve = sample_size(spec, 0.3, max_n=32, scheduler="synchronous")
    assert list(curve.n) == list(range(2, curve.n[-1] + 1))
    first = {
        t: next((int(n) for n, p in zip(curve.n, curve.power, strict=True) if p >= t), None)
        for t in (0.1, 0.2, 0.3)
    }
    assert curve.sample_size == first[0.3]
    found = [first[t] for t in (0.1, 0.2, 0.3) if first[t] is not None]
    assert found == sorted(found)
    with pytest.raises(InputError, match="--target"):
        sample_size(spec, 1.5, scheduler="synchronous")


def test_stable_sample_size_and_monte_carlo_se():
    from anagen.decision import PowerCurve

    spec = spec_with(**{"trial.trials": 100})
    n = np.arange(2, 8)
    curve = PowerCurve(spec, n, np.array([0.1, 0.5, 0.81, 0.79, 0.85, 0.9]), n * 0.0, 0.8, 4, 7)
    assert curve.sample_size == 4 and curve.sample_size_stable == 6
    np.testing.assert_allclose(curve.power_se[1], 0.05)
    low = PowerCurve(spec, n, np.array([0.1, 0.5, 0.81, 0.79, 0.85, 0.7]), n * 0.0, 0.8, 4, 7)
    assert low.sample_size_stable is None


def test_local_cluster_matches_synchronous():
    spec = spec_with(**{"trial.trials": 3, "arms.0.n": 3, "arms.1.n": 3})
    sync = simulate_trials(spec, scheduler="synchronous")
    ticks = []
    dist = simulate_trials(spec, scheduler="local", advance=ticks.append)
    np.testing.assert_array_equal(sync.estimates, dist.estimates)
    np.testing.assert_array_equal(sync.p_values, dist.p_values)
    assert sum(ticks) == 3


def test_bad_scheduler_address_is_an_input_error():
    with pytest.raises(InputError, match="--scheduler"):
        simulate_trials(spec_with(), scheduler="tcp://127.0.0.1:1")
