"""The drugs' priors can reach the trials they are fitted to (and the reversal lever is why).

On the landed scalp model the latency and anagen levers saturate in a target area (few dormant
follicles), so the reversal-of-miniaturisation prior was given a range meant to span the
reported effects; this pins that the prior predictive brackets each drug's trial.
"""

from __future__ import annotations

import pytest

from anagen.decision._calibrate_trials import TrialSimulator, block_priors, curated_trials


@pytest.mark.parametrize(
    ("study", "block"),
    [("Olsen2002_5pct", "minoxidil"), ("VanNeste2000", "finasteride"), ("CochraneLLLT_1", "lllt")],
)
def test_reversal_prior_brackets_the_trial(study, block):
    trial = next(t for t in curated_trials() if t.study_id == study)
    priors = block_priors(block)
    med = {k: p.median for k, p in priors.items()}
    sim = TrialSimulator(trial, area_cm2=4.0)
    without = sim.effect({**med, "reversal": priors["reversal"].low})
    # the prior's most effective corner (every lever at its strong end)
    strong = {
        k: (p.high if k in ("anagen_factor", "reversal") else p.low) for k, p in priors.items()
    }
    at_top = sim.effect({**med, **{k: v for k, v in strong.items() if k != "fade_days"}})
    assert without < trial.reported < at_top, (without, trial.reported, at_top)
