"""Placebo/vehicle response: the gain a placebo arm shows beyond the untreated course.

Placebo arms of target-area trials gain a few hairs/cm² (e.g. +3.9 at 48 weeks [T01], +4.7
at 16 weeks [T03]) while untreated scalps with pattern loss lose hair (-13.0 % of the
target-area count over 192 weeks in the placebo arm of a 4-year finasteride trial [PRICE06]).
The model's scalp gives the untreated course; this component adds the rest of what a placebo
arm measures. The arms (16-48 weeks) rise about linearly with no visible plateau, so a
saturating curve is not identified (its time constant runs to any bound given); the component
is a ramp through 0, held at its 48-week value afterwards (nothing is claimed past the longest
placebo follow-up)::

    placebo(t) = slope * min(t, until_days)            (hairs/cm², t in days)

with ``slope`` fitted (weighted least squares, weights n / SD², missing SDs imputed as the largest
reported)
to the placebo-arm changes of the curated minoxidil trials (``evidence/data/
comparator_trials.csv``, one row per placebo arm) after adding back the untreated decline over
each trial's duration: ``arm change + 0.130 x weeks / 192 x 198`` (derived; 198 hairs/cm² is the
baseline vertex target-area count of men with pattern loss [S22]). :func:`fit_placebo_response`
repeats that fit; :data:`DEFAULT_PLACEBO` holds its result and a test keeps the two equal.

Virtual trials switch it on for placebo/vehicle arms (:func:`placebo_change` added to the
measured counts of :func:`anagen.scalp.target_area_counts`); :data:`NO_PLACEBO` is for
untreated-twin comparisons, where nobody receives a vehicle.

References
----------
.. [S22] Van Neste D, et al. Br J Dermatol 2000;143:804-810 (vertex target area, total 196-200
   hairs/cm² at baseline).
.. [PRICE06] Price VH, et al. J Am Acad Dermatol 2006;55:71-74 (PMID 16781295).
.. [T01] Olsen EA, et al. J Am Acad Dermatol 2002;47:377-385 (curated row T01).
.. [T03] Olsen EA, et al. 5 % minoxidil foam, 16 weeks (curated row T03).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anagen.errors import InputError

__all__ = [
    "DEFAULT_PLACEBO",
    "NO_PLACEBO",
    "PlaceboResponse",
    "fit_placebo_response",
    "placebo_arms",
    "placebo_change",
]

#: Untreated decline of the target-area count: -13.0 % over 192 weeks [PRICE06], on a baseline
#: of 198 hairs/cm² [S22] (hairs/cm² per week, derived).
UNTREATED_DECLINE_PER_WEEK = 0.130 / 192.0 * 198.0


@dataclass(frozen=True, slots=True)
class PlaceboResponse:
    """``slope * min(t, until_days)`` hairs/cm² (slope 0 for "no placebo")."""

    slope_per_cm2_per_day: float
    until_days: float

    def __post_init__(self) -> None:
        if not np.isfinite(self.slope_per_cm2_per_day):
            raise InputError(
                field="slope_per_cm2_per_day",
                allowed="a finite number",
                got=self.slope_per_cm2_per_day,
            )
        if not self.until_days > 0:
            raise InputError(field="until_days", allowed="> 0", got=self.until_days)

    def at(self, t_days: np.ndarray | float) -> np.ndarray:
        """The placebo gain at days ``t_days`` (0 at day 0)."""
        t = np.clip(np.asarray(t_days, dtype=float), 0.0, self.until_days)
        return self.slope_per_cm2_per_day * t


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


def fit_placebo_response() -> PlaceboResponse:
    """Weighted least-squares slope through 0 of :func:`placebo_arms`, held after the longest."""
    arms = placebo_arms()
    days = np.array([a[1] for a in arms]) * 7.0
    y = np.array([a[2] for a in arms])
    w = np.array([a[3] for a in arms])
    slope = float(np.sum(w * days * y) / np.sum(w * days**2))
    return PlaceboResponse(slope_per_cm2_per_day=round(slope, 5), until_days=float(days.max()))


#: :func:`fit_placebo_response` on the shipped curated data (kept equal by a test).
DEFAULT_PLACEBO = PlaceboResponse(slope_per_cm2_per_day=0.03983, until_days=336.0)
#: No vehicle: untreated-twin comparisons.
NO_PLACEBO = PlaceboResponse(slope_per_cm2_per_day=0.0, until_days=1.0)


def placebo_change(
    t_days: np.ndarray | float, response: PlaceboResponse | None = DEFAULT_PLACEBO
) -> np.ndarray:
    """The placebo/vehicle gain to add to measured counts at ``t_days`` (``None``: no placebo)."""
    return (NO_PLACEBO if response is None else response).at(t_days)
