"""The ORM session of the registry: clinic scope, roles, field checks and the audit trail.

Every :class:`RegistrySession` acts as one :class:`Actor` (``session.info['actor']``):

* **reads** (``do_orm_execute``): every ORM ``SELECT``/``UPDATE``/``DELETE`` gets a criterion
  ``clinic_id = actor.clinic_id`` on every registry table, so a crafted id of another clinic's
  row finds nothing;
* **writes** (``before_flush``): rows of another clinic, analysts writing, non-admins managing
  users are refused (:class:`AccessDenied`); every column is checked against its
  :class:`~anagen.registry._fields.FieldSpec` (:class:`InputError` naming the field);
* **audit** (``after_flush``): one :class:`AuditEntry` per inserted/updated/deleted row, chained
  by hash (:mod:`anagen.registry._audit`);
* **PostgreSQL** (``after_begin``): the transaction carries the actor's session token for the
  row-level-security policies.

``actor=None`` is the database owner bootstrapping (``init``, the first clinic and admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, with_loader_criteria

from anagen.registry import models as m
from anagen.registry._db import now_iso
from anagen.registry._errors import AccessDenied
from anagen.registry._fields import check_value

__all__ = ["SCOPED", "Actor", "RegistrySession"]

#: Tables whose rows belong to a clinic (all but ``clinics``).
SCOPED: tuple[type[m.Base], ...] = (
    m.User,
    m.AuthSession,
    m.Patient,
    m.Visit,
    m.Treatment,
    m.TreatmentSession,
    m.AdverseEvent,
    m.Prediction,
    m.AuditEntry,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user (with the session token) or the owner (``user_id=None``)."""

    clinic_id: int
    user_id: int | None
    username: str
    role: str  # admin | clinician | analyst | owner
    token: str | None = None
    expires_at: str | None = None

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "clinician", "owner")

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "owner")


class RegistrySession(Session):
    """A SQLAlchemy session bound to one actor (see the module docstring)."""

    @property
    def actor(self) -> Actor | None:
        return self.info.get("actor")


@event.listens_for(RegistrySession, "after_begin")
def _bind_token(session: Session, _tx: Any, connection: Any) -> None:
    if connection.dialect.name != "postgresql":
        return
    if session.info.get("snapshot"):
        # one snapshot for the whole transaction (must come before any other statement): a
        # reader that compares two tables, like the audit verification, must not see a commit
        # land between its queries
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    actor = session.info.get("actor")
    token = actor.token if actor is not None else None
    connection.execute(
        text("SELECT set_config('anagen.session_token', :t, true)"), {"t": token or ""}
    )


@event.listens_for(RegistrySession, "do_orm_execute")
def _scope_reads(state: ORMExecuteState) -> None:
    actor = state.session.info.get("actor")
    if actor is None or not (state.is_select or state.is_update or state.is_delete):
        return
    cid = actor.clinic_id
    opts = [with_loader_criteria(m.Clinic, m.Clinic.id == cid, include_aliases=True)]
    for cls in SCOPED:
        opts.append(with_loader_criteria(cls, cls.clinic_id == cid, include_aliases=True))
    state.statement = state.statement.options(*opts)


def validate_row(obj: Any) -> None:
    """Check every column of ``obj`` against its spec (InputError names ``table.column``)."""
    table = obj.__table__
    for col in table.columns:
        spec = col.info.get("spec")
        if spec is None:
            continue
        key = col.key
        val = getattr(obj, key)
        checked = check_value(table.name, col.name, spec, val)
        if checked is not val and isinstance(val, str):
            setattr(obj, key, checked)


def authorize_write(actor: Actor | None, obj: Any, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``actor`` may ``action`` this row."""
    if actor is None:
        return
    name = type(obj).__tablename__
    if isinstance(obj, m.AuthSession):
        return  # sessions are opened by login (checked there)
    if isinstance(obj, m.Clinic):
        raise AccessDenied(f"only the database owner can {action} clinics")
    if not actor.can_write:
        raise AccessDenied(f"role '{actor.role}' is read-only: cannot {action} {name}")
    if isinstance(obj, m.User) and not actor.is_admin:
        raise AccessDenied(f"only an admin can {action} users")
    if getattr(obj, "clinic_id", actor.clinic_id) != actor.clinic_id:
        raise AccessDenied(f"cannot {action} {name} of another clinic")


@event.listens_for(RegistrySession, "before_flush")
def _check_writes(session: Session, _ctx: UOWTransaction, _inst: Any) -> None:
    actor = session.info.get("actor")
    for obj in list(session.new):
        if isinstance(obj, m.AuditEntry):
            continue
        if actor is not None and hasattr(obj, "clinic_id") and obj.clinic_id is None:
            obj.clinic_id = actor.clinic_id
        if getattr(obj, "created_at", "x") is None:
            obj.created_at = now_iso()
        authorize_write(actor, obj, "insert")
        validate_row(obj)
    for obj in list(session.dirty):
        if not session.is_modified(obj):
            continue
        if isinstance(obj, m.AuditEntry):
            raise AccessDenied("the audit trail is append-only")
        authorize_write(actor, obj, "update")
        hist = inspect(obj).attrs
        if hasattr(obj, "clinic_id") and hist.clinic_id.history.deleted:
            raise AccessDenied("a row cannot move to another clinic")
        validate_row(obj)
    for obj in list(session.deleted):
        if isinstance(obj, m.AuditEntry):
            raise AccessDenied("the audit trail is append-only")
        authorize_write(actor, obj, "delete")


@event.listens_for(RegistrySession, "after_flush")
def _audit(session: Session, _ctx: UOWTransaction) -> None:
    from anagen.registry._audit import AUDITED, append, row_values

    actor = session.info.get("actor")
    records = []
    for obj in session.new:
        if not isinstance(obj, AUDITED):
            continue
        records.append(("insert", obj, None, row_values(obj)))
    for obj in session.dirty:
        if not isinstance(obj, AUDITED) or not session.is_modified(obj):
            continue
        new = row_values(obj)
        old = dict(new)
        for attr in inspect(obj).attrs:
            h = attr.history
            if h.deleted and attr.key in old:
                old[attr.key] = row_values(obj, {attr.key: h.deleted[0]})[attr.key]
        if old == new:
            continue
        records.append(("update", obj, old, new))
    for obj in session.deleted:
        if not isinstance(obj, AUDITED):
            continue
        records.append(("delete", obj, row_values(obj), None))
    if records:
        append(session, actor, records, reason=session.info.get("reason"))


@event.listens_for(RegistrySession, "after_transaction_end")
def _forget_chain(session: Session, tx: Any) -> None:
    if tx.parent is None:
        session.info.pop("audit_heads", None)
