"""The registry's tables (SQLAlchemy 2.x ORM). Every column says what it holds (its ``FieldSpec``).

Every table but ``clinics`` carries ``clinic_id``: all reads and writes are scoped to the acting
user's clinic (:mod:`anagen.registry._scope`; on PostgreSQL also row-level security). Rows that
users change carry a ``version`` (optimistic locking: a write based on a stale read is refused).
No names or contact data are stored: patients have a clinic-local pseudonym only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from anagen.registry._fields import add_check_constraints, field

__all__ = [
    "CAUSALITY",
    "INSTRUMENTS",
    "OUTCOMES",
    "ROLES",
    "SCALES",
    "SEVERITY",
    "AdverseEvent",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Clinic",
    "Patient",
    "Prediction",
    "Treatment",
    "TreatmentSession",
    "User",
    "Visit",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("admin", "clinician", "analyst")
#: Copies of ``anagen.scalp.ZONE_NAMES`` and ``anagen.therapy.patient.MEN_STAGES`` (importing
#: those packages loads the Numba kernels; tests/registry/test_migrations.py checks they agree).
ZONE_NAMES = ("frontal", "mid_scalp", "vertex", "temporal", "parietal", "occipital")
MEN_STAGES = ("I", "II", "IIa", "III", "IIIa", "III-vertex", "IV", "IVa", "V", "Va", "VI", "VII")
#: Staging scales and their stages (the scales anagen's patient model accepts).
SCALES: dict[str, tuple[str, ...]] = {
    "norwood_hamilton": MEN_STAGES,
    "ludwig": ("I", "II", "III"),
    "savin": ("I-1", "I-2", "I-3", "I-4", "II-1", "II-2", "III", "advanced", "frontal"),
    "sinclair": ("Sinclair-1", "Sinclair-2", "Sinclair-3", "Sinclair-4", "Sinclair-5"),
}
#: Patient-reported satisfaction instruments and their score ranges.
INSTRUMENTS: dict[str, tuple[float, float]] = {
    "VAS_0_10": (0.0, 10.0),  # visual analogue scale, 0 = not at all satisfied, 10 = fully
    "likert_1_5": (1.0, 5.0),  # 5-point Likert, 1 = very dissatisfied, 5 = very satisfied
    "likert_1_7": (1.0, 7.0),  # 7-point Likert
}
SEVERITY = ("mild", "moderate", "severe", "life-threatening", "death")  # CTCAE grades 1-5
CAUSALITY = ("unrelated", "unlikely", "possible", "probable", "certain")  # WHO-UMC categories
OUTCOMES = (
    "recovered",
    "recovering",
    "not_recovered",
    "recovered_with_sequelae",
    "fatal",
    "unknown",
)
#: What a patient uses now that anagen's model represents: the patient file's words
#: (``anagen.therapy.patient.CURRENT_TREATMENTS``); a frozen prediction includes them, as
#: ``anagen assess`` does (an option is predicted added to what the person uses now). A copy,
#: not an import: importing ``anagen.therapy`` loads Numba, which the registry's models do not
#: need (0.54 s without it); ``tests/registry/test_current_course.py`` keeps the two equal.
MODELLED_CURRENT = ("minoxidil_2", "minoxidil_5", "finasteride_1mg", "lllt", "prp")
#: What a patient may use now that the model does not represent: recorded, but a prediction
#: frozen while the person uses one of them is *unknown* at every month (with this name).
NOT_MODELLED_CURRENT = {
    "minoxidil_oral": "oral minoxidil",
    "dutasteride": "dutasteride",
    "spironolactone": "spironolactone",
    "other": "another hair-loss treatment",
}
#: Words of registries written before the model's names were used (strength or dose not
#: recorded): still read, never accepted again, treated like :data:`NOT_MODELLED_CURRENT`.
LEGACY_CURRENT = {
    "minoxidil_topical": "topical minoxidil of unrecorded strength",
    "finasteride": "finasteride of unrecorded dose",
}
CURRENT_TREATMENTS = MODELLED_CURRENT + tuple(NOT_MODELLED_CURRENT)
TODAY_MAX = 2100  # upper bound of years in range checks; dates are also checked against today

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _id() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True, autoincrement=True)


def _clinic() -> Mapped[int]:
    return mapped_column(ForeignKey("clinics.id"), nullable=False, index=True)


def _version() -> Mapped[int]:
    return mapped_column(Integer, nullable=False, default=1)


def _created() -> Mapped[str]:
    return field(String(32), "when the row was created (UTC, ISO 8601)")


class Clinic(Base):
    """A site. Every other row belongs to exactly one clinic."""

    __tablename__ = "clinics"
    id: Mapped[int] = _id()
    code: Mapped[str] = field(
        String(40), "short code users log in with", pattern=ID_PATTERN, max_len=40
    )
    name: Mapped[str] = field(String(120), "display name of the site", max_len=120)
    synthetic: Mapped[bool] = field(
        Boolean, "true for a SYNTHETIC demonstration clinic generated by the model"
    )
    created_at: Mapped[str] = _created()
    __table_args__ = (UniqueConstraint("code"),)


class User(Base):
    """A person who logs in; one role in one clinic. Passwords only as Argon2id hashes."""

    __tablename__ = "users"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    username: Mapped[str] = field(
        String(40), "login name, unique in the clinic", pattern=ID_PATTERN, max_len=40
    )
    password_hash: Mapped[str] = field(String(200), "Argon2id hash (never the password)")
    role: Mapped[str] = field(
        String(12), "admin (users + data), clinician (data), analyst (read only)", choices=ROLES
    )
    active: Mapped[bool] = field(Boolean, "false once deactivated (cannot log in)")
    failed_logins: Mapped[int] = field(
        Integer, "consecutive failed logins (locked at 10)", lo=0, hi=1000, integer=True
    )
    created_at: Mapped[str] = _created()
    version: Mapped[int] = _version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("clinic_id", "username"),)


class AuthSession(Base):
    """A login session: the SHA-256 of a random token, and when it expires."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    token_sha256: Mapped[str] = field(String(64), "SHA-256 of the session token (hex)")
    created_at: Mapped[str] = _created()
    expires_at: Mapped[str] = field(String(32), "expiry (UTC, ISO 8601)")
    revoked: Mapped[bool] = field(Boolean, "true after logout")
    __table_args__ = (UniqueConstraint("token_sha256"),)


class Patient(Base):
    """A treated (or comparator) person under a clinic-local pseudonym. No names, no contacts."""

    __tablename__ = "patients"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    pseudonym: Mapped[str] = field(
        String(40),
        "clinic-local pseudonym (no name, no initials + birth date)",
        pattern=ID_PATTERN,
        max_len=40,
    )
    birth_year: Mapped[int] = field(
        Integer, "year of birth", unit="year", lo=1900, hi=TODAY_MAX, integer=True
    )
    sex: Mapped[str] = field(String(1), "sex (as the staging scales use it)", choices=("M", "F"))
    stage_scale: Mapped[str] = field(
        String(20),
        "staging scale (norwood_hamilton for men; ludwig, savin or sinclair for women)",
        choices=tuple(SCALES),
    )
    stage: Mapped[str] = field(String(12), "stage on stage_scale", max_len=12)
    onset_year: Mapped[int] = field(
        Integer,
        "year hair loss was first noticed",
        unit="year",
        lo=1900,
        hi=TODAY_MAX,
        integer=True,
    )
    health: Mapped[dict] = field(
        JSON,
        "health findings: the keys of the patient file's [health] "
        "table (anagen.therapy.Health), e.g. anticoagulants=true",
    )
    current_treatments: Mapped[list] = field(
        JSON,
        "treatments in use now (kept up alongside a recorded treatment): any of "
        + ", ".join(CURRENT_TREATMENTS)
        + "; a frozen prediction includes "
        + ", ".join(MODELLED_CURRENT)
        + " as anagen assess does, and is unknown for a person using another (the model does "
        "not represent it)",
    )
    consent_version: Mapped[str] = field(
        String(20), "version of the consent form signed", max_len=20
    )
    consent_date: Mapped[dt.date] = field(Date, "date consent was given")
    consent_evidence_sharing: Mapped[bool] = field(
        Boolean, "consented to pseudonymous outcomes being shared as evidence study rows"
    )
    created_at: Mapped[str] = _created()
    version: Mapped[int] = _version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("clinic_id", "pseudonym"),
        CheckConstraint("onset_year >= birth_year", name="onset_after_birth"),
    )


class Visit(Base):
    """A visit with its target-area phototrichogram and assessments (standard units)."""

    __tablename__ = "visits"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    visit_date: Mapped[dt.date] = field(Date, "date of the visit")
    kind: Mapped[str] = field(
        String(10),
        "baseline (one per patient, first) or follow-up",
        choices=("baseline", "follow-up"),
    )
    target_area: Mapped[str] = field(
        String(12),
        "scalp zone of the tattooed target area",
        choices=ZONE_NAMES,
    )
    total_density_per_cm2: Mapped[float | None] = field(
        Float,
        "phototrichogram: all hairs per cm2 in the target area",
        unit="hairs/cm2",
        lo=0,
        hi=1000,
        nullable=True,
    )
    terminal_density_per_cm2: Mapped[float | None] = field(
        Float,
        "phototrichogram: terminal hairs (shaft >= 30 um) per cm2",
        unit="hairs/cm2",
        lo=0,
        hi=1000,
        nullable=True,
    )
    vellus_density_per_cm2: Mapped[float | None] = field(
        Float,
        "phototrichogram: vellus hairs (shaft < 30 um) per cm2",
        unit="hairs/cm2",
        lo=0,
        hi=1000,
        nullable=True,
    )
    shaft_diameter_um: Mapped[float | None] = field(
        Float, "mean hair shaft diameter in the target area", unit="um", lo=5, hi=200, nullable=True
    )
    anagen_percent: Mapped[float | None] = field(
        Float,
        "phototrichogram: share of hairs in anagen (growing)",
        unit="%",
        lo=0,
        hi=100,
        nullable=True,
    )
    global_photo_score: Mapped[int | None] = field(
        Integer,
        "global photographic assessment vs baseline photos (-3 much worse ... +3 much "
        "better); follow-up visits only",
        unit="points",
        lo=-3,
        hi=3,
        integer=True,
        nullable=True,
    )
    satisfaction_score: Mapped[float | None] = field(
        Float,
        "patient-reported satisfaction on satisfaction_instrument",
        unit="points",
        lo=0,
        hi=10,
        nullable=True,
    )
    satisfaction_instrument: Mapped[str | None] = field(
        String(12), "instrument of satisfaction_score", choices=tuple(INSTRUMENTS), nullable=True
    )
    created_at: Mapped[str] = _created()
    version: Mapped[int] = _version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint(
            "total_density_per_cm2 IS NULL OR terminal_density_per_cm2 IS NULL "
            "OR vellus_density_per_cm2 IS NULL OR "
            "abs(terminal_density_per_cm2 + vellus_density_per_cm2 - total_density_per_cm2) "
            "<= 1 + 0.01 * total_density_per_cm2",
            name="terminal_plus_vellus_is_total",
        ),
        CheckConstraint(
            "kind = 'follow-up' OR global_photo_score IS NULL", name="photo_score_follow_up_only"
        ),
        CheckConstraint(
            "(satisfaction_score IS NULL) = (satisfaction_instrument IS NULL)",
            name="satisfaction_has_instrument",
        ),
    )


class Treatment(Base):
    """A course of treatment (or 'none' for an untreated comparator) given to a patient."""

    __tablename__ = "treatments"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    option: Mapped[str] = field(
        String(80),
        "anagen option key: a shipped protocol name, an "
        "alternative (minoxidil_5, finasteride_1mg, prp, lllt, ...), or "
        "'none' (untreated comparator)",
        max_len=80,
    )
    protocol_snapshot: Mapped[str | None] = field(
        Text, "the protocol file (TOML) as used, when not a shipped protocol", nullable=True
    )
    start_date: Mapped[dt.date] = field(Date, "first day of treatment")
    sessions_planned: Mapped[int] = field(
        Integer, "sessions planned (0 for daily drugs and for 'none')", lo=0, hi=100, integer=True
    )
    sessions_given: Mapped[int] = field(
        Integer, "sessions recorded so far", lo=0, hi=100, integer=True
    )
    cells_per_session: Mapped[float | None] = field(
        Float,
        "actual cells injected per session (cell products)",
        unit="cells",
        lo=0,
        hi=1e10,
        nullable=True,
    )
    product_lot: Mapped[str | None] = field(
        String(40), "product / kit lot number", max_len=40, nullable=True
    )
    planned_months: Mapped[list] = field(
        JSON, "follow-up visits planned, months after start_date (each 1-48)"
    )
    created_at: Mapped[str] = _created()
    version: Mapped[int] = _version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TreatmentSession(Base):
    """One session of a treatment course (date, dose, lot)."""

    __tablename__ = "treatment_sessions"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    treatment_id: Mapped[int] = mapped_column(
        ForeignKey("treatments.id"), nullable=False, index=True
    )
    session_date: Mapped[dt.date] = field(Date, "date of the session (>= treatment start)")
    cells_injected: Mapped[float | None] = field(
        Float, "cells injected in this session", unit="cells", lo=0, hi=1e10, nullable=True
    )
    volume_ml: Mapped[float | None] = field(
        Float, "volume injected", unit="mL", lo=0, hi=100, nullable=True
    )
    product_lot: Mapped[str | None] = field(
        String(40), "lot number used", max_len=40, nullable=True
    )
    created_at: Mapped[str] = _created()


class AdverseEvent(Base):
    """An adverse event (CTCAE severity grade, WHO-UMC causality)."""

    __tablename__ = "adverse_events"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    treatment_id: Mapped[int | None] = mapped_column(ForeignKey("treatments.id"), nullable=True)
    description: Mapped[str] = field(String(200), "what happened (no personal data)", max_len=200)
    severity: Mapped[str] = field(String(20), "CTCAE grade 1-5 as words", choices=SEVERITY)
    serious: Mapped[bool] = field(
        Boolean,
        "serious adverse event (ICH E2A: death, life-"
        "threatening, hospitalisation, disability, anomaly)",
    )
    causality: Mapped[str] = field(
        String(12), "relation to the treatment (WHO-UMC)", choices=CAUSALITY
    )
    outcome: Mapped[str] = field(String(24), "outcome", choices=OUTCOMES)
    onset_date: Mapped[dt.date] = field(Date, "date of onset")
    resolution_date: Mapped[dt.date | None] = field(Date, "date resolved (>= onset)", nullable=True)
    created_at: Mapped[str] = _created()
    version: Mapped[int] = _version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint(
            "resolution_date IS NULL OR resolution_date >= onset_date", name="resolved_after_onset"
        ),
        CheckConstraint(
            "severity NOT IN ('life-threatening', 'death') OR serious", name="grade_4_5_serious"
        ),
    )


class Prediction(Base):
    """anagen's prediction for a treatment at one planned visit, frozen when it was recorded.

    Past the longest follow-up of the evidence the numbers are empty: the prediction is
    "unknown" there (the reason is in ``settings``)."""

    __tablename__ = "predictions"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    treatment_id: Mapped[int] = mapped_column(
        ForeignKey("treatments.id"), nullable=False, index=True
    )
    month: Mapped[int] = field(
        Integer, "planned visit, months after start", unit="months", lo=1, hi=48, integer=True
    )
    change_median: Mapped[float | None] = field(
        Float,
        "predicted change of terminal density vs baseline, median; empty = unknown (the month "
        "is past the longest follow-up of the option's trials: settings.unknown_reason)",
        unit="hairs/cm2",
        lo=-1000,
        hi=1000,
        nullable=True,
    )
    change_low: Mapped[float | None] = field(
        Float,
        "10th percentile of the predicted change (empty = unknown)",
        unit="hairs/cm2",
        lo=-1000,
        hi=1000,
        nullable=True,
    )
    change_high: Mapped[float | None] = field(
        Float,
        "90th percentile of the predicted change (empty = unknown)",
        unit="hairs/cm2",
        lo=-1000,
        hi=1000,
        nullable=True,
    )
    untreated_median: Mapped[float | None] = field(
        Float,
        "the model's untreated change at the same month, median; empty = unknown (when the "
        "assessment withholds the untreated course there: settings.untreated_unknown_reason)",
        unit="hairs/cm2",
        lo=-1000,
        hi=1000,
        nullable=True,
    )
    untreated_low: Mapped[float | None] = field(
        Float,
        "10th percentile, untreated (empty = unknown)",
        unit="hairs/cm2",
        lo=-1000,
        hi=1000,
        nullable=True,
    )
    untreated_high: Mapped[float | None] = field(
        Float,
        "90th percentile, untreated (empty = unknown)",
        unit="hairs/cm2",
        lo=-1000,
        hi=1000,
        nullable=True,
    )
    model_version: Mapped[str] = field(String(40), "anagen version that computed it", max_len=40)
    parameter_source: Mapped[str] = field(String(200), "prior or calibrated posterior", max_len=200)
    seed: Mapped[int] = field(
        Integer, "random seed of the assessment", lo=0, hi=2**31 - 1, integer=True
    )
    settings: Mapped[dict] = field(
        JSON, "assessment settings (draws, follicles, ...) and the option's full frozen answer"
    )
    created_at: Mapped[str] = _created()
    __table_args__ = (
        CheckConstraint(
            "change_low <= change_median AND change_median <= change_high", name="ordered"
        ),
        CheckConstraint(
            "untreated_low <= untreated_median AND untreated_median <= untreated_high",
            name="untreated_ordered",
        ),
        CheckConstraint(
            "(change_median IS NULL AND change_low IS NULL AND change_high IS NULL) OR "
            "(change_median IS NOT NULL AND change_low IS NOT NULL AND change_high IS NOT NULL)",
            name="change_all_or_none",
        ),
        CheckConstraint(
            "(untreated_median IS NULL AND untreated_low IS NULL AND untreated_high IS NULL) OR "
            "(untreated_median IS NOT NULL AND untreated_low IS NOT NULL "
            "AND untreated_high IS NOT NULL)",
            name="untreated_all_or_none",
        ),
        UniqueConstraint("treatment_id", "month"),
    )


class AuditEntry(Base):
    """Append-only audit trail; each entry carries the SHA-256 of the previous one (per clinic)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = _id()
    clinic_id: Mapped[int] = _clinic()
    seq: Mapped[int] = field(
        Integer, "position in the clinic's chain (1, 2, ...)", lo=1, integer=True
    )
    at: Mapped[str] = field(String(32), "when (UTC, ISO 8601)")
    user_id: Mapped[int | None] = field(
        Integer, "acting user (empty for bootstrap by the database owner)", nullable=True
    )
    username: Mapped[str] = field(String(40), "acting user's login name", max_len=40)
    action: Mapped[str] = field(String(8), "what was done", choices=("insert", "update", "delete"))
    table_name: Mapped[str] = field(String(40), "table of the row", max_len=40)
    row_id: Mapped[int] = field(Integer, "id of the row", integer=True)
    old: Mapped[str | None] = field(
        Text, "old values (canonical JSON; empty for insert)", nullable=True
    )
    new: Mapped[str | None] = field(
        Text, "new values (canonical JSON; empty for delete)", nullable=True
    )
    reason: Mapped[str | None] = field(
        String(200), "reason given for a change", max_len=200, nullable=True
    )
    prev_hash: Mapped[str] = field(String(64), "hash of the previous entry (64 zeros first)")
    hash: Mapped[str] = field(String(64), "SHA-256 over prev_hash and this entry's fields")
    __table_args__ = (UniqueConstraint("clinic_id", "seq"),)


add_check_constraints(Base.metadata)
