"""Living evidence: the user's own study rows, stored beside the bundled ones.

``anagen evidence add ROWS.csv`` checks new rows against the bundled schema
(``data/SCHEMA.md``) and appends them to a user evidence folder:

* ``$ANAGEN_EVIDENCE_DIR`` when set, else
* ``$XDG_DATA_HOME/anagen/evidence``, else ``~/.local/share/anagen/evidence``.

The folder holds ``studies.csv`` (the added rows, bundled columns) and ``provenance.csv`` (one
line per added row: when, from which file, its SHA-256). The two change together: the new
provenance is first written beside the old one as ``.provenance.pending.csv``, then the rows
replace ``studies.csv`` (temporary file + rename), then the pending provenance is renamed into
place. A crash between those steps is finished or undone the next time the folder is read: the
pending provenance is kept when every row it names is in ``studies.csv`` (roll forward) and
discarded otherwise (roll back), so the folder never lists rows without their provenance or
provenance for rows it does not hold.

Which rows an analysis uses is a *selection* (:data:`DATA_CHOICES`): ``bundled``, ``user``
or ``all`` (bundled plus user). :func:`use_evidence` sets it for the process and its workers
(the CLI's ``--data`` option; the environment variable ``ANAGEN_EVIDENCE_DATA`` is the
setting behind it); :func:`default_studies` is what analyses load when no table is passed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where rows are read (a fresh `assess` may not need it)
    import pandas as pd

from anagen.errors import InputError

__all__ = [
    "CLINIC_REGISTRY_DESIGN",
    "DATA_CHOICES",
    "DATA_ENV",
    "AddResult",
    "add_study_rows",
    "default_studies",
    "evidence_date",
    "evidence_dir",
    "evidence_studies",
    "load_user_studies",
    "use_evidence",
]

DATA_CHOICES: tuple[str, ...] = ("all", "bundled", "user")
#: Environment variable holding the active selection (inherited by worker processes).
DATA_ENV = "ANAGEN_EVIDENCE_DATA"
#: How the ``design`` of a row exported from a clinic registry starts (``anagen registry export
#: --format evidence`` writes it; such rows are observational, not publications).
CLINIC_REGISTRY_DESIGN = "OBSERVATIONAL clinic registry"
_PROVENANCE_COLUMNS = ["row_id", "study_id", "added_utc", "source_file", "source_sha256"]


def evidence_dir() -> Path:
    """The user evidence folder (it need not exist yet)."""
    env = os.environ.get("ANAGEN_EVIDENCE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "anagen" / "evidence"


def _user_file(directory: Path | None = None) -> Path:
    return (directory or evidence_dir()) / "studies.csv"


_PENDING = ".provenance.pending.csv"


def _recover(directory: Path) -> None:
    """Finish or undo an ``add`` that stopped between its two renames."""
    pending = directory / _PENDING
    if not pending.is_file():
        return
    with pending.open(encoding="utf-8", newline="") as fh:
        named = {rec["row_id"] for rec in csv.DictReader(fh)}
    held: set[str] = set()
    studies = directory / "studies.csv"
    if studies.is_file():
        with studies.open(encoding="utf-8-sig", newline="") as fh:
            held = {rec.get("row_id", "") for rec in csv.DictReader(fh)}
    if named <= held:
        os.replace(pending, directory / "provenance.csv")  # roll forward
    else:
        pending.unlink()  # roll back: the rows never landed


def load_user_studies(directory: Path | None = None) -> pd.DataFrame | None:
    """The user's added rows, validated, or ``None`` when there are none."""
    from anagen.evidence._studies import load_studies

    path = _user_file(directory)
    if path.parent.is_dir():
        _recover(path.parent)
    if not path.is_file():
        return None
    return load_studies(path)


def evidence_studies(data: str = "all", *, directory: Path | None = None) -> pd.DataFrame:
    """The study table for a selection: ``bundled``, ``user`` or ``all``.

    Raises
    ------
    InputError
        Unknown selection, or ``user`` when the user folder holds no rows.
    """
    from anagen.evidence._studies import load_studies

    if data not in DATA_CHOICES:
        raise InputError(field="--data", allowed=f"one of {', '.join(DATA_CHOICES)}", got=data)
    bundled = load_studies()
    if data == "bundled":
        return bundled
    user = load_user_studies(directory)
    if user is None:
        if data == "user":
            raise InputError(
                field="--data",
                allowed=f"'all' or 'bundled' (no user rows in {_user_file(directory)})",
                got=data,
            )
        return bundled
    if data == "user":
        return user
    import pandas as pd

    return pd.concat([bundled, user], ignore_index=True)


@contextmanager
def use_evidence(data: str) -> Iterator[None]:
    """Make ``data`` the selection analyses use while the block runs."""
    if data not in DATA_CHOICES:
        raise InputError(field="--data", allowed=f"one of {', '.join(DATA_CHOICES)}", got=data)
    old = os.environ.get(DATA_ENV)
    os.environ[DATA_ENV] = data  # an environment variable, so worker processes see it too
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(DATA_ENV, None)
        else:
            os.environ[DATA_ENV] = old


def default_studies() -> pd.DataFrame:
    """The table analyses use when none is passed: the active selection.

    The selection is ``$ANAGEN_EVIDENCE_DATA`` (set by :func:`use_evidence`, or by the user),
    default ``bundled``.
    """
    data = os.environ.get(DATA_ENV) or "bundled"
    if data not in DATA_CHOICES:
        raise InputError(field=DATA_ENV, allowed=f"one of {', '.join(DATA_CHOICES)}", got=data)
    return evidence_studies(data)


_DATE = re.compile(r"\b(20\d\d)-(\d\d)-\d\d\b")


def evidence_date(studies: pd.DataFrame | None = None) -> str:
    """``"studies up to YYYY-MM (newest publication YYYY), N trials"`` for a study table.

    YYYY-MM is the latest date at which a row was verified or added (dates in the
    ``verification`` column); N counts distinct ``study_id`` values. Rows exported from a clinic
    registry (design "OBSERVATIONAL clinic registry ...") are not publications: they are counted
    apart (" + K clinic registry export(s)").
    """
    df = default_studies() if studies is None else studies
    dates = [
        f"{m.group(1)}-{m.group(2)}"
        for text in df["verification"].astype(str)
        for m in _DATE.finditer(text)
    ]
    latest = max(dates) if dates else "unknown"
    # a clinic's registry export (anagen registry export --format evidence) is not a publication
    clinic = df["design"].astype(str).str.startswith(CLINIC_REGISTRY_DESIGN)
    pub = df[~clinic]
    newest = f"newest publication {int(pub['year'].max())}" if len(pub) else "no publication"
    text = f"studies up to {latest} ({newest}), {pub['study_id'].nunique()} trials"
    if clinic.any():
        text += f" + {df.loc[clinic, 'study_id'].nunique()} clinic registry export(s)"
    return text


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :func:`add_study_rows` stored."""

    directory: Path
    added: tuple[str, ...]
    total_user_rows: int
    source_sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "directory": str(self.directory),
            "added": list(self.added),
            "total_user_rows": self.total_user_rows,
            "source_sha256": self.source_sha256,
        }


def _bundled_header() -> str:
    from importlib import resources

    with (
        resources.files("anagen.evidence").joinpath("data/studies.csv").open(encoding="utf-8") as fh
    ):
        return fh.readline()


def _atomic_write(path: Path, text: str) -> None:
    from anagen._io import atomic_write

    with atomic_write(path) as fh:
        fh.write(text)


def add_study_rows(path: str | Path, *, directory: Path | None = None) -> AddResult:
    """Validate the rows of ``path`` and append them to the user evidence folder.

    The file must have exactly the bundled ``studies.csv`` columns; every cell is checked
    (the error names the file, 1-based row and column). ``row_id`` values must be new
    (not bundled, not already added). Nothing is written unless every row passes.

    Raises
    ------
    InputError
        Missing file, bad cell, or a ``row_id`` that already exists.
    """
    from anagen.evidence._studies import load_studies

    src = Path(path)
    new = load_studies(src)  # validates the schema and every cell
    if len(new) == 0:
        raise InputError(field="rows", file=src.name, allowed="at least one data row", got=0)
    directory = directory or evidence_dir()
    old = load_user_studies(directory)
    taken = set(load_studies()["row_id"]) | (set() if old is None else set(old["row_id"]))
    for i, rid in enumerate(new["row_id"], start=1):
        if rid in taken:
            raise InputError(
                field="row_id",
                row=i,
                file=src.name,
                allowed="a row_id not yet in the bundled or user evidence",
                got=rid,
            )
    raw = src.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            field="ANAGEN_EVIDENCE_DIR", allowed="a writable folder", got=str(directory)
        ) from exc
    user_path = _user_file(directory)
    header = next(csv.reader(io.StringIO(_bundled_header())))
    out = io.StringIO()
    dw = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    if user_path.is_file():
        text = user_path.read_text(encoding="utf-8")
        out.write(text if text.endswith("\n") else text + "\n")
    else:
        dw.writeheader()
    for rec in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
        dw.writerow({c: (rec.get(c) or "").strip() for c in header})
    text = out.getvalue()
    prov_path = directory / "provenance.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not prov_path.is_file():
        w.writerow(_PROVENANCE_COLUMNS)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for rid, sid in zip(new["row_id"], new["study_id"], strict=True):
        w.writerow([rid, sid, now, str(src.resolve()), sha])
    prov = (prov_path.read_text(encoding="utf-8") if prov_path.is_file() else "") + buf.getvalue()
    pending = directory / _PENDING
    _atomic_write(pending, prov)
    try:
        _atomic_write(user_path, text)
    except BaseException:
        pending.unlink(missing_ok=True)  # the rows did not land: nothing to record
        raise
    os.replace(pending, prov_path)
    total = len(load_studies(user_path))
    return AddResult(
        directory=directory,
        added=tuple(str(x) for x in new["row_id"]),
        total_user_rows=total,
        source_sha256=sha,
    )
