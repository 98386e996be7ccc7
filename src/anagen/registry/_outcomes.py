"""Observed vs predicted: each frozen prediction against the follow-up visit that answers it.

Matching: a prediction for month ``m`` of a treatment started on day ``d0`` is answered by the
patient's follow-up visit closest to ``d0 + m × 30.44`` days, if it lies within
:data:`WINDOW_DAYS` of it. Observed change = that visit's terminal density − the baseline
visit's terminal density (hairs/cm², the clinic's target area).

Per clinic (and per option): **coverage** of the 80 % intervals (share of observed changes inside
[10th, 90th percentile]; 80 % expected if calibrated) with a Wilson 95 % interval; **mean error**
(observed − predicted median) with a t 95 % interval; **calibration** (observed vs predicted
median: binned means, slope and intercept of the least-squares line); **real-world
effectiveness**: observed change − the model's untreated change, and observed change of treated
patients − observed change of the clinic's own untreated comparators (option ``none``, patients
using no other treatment: a ``none`` patient on minoxidil is not untreated) at the same month (Welch 95 % interval), when there are at least two comparators.

References: Wilson EB (1927) J Am Stat Assoc 22:209-212 (score interval); Welch BL (1947)
Biometrika 34:28-35; Van Calster B et al. (2019) BMC Med 17:230 (calibration: in-the-large,
slope, calibration plots).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from anagen.registry import models as m

__all__ = ["FEATURED", "WINDOW_DAYS", "ClinicOutcomes", "Pair", "clinic_outcomes"]

WINDOW_DAYS = 45
FEATURED = 12
_DAYS_PER_MONTH = 365.25 / 12


def answering_visit(visits: list[Any], start: Any, month: int) -> Any | None:
    """The visit (``v[0]`` its date) closest to ``start + month``, if within WINDOW_DAYS."""
    target = start.toordinal() + month * _DAYS_PER_MONTH
    best = min(visits, key=lambda v: abs(v[0].toordinal() - target), default=None)
    if best is None or abs(best[0].toordinal() - target) > WINDOW_DAYS:
        return None
    return best


@dataclass(frozen=True)
class Pair:
    """One frozen prediction with the observation that answers it."""

    patient: str
    treatment_id: int
    option: str
    month: int
    observed: float
    median: float
    low: float
    high: float
    untreated: float | None  # None: past the placebo arms' follow-up (unknown)

    @property
    def covered(self) -> bool:
        return self.low <= self.observed <= self.high


@dataclass(frozen=True)
class Interval95:
    estimate: float
    low: float
    high: float
    n: int
    k: int | None = None  # successes, for proportions

    def text(self, unit: str = "", pct: bool = False) -> str:
        if self.n == 0 or not math.isfinite(self.estimate):
            return "no data"
        if pct and self.k is not None and self.k in (0, self.n):
            # never "0 %" or "100 %" from a finite sample: say the count and the interval
            return f"{self.k} of {self.n} (95 % CI {100 * self.low:.0f} to {100 * self.high:.0f} %)"
        if pct:
            return (
                f"{100 * self.estimate:.0f} % (95 % CI {100 * self.low:.0f} to "
                f"{100 * self.high:.0f} %, n = {self.n})"
            )
        u = f" {unit}" if unit else ""
        return (
            f"{self.estimate:+.1f}{u} (95 % CI {self.low:+.1f} to {self.high:+.1f}, n = {self.n})"
        )


def wilson(k: int, n: int) -> Interval95:
    """Proportion k/n with its Wilson 95 % score interval (never 0 % or 100 % as an interval)."""
    if n == 0:
        return Interval95(float("nan"), float("nan"), float("nan"), 0)
    z = 1.959963984540054
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return Interval95(p, max(0.0, c - h), min(1.0, c + h), n, k)


def mean_ci(x: np.ndarray) -> Interval95:
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n == 0:
        return Interval95(float("nan"), float("nan"), float("nan"), 0)
    mu = float(x.mean())
    if n == 1:
        return Interval95(mu, float("nan"), float("nan"), 1)
    se = float(x.std(ddof=1)) / math.sqrt(n)
    t = float(stats.t.ppf(0.975, n - 1))
    return Interval95(mu, mu - t * se, mu + t * se, n)


def welch(a: np.ndarray, b: np.ndarray) -> Interval95:
    """Difference of means a − b with Welch's 95 % interval."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2:
        return Interval95(float("nan"), float("nan"), float("nan"), len(a) + len(b))
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1.0
    t = float(stats.t.ppf(0.975, df))
    return Interval95(d, d - t * se, d + t * se, len(a) + len(b))


@dataclass
class ClinicOutcomes:
    """Observed vs predicted for one clinic (the faces: report HTML, JSON, dashboard)."""

    clinic: str
    synthetic: bool
    pairs: list[Pair]
    comparators: list[tuple[str, int, float]]  # (patient, month, observed change), option none
    counts: dict[str, int]
    adverse_events: dict[str, int]
    #: up to :data:`FEATURED` per-patient views drawn in the report (most visits outside first)
    featured: list[Any] = field(default_factory=list)
    #: frozen predictions that say unknown (past the evidence's follow-up), by option
    unknown: dict[str, int] = field(default_factory=dict)
    coverage: Interval95 = field(init=False)
    mean_error: Interval95 = field(init=False)
    slope: float = field(init=False)
    intercept: float = field(init=False)

    def __post_init__(self) -> None:
        ps = self.pairs
        self.coverage = wilson(sum(p.covered for p in ps), len(ps))
        err = np.array([p.observed - p.median for p in ps])
        self.mean_error = mean_ci(err)
        if len(ps) >= 3 and np.ptp([p.median for p in ps]) > 0:
            fit = np.polyfit([p.median for p in ps], [p.observed for p in ps], 1)
            self.slope, self.intercept = float(fit[0]), float(fit[1])
        else:
            self.slope = self.intercept = float("nan")

    def by_option(self) -> list[dict[str, Any]]:
        """Per option and month: n, coverage, mean error, effectiveness vs model and clinic."""
        out = []
        keys = sorted({(p.option, p.month) for p in self.pairs})
        for opt, mth in keys:
            ps = [p for p in self.pairs if p.option == opt and p.month == mth]
            obs = np.array([p.observed for p in ps])
            comp = np.array([c for _, mm, c in self.comparators if mm == mth])
            out.append(
                {
                    "option": opt,
                    "month": mth,
                    "n": len(ps),
                    "observed_change": mean_ci(obs),
                    "predicted_median_mean": float(np.mean([p.median for p in ps])),
                    "coverage_80": wilson(sum(p.covered for p in ps), len(ps)),
                    "mean_error": mean_ci(obs - np.array([p.median for p in ps])),
                    "vs_model_untreated": mean_ci(
                        np.array([p.observed - p.untreated for p in ps if p.untreated is not None])
                    ),
                    "vs_clinic_untreated": welch(obs, comp) if opt != "none" else None,
                    "n_comparators": len(comp),
                }
            )
        return out

    def per_patient(self) -> list[dict[str, Any]]:
        """Per patient and treatment: planned months answered, how many inside; most outside
        first (then by pseudonym)."""
        acc: dict[tuple[str, int], dict[str, Any]] = {}
        for p in self.pairs:
            r = acc.setdefault(
                (p.patient, p.treatment_id),
                {"patient": p.patient, "treatment_id": p.treatment_id, "option": p.option,
                 "answered": 0, "inside": 0, "last_month": 0, "last_error": 0.0},
            )  # fmt: skip
            r["answered"] += 1
            r["inside"] += int(p.covered)
            if p.month >= r["last_month"]:
                r["last_month"], r["last_error"] = p.month, p.observed - p.median
        return sorted(acc.values(), key=lambda r: (r["inside"] - r["answered"], r["patient"]))

    def to_dict(self) -> dict[str, Any]:
        def iv(x: Interval95 | None) -> Any:
            return (
                None
                if x is None
                else {"estimate": x.estimate, "ci_low": x.low, "ci_high": x.high, "n": x.n}
            )

        return {
            "clinic": self.clinic,
            "synthetic": self.synthetic,
            "matching_window_days": WINDOW_DAYS,
            "n_pairs": len(self.pairs),
            "coverage_80": iv(self.coverage),
            "coverage_80_text": self.coverage.text(pct=True),
            "mean_error_text": self.mean_error.text("hairs/cm2"),
            "mean_error_hairs_per_cm2": iv(self.mean_error),
            "calibration_slope": self.slope,
            "calibration_intercept": self.intercept,
            "counts": self.counts,
            "adverse_events": self.adverse_events,
            "unknown_predictions": self.unknown,
            "per_patient": self.per_patient(),
            "by_option": [
                {k: (iv(v) if isinstance(v, Interval95) else v) for k, v in r.items()}
                for r in self.by_option()
            ],
        }


def clinic_outcomes(session: Session, actor: Any, *, featured: bool = True) -> ClinicOutcomes:
    """Pair every frozen prediction of the actor's clinic with its observation (``featured``:
    also load the per-patient views the report draws)."""
    clinic = session.get(m.Clinic, actor.clinic_id)
    pseud = dict(session.execute(select(m.Patient.id, m.Patient.pseudonym)).all())
    using = {
        pid
        for pid, cur in session.execute(select(m.Patient.id, m.Patient.current_treatments))
        if cur
    }
    visits: dict[int, list[tuple[Any, str, float | None]]] = {}
    for pid, d, kind, te in session.execute(
        select(
            m.Visit.patient_id, m.Visit.visit_date, m.Visit.kind, m.Visit.terminal_density_per_cm2
        ).order_by(m.Visit.patient_id, m.Visit.visit_date)
    ):
        visits.setdefault(pid, []).append((d, kind, te))
    preds: dict[int, list[Any]] = {}
    unknown_tids: list[int] = []
    for row in session.execute(
        select(
            m.Prediction.treatment_id,
            m.Prediction.month,
            m.Prediction.change_median,
            m.Prediction.change_low,
            m.Prediction.change_high,
            m.Prediction.untreated_median,
        )
    ):
        if row[2] is None:  # unknown: past the evidence's follow-up, nothing to check
            unknown_tids.append(row[0])
            continue
        preds.setdefault(row[0], []).append(row[1:])
    pairs: list[Pair] = []
    comparators: list[tuple[str, int, float]] = []
    option_of: dict[int, str] = {}
    for tid, pid, option, start, months in session.execute(
        select(
            m.Treatment.id,
            m.Treatment.patient_id,
            m.Treatment.option,
            m.Treatment.start_date,
            m.Treatment.planned_months,
        )
    ):
        option_of[tid] = option
        vs = visits.get(pid, [])
        base = next((v for v in vs if v[1] == "baseline"), None)
        if base is None or base[2] is None:
            continue
        fups = [v for v in vs if v[1] == "follow-up" and v[2] is not None]
        by_month = {p[0]: p for p in preds.get(tid, [])}
        for mth in months or []:
            best = answering_visit(fups, start, mth)
            if best is None:
                continue
            obs = float(best[2]) - float(base[2])
            if option == "none" and pid not in using:
                comparators.append((pseud.get(pid, "?"), mth, obs))
            if mth in by_month:
                _, med, lo, hi, unt = by_month[mth]
                pairs.append(Pair(pseud.get(pid, "?"), tid, option, mth, obs, med, lo, hi, unt))
    from anagen.registry.service import counts

    ae: dict[str, int] = {}
    for sev, serious in session.execute(select(m.AdverseEvent.severity, m.AdverseEvent.serious)):
        ae[sev] = ae.get(sev, 0) + 1
        if serious:
            ae["serious"] = ae.get("serious", 0) + 1
    unknown: dict[str, int] = {}
    for tid in unknown_tids:
        unknown[option_of.get(tid, "?")] = unknown.get(option_of.get(tid, "?"), 0) + 1
    out = ClinicOutcomes(
        clinic.name if clinic else "?",
        bool(clinic and clinic.synthetic),
        pairs,
        comparators,
        counts(session, actor),
        ae,
        unknown=unknown,
    )
    if featured:
        from anagen.registry._patient_view import patient_outcomes

        pid_of = {v: k for k, v in pseud.items()}
        names = list(dict.fromkeys(r["patient"] for r in out.per_patient()))[:FEATURED]
        out.featured = [patient_outcomes(session, actor, pid_of[n]) for n in names]
    return out
