"""Read TOML input files and turn pydantic validation errors into one-line :class:`InputError`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from anagen.errors import InputError

__all__ = ["read_toml", "validate_model"]

M = TypeVar("M", bound=BaseModel)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing, unreadable, non-UTF-8 or malformed file is an InputError."""
    from anagen._io import read_toml_file

    return read_toml_file(Path(path))


def _allowed(err: dict[str, Any], model: type[BaseModel]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    simple = {
        "greater_than": "> {gt}",
        "greater_than_equal": ">= {ge}",
        "less_than": "< {lt}",
        "less_than_equal": "<= {le}",
        "too_short": "at least {min_length} item(s)",
        "too_long": "at most {max_length} item(s)",
    }
    if kind in simple:
        return simple[kind].format(**ctx)
    if kind in {"literal_error", "enum"}:
        return f"one of {ctx.get('expected', '')}".replace("'", "")
    if kind == "missing":
        return "present (it is required)"
    if kind == "extra_forbidden":
        return "absent: it is not a known key (check the spelling; see docs/therapy.md)"
    if kind.startswith(("int_", "float_")):
        return "a number" if kind.startswith("float") else "an integer"
    if kind.startswith("bool"):
        return "true or false"
    if kind.startswith("string"):
        return "a string"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "valid")))
    return err.get("msg", "valid")


def validate_model(model: type[M], data: dict[str, Any], *, file: str | None = None) -> M:
    """Validate ``data`` against ``model``; the first problem is raised as an InputError.

    The error names the dotted key (``'injection.volume_per_point_ml'``), what is allowed and
    what was given, e.g. ``'injection.volume_per_point_ml' must be <= 0.2, got 1.0``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, InputError):  # raised by a model validator with its own field
            raise InputError(
                inner.detail, field=inner.field, allowed=inner.allowed, got=inner.got, file=file
            ) from None
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        got = err.get("input")
        if err["type"] == "missing" or isinstance(got, dict | list):
            got = None
        raise InputError(
            field=loc or "(file)", allowed=_allowed(err, model), got=got, file=file
        ) from None
