"""The registry's service layer: what the CLI and the web app call.

Every function takes a :class:`~sqlalchemy.orm.Session` opened by
:meth:`Registry.session(actor) <anagen.registry.Registry.session>` and the acting
:class:`Actor`; it checks the role, works only inside the actor's clinic (a crafted id of
another clinic's row is :class:`NotFound`, exactly like an id that does not exist), validates
input (:class:`~anagen.errors.InputError` naming the field) and leaves the audit trail to the
session. Request bodies are the pydantic models ``*In`` below (the web app uses them as its
schemas).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from anagen.decision._size import DEFAULT_SIZE
from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry._audit import ChainReport
from anagen.registry._audit import verify as _verify
from anagen.registry._auth import hash_password
from anagen.registry._db import now_iso
from anagen.registry._errors import AccessDenied, Conflict, NotFound
from anagen.registry._prediction import (
    ALTERNATIVES,
    PLANNED_MONTHS,
    PredictionSettings,
    add_on_gap,
    check_months,
    predict,
    to_model_patient,
)
from anagen.registry._session import Actor

__all__ = [
    "AdverseEventIn",
    "PatientIn",
    "SessionIn",
    "TreatmentIn",
    "VisitIn",
    "add_adverse_event",
    "add_patient",
    "add_session",
    "add_treatment",
    "add_user",
    "add_visit",
    "clinic_report",
    "counts",
    "create_clinic",
    "get_patient",
    "get_treatment",
    "list_patients",
    "patient_detail",
    "update_patient",
    "verify_audit",
]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse(model: type[BaseModel], data: dict[str, Any], *, where: str = "") -> Any:
    """Validate ``data`` into ``model``; the first error becomes an InputError naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(x) for x in e["loc"]) or model.__name__
        ctx = e.get("ctx", {}).get("error")
        if isinstance(ctx, InputError):
            raise ctx from None
        raise InputError(f"{e['msg']}", field=loc, file=where or None) from None


class PatientIn(_In):
    """A new patient (no names, no contact data)."""

    pseudonym: str
    birth_year: int
    sex: str
    stage: str
    stage_scale: str | None = None  # default: norwood_hamilton (M), ludwig/savin by stage (F)
    onset_year: int
    health: dict[str, bool | float] = Field(default_factory=dict)
    current_treatments: list[str] = Field(default_factory=list)
    consent_version: str
    consent_date: dt.date
    consent_evidence_sharing: bool = False


class VisitIn(_In):
    patient: str  # pseudonym
    visit_date: dt.date
    kind: str
    target_area: str
    total_density_per_cm2: float | None = None
    terminal_density_per_cm2: float | None = None
    vellus_density_per_cm2: float | None = None
    shaft_diameter_um: float | None = None
    anagen_percent: float | None = None
    global_photo_score: int | None = None
    satisfaction_score: float | None = None
    satisfaction_instrument: str | None = None


class TreatmentIn(_In):
    patient: str
    option: str
    protocol_toml: str | None = None  # a protocol file's text when not a shipped protocol
    start_date: dt.date
    sessions_planned: int = 0
    cells_per_session: float | None = None
    product_lot: str | None = None
    planned_months: list[int] = Field(default_factory=lambda: list(PLANNED_MONTHS))
    predict: bool = True
    seed: int = 0
    n_draws: int = DEFAULT_SIZE.n_draws
    n_follicles: int = DEFAULT_SIZE.n_follicles


class SessionIn(_In):
    session_date: dt.date
    cells_injected: float | None = None
    volume_ml: float | None = None
    product_lot: str | None = None


class AdverseEventIn(_In):
    patient: str
    treatment_id: int | None = None
    description: str
    severity: str
    serious: bool = False
    causality: str
    outcome: str
    onset_date: dt.date
    resolution_date: dt.date | None = None


# --------------------------------------------------------------------------- clinics and users


def create_clinic(session: Session, code: str, name: str, *, synthetic: bool = False) -> m.Clinic:
    """Owner-only bootstrap (``session`` opened with ``actor=None``)."""
    if session.info.get("actor") is not None:
        raise AccessDenied("only the database owner can create clinics ('anagen registry init')")
    if session.scalar(select(m.Clinic).where(m.Clinic.code == code)) is not None:
        raise InputError(field="clinic", allowed="a code not used yet", got=code)
    c = m.Clinic(code=code, name=name, synthetic=synthetic, created_at=now_iso())
    session.add(c)
    session.flush()
    return c


def add_user(
    session: Session,
    actor: Actor | None,
    username: str,
    password: str,
    role: str,
    *,
    clinic_id: int | None = None,
) -> m.User:
    """Add a user to the actor's clinic (admins only; the owner may name ``clinic_id``)."""
    if actor is not None and not actor.is_admin:
        raise AccessDenied("only an admin can add users")
    cid = actor.clinic_id if actor is not None else clinic_id
    if cid is None:
        raise InputError(field="clinic", allowed="given")
    exists = session.scalar(
        select(m.User).where(m.User.clinic_id == cid, m.User.username == username)
    )
    if exists is not None:
        raise InputError(field="username", allowed="not used yet in this clinic", got=username)
    u = m.User(
        clinic_id=cid,
        username=username,
        password_hash=hash_password(password),
        role=role,
        active=True,
        failed_logins=0,
    )
    session.add(u)
    session.flush()
    return u


# --------------------------------------------------------------------------- patients


def _check_patient(p: PatientIn) -> str:
    today = _today()
    if p.sex not in ("M", "F"):
        raise InputError(field="patients.sex", allowed="one of M, F", got=p.sex)
    scale = p.stage_scale
    if scale is None:
        if p.sex == "M":
            scale = "norwood_hamilton"
        else:
            scale = next(
                (k for k in ("ludwig", "savin", "sinclair") if p.stage in m.SCALES[k]), "ludwig"
            )
    if scale not in m.SCALES:
        raise InputError(
            field="patients.stage_scale", allowed="one of " + ", ".join(m.SCALES), got=scale
        )
    if (p.sex == "M") != (scale == "norwood_hamilton"):
        raise InputError(
            field="patients.stage_scale",
            allowed="norwood_hamilton for men, ludwig or savin for women",
            got=scale,
        )
    if p.stage not in m.SCALES[scale]:
        raise InputError(
            field="patients.stage",
            allowed=f"one of {', '.join(m.SCALES[scale])} on the {scale} scale",
            got=p.stage,
        )
    if not 1900 <= p.birth_year <= today.year:
        raise InputError(
            field="patients.birth_year", allowed=f"in [1900, {today.year}]", got=p.birth_year
        )
    if not p.birth_year <= p.onset_year <= today.year:
        raise InputError(
            field="patients.onset_year",
            allowed=f"in [birth_year {p.birth_year}, {today.year}]",
            got=p.onset_year,
        )
    if not dt.date(p.birth_year, 1, 1) <= p.consent_date <= today:
        raise InputError(
            field="patients.consent_date",
            allowed="after birth and not in the future",
            got=p.consent_date.isoformat(),
        )
    from anagen.therapy.patient import Health

    for k, v in p.health.items():
        if k not in Health.model_fields:
            raise InputError(
                field=f"patients.health.{k}",
                allowed="one of " + ", ".join(Health.model_fields),
                got=k,
            )
        try:
            Health.model_validate({k: v})
        except ValidationError:
            raise InputError(
                field=f"patients.health.{k}", allowed="true/false (months: a number >= 0)", got=v
            ) from None
    for t in p.current_treatments:
        if t not in m.CURRENT_TREATMENTS:
            hint = " (say the strength or dose)" if t in m.LEGACY_CURRENT else ""
            raise InputError(
                field="patients.current_treatments",
                allowed="any of " + ", ".join(m.CURRENT_TREATMENTS) + hint,
                got=t,
            )
    if len(set(p.current_treatments)) != len(p.current_treatments):
        raise InputError(field="patients.current_treatments", allowed="each treatment once")
    if {"minoxidil_2", "minoxidil_5"} <= set(p.current_treatments):
        raise InputError(field="patients.current_treatments", allowed="one minoxidil strength")
    return scale


def add_patient(session: Session, actor: Actor, p: PatientIn) -> m.Patient:
    scale = _check_patient(p)
    if session.scalar(select(m.Patient.id).where(m.Patient.pseudonym == p.pseudonym)) is not None:
        raise InputError(
            field="patients.pseudonym", allowed="unique in the clinic", got=p.pseudonym
        )
    row = m.Patient(
        clinic_id=actor.clinic_id, **p.model_dump(exclude={"stage_scale"}), stage_scale=scale
    )
    session.add(row)
    _flush(session)
    return row


def get_patient(session: Session, actor: Actor, ref: int | str) -> m.Patient:
    """A patient of the actor's clinic by id or pseudonym, else :class:`NotFound`."""
    q = select(m.Patient)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.startswith("#")):
        q = q.where(m.Patient.id == int(str(ref).lstrip("#")))
    else:
        q = q.where(m.Patient.pseudonym == ref)
    p = session.scalar(q)
    if p is None or p.clinic_id != actor.clinic_id:
        raise NotFound(f"no patient {ref!s} in your clinic")
    return p


def list_patients(session: Session, actor: Actor) -> list[m.Patient]:
    return list(session.scalars(select(m.Patient).order_by(m.Patient.id)))


def update_patient(
    session: Session,
    actor: Actor,
    ref: int | str,
    changes: dict[str, Any],
    *,
    expected_version: int,
    reason: str,
) -> m.Patient:
    """Change fields of a patient read at ``expected_version`` (else :class:`Conflict`)."""
    if not reason or not reason.strip():
        raise InputError(field="reason", allowed="a reason for the change (audit trail)")
    p = get_patient(session, actor, ref)
    if p.version != expected_version:
        raise Conflict(
            f"patient {p.pseudonym} is at version {p.version}, not "
            f"{expected_version}: re-read and try again"
        )
    data = PatientIn.model_validate({k: getattr(p, k) for k in PatientIn.model_fields} | changes)
    scale = _check_patient(data)
    session.info["reason"] = reason.strip()
    for k, v in data.model_dump(exclude={"stage_scale"}).items():
        if getattr(p, k) != v:
            setattr(p, k, v)
    p.stage_scale = scale
    _flush(session)
    return p


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            "the row was changed by someone else since it was read: re-read and try again"
        ) from None
    except IntegrityError as exc:
        msg = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise InputError(f"refused by the database: {msg}") from None


# --------------------------------------------------------------------------- visits


def _visits(session: Session, patient_id: int) -> list[m.Visit]:
    return list(
        session.scalars(
            select(m.Visit).where(m.Visit.patient_id == patient_id).order_by(m.Visit.visit_date)
        )
    )


def check_visit(v: VisitIn, patient: m.Patient, existing: list[m.Visit]) -> None:
    """Consistency of a visit with the patient and the other visits (InputError names it)."""
    if v.visit_date > _today():
        raise InputError(
            field="visits.visit_date", allowed="not in the future", got=v.visit_date.isoformat()
        )
    if v.visit_date.year < patient.birth_year:
        raise InputError(
            field="visits.visit_date", allowed="after the birth year", got=v.visit_date.isoformat()
        )
    if any(e.visit_date == v.visit_date for e in existing):
        raise InputError(
            field="visits.visit_date",
            allowed="one visit per patient and day (a visit on this date is already recorded)",
            got=v.visit_date.isoformat(),
        )
    base = [e for e in existing if e.kind == "baseline"]
    if v.kind == "baseline":
        if base:
            raise InputError(
                field="visits.kind",
                allowed="follow-up (the patient already has "
                f"a baseline on {base[0].visit_date.isoformat()})",
                got="baseline",
            )
        if existing and min(e.visit_date for e in existing) <= v.visit_date:
            raise InputError(
                field="visits.visit_date",
                allowed="before every follow-up for a baseline",
                got=v.visit_date.isoformat(),
            )
        if v.global_photo_score is not None:
            raise InputError(
                field="visits.global_photo_score",
                allowed="empty at baseline (it rates change from baseline)",
                got=v.global_photo_score,
            )
    elif v.kind == "follow-up":
        if not base:
            raise InputError(
                field="visits.kind",
                allowed="baseline first (no baseline visit recorded for this patient)",
                got="follow-up",
            )
        if v.visit_date <= base[0].visit_date:
            raise InputError(
                field="visits.visit_date",
                allowed=f"after the baseline ({base[0].visit_date.isoformat()})",
                got=v.visit_date.isoformat(),
            )
    if v.satisfaction_score is not None:
        if v.satisfaction_instrument not in m.INSTRUMENTS:
            raise InputError(
                field="visits.satisfaction_instrument",
                allowed="one of " + ", ".join(m.INSTRUMENTS),
                got=v.satisfaction_instrument,
            )
        lo, hi = m.INSTRUMENTS[v.satisfaction_instrument]
        if not lo <= v.satisfaction_score <= hi:
            raise InputError(
                field="visits.satisfaction_score",
                allowed=f"in [{lo:g}, {hi:g}] on {v.satisfaction_instrument}",
                got=v.satisfaction_score,
            )
    elif v.satisfaction_instrument is not None:
        raise InputError(
            field="visits.satisfaction_score", allowed="given with satisfaction_instrument"
        )
    t, te, ve = v.total_density_per_cm2, v.terminal_density_per_cm2, v.vellus_density_per_cm2
    if t is not None and te is not None and ve is not None and abs(te + ve - t) > 1 + 0.01 * t:
        raise InputError(
            field="visits.total_density_per_cm2",
            allowed=f"terminal + vellus (= {te + ve:g}) within 1 %",
            got=t,
        )
    if te is not None and t is not None and te > t:
        raise InputError(
            field="visits.terminal_density_per_cm2", allowed=f"<= total ({t:g})", got=te
        )


def add_visit(session: Session, actor: Actor, v: VisitIn) -> m.Visit:
    p = get_patient(session, actor, v.patient)
    check_visit(v, p, _visits(session, p.id))
    row = m.Visit(clinic_id=actor.clinic_id, patient_id=p.id, **v.model_dump(exclude={"patient"}))
    session.add(row)
    _flush(session)
    return row


# --------------------------------------------------------------------------- treatments


def _option_protocol(t: TreatmentIn) -> tuple[str, str | None]:
    """(option, protocol for the assessment: shipped name or a temp file path or None)."""
    from anagen.therapy import protocol_paths

    if t.option in ALTERNATIVES:
        if t.protocol_toml:
            raise InputError(field="protocol_toml", allowed=f"empty for option {t.option}")
        return t.option, None
    if t.option in protocol_paths():
        return t.option, t.option
    if t.protocol_toml:
        return t.option, None
    raise InputError(
        field="treatments.option",
        allowed="a shipped protocol ("
        + ", ".join(protocol_paths())
        + "), an alternative ("
        + ", ".join(ALTERNATIVES)
        + ") or a protocol file",
        got=t.option,
    )


def add_treatment(session: Session, actor: Actor, t: TreatmentIn) -> m.Treatment:
    """Record a treatment and freeze anagen's prediction for it at each planned month (1-48;
    a month past the longest follow-up of the option's trials is frozen as *unknown*)."""
    import tempfile
    from pathlib import Path

    p = get_patient(session, actor, t.patient)
    option, protocol = _option_protocol(t)
    visits = _visits(session, p.id)
    base = next((v for v in visits if v.kind == "baseline"), None)
    if base is None:
        raise InputError(
            field="treatments.patient",
            allowed="a patient with a baseline visit "
            "(record it first: the prediction starts from it)",
            got=p.pseudonym,
        )
    if t.start_date < base.visit_date:
        raise InputError(
            field="treatments.start_date",
            allowed=f"on or after the baseline visit ({base.visit_date.isoformat()})",
            got=t.start_date.isoformat(),
        )
    if t.start_date > _today() + dt.timedelta(days=366):
        raise InputError(
            field="treatments.start_date",
            allowed="within a year from today",
            got=t.start_date.isoformat(),
        )
    months = check_months(t.planned_months)
    # the same day-0 scalps as ``anagen assess`` (DEFAULT_SIZE): with 2 the frozen numbers
    # differed from what the patient was shown for the same seed, draws and follicles
    settings = PredictionSettings(t.n_draws, t.n_follicles, DEFAULT_SIZE.n_scalps, t.seed)
    rows: list[dict] = []
    if t.predict:
        # what the person uses now is kept up alongside the option, as in ``anagen assess``
        mp = to_model_patient(p, t.start_date, base)
        gap = add_on_gap(p.current_treatments, option)
        if t.protocol_toml:
            with tempfile.TemporaryDirectory() as d:
                f = Path(d) / "protocol.toml"
                f.write_text(t.protocol_toml, encoding="utf-8")
                rows = predict(mp, option, str(f), months, settings, base.target_area, gap)
        else:
            rows = predict(mp, option, protocol, months, settings, base.target_area, gap)
    row = m.Treatment(
        clinic_id=actor.clinic_id,
        patient_id=p.id,
        option=option,
        protocol_snapshot=t.protocol_toml,
        start_date=t.start_date,
        sessions_planned=t.sessions_planned,
        sessions_given=0,
        cells_per_session=t.cells_per_session,
        product_lot=t.product_lot,
        planned_months=list(months),
    )
    session.add(row)
    _flush(session)
    for r in rows:
        session.add(m.Prediction(clinic_id=actor.clinic_id, treatment_id=row.id, **r))
    _flush(session)
    return row


def get_treatment(session: Session, actor: Actor, treatment_id: int) -> m.Treatment:
    t = session.get(m.Treatment, treatment_id)
    if t is None or t.clinic_id != actor.clinic_id:
        raise NotFound(f"no treatment {treatment_id} in your clinic")
    return t


def add_session(
    session: Session,
    actor: Actor,
    treatment_id: int,
    s: SessionIn,
    *,
    expected_version: int | None = None,
) -> m.TreatmentSession:
    """Record one session; bumps the treatment's ``sessions_given`` (optimistic lock)."""
    t = get_treatment(session, actor, treatment_id)
    if expected_version is not None and t.version != expected_version:
        raise Conflict(
            f"treatment {treatment_id} is at version {t.version}, not "
            f"{expected_version}: re-read and try again"
        )
    if s.session_date < t.start_date:
        raise InputError(
            field="treatment_sessions.session_date",
            allowed=f"on or after the treatment start ({t.start_date.isoformat()})",
            got=s.session_date.isoformat(),
        )
    if s.session_date > _today():
        raise InputError(
            field="treatment_sessions.session_date",
            allowed="not in the future",
            got=s.session_date.isoformat(),
        )
    t.sessions_given += 1
    row = m.TreatmentSession(clinic_id=actor.clinic_id, treatment_id=t.id, **s.model_dump())
    session.add(row)
    _flush(session)
    return row


# --------------------------------------------------------------------------- adverse events


def add_adverse_event(session: Session, actor: Actor, e: AdverseEventIn) -> m.AdverseEvent:
    p = get_patient(session, actor, e.patient)
    if e.treatment_id is not None:
        t = get_treatment(session, actor, e.treatment_id)
        if t.patient_id != p.id:
            raise InputError(
                field="adverse_events.treatment_id",
                allowed=f"a treatment of patient {p.pseudonym}",
                got=e.treatment_id,
            )
        if e.onset_date < t.start_date:
            raise InputError(
                field="adverse_events.onset_date",
                allowed=f"on or after the treatment start ({t.start_date.isoformat()})",
                got=e.onset_date.isoformat(),
            )
    if e.onset_date > _today():
        raise InputError(
            field="adverse_events.onset_date",
            allowed="not in the future",
            got=e.onset_date.isoformat(),
        )
    if e.resolution_date is not None and e.resolution_date < e.onset_date:
        raise InputError(
            field="adverse_events.resolution_date",
            allowed=f"on or after onset ({e.onset_date.isoformat()})",
            got=e.resolution_date.isoformat(),
        )
    if e.outcome in ("recovered", "recovered_with_sequelae") and e.resolution_date is None:
        raise InputError(
            field="adverse_events.resolution_date", allowed=f"given when outcome is {e.outcome}"
        )
    if e.severity in ("life-threatening", "death") and not e.serious:
        raise InputError(
            field="adverse_events.serious", allowed=f"true for severity {e.severity}", got=e.serious
        )
    row = m.AdverseEvent(
        clinic_id=actor.clinic_id, patient_id=p.id, **e.model_dump(exclude={"patient"})
    )
    session.add(row)
    _flush(session)
    return row


# --------------------------------------------------------------------------- read-outs


def patient_detail(session: Session, actor: Actor, ref: int | str) -> dict[str, Any]:
    """One patient with visits, treatments (+ frozen predictions) and adverse events."""
    from anagen.registry._audit import row_values

    p = get_patient(session, actor, ref)
    out = row_values(p)
    out["version"] = p.version  # for an update (optimistic lock)
    out["visits"] = [row_values(v) for v in _visits(session, p.id)]
    trs = session.scalars(select(m.Treatment).where(m.Treatment.patient_id == p.id)).all()
    out["treatments"] = []
    for t in trs:
        d = row_values(t)
        d["version"] = t.version
        preds = session.scalars(
            select(m.Prediction)
            .where(m.Prediction.treatment_id == t.id)
            .order_by(m.Prediction.month)
        ).all()
        # "predictions": months with every number (the shape the web pages read);
        # "unknown_predictions": planned months past the follow-up of the option's trials (or
        # of the placebo arms, for the untreated numbers), with what is known and why not
        full = [x for x in preds if x.change_median is not None and x.untreated_median is not None]
        # "note": the gain over what the person uses now, the planned course past its stop
        d["predictions"] = [
            {k: v for k, v in row_values(x).items() if k != "settings"}
            | {"note": (x.settings or {}).get("note", "")}
            for x in full
        ]
        d["unknown_predictions"] = [
            {k: v for k, v in row_values(x).items() if k != "settings"}
            | {
                "reason": "; ".join(
                    (x.settings or {}).get(k, "")
                    for k in ("unknown_reason", "untreated_unknown_reason")
                    if (x.settings or {}).get(k)
                )
            }
            for x in preds
            if x not in full
        ]
        out["treatments"].append(d)
    out["adverse_events"] = [
        row_values(a)
        for a in session.scalars(select(m.AdverseEvent).where(m.AdverseEvent.patient_id == p.id))
    ]
    return out


def counts(session: Session, actor: Actor) -> dict[str, int]:
    """Row counts of the actor's clinic, per table."""
    out = {}
    for cls in (
        m.Patient,
        m.Visit,
        m.Treatment,
        m.TreatmentSession,
        m.AdverseEvent,
        m.Prediction,
        m.AuditEntry,
        m.User,
    ):
        out[cls.__tablename__] = int(session.scalar(select(func.count()).select_from(cls)) or 0)
    return out


def verify_audit(
    session: Session, actor: Actor | None, *, clinic_ids: list[int] | None = None
) -> list[ChainReport]:
    """Verify the audit chain of the actor's clinic (the owner: of every clinic).

    The chain and the tables are read in one snapshot: on PostgreSQL the session's current
    (read-only use) transaction is ended and a REPEATABLE READ one begun, so that a write
    committed by another connection between the two reads cannot look like tampering. (SQLite's
    read transaction in WAL mode is already one snapshot.)"""
    snapshot = session.get_bind().dialect.name == "postgresql"
    if snapshot:
        session.commit()
        session.info["snapshot"] = True
    try:
        if actor is not None:
            ids = [actor.clinic_id]
        else:
            ids = clinic_ids or list(session.scalars(select(m.Clinic.id).order_by(m.Clinic.id)))
        return _verify(session, ids)
    finally:
        if snapshot:
            session.commit()
            session.info.pop("snapshot", None)


def clinic_report(session: Session, actor: Actor) -> Any:
    """Observed vs predicted for the actor's clinic (:class:`ClinicOutcomes`: ``to_dict()`` for
    JSON, :func:`anagen.registry._report.write_report` for HTML)."""
    from anagen.registry._outcomes import clinic_outcomes

    return clinic_outcomes(session, actor)
