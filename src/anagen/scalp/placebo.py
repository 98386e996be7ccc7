"""Placebo/vehicle response: the gain a placebo arm shows beyond the untreated course.

Placebo arms of target-area trials gain a few hairs/cm² (e.g. +3.9 at 48 weeks [T01], +4.7
at 16 weeks [T03]) while untreated scalps with pattern loss lose hair (-13.0 % of the
target-area count over 192 weeks in the placebo arm of a 4-year finasteride trial [PRICE06]).
The model's scalp gives the untreated course; this component adds the rest of what a placebo
arm measures. Its time course is piecewise linear, each piece from data::

    placebo(t) = slope * t                                 t <= peak_days
               = slope * peak_days * (zero_days - t) / (zero_days - peak_days)
                                                           peak_days < t <= zero_days
               = 0                                         t > zero_days
                                                           (hairs/cm², t in days)

* **Rise** (``slope``, ``peak_days``): the short placebo arms (16-48 weeks) rise about linearly
  with no visible plateau, so a saturating curve is not identified (its time constant runs to
  any bound given). ``slope`` is the weighted least-squares slope through 0 (weights n / SD²,
  missing SDs imputed as the largest reported) of the placebo-arm changes of the curated
  minoxidil trials (``evidence/data/comparator_trials.csv``, one row per placebo arm) after
  adding back the untreated decline over each trial's duration: ``arm change + 0.130 x weeks /
  192 x 198`` (derived; 198 hairs/cm² is the baseline vertex target-area count of men with
  pattern loss [S22]); ``peak_days`` is the longest of those arms (48 weeks).
* **Return** (``zero_days``): the long placebo arms with a count (:data:`LONG_PLACEBO_ARMS`)
  give the response left at their visits the same way (arm change in % of baseline x 198 +
  the untreated decline); the line from the peak to 0 is fitted to them by weighted least
  squares in its rate (``1 / (zero_days - peak_days)``). The one such arm is [PRICE06] at 192
  weeks, whose -13.0 % *defines* the untreated decline, so its response is 0 and the return
  ends at 192 weeks: the model's placebo arm there is its untreated course, as [PRICE06]'s is
  taken to be. No count of a placebo arm between 48 and 192 weeks is in the curated abstracts
  ([KAUF98]: "progressive hair loss" on placebo at 1 and 2 years, counts only as differences),
  so the straight line between the two is the simplest shape through them, not a fitted one.
  [KAUF08]'s -26.3 % at 5 years is left out: past 192 weeks its shortfall against the linear
  decline (-17.6 %) is the untreated course's gap (``docs/scalp.md``, natural history), not a
  negative placebo response.

:func:`fit_placebo_response` repeats that fit; :data:`DEFAULT_PLACEBO` holds its result and a
test keeps the two equal.

Virtual trials switch it on for placebo/vehicle arms (:func:`placebo_change` added to the
measured counts of :func:`anagen.scalp.target_area_counts`); :data:`NO_PLACEBO` is for
untreated-twin comparisons, where nobody receives a vehicle.

References
----------
.. [S22] Van Neste D, et al. Br J Dermatol 2000;143:804-810 (vertex target area, total 196-200
   hairs/cm² at baseline).
.. [PRICE06] Price VH, et al. J Am Acad Dermatol 2006;55:71-74 (PMID 16781295): week 192 hair
   count, finasteride +7.2 %, placebo -13.0 % from baseline.
.. [KAUF98] Kaufman KD, et al. J Am Acad Dermatol 1998;39:578-589 (PMID 9777765).
.. [KAUF08] Kaufman KD, et al. Eur J Dermatol 2008;18:407-411 (PMID 18573713): placebo arms
   -239 hairs, -26.3 % of the target-area count at 5 years.
.. [T01] Olsen EA, et al. J Am Acad Dermatol 2002;47:377-385 (curated row T01).
.. [T03] Olsen EA, et al. 5 % minoxidil foam, 16 weeks (curated row T03).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anagen.errors import InputError

__all__ = [
    "DEFAULT_PLACEBO",
    "LONG_PLACEBO_ARMS",
    "NO_PLACEBO",
    "PlaceboResponse",
    "fit_placebo_response",
    "long_placebo_arms",
    "placebo_arms",
    "placebo_change",
]

#: Untreated decline of the target-area count: -13.0 % over 192 weeks [PRICE06], on a baseline
#: of 198 hairs/cm² [S22] (hairs/cm² per week, derived).
UNTREATED_DECLINE_PER_WEEK = 0.130 / 192.0 * 198.0
#: Baseline target-area count the percentages are read on (hairs/cm², [S22]).
BASELINE_PER_CM2 = 198.0
#: Long placebo arms with a count: ``(source, weeks, arm change in % of baseline, weight)``.
#: [PRICE06] gives no n or SD in its abstract; with one arm the weight cancels out of the fit.
LONG_PLACEBO_ARMS: tuple[tuple[str, float, float, float], ...] = (("PRICE06", 192.0, -13.0, 1.0),)


@dataclass(frozen=True, slots=True)
class PlaceboResponse:
    """Rise ``slope * t`` to ``until_days``, then a straight return to 0 at ``zero_days``.

    ``zero_days = inf`` holds the peak for ever (slope 0: "no placebo").
    """

    slope_per_cm2_per_day: float
    until_days: float
    zero_days: float = float("inf")

    def __post_init__(self) -> None:
        if not np.isfinite(self.slope_per_cm2_per_day):
            raise InputError(
                field="slope_per_cm2_per_day",
                allowed="a finite number",
                got=self.slope_per_cm2_per_day,
            )
        if not self.until_days > 0:
            raise InputError(field="until_days", allowed="> 0", got=self.until_days)
        if not self.zero_days > self.until_days:
            raise InputError(field="zero_days", allowed="> until_days", got=self.zero_days)

    def at(self, t_days: np.ndarray | float) -> np.ndarray:
        """The placebo gain at days ``t_days`` (0 at day 0)."""
        t = np.maximum(np.asarray(t_days, dtype=float), 0.0)
        rise = np.minimum(t, self.until_days)
        if np.isfinite(self.zero_days):
            back = (self.zero_days - t) / (self.zero_days - self.until_days)
            rise = rise * np.clip(back, 0.0, 1.0)
        return self.slope_per_cm2_per_day * rise


def placebo_arms() -> list[tuple[str, float, float, float]]:
    """``(row_id, weeks, placebo response, weight)`` of each curated placebo arm (shown computation).

    The response is the arm's change plus the untreated decline over the trial; the weight is
    ``n / SD²`` (SD imputed as the largest reported placebo SD when missing). Arms that share
    one placebo group are counted once.
    """
    from anagen.evidence import load_comparator_trials

    t = load_comparator_trials()
    t = t[t["control_type"] == "placebo"]
    t = t.drop_duplicates(subset=["trial", "n_control", "control_change_mean"])
    sd_max = float(t["control_change_sd"].max())
    out = []
    for _, r in t.iterrows():
        sd = r["control_change_sd"] if np.isfinite(r["control_change_sd"]) else sd_max
        w = float(r["duration_weeks"])
        resp = float(r["control_change_mean"]) + UNTREATED_DECLINE_PER_WEEK * w
        out.append((str(r["row_id"]), w, resp, float(r["n_control"]) / sd**2))
    return out


def long_placebo_arms() -> list[tuple[str, float, float, float]]:
    """``(source, weeks, placebo response, weight)`` of :data:`LONG_PLACEBO_ARMS` (shown computation).

    The response is the arm's change (% of a 198 hairs/cm² baseline [S22]) plus the untreated
    decline over the trial, as in :func:`placebo_arms`.
    """
    return [
        (src, w, pct / 100.0 * BASELINE_PER_CM2 + UNTREATED_DECLINE_PER_WEEK * w, wt)
        for src, w, pct, wt in LONG_PLACEBO_ARMS
    ]


def fit_placebo_response() -> PlaceboResponse:
    """The rise fitted to :func:`placebo_arms`, the return to :func:`long_placebo_arms`.

    Rise: weighted least-squares slope through 0, up to the longest short arm. Return: with
    ``peak`` the response there, ``peak x (1 - r (t - peak_days))`` fitted by weighted least
    squares in the rate ``r`` to the long arms; ``zero_days = peak_days + 1 / r``.
    """
    arms = placebo_arms()
    days = np.array([a[1] for a in arms]) * 7.0
    y = np.array([a[2] for a in arms])
    w = np.array([a[3] for a in arms])
    slope = round(float(np.sum(w * days * y) / np.sum(w * days**2)), 5)
    peak_days = float(days.max())
    peak = slope * peak_days
    long = long_placebo_arms()
    x = peak * (np.array([a[1] for a in long]) * 7.0 - peak_days)  # peak - response = r * x
    dy = peak - np.array([a[2] for a in long])
    wl = np.array([a[3] for a in long])
    rate = float(np.sum(wl * x * dy) / np.sum(wl * x**2))
    return PlaceboResponse(
        slope_per_cm2_per_day=slope,
        until_days=peak_days,
        zero_days=round(peak_days + 1.0 / rate, 1),
    )


#: :func:`fit_placebo_response` on the shipped curated data (kept equal by a test).
DEFAULT_PLACEBO = PlaceboResponse(slope_per_cm2_per_day=0.03983, until_days=336.0, zero_days=1344.0)
#: No vehicle: untreated-twin comparisons.
NO_PLACEBO = PlaceboResponse(slope_per_cm2_per_day=0.0, until_days=1.0)


def placebo_change(
    t_days: np.ndarray | float, response: PlaceboResponse | None = DEFAULT_PLACEBO
) -> np.ndarray:
    """The placebo/vehicle gain to add to measured counts at ``t_days`` (``None``: no placebo)."""
    return (NO_PLACEBO if response is None else response).at(t_days)
