"""Is the model consistent with the trials it cites? Modelled vs published effect, side by side.

For each comparator with a published effect in hairs per cm² (minoxidil in men, minoxidil in
women, finasteride, finasteride added to minoxidil, laser), :func:`trial_checks` builds a person who matches the trial's
population, runs the one computation (:func:`anagen.decision.assess_patient`) for that option,
and reads the modelled effect against no treatment at the trial's follow-up (the nearest whole
month). A check passes when the modelled median lies inside the 95 % confidence interval of the
published effect; the explanation says what differs when it does not. The report shows the same
numbers for the person assessed (:func:`published_vs_model`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from anagen.decision._assessment import Interval

__all__ = ["TRIALS", "TrialCheck", "TrialSpec", "trial_checks"]


@dataclass(frozen=True, slots=True)
class TrialSpec:
    """A published comparator effect and the population it was measured in."""

    option: str
    trial: str
    population: dict[str, Any]  # patient-file [patient] table of a typical participant
    weeks: float
    effect: float  # hairs per cm², treated minus control
    ci_low: float
    ci_high: float
    ci_basis: str
    sources: tuple[str, ...]
    #: the effect is of ``option`` added to this treatment (the person uses it now), not vs none
    added_to: str | None = None


def _ci_from_arms(m1, sd1, n1, m0, sd0, n0) -> tuple[float, float, float]:
    d = m1 - m0
    se = math.sqrt(sd1**2 / n1 + sd0**2 / n0)
    return d, d - 1.96 * se, d + 1.96 * se


_OLSEN = _ci_from_arms(18.6, 25.4, 139, 3.9, 21.7, 78)  # [C4] Table 2 (Olsen 2002)
_S22_SE = 2.5  # "net +17.3 +/- 2.5" [S22], read as a standard error

#: The comparator trials checked (numbers from anagen's cited data, see each source).
TRIALS: tuple[TrialSpec, ...] = (
    TrialSpec(
        "minoxidil_5",
        "Olsen 2002, 5% minoxidil solution vs placebo, men",
        {"age": 36.5, "sex": "M", "stage": "III-vertex", "years_since_onset": 10},
        48,
        *_OLSEN,
        "95% CI computed from the arm means and SDs (18.6 ± 25.4, n = 139 vs 3.9 ± 21.7, n = 78)",
        ("C4",),
    ),
    TrialSpec(
        "minoxidil_2",
        "Cochrane CD007628: topical minoxidil (mostly 2%) vs placebo, women (8 trials, 1,242 women)",
        {"age": 37, "sex": "F", "stage": "II", "years_since_onset": 8},
        48,
        13.18,
        10.92,
        15.44,
        "pooled 95% CI as published (trials of 24-48 weeks; compared here at 48 weeks)",
        ("C2",),
    ),
    TrialSpec(
        "finasteride_1mg",
        "finasteride 1 mg vs placebo, 212 men aged 18-40 (vertex)",
        {"age": 30, "sex": "M", "stage": "III-vertex", "years_since_onset": 6},
        48,
        17.3,
        17.3 - 1.96 * _S22_SE,
        17.3 + 1.96 * _S22_SE,
        "95% CI from the published ± 2.5, read as a standard error",
        ("S22",),
    ),
    TrialSpec(
        "minoxidil_5+finasteride_1mg",
        "finasteride added to 5% minoxidil vs minoxidil alone, men (7 RCTs, 396 men; pooled)",
        {"age": 30, "sex": "M", "stage": "III-vertex", "years_since_onset": 6},
        48,
        9.22,
        9.22 - 1.96 * 9.22 / 2.054,
        9.22 + 1.96 * 9.22 / 2.054,
        "95% CI from the published p = 0.04 (SE = 9.22 / 2.054); the trials mixed finasteride "
        "into the minoxidil solution and their durations are not in the abstract: compared at "
        "48 weeks, the follow-up of the finasteride trial the share is scaled on [S22]. The "
        "model's share is calibrated on this estimate, so this checks the calibration's plumbing",
        ("LI25", "CHEN20"),
        added_to="minoxidil_5",
    ),
    TrialSpec(
        "lllt",
        "Cochrane CD007628: laser comb vs sham, women (first of two trials)",
        {"age": 45, "sex": "F", "stage": "II", "years_since_onset": 8},
        26,
        17.4,
        9.74,
        25.06,
        "95% CI as published; the laser comb trials treated for 26 weeks [JIM14]",
        ("C2", "JIM14"),
    ),
)


@dataclass(frozen=True, slots=True)
class TrialCheck:
    """One comparator: the trial's effect and the model's for a person like its participants."""

    option: str
    trial: str
    weeks: float
    month: int
    published: float
    ci_low: float
    ci_high: float
    ci_basis: str
    model: Interval
    inside: bool
    explanation: str
    sources: tuple[str, ...]

    def text(self) -> str:
        return (
            f"{self.trial}: the trial measured {self.published:+.1f} hairs per cm² (95% CI "
            f"{self.ci_low:+.1f} to {self.ci_high:+.1f}) at {self.weeks:g} weeks; for a person like "
            f"its participants the model predicts {self.model.median:+.1f} (80% interval "
            f"{self.model.low:+.1f} to {self.model.high:+.1f}) at month {self.month} - "
            + ("inside the trial's 95% CI." if self.inside else f"OUTSIDE it: {self.explanation}")
        )


def _explain(spec: TrialSpec, model: Interval) -> str:
    if model.median < spec.ci_low:
        return (
            "the model predicts less than the trial measured. The calibrated parameters are a "
            "compromise across all the trials of this option (and the target area, stage and "
            "placebo handling of the model differ from the trial's); the posterior refit per "
            "trial population is issue 8's work"
        )
    return (
        "the model predicts more than the trial measured; the calibration compromise across trials "
        "(and differences in stage and target area) can push it above a single trial's result"
    )


def trial_checks(
    *, seed: int = 0, n_draws: int = 200, n_follicles: int = 8_000, executor: Any = None,
    posterior: Any = None,
) -> tuple[TrialCheck, ...]:  # fmt: skip
    """Modelled vs published effect for every comparator of :data:`TRIALS`.

    200 draws by default, not the 60 of an assessment: the check is of the calibrated model,
    and a 60-draw median of a 1 cm² count moves by about a hair from one seed or engine change
    to the next (the women's 2 % minoxidil row, near the trials' lower limit, read +10.0 at 60
    draws and +12.0 at 200 on the same posterior)."""
    from anagen.decision._assess import assess_patient
    from anagen.therapy import Patient

    out = []
    for spec in TRIALS:
        month = max(1, round(spec.weeks * 7 / (365.25 / 12)))
        data: dict[str, Any] = {"patient": spec.population}
        if spec.added_to:
            data["treatments"] = {"current": [spec.added_to]}
        pat = Patient.from_dict(data)
        a = assess_patient(
            pat, protocols=(), options=spec.option.split("+"), seed=seed, n_draws=n_draws,
            n_follicles=n_follicles, with_evidence=False, with_maps=False,
            executor=executor, posterior=posterior, extra_months=(month,),
        )  # fmt: skip
        h = a.option(spec.option).at(month)
        model = h.added if spec.added_to and h.added is not None else h.effect_vs_none
        inside = spec.ci_low <= model.median <= spec.ci_high
        out.append(
            TrialCheck(
                spec.option,
                spec.trial,
                spec.weeks,
                month,
                spec.effect,
                spec.ci_low,
                spec.ci_high,
                spec.ci_basis,
                model,
                inside,
                "" if inside else _explain(spec, model),
                spec.sources,
            )
        )
    return tuple(out)
