"""Observed vs predicted for one patient: every visit against the frozen prediction fan.

For each treatment of the patient: the prediction frozen when it was recorded (median and 80 %
interval of the change from today, at every month up to the longest follow-up of the option's
trials: ``settings["fan"]``; rows frozen before the fan was stored fall back to the planned
months, joined by straight lines from 0 at month 0), the model's untreated course, and each
measured visit: its terminal density, its change from the baseline visit, the frozen prediction
and whether the change lies inside the 80 % interval. A visit that answers a planned month (the
closest follow-up within ±45 days, the rule of the clinic statistics in
:mod:`anagen.registry._outcomes`) is checked against that month's frozen numbers, so the two
views agree; any other visit against the frozen fan at the visit's own time (linear between
frozen months). Past the evidence's follow-up there is no prediction: the visit is shown as
"unknown".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from anagen.registry import models as m
from anagen.registry._outcomes import answering_visit
from anagen.registry._prediction import MAX_MONTH

__all__ = ["PatientOutcomes", "TreatmentView", "VisitCheck", "patient_outcomes"]

_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class VisitCheck:
    """One measured visit against the frozen prediction of one treatment."""

    date: str
    kind: str
    month: float  # months since the treatment started (negative: before)
    terminal: float | None  # terminal hairs per cm², target area
    change: float | None  # terminal − baseline terminal
    median: float | None  # frozen predicted change at this time
    low: float | None
    high: float | None
    untreated: float | None  # the model's untreated change at this time (median)
    inside: bool | None  # change inside [low, high]; None when not comparable
    note: str
    answers_month: int | None = None  # the planned month this visit answers, if any


@dataclass(frozen=True)
class TreatmentView:
    """One treatment: its frozen fan, planned months and the visits checked against it."""

    treatment_id: int
    option: str
    option_name: str
    start_date: str
    planned_months: tuple[int, ...]
    target_area: str | None
    baseline_date: str | None
    baseline_terminal: float | None
    fan: dict[str, list[float]]
    untreated_fan: dict[str, list[float]]
    follow_up_weeks: float | None
    #: last month with a frozen prediction (the trials' follow-up rounded up to a month);
    #: None when the fan reaches month 48 or was not stored
    follow_up_limit_month: float | None
    predictions: tuple[dict[str, Any], ...]  # per planned month: numbers or the reason unknown
    visits: tuple[VisitCheck, ...]
    model_version: str | None
    parameter_source: str | None
    seed: int | None
    #: what the person used at the time, kept up alongside the option in the prediction
    current_treatments: tuple[str, ...] = ()
    #: the planned course the frozen numbers assume ("drug used to month 24, then stopped")
    course: str = ""

    @property
    def compared(self) -> list[VisitCheck]:
        return [v for v in self.visits if v.inside is not None]

    def summary(self) -> str:
        c = self.compared
        if not c:
            return "no follow-up visit with a prediction to compare yet"
        k = sum(v.inside for v in c)
        return f"{k} of {len(c)} follow-up visits inside the 80 % interval"


@dataclass(frozen=True)
class PatientOutcomes:
    """The per-patient view (faces: text, JSON, HTML with the plot)."""

    pseudonym: str
    sex: str
    stage_scale: str
    stage: str
    birth_year: int
    clinic: str
    synthetic: bool
    treatments: tuple[TreatmentView, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for t, tv in zip(d["treatments"], self.treatments, strict=True):
            t["summary"] = tv.summary()
        return d

    def text(self) -> str:
        head = (
            f"patient {self.pseudonym} ({self.sex}, {self.stage_scale} {self.stage}, born "
            f"{self.birth_year}), clinic {self.clinic}"
        )
        lines = [("SYNTHETIC " if self.synthetic else "") + head]
        if not self.treatments:
            lines.append("  no treatment recorded")
        for t in self.treatments:
            lines.append(
                f"treatment {t.treatment_id}: {t.option} ({t.option_name}), started "
                f"{t.start_date}; planned visits at months " + ", ".join(map(str, t.planned_months))
            )
            if t.baseline_terminal is not None:
                lines.append(
                    f"  baseline {t.baseline_date}: {t.baseline_terminal:.1f} terminal hairs/cm2 "
                    f"({t.target_area})"
                )
            if t.model_version:
                lines.append(
                    f"  frozen prediction (anagen {t.model_version}, seed {t.seed}; "
                    f"{t.parameter_source}):"
                )
            if t.current_treatments:
                lines.append(
                    "    with what the patient uses now, kept up: "
                    + ", ".join(t.current_treatments)
                )
            if t.course:
                lines.append(f"    planned course: {t.course}")
            for p in t.predictions:
                if p["median"] is None:
                    lines.append(f"    month {p['month']:>2}: {p['reason']}")
                else:
                    unt = (
                        f"untreated {p['untreated']:+.1f}"
                        if p["untreated"] is not None
                        else "untreated: unknown (past the placebo arms' follow-up)"
                    )
                    lines.append(
                        f"    month {p['month']:>2}: change {p['median']:+.1f} hairs/cm2 (80% "
                        f"interval {p['low']:+.1f} to {p['high']:+.1f}); {unt}"
                        + (f"; {p['note']}" if p["note"] else "")
                    )
            if t.visits:
                lines.append("  visits (change from baseline vs the frozen prediction then):")
            for v in t.visits:
                obs = "not measured" if v.terminal is None else f"{v.terminal:6.1f}"
                ch = "" if v.change is None else f" ({v.change:+.1f})"
                if v.median is not None:
                    pred = f"predicted {v.median:+.1f} ({v.low:+.1f} to {v.high:+.1f})"
                else:
                    pred = ""
                verdict = {True: "inside", False: "OUTSIDE", None: v.note}[v.inside]
                if v.inside is not None and v.answers_month is not None:
                    verdict += f" (answers month {v.answers_month})"
                lines.append(
                    f"    {v.date}  month {month_text(v.month, 5)}  {obs}{ch}  {pred}  {verdict}".rstrip()
                )
            lines.append(f"  {t.summary()}")
        return "\n".join(lines)


def month_text(month: float, width: int = 0) -> str:
    """A visit's month with one decimal; "0" for one that rounds to zero (a baseline taken a
    day before the start printed "-0.0")."""
    r = round(month, 1)
    return f"{0:{width}d}" if r == 0 else f"{r:{width}.1f}"


def _fan_at(fan: dict[str, list[float]], month: float) -> tuple[float, float, float] | None:
    ms = fan.get("months") or []
    if not ms or month < 0 or month > ms[-1] + 1e-9:
        return None
    return tuple(float(np.interp(month, ms, fan[q])) for q in ("median", "low", "high"))  # type: ignore[return-value]


def _fallback_fan(preds: list[Any], prefix: str) -> dict[str, list[float]]:
    """A fan through the frozen planned months (rows stored before fans were)."""
    out: dict[str, list[float]] = {"months": [0.0], "median": [0.0], "low": [0.0], "high": [0.0]}
    for p in sorted(preds, key=lambda x: x.month):
        if getattr(p, f"{prefix}_median") is None:
            break
        out["months"].append(float(p.month))
        for q in ("median", "low", "high"):
            out[q].append(float(getattr(p, f"{prefix}_{q}")))
    return out


def _view(t: m.Treatment, preds: list[m.Prediction], visits: list[m.Visit]) -> TreatmentView:
    st = (preds[0].settings or {}) if preds else {}
    fan = st.get("fan") or _fallback_fan(preds, "change")
    ufan = st.get("untreated_fan") or _fallback_fan(preds, "untreated")
    if not preds:
        fan = ufan = {"months": [], "median": [], "low": [], "high": []}
    fu = st.get("follow_up_weeks")
    base = next((v for v in visits if v.kind == "baseline"), None)
    b = base.terminal_density_per_cm2 if base is not None else None
    pr = []
    for p in preds:
        ps = p.settings or {}
        reason = ps.get("unknown_reason") or "unknown"
        pr.append(
            {
                "month": p.month,
                "median": p.change_median,
                "low": p.change_low,
                "high": p.change_high,
                "untreated": p.untreated_median,
                "reason": None if p.change_median is not None else reason,
                "note": str(ps.get("note") or ""),
            }
        )
    if preds and st.get("fan") is None:
        fu_note = "unknown: not frozen at this month"
    elif fu is None:
        fu_note = "unknown: no trial follow-up of this option in the cited sources"
    else:
        fu_note = f"unknown: no trial followed patients beyond {fu:g} weeks"
    fups = [
        (v.visit_date, v)
        for v in visits
        if v.kind == "follow-up" and v.terminal_density_per_cm2 is not None
    ]
    answers: dict[int, m.Prediction] = {}  # visit id -> the planned month's prediction
    for p in preds:
        hit = answering_visit(fups, t.start_date, p.month)
        if hit is not None:
            answers.setdefault(hit[1].id, p)
    checks = []
    for v in visits:
        month = (v.visit_date - t.start_date).days / _DAYS_PER_MONTH
        te = v.terminal_density_per_cm2
        change = None if te is None or b is None else float(te) - float(b)
        pred = _fan_at(fan, month) if v.kind == "follow-up" else None
        u = _fan_at(ufan, month) if v.kind == "follow-up" else None
        ans = answers.get(v.id)
        if ans is not None:  # the planned month's own frozen numbers
            pred = (
                None
                if ans.change_median is None
                else (ans.change_median, ans.change_low, ans.change_high)
            )
            u = None if ans.untreated_median is None else (ans.untreated_median, 0.0, 0.0)
        if v.kind == "baseline":
            note = "baseline"
        elif month < 0:
            note = "before the treatment started"
        elif not preds:
            note = "no frozen prediction"
        elif change is None:
            note = "terminal density not measured (or no baseline density)"
        elif pred is None:
            note = fu_note
            if ans is not None:
                note = str((ans.settings or {}).get("unknown_reason") or fu_note)
        else:
            note = f"answers month {ans.month}" if ans is not None else ""
        inside = None
        if pred is not None and change is not None and month >= 0:
            inside = bool(pred[1] - 1e-9 <= change <= pred[2] + 1e-9)
        checks.append(
            VisitCheck(
                v.visit_date.isoformat(),
                v.kind,
                round(month, 2),
                None if te is None else float(te),
                change,
                *(pred if pred is not None else (None, None, None)),
                None if u is None else u[0],
                inside,
                note,
                None if ans is None else ans.month,
            )
        )
    p0 = preds[0] if preds else None
    return TreatmentView(
        treatment_id=t.id,
        option=t.option,
        option_name=str(st.get("option_name") or t.option),
        start_date=t.start_date.isoformat(),
        planned_months=tuple(t.planned_months or ()),
        target_area=base.target_area if base is not None else None,
        baseline_date=base.visit_date.isoformat() if base is not None else None,
        baseline_terminal=None if b is None else float(b),
        fan=fan,
        untreated_fan=ufan,
        follow_up_weeks=fu,
        follow_up_limit_month=(
            fan["months"][-1] if st.get("fan") and fan["months"][-1] < MAX_MONTH else None
        ),
        predictions=tuple(pr),
        visits=tuple(checks),
        model_version=p0.model_version if p0 else None,
        parameter_source=p0.parameter_source if p0 else None,
        seed=p0.seed if p0 else None,
        current_treatments=tuple(st.get("current_treatments") or ()),
        course=str(st.get("course") or "")
        + (f" ({st['course_rule']})" if st.get("course") and st.get("course_rule") else ""),
    )


def patient_outcomes(session: Session, actor: Any, ref: int | str) -> PatientOutcomes:
    """The observed-vs-predicted view of one patient of the actor's clinic."""
    from anagen.registry.service import get_patient

    p = get_patient(session, actor, ref)
    clinic = session.get(m.Clinic, p.clinic_id)
    visits = list(
        session.scalars(
            select(m.Visit).where(m.Visit.patient_id == p.id).order_by(m.Visit.visit_date)
        )
    )
    views = []
    for t in session.scalars(
        select(m.Treatment).where(m.Treatment.patient_id == p.id).order_by(m.Treatment.start_date)
    ):
        preds = list(
            session.scalars(
                select(m.Prediction)
                .where(m.Prediction.treatment_id == t.id)
                .order_by(m.Prediction.month)
            )
        )
        views.append(_view(t, preds, visits))
    return PatientOutcomes(
        pseudonym=p.pseudonym,
        sex=p.sex,
        stage_scale=p.stage_scale,
        stage=p.stage,
        birth_year=p.birth_year,
        clinic=clinic.name if clinic else "?",
        synthetic=bool(clinic and clinic.synthetic),
        treatments=tuple(views),
    )
