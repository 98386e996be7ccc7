"""Read a user's effect-size CSV, checking every cell before anything is computed.

Two layouts are accepted (column order free, names case-sensitive, an optional ``study``
column for labels):

* ``yi, vi`` - effect sizes and their sampling variances, as metafor ``escalc`` returns;
* ``m1i, sd1i, n1i, m2i, sd2i, n2i`` - per-arm means, SDs and sizes (treatment first), turned
  into effects with :func:`anagen.evidence.effect_sizes` for the chosen measure.

An optional ``group`` column assigns studies to subgroups.

Every problem raises :class:`anagen.errors.InputError` naming the file, the 1-based data row
(header excluded) and the column, with what is allowed.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anagen.errors import InputError

__all__ = ["EffectTable", "read_effects"]

_EFFECT_COLS = ("yi", "vi")
_ARM_COLS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
_OPTIONAL = ("study", "group")
_MEASURES = ("MD", "SMD", "ROM")


@dataclass(frozen=True, slots=True)
class EffectTable:
    """Effects read from a CSV.

    Attributes
    ----------
    yi, vi
        Effect sizes and sampling variances.
    labels
        Study labels (the ``study`` column, or ``"Study 1"``, ...).
    measure
        ``"MD"``, ``"SMD"``, ``"ROM"`` when computed from arm data, else the measure the user
        declared (``None`` if not declared).
    layout
        ``"yi_vi"`` or ``"arms"``.
    file
        The path read.
    groups
        Subgroup label per study (the optional ``group`` column), or ``None``.
    """

    yi: np.ndarray
    vi: np.ndarray
    labels: tuple[str, ...]
    measure: str | None
    layout: str
    file: str
    groups: tuple[str, ...] | None = None

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.size)


def _number(raw: str, *, col: str, row: int, file: str, allowed: str) -> float:
    text = raw.strip()
    if text == "":
        raise InputError(field=col, row=row, file=file, allowed=allowed, got="(empty)")
    try:
        value = float(text)
    except ValueError:
        raise InputError(field=col, row=row, file=file, allowed=allowed, got=text) from None
    if not math.isfinite(value):
        raise InputError(field=col, row=row, file=file, allowed=allowed, got=text)
    return value


def read_effects(path: str | Path, *, measure: str | None = None) -> EffectTable:
    """Read and validate an effect-size CSV.

    Parameters
    ----------
    path
        CSV file with columns ``yi,vi`` or ``m1i,sd1i,n1i,m2i,sd2i,n2i`` (optional ``study``
        and ``group``).
    measure
        For arm data: ``"MD"`` (default), ``"SMD"`` or ``"ROM"``. For ``yi,vi`` data it only
        labels the scale.

    Returns
    -------
    EffectTable

    Raises
    ------
    InputError
        Missing or unreadable file; no data rows; a missing, unknown or duplicated column; an
        empty, non-numeric or non-finite cell; ``vi <= 0``; ``n < 2``; ``sd < 0``; a
        non-integer n; ROM with a mean <= 0. The message names the file, the row and the column.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "e.csv")
    >>> _ = open(p, "w").write("study,yi,vi\\nA,0.1,0.01\\nB,0.3,0.02\\n")
    >>> read_effects(p).k
    2
    """
    p = Path(path)
    file = str(p)
    if measure is not None and measure not in _MEASURES:
        raise InputError(field="--measure", allowed=f"one of {', '.join(_MEASURES)}", got=measure)
    if not p.exists():
        raise InputError("file not found", file=file)
    if not p.is_file():
        raise InputError("not a regular file", file=file)
    from anagen._io import clean_text, read_text_file

    text = read_text_file(p)
    rows = []
    reader = csv.reader(text.splitlines())
    try:
        for cells in reader:
            rows.append(cells)
    except csv.Error as exc:  # a cell over csv.field_size_limit(), a NUL byte, ...
        limit = csv.field_size_limit()
        why = f"a cell longer than {limit:,} characters" if "limit" in str(exc) else str(exc)
        raise InputError(f"line {reader.line_num}: {why}", file=file) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(
            "empty file; expected a header 'yi,vi' or 'm1i,sd1i,n1i,m2i,sd2i,n2i'", file=file
        )
    header = [h.strip() for h in rows[0]]
    data = rows[1:]
    allowed_cols = "columns yi,vi or m1i,sd1i,n1i,m2i,sd2i,n2i (plus optional study, group)"
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise InputError(field=h, file=file, allowed="each column once", got="duplicated")
        seen.add(h)
    known = set(_EFFECT_COLS) | set(_ARM_COLS) | set(_OPTIONAL)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InputError(f"unknown column; allowed are {allowed_cols}", field=unknown[0], file=file)
    has_eff = [c for c in _EFFECT_COLS if c in seen]
    has_arm = [c for c in _ARM_COLS if c in seen]
    if has_eff and has_arm:
        raise InputError(
            "give either yi,vi or the six arm columns, not both", file=file, field=has_arm[0]
        )
    layout_cols = _EFFECT_COLS if has_eff or not has_arm else _ARM_COLS
    missing = [c for c in layout_cols if c not in seen]
    if missing:
        raise InputError(f"missing column; need {allowed_cols}", field=missing[0], file=file)
    if not data:
        raise InputError("no data rows after the header", file=file)
    index = {h: i for i, h in enumerate(header)}
    values: dict[str, list[float]] = {c: [] for c in layout_cols}
    labels: list[str] = []
    groups: list[str] = []
    for r, cells in enumerate(data, start=1):
        if len(cells) != len(header):
            raise InputError(
                f"has {len(cells)} cells, the header has {len(header)}", row=r, file=file
            )
        for c in layout_cols:
            raw = cells[index[c]]
            if c == "vi":
                v = _number(raw, col=c, row=r, file=file, allowed="a number > 0")
                if v <= 0:
                    raise InputError(
                        field=c, row=r, file=file, allowed="> 0 (a sampling variance)", got=v
                    )
            elif c in ("n1i", "n2i"):
                v = _number(raw, col=c, row=r, file=file, allowed="an integer >= 2")
                if v < 2 or v != int(v):
                    raise InputError(field=c, row=r, file=file, allowed="an integer >= 2", got=v)
            elif c in ("sd1i", "sd2i"):
                v = _number(raw, col=c, row=r, file=file, allowed="a number >= 0")
                if v < 0:
                    raise InputError(field=c, row=r, file=file, allowed=">= 0", got=v)
            else:
                v = _number(raw, col=c, row=r, file=file, allowed="a finite number")
            values[c].append(v)
        # labels and groups as text: control characters (terminal escapes) dropped
        label = clean_text(cells[index["study"]]).strip() if "study" in index else ""
        labels.append(label or f"Study {r}")
        if "group" in index:
            group = clean_text(cells[index["group"]]).strip()
            if not group:
                raise InputError(
                    field="group",
                    row=r,
                    file=file,
                    allowed="a non-empty subgroup label",
                    got="(empty)",
                )
            groups.append(group)
    if layout_cols == _EFFECT_COLS:
        return EffectTable(
            yi=np.asarray(values["yi"]),
            vi=np.asarray(values["vi"]),
            labels=tuple(labels),
            measure=measure,
            layout="yi_vi",
            file=file,
            groups=tuple(groups) if groups else None,
        )
    from anagen.evidence._effect_sizes import effect_sizes

    m = measure or "MD"
    arr = {c: np.asarray(values[c]) for c in _ARM_COLS}
    if m == "ROM":
        for c in ("m1i", "m2i"):
            bad = np.flatnonzero(arr[c] <= 0)
            if bad.size:
                raise InputError(
                    field=c,
                    row=int(bad[0]) + 1,
                    file=file,
                    allowed="> 0 for ROM (log ratio of means)",
                    got=float(arr[c][bad[0]]),
                )
    for r in range(len(labels)):
        if arr["sd1i"][r] == 0 and arr["sd2i"][r] == 0:
            raise InputError(
                field="sd1i",
                row=r + 1,
                file=file,
                allowed="> 0 in at least one arm (else vi = 0)",
                got=0.0,
            )
    try:
        yi, vi = effect_sizes(
            m, arr["m1i"], arr["sd1i"], arr["n1i"], arr["m2i"], arr["sd2i"], arr["n2i"]
        )
    except InputError as exc:
        raise InputError(str(exc), file=file) from None
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    bad = np.flatnonzero(~(np.isfinite(yi) & np.isfinite(vi) & (vi > 0)))
    if bad.size:
        raise InputError(
            "gives no finite effect with a positive variance",
            row=int(bad[0]) + 1,
            file=file,
            field="m1i",
        )
    return EffectTable(
        yi=yi,
        vi=vi,
        labels=tuple(labels),
        measure=m,
        layout="arms",
        file=file,
        groups=tuple(groups) if groups else None,
    )
