"""Plain-data round trip of frozen dataclasses: ``to_plain(obj)`` and ``from_plain(cls, data)``.

The answer objects of :mod:`anagen.decision` (``Assessment`` and its parts) are frozen dataclasses
whose fields are ``int``, ``float``, ``str``, ``bool``, ``None``, tuples, other such dataclasses
or pydantic models. ``to_plain`` turns one into JSON-ready dicts and lists (floats untouched, so
``json`` round-trips them exactly); ``from_plain`` rebuilds it from the field types, so a stored
prediction comes back as the same object (``==``). Fields declared with ``metadata={"plain":
False}`` (attachments such as the evidence summary) are left out and come back as their default.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel

from anagen.errors import InputError

__all__ = ["from_plain", "to_plain"]


def to_plain(obj: Any) -> Any:
    """JSON-ready form of a dataclass, pydantic model, tuple or scalar."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_plain(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if f.metadata.get("plain", True)
        }
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, tuple | list):
        return [to_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    return obj


@cache
def _hints(cls: type) -> dict[str, Any]:
    """Resolved types of the stored (plain) fields of a dataclass."""
    import sys

    ns = vars(sys.modules[cls.__module__])
    out = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("plain", True):
            t = f.type
            out[f.name] = eval(t, ns) if isinstance(t, str) else t
    return out


def from_plain(cls: type, data: Any, path: str = "") -> Any:
    """Rebuild ``cls`` (a type hint) from :func:`to_plain` output.

    Raises
    ------
    InputError
        Naming the dotted field path when ``data`` does not fit the type.
    """
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(cls)
        if data is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return from_plain(a, data, path)
            except InputError as exc:
                errors.append(exc)
        raise errors[0] if errors else InputError(field=path or "value", got=data)
    if origin is typing.Literal:
        if data not in typing.get_args(cls):
            raise InputError(
                field=path or "value",
                allowed="one of " + ", ".join(map(repr, typing.get_args(cls))),
                got=data,
            )
        return data
    if origin is tuple:
        args = typing.get_args(cls)
        if not isinstance(data, list | tuple):
            raise InputError(field=path or "value", allowed="a list", got=type(data).__name__)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], x, f"{path}[{i}]") for i, x in enumerate(data))
        if len(args) != len(data):
            raise InputError(field=path or "value", allowed=f"{len(args)} items", got=len(data))
        return tuple(
            from_plain(a, x, f"{path}[{i}]")
            for i, (a, x) in enumerate(zip(args, data, strict=True))
        )
    if origin is dict:
        kt, vt = typing.get_args(cls)
        if not isinstance(data, dict):
            raise InputError(field=path or "value", allowed="a mapping", got=type(data).__name__)
        return {from_plain(kt, k, path): from_plain(vt, v, f"{path}.{k}") for k, v in data.items()}
    if isinstance(cls, type) and dataclasses.is_dataclass(cls):
        if not isinstance(data, dict):
            raise InputError(field=path or cls.__name__, allowed="a mapping", got=data)
        hints = _hints(cls)
        kw = {}
        for f in dataclasses.fields(cls):
            if not f.metadata.get("plain", True):
                continue
            sub = f"{path}.{f.name}" if path else f.name
            if f.name not in data:
                if (
                    f.default is not dataclasses.MISSING
                    or f.default_factory is not dataclasses.MISSING
                ):
                    continue
                raise InputError(field=sub, detail="missing")
            kw[f.name] = from_plain(hints[f.name], data[f.name], sub)
        return cls(**kw)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return cls.model_validate(data)
    if cls is Any:
        return data
    if cls is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise InputError(field=path or "value", allowed="a number", got=data)
        return float(data)
    if cls in (int, str, bool):
        if not isinstance(data, cls) or (cls is int and isinstance(data, bool)):
            raise InputError(field=path or "value", allowed=f"a {cls.__name__}", got=data)
        return data
    raise InputError(field=path or "value", detail=f"unsupported type {cls!r}")
