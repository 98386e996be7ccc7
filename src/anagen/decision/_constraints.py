"""Input limits declared once, as data, and checked with messages that name the parameter.

A public function carries its table as ``fn.constraints`` (``{parameter: Constraint}``); the
library checks its own arguments with :func:`check`, the command line checks its flags with the
same table and the flag's name (``check(t, "n_draws", v, name="--draws")``), the web API turns
the table into its request schema's bounds, and the tests feed each parameter values just
outside its limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anagen.errors import InputError

__all__ = ["Choice", "IntRange", "check", "check_all"]


@dataclass(frozen=True, slots=True)
class IntRange:
    """An integer in ``[low, high]``."""

    low: int
    high: int

    @property
    def allowed(self) -> str:
        return f"an integer in [{self.low}, {self.high}]"

    def ok(self, v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and self.low <= v <= self.high

    def invalid(self) -> tuple[Any, ...]:
        """Values just outside the limits (for tests)."""
        return (self.low - 1, self.high + 1, float(self.low), "1")


@dataclass(frozen=True, slots=True)
class Choice:
    """One of a fixed set of strings."""

    values: tuple[str, ...]

    @property
    def allowed(self) -> str:
        return "one of " + ", ".join(self.values)

    def ok(self, v: Any) -> bool:
        return isinstance(v, str) and v in self.values

    def invalid(self) -> tuple[Any, ...]:
        return ("", self.values[0].upper() + "x", 1)


Constraint = IntRange | Choice


def check(table: Mapping[str, Constraint], param: str, value: Any, *, name: str | None = None):
    """Return ``value`` if it meets ``table[param]``, else raise an :class:`InputError` naming
    ``name`` (default: the parameter)."""
    c = table[param]
    if not c.ok(value):
        raise InputError(field=name or param, allowed=c.allowed, got=value)
    return value


def check_all(table: Mapping[str, Constraint], values: Mapping[str, Any]) -> None:
    """Check every parameter of ``table`` present in ``values``."""
    for k in table:
        if k in values:
            check(table, k, values[k])
