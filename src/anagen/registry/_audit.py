"""Tamper-evident audit trail: one hash chain per clinic, and its verification.

Entry ``k`` of a clinic stores ``prev_hash`` (entry ``k-1``'s hash; 64 zeros for the first) and

    hash_k = SHA-256( prev_hash | canonical JSON of (clinic_id, seq, at, user_id, username,
                                                    action, table_name, row_id, old, new, reason) )

so changing, inserting or removing an entry inside the chain breaks every later link.
:func:`verify` also replays the chain and compares the result with the rows in the tables: a row
edited or inserted behind the application's back, or a truncated tail of the chain (rows whose
insert is no longer logged), is reported too. Appends are serialised per clinic (PostgreSQL: a
transaction-scoped advisory lock; SQLite: ``BEGIN IMMEDIATE``). Password hashes are never
written to the trail (``"***"``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from anagen.registry import models as m
from anagen.registry._db import now_iso

__all__ = ["GENESIS", "ChainReport", "append", "canonical", "entry_hash", "row_values", "verify"]

GENESIS = "0" * 64
_LOCK_KEY = 727_001  # first key of pg_advisory_xact_lock(int, int): "anagen audit"
_SECRET = {"password_hash"}
_SKIP = {"created_at", "version", "failed_logins"}  # bookkeeping, changed by login
AUDITED: tuple[type[m.Base], ...] = (
    m.User,
    m.Patient,
    m.Visit,
    m.Treatment,
    m.TreatmentSession,
    m.AdverseEvent,
    m.Prediction,
)


_PYTYPE = {"Float": float, "Integer": int}


def _plain(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return v


def canonical(obj: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, no NaN)."""
    return json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
        default=_plain,
        ensure_ascii=False,
    )


def row_values(obj: Any, override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The audited values of a row (dates as ISO text, secrets masked)."""
    out = {}
    for col in obj.__table__.columns:
        if col.name in _SKIP:
            continue
        v = override[col.key] if override and col.key in override else getattr(obj, col.key)
        if v is not None and not isinstance(v, bool):
            py = _PYTYPE.get(type(col.type).__name__)
            if py is not None:
                v = py(v)
        out[col.name] = "***" if col.name in _SECRET and v is not None else _plain(v)
    return out


def entry_hash(prev: str, e: dict[str, Any]) -> str:
    body = canonical(
        {
            k: e[k]
            for k in (
                "clinic_id",
                "seq",
                "at",
                "user_id",
                "username",
                "action",
                "table_name",
                "row_id",
                "old",
                "new",
                "reason",
            )
        }
    )
    return hashlib.sha256((prev + "|" + body).encode()).hexdigest()


def _head(session: Session, clinic_id: int) -> tuple[int, str]:
    heads = session.info.setdefault("audit_heads", {})
    if clinic_id in heads:
        return heads[clinic_id]
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": _LOCK_KEY, "c": clinic_id})
    row = conn.execute(
        select(m.AuditEntry.seq, m.AuditEntry.hash)
        .where(m.AuditEntry.clinic_id == clinic_id)
        .order_by(m.AuditEntry.seq.desc())
        .limit(1)
    ).first()
    heads[clinic_id] = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
    return heads[clinic_id]


def append(
    session: Session,
    actor: Any,
    records: Iterable[tuple[str, Any, dict | None, dict | None]],
    *,
    reason: str | None = None,
) -> int:
    """Append entries ``(action, row object or (table, id, clinic_id), old, new)``; returns count."""
    rows = []
    at = now_iso()
    for action, obj, old, new in records:
        if isinstance(obj, tuple):
            table, row_id, clinic_id = obj
        else:
            table, row_id, clinic_id = obj.__tablename__, obj.id, obj.clinic_id
        seq, prev = _head(session, clinic_id)
        e = {
            "clinic_id": clinic_id,
            "seq": seq + 1,
            "at": at,
            "user_id": None if actor is None else actor.user_id,
            "username": "(owner)" if actor is None else actor.username,
            "action": action,
            "table_name": table,
            "row_id": int(row_id),
            "old": None if old is None else canonical(old),
            "new": None if new is None else canonical(new),
            "reason": reason,
        }
        e["prev_hash"] = prev
        e["hash"] = entry_hash(prev, e)
        session.info["audit_heads"][clinic_id] = (seq + 1, e["hash"])
        rows.append(e)
    if rows:
        session.connection().execute(insert(m.AuditEntry), rows)
    return len(rows)


@dataclass
class ChainReport:
    """Result of :func:`verify` for one clinic."""

    clinic_id: int
    entries: int
    ok: bool
    problems: list[str] = field(default_factory=list)
    rows_checked: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "clinic_id": self.clinic_id,
            "entries": self.entries,
            "rows_checked": self.rows_checked,
            "ok": self.ok,
            "problems": self.problems,
        }


def verify(
    session: Session, clinic_ids: Sequence[int], *, max_problems: int = 20
) -> list[ChainReport]:
    """Check each clinic's chain, and that replaying it gives the rows now in the tables."""
    reports = []
    for cid in clinic_ids:
        problems: list[str] = []
        prev, n, expect_seq = GENESIS, 0, 1
        state: dict[tuple[str, int], str | None] = {}
        q = (
            select(m.AuditEntry)
            .where(m.AuditEntry.clinic_id == cid)
            .order_by(m.AuditEntry.seq)
            .execution_options(yield_per=5000)
        )
        for e in session.scalars(q):
            n += 1
            d = {c.name: getattr(e, c.key) for c in m.AuditEntry.__table__.columns}
            if e.seq != expect_seq:
                problems.append(
                    f"entry seq {e.seq}: expected seq {expect_seq} (entry missing or inserted)"
                )
                expect_seq = e.seq
            if e.prev_hash != prev:
                problems.append(
                    f"entry seq {e.seq}: prev_hash does not match entry "
                    f"{e.seq - 1}'s hash (chain broken)"
                )
            if entry_hash(e.prev_hash, d) != e.hash:
                problems.append(
                    f"entry seq {e.seq}: hash does not match its contents (entry altered)"
                )
            prev, expect_seq = e.hash, expect_seq + 1
            state[(e.table_name, e.row_id)] = e.new
        checked = 0
        for cls in AUDITED:
            q2 = select(cls).where(cls.clinic_id == cid).execution_options(yield_per=5000)
            seen = set()
            for obj in session.scalars(q2):
                checked += 1
                key = (cls.__tablename__, obj.id)
                seen.add(key)
                logged = state.get(key)
                if logged is None:
                    problems.append(
                        f"{key[0]} row {obj.id}: not in the audit trail (inserted "
                        "outside the application, or the trail was truncated)"
                    )
                elif logged != canonical(row_values(obj)):
                    problems.append(
                        f"{key[0]} row {obj.id}: differs from its last audited "
                        "values (changed outside the application)"
                    )
                if len(problems) >= max_problems:
                    break
            for (table, rid), new in state.items():
                if table == cls.__tablename__ and new is not None and (table, rid) not in seen:
                    problems.append(
                        f"{table} row {rid}: audited but missing from the table "
                        "(deleted outside the application)"
                    )
        reports.append(ChainReport(cid, n, not problems, problems[:max_problems], checked))
        session.expunge_all()
    return reports
