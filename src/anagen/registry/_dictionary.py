"""The data dictionary, generated from the table definitions (``anagen registry dictionary``)."""

from __future__ import annotations

from typing import Any

from anagen.registry import models as m

__all__ = ["data_dictionary", "dictionary_markdown"]


def _type(col: Any) -> str:
    t = type(col.type).__name__.lower()
    return {
        "string": "text",
        "text": "text",
        "float": "number",
        "integer": "integer",
        "boolean": "true/false",
        "date": "date (YYYY-MM-DD)",
        "json": "JSON",
    }.get(t, t)


def data_dictionary() -> list[dict[str, Any]]:
    """One entry per column: table, column, type, unit, allowed values, required, meaning."""
    out = []
    for table in m.Base.metadata.sorted_tables:
        for col in table.columns:
            spec = col.info.get("spec")
            if col.primary_key:
                doc, allowed = "row id (assigned by the database)", ""
            elif col.name == "version":
                doc, allowed = "row version, +1 on every change (optimistic locking)", ">= 1"
            elif col.foreign_keys:
                ref = next(iter(col.foreign_keys)).target_fullname
                doc, allowed = (
                    f"the row's {ref.split('.')[0].rstrip('s')} ({ref})",
                    "a row of the same clinic",
                )
            else:
                doc = spec.doc if spec else ""
                allowed = spec.allowed() if spec else ""
            out.append(
                {
                    "table": table.name,
                    "column": col.name,
                    "type": _type(col),
                    "unit": (spec.unit if spec else None) or "",
                    "allowed": allowed,
                    "required": not col.nullable,
                    "meaning": doc,
                }
            )
    return out


def dictionary_markdown() -> str:
    """The dictionary as Markdown tables, one per table, with the table's docstring."""
    lines = []
    by_table: dict[str, list[dict[str, Any]]] = {}
    for e in data_dictionary():
        by_table.setdefault(e["table"], []).append(e)
    docs = {
        c.__tablename__: (c.__doc__ or "").strip().splitlines()[0] for c in m.Base.__subclasses__()
    }
    for table, rows in by_table.items():
        lines += [
            f"### `{table}`",
            "",
            docs.get(table, ""),
            "",
            "| column | type | unit | allowed | required | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| `{r['column']}` | {r['type']} | {r['unit']} | {r['allowed']} | "
                f"{'yes' if r['required'] else 'no'} | {r['meaning']} |"
            )
        lines.append("")
    return "\n".join(lines)
