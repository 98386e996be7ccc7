"""Mutations of valid example files for the fuzz tests (hypothesis strategies)."""

from __future__ import annotations

import json
import math
import tomllib
from typing import Any

from hypothesis import strategies as st

#: Values that break readers: wrong types, extreme and non-finite numbers, deep nesting.
EXTREMES: list[Any] = [
    0,
    -1,
    2**63,
    -(2**64),
    10**400,
    1e308,
    -1e308,
    1e-300,
    math.inf,
    -math.inf,
    math.nan,
    0.5,
    True,
    "",
    "x" * 10_000,
    "[/] $\\frac{$ \x1b[2J",
    [],
    [1, "a", None.__class__.__name__],
    {},
    {"nested": {"deeper": [1, 2]}},
]


def deep(n: int) -> Any:
    v: Any = 1
    for _ in range(n):
        v = [v]
    return v


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
        )
    raise TypeError(type(v))


def dump_toml(data: dict[str, Any]) -> str:
    """TOML text of ``data`` (every value inline: valid TOML for any nesting)."""
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in data.items())


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _set(obj: Any, path: tuple, value: Any, delete: bool = False) -> None:
    for p in path[:-1]:
        obj = obj[p]
    if delete:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


@st.composite
def mutated_toml(draw, text: str) -> bytes:
    """A mutation of a valid TOML file: a value replaced/removed/added, or its bytes damaged."""
    kind = draw(st.sampled_from(["value", "value", "value", "delete", "add", "bytes"]))
    if kind == "bytes":
        raw = text.encode()
        op = draw(st.sampled_from(["bom", "badbyte", "truncate", "empty", "nul", "dup", "huge"]))
        if op == "bom":
            return b"\xef\xbb\xbf" + raw
        if op == "empty":
            return b""
        if op == "huge":
            return raw + b"# " + b"x" * 3_000_000 + b"\n"
        if op == "dup":
            return raw + raw
        i = draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "truncate":
            return raw[:i]
        return raw[:i] + (b"\xff\xfe" if op == "badbyte" else b"\x00") + raw[i:]
    data = tomllib.loads(text)
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    if kind == "delete":
        _set(data, path, None, delete=True)
    elif kind == "add":
        target = data
        for p in path[:-1]:
            target = target[p]
        if isinstance(target, dict):
            target["unknown_key"] = draw(st.sampled_from(EXTREMES))
    else:
        value = draw(st.one_of(st.sampled_from(EXTREMES), st.just(deep(draw(st.integers(20, 60))))))
        _set(data, path, value)
    return dump_toml(data).encode()


@st.composite
def mutated_csv(draw, text: str) -> bytes:
    """A mutation of a valid CSV file: a cell replaced, a ragged row, damaged bytes."""
    lines = text.splitlines()
    op = draw(
        st.sampled_from(["cell", "cell", "ragged", "bom", "badbyte", "empty", "header", "huge"])
    )
    if op == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if op == "empty":
        return draw(st.sampled_from([b"", b"\n\n", lines[0].encode() + b"\n"]))
    if op == "badbyte":
        raw = text.encode()
        i = draw(st.integers(0, len(raw) - 1))
        return raw[:i] + b"\xff" + raw[i:]
    if op == "huge":
        return (text + "\n".join(lines[1:] * 2000) + "\n").encode()
    r = draw(st.integers(0 if op == "header" else 1, len(lines) - 1))
    cells = lines[r].split(",")
    if op == "ragged":
        cells = cells[:-1] if draw(st.booleans()) else [*cells, "extra"]
    else:
        c = draw(st.integers(0, len(cells) - 1))
        cells[c] = draw(
            st.sampled_from(
                [
                    "",
                    "nan",
                    "inf",
                    "-inf",
                    "1e400",
                    "-0",
                    "1" * 500,
                    "abc",
                    '"',
                    '"a""b"',
                    "0x10",
                    "1_000",
                    " 3 ",
                    "\t",
                    "٣",
                ]
            )
            | st.text(max_size=30)
        )
    lines[r] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()
