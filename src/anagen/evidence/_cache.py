"""A cache of the evidence summary, so a fresh ``anagen assess`` need not recompute it.

:func:`anagen.evidence.summarise_evidence` is deterministic: its result depends only on the
study rows of the selection (bundled data files, and the user's rows for ``all``/``user``), the
estimator, the assumed correlation, the code of :mod:`anagen.evidence` and the versions of the
numerical libraries. :func:`summary_key` is a SHA-256 over all of these; the summary is stored
under that key in the user cache folder (``$XDG_CACHE_HOME/anagen``, else ``~/.cache/anagen``;
``$ANAGEN_CACHE_DIR`` overrides it, ``ANAGEN_NO_CACHE=1`` turns the cache off).

A cache file is a header line, the SHA-256 of the payload and the payload (a pickle of the
summary). It is written to a temporary file and renamed into place, so a reader never sees half
a file; on read the checksum is verified, and anything unexpected (missing, truncated, corrupt,
another version, an unreadable object) means the summary is computed again - the cache can
only save time, never change a number. The first run on a machine (or after the data, the code
or a library changes) fills it. The folder is the user's own, trusted as their home folder is.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

__all__ = [
    "CachedSummary",
    "cache_dir",
    "cached_summary",
    "load_summary",
    "read_payload",
    "store_summary",
    "summary_key",
    "unpickle_summary",
]

_MAGIC = b"anagen-cache 1\n"
_PKG = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """The user cache folder (it need not exist yet)."""
    env = os.environ.get("ANAGEN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "anagen"


def _enabled() -> bool:
    return os.environ.get("ANAGEN_NO_CACHE", "") in ("", "0")


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("numpy", "scipy", "pandas", "numba"):
        try:
            out.append(f"{pkg}={version(pkg)}")
        except PackageNotFoundError:  # pragma: no cover - installed with anagen
            out.append(f"{pkg}=?")
    return ";".join(out)


def summary_key(data: str | None = None, *, method: str = "REML", r: float | None = None) -> str:
    """SHA-256 (hex) of everything the evidence summary of selection ``data`` depends on
    (default: the active selection, ``$ANAGEN_EVIDENCE_DATA`` or ``bundled``)."""
    import anagen
    from anagen.evidence._store import DATA_ENV, evidence_dir

    data = data or os.environ.get(DATA_ENV) or "bundled"
    h = hashlib.sha256()
    h.update(f"{anagen.__version__}|{data}|{method}|{r!r}|{_versions()}\n".encode())
    files = sorted(_PKG.glob("*.py")) + sorted((_PKG / "data").glob("*"))
    if data != "bundled":
        user = evidence_dir()
        files += [user / "studies.csv", user / "provenance.csv", user / ".provenance.pending.csv"]
    for f in files:
        h.update(str(f.name).encode() + b"\0")
        try:
            h.update(hashlib.sha256(f.read_bytes()).digest())
        except OSError:
            h.update(b"absent")
    return h.hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / f"evidence-summary-{key[:32]}.bin"


def read_payload(key: str) -> bytes | None:
    """The verified bytes stored under ``key``, or ``None`` (absent, corrupt, or the cache
    off). Cheap: no unpickling."""
    if not _enabled():
        return None
    try:
        raw = _path(key).read_bytes()
    except OSError:
        return None
    head, digest = raw[: len(_MAGIC)], raw[len(_MAGIC) : len(_MAGIC) + 64]
    payload = raw[len(_MAGIC) + 65 :]
    if head != _MAGIC or digest != hashlib.sha256(key.encode() + payload).hexdigest().encode():
        return None
    return payload


def unpickle_summary(payload: bytes) -> Any | None:
    """The summary held by a verified payload, or ``None`` if it cannot be read as one."""
    try:
        obj = pickle.loads(payload)
    except Exception:  # any problem: compute again
        return None
    from anagen.evidence._summary_types import EvidenceSummary

    return obj if isinstance(obj, EvidenceSummary) else None


def load_summary(key: str) -> Any | None:
    """The cached summary under ``key``, or ``None`` (absent, corrupt, or the cache off)."""
    payload = read_payload(key)
    return None if payload is None else unpickle_summary(payload)


class CachedSummary:
    """A verified cache entry read when needed (``result()``, as a future's): an ``assess``
    unpickles it while its workers simulate. If it cannot be read after all, the summary is
    computed here."""

    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def result(self) -> Any:
        out = unpickle_summary(self._payload)
        if out is None:
            from anagen.evidence import summarise_evidence

            out = summarise_evidence()
        return out


def store_summary(key: str, summary: Any) -> None:
    """Write ``summary`` under ``key`` (temporary file + rename); a failure is ignored."""
    if not _enabled() or summary is None:
        return
    try:
        d = cache_dir()
        d.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)
        digest = hashlib.sha256(key.encode() + payload).hexdigest().encode()
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".evidence-summary-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + digest + b"\n" + payload)
            os.replace(tmp, _path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:  # a cache that cannot be written is only slower
        return


def cached_summary() -> Any:
    """:func:`~anagen.evidence.summarise_evidence` of the active selection (defaults), from the
    cache when it holds it, else computed and stored."""
    key = summary_key()
    hit = load_summary(key)
    if hit is not None:
        return hit
    from anagen.evidence import summarise_evidence

    summary = summarise_evidence()
    store_summary(key, summary)
    return summary
