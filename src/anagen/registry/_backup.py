"""``backup`` / ``restore``: a portable, checksummed copy of the whole registry.

Format: gzip-compressed JSON lines. Line 1 is a header (format, schema revision, row counts per
table, creation time); then one line per row ``{"t": table, "r": {column: value}}``; the last
line holds the SHA-256 of every preceding line. Restoring needs an empty registry at the same
schema revision (``anagen registry init`` first); ids are kept, so the audit chain still
verifies, and PostgreSQL sequences are moved past the restored ids. Both run as the database
owner (a backup holds every clinic); login sessions are not backed up.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry._db import Registry, now_iso
from anagen.registry._migrate import current_revision

__all__ = ["FORMAT", "backup", "restore"]

FORMAT = "anagen-registry-backup/1"
_SKIP = {"auth_sessions"}
_DATES = {
    c.name
    for t in m.Base.metadata.tables.values()
    for c in t.columns
    if type(c.type).__name__ == "Date"
}


def _tables() -> list[Any]:
    return [t for t in m.Base.metadata.sorted_tables if t.name not in _SKIP]


def _enc(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def backup(registry: Registry, path: str | Path) -> dict[str, Any]:
    """Write every table (one consistent read transaction) to ``path`` (atomic rename)."""
    path = Path(path)
    if not path.resolve().parent.is_dir():
        raise InputError("output folder does not exist", file=str(path.parent))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    h = hashlib.sha256()
    counts: dict[str, int] = {}
    revision = current_revision(registry)
    with registry.engine.connect() as conn:
        if registry.is_postgres:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        for t in _tables():
            counts[t.name] = int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
        header = {
            "format": FORMAT,
            "revision": revision,
            "created": now_iso(),
            "counts": counts,
        }
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            line = json.dumps(header, sort_keys=True)
            h.update(line.encode())
            fh.write(line + "\n")
            for t in _tables():
                for row in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings():
                    line = json.dumps(
                        {"t": t.name, "r": {k: _enc(v) for k, v in row.items()}}, sort_keys=True
                    )
                    h.update(line.encode())
                    fh.write(line + "\n")
            fh.write(json.dumps({"sha256": h.hexdigest()}) + "\n")
        conn.rollback()
    os.replace(tmp, path)
    return {"file": str(path), "counts": counts, "sha256": h.hexdigest()}


def restore(registry: Registry, path: str | Path) -> dict[str, Any]:
    """Load a backup into an EMPTY registry at the same revision, in one transaction."""
    path = Path(path)
    if not path.is_file():
        raise InputError("backup file not found", file=str(path))
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, EOFError, UnicodeDecodeError):
        raise InputError("not a registry backup (gzip JSON lines)", file=str(path)) from None
    h = hashlib.sha256()
    for ln in lines[:-1]:
        h.update(ln.encode())
    try:
        header = json.loads(lines[0])
        trailer = json.loads(lines[-1])
    except (ValueError, IndexError):
        raise InputError("not a registry backup", file=str(path)) from None
    if header.get("format") != FORMAT:
        raise InputError(field="format", allowed=FORMAT, got=header.get("format"), file=path.name)
    if trailer.get("sha256") != h.hexdigest():
        raise InputError("checksum mismatch: the backup is damaged or was edited", file=path.name)
    rev = current_revision(registry)
    if rev != header["revision"]:
        raise InputError(
            field="revision",
            allowed=f"the registry's schema ({rev}); run 'anagen registry init' to upgrade first",
            got=header["revision"],
            file=path.name,
        )
    rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in _tables()}
    for ln in lines[1:-1]:
        d = json.loads(ln)
        r = {
            k: (dt.date.fromisoformat(v) if k in _DATES and v is not None else v)
            for k, v in d["r"].items()
        }
        rows[d["t"]].append(r)
    with registry.engine.begin() as conn:
        for t in _tables():
            if conn.execute(select(func.count()).select_from(t)).scalar():
                raise InputError(
                    f"table {t.name} is not empty: restore needs an empty "
                    "registry (init a new database)",
                    field="--db",
                )
        for t in _tables():
            if rows[t.name]:
                conn.execute(insert(t), rows[t.name])
        if registry.is_postgres:
            for t in _tables():
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {t.name}), 0) + 1, false)"
                    )
                )
    return {"file": str(path), "counts": {k: len(v) for k, v in rows.items()}}
