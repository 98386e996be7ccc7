"""Declarative field specs: one place says what a column means, its unit and allowed values.

Each registry column is built by :func:`field`; the spec (stored in the column's ``info``) feeds
three things, so they cannot disagree:

* the application-level check (:func:`check_value`, run on every insert and update and by the
  CSV import, raising :class:`~anagen.errors.InputError` that names the field);
* the database ``CHECK`` constraints (:func:`add_check_constraints`, on SQLite and PostgreSQL);
* the data dictionary (:func:`anagen.registry.data_dictionary`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CheckConstraint, MetaData, and_, column, or_
from sqlalchemy.orm import mapped_column

from anagen.errors import InputError

__all__ = ["FieldSpec", "add_check_constraints", "check_value", "field"]


@dataclass(frozen=True)
class FieldSpec:
    """What one column holds (see the module docstring)."""

    doc: str
    unit: str | None = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    max_len: int | None = None
    integer: bool = False
    required: bool = True

    def allowed(self) -> str:
        parts = []
        if self.choices is not None:
            parts.append("one of " + ", ".join(self.choices))
        if self.lo is not None and self.hi is not None:
            parts.append(f"in [{self.lo:g}, {self.hi:g}]")
        elif self.lo is not None:
            parts.append(f">= {self.lo:g}")
        elif self.hi is not None:
            parts.append(f"<= {self.hi:g}")
        if self.integer:
            parts.insert(0, "an integer")
        if self.pattern is not None:
            parts.append(f"matching {self.pattern}")
        if self.max_len is not None:
            parts.append(f"at most {self.max_len} characters")
        if not parts:
            return "required" if self.required else "optional"
        return " ".join(parts)


def field(sa_type: Any, doc: str, *, nullable: bool = False, **spec: Any) -> Any:
    """A ``mapped_column`` carrying its :class:`FieldSpec` in ``info['spec']``."""
    fs = FieldSpec(doc=doc, required=not nullable, **spec)
    return mapped_column(sa_type, nullable=nullable, info={"spec": fs})


def check_value(table: str, name: str, spec: FieldSpec, value: Any) -> Any:
    """Validate ``value`` for column ``table.name``; returns it (strings stripped)."""
    fld = f"{table}.{name}"
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if spec.required:
            raise InputError(field=fld, allowed=f"given ({spec.allowed()})", got="(empty)")
        return None
    if isinstance(value, str):
        value = value.strip()
        if spec.max_len is not None and len(value) > spec.max_len:
            raise InputError(
                field=fld, allowed=f"at most {spec.max_len} characters", got=f"{len(value)} chars"
            )
        if spec.choices is not None and value not in spec.choices:
            raise InputError(field=fld, allowed="one of " + ", ".join(spec.choices), got=value)
        if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
            raise InputError(field=fld, allowed=f"matching {spec.pattern}", got=value)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(field=fld, allowed="a finite number", got=value)
        if spec.integer and float(value) != int(value):
            raise InputError(field=fld, allowed="an integer", got=value)
        if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
            raise InputError(field=fld, allowed=spec.allowed(), got=value)
        return value
    if isinstance(value, dt.date):
        return value
    return value


def _constraint(name: str, spec: FieldSpec) -> Any:
    col = column(name)
    conds = []
    if spec.lo is not None:
        conds.append(col >= spec.lo)
    if spec.hi is not None:
        conds.append(col <= spec.hi)
    if spec.choices is not None:
        conds.append(col.in_(spec.choices))
    if not conds:
        return None
    cond = and_(*conds)
    return or_(col.is_(None), cond) if not spec.required else cond


def add_check_constraints(metadata: MetaData) -> None:
    """Append a named ``CHECK`` for every column whose spec has a range or a list of choices."""
    for table in metadata.tables.values():
        for col in table.columns:
            spec = col.info.get("spec")
            if spec is None:
                continue
            cond = _constraint(col.name, spec)
            if cond is not None:
                table.append_constraint(CheckConstraint(cond, name=f"{col.name}_range"))
