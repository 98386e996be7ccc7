"""File I/O at the edges: hardened readers and atomic writers shared by every command.

Readers turn every way a user file can be broken (not UTF-8, too large, nested too deep,
numbers no engine can use) into one :class:`~anagen.errors.InputError` naming the file and
the key. Writers never leave a half-written file: output goes to a temporary file in the
target folder and is renamed into place only after it was written completely; the temporary
file is removed on any failure. A process killed by SIGKILL may leave its temporary file
(``.anagen-<pid>-<token>.tmp``) beside the target, never a truncated target; the next write
into that folder removes such files once their process is gone and they are an hour old.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from anagen.errors import InputError

__all__ = [
    "MAX_INPUT_BYTES",
    "atomic_path",
    "atomic_write",
    "check_output_path",
    "clean_text",
    "p_text",
    "read_text_file",
    "read_toml_file",
    "save_figure",
]

#: Largest user input file read (bytes). The biggest shipped input is ~40 kB.
MAX_INPUT_BYTES = 20_000_000
#: Deepest nesting of tables/arrays accepted in a TOML input file (the shipped ones use 3).
MAX_TOML_DEPTH = 16
#: Largest integer magnitude accepted anywhere in a TOML input file (int64).
MAX_TOML_INT = 2**63 - 1

_FORBIDDEN_ROOTS = ("/proc", "/sys", "/dev")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Age (seconds) after which a temporary file of a process that no longer runs is removed.
STALE_TMP_S = 3600.0
_TMP_NAME = re.compile(r"^\.anagen-([0-9]+)-[0-9a-f]{16}\.tmp")
#: A value of more decimal digits than Python converts to an int (sys.get_int_max_str_digits).
_LONG_DIGITS = re.compile(r"[=\[,]\s*[+-]?([0-9][0-9_]{4300,})")


def clean_text(text: str) -> str:
    """``text`` without control characters (terminal escape sequences lose their ESC)."""
    return _CONTROL.sub("", text)


def p_text(p: float | None, digits: int = 3) -> str:
    """A p-value as printed: ``0.0123`` (``digits`` significant), ``< 1e-300`` where the tail
    probability underflowed (never ``0``), ``NA`` when there is none."""
    if p is None or not math.isfinite(p):
        return "NA"
    return "< 1e-300" if p < 1e-300 else f"{p:.{digits}g}"


def read_text_file(path: str | Path, *, what: str = "file") -> str:
    """The text of a UTF-8 file (a leading BOM is dropped); every failure is an InputError."""
    p = Path(path)
    try:
        if not p.is_file():
            raise InputError(f"{what} not found (or not a regular file)", file=str(p))
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(
                f"{what} is {size:,} bytes; at most {MAX_INPUT_BYTES:,} are read", file=str(p)
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} ({exc.strerror or exc})", file=str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not a UTF-8 text file (invalid byte at offset {exc.start})", file=str(p)
        ) from None
    return text.removeprefix("\ufeff")


def _check_values(obj: Any, where: str, depth: int, file: str) -> None:
    if depth > MAX_TOML_DEPTH:
        raise InputError(
            f"tables/arrays nested more than {MAX_TOML_DEPTH} deep",
            field=where or "(file)",
            file=file,
        )
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_values(v, f"{where}.{k}" if where else str(k), depth + 1, file)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_values(v, f"{where}[{i}]", depth + 1, file)
    elif isinstance(obj, int) and not isinstance(obj, bool) and abs(obj) > MAX_TOML_INT:
        raise InputError(
            field=where,
            allowed=f"an integer within ±{MAX_TOML_INT:.3g}",
            got="(a huge integer)",
            file=file,
        )


def _value_error_text(text: str, exc: ValueError) -> str:
    """What a ``ValueError`` of ``tomllib`` means for the user: for an integer longer than
    Python converts (4,300 digits), its line and the allowed range instead of Python's advice
    to raise the limit."""
    run = _LONG_DIGITS.search(text)
    if run is None or "integer string conversion" not in str(exc):
        return str(exc)
    line = text.count("\n", 0, run.start(1)) + 1
    digits = sum(c.isdigit() for c in run.group(1))
    allowed = f"integers must be within ±{MAX_TOML_INT:.3g}"
    return f"line {line}: an integer of {digits:,} digits; {allowed}"


def _clean_strings(obj: Any) -> Any:
    """``obj`` with control characters removed from every string value (keys are left as they
    are: an unknown key is refused by name)."""
    if isinstance(obj, str):
        return clean_text(obj)
    if isinstance(obj, dict):
        return {k: _clean_strings(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean_strings(v) for v in obj]
    return obj


def read_toml_file(path: str | Path, *, what: str = "file") -> dict[str, Any]:
    """Parse a TOML file; any failure (encoding, syntax, size, depth, huge ints) is an InputError.

    Errors name the file and, for values, the dotted key; they never echo more than the value.
    String values lose their control characters (``\\u001b``, ``\\u0007``, ...; tabs and
    newlines stay), as the consoles drop them: a name reaches tables, figures and reports as
    text, never as a terminal escape sequence or a glyph matplotlib warns about on stderr.
    """
    p = Path(path)
    text = read_text_file(p, what=what)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", file=str(p)) from None
    except RecursionError:
        raise InputError("not valid TOML (nested too deep)", file=str(p)) from None
    except ValueError as exc:  # e.g. an integer beyond Python's int-string limit
        raise InputError(f"not valid TOML ({_value_error_text(text, exc)})", file=str(p)) from None
    try:
        _check_values(data, "", 0, str(p))
    except RecursionError:
        raise InputError("not valid TOML (nested too deep)", file=str(p)) from None
    return _clean_strings(data)


# --- output ------------------------------------------------------------------------------------


def check_output_path(
    path: str | Path, *, field: str, suffixes: tuple[str, ...] | None = None
) -> Path:
    """Refuse, before any work, an output path that cannot receive a regular file.

    Refused: an unknown suffix, a directory, a path under /proc, /sys or /dev, a missing or
    unwritable folder, an existing non-regular file. One :class:`InputError` naming ``field``.
    """
    p = Path(path)
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise InputError(
            field=field,
            allowed="a file ending in " + ", ".join(suffixes),
            got=str(p),
        )
    try:
        resolved = p.resolve()
    except (OSError, RuntimeError):
        raise InputError(field=field, allowed="a resolvable file path", got=str(p)) from None
    if any(str(resolved) == r or str(resolved).startswith(r + "/") for r in _FORBIDDEN_ROOTS):
        raise InputError(field=field, allowed="a path outside /proc, /sys and /dev", got=str(p))
    parent = resolved.parent
    try:
        if resolved.exists() and not stat.S_ISREG(resolved.stat().st_mode):
            raise InputError(
                field=field,
                allowed="a regular file path (this is a directory or device)",
                got=str(p),
            )
        if not parent.is_dir():
            raise InputError(field=field, allowed="a path in an existing folder", got=str(p))
    except OSError:
        raise InputError(field=field, allowed="an accessible file path", got=str(p)) from None
    if not os.access(parent, os.W_OK | os.X_OK) or (
        resolved.exists() and not os.access(resolved, os.W_OK)
    ):
        raise InputError(field=field, allowed="a writable location", got=str(p))
    return p


def _running(pid: int) -> bool:
    """Whether process ``pid`` may still run here (another user's, or a number that is no pid
    here, counts as running: its file is kept)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, OSError):
        pass
    return True


def sweep_stale_temporaries(folder: str | Path, *, min_age_s: float = STALE_TMP_S) -> list[Path]:
    """Remove the temporary files that killed anagen processes left in ``folder``.

    A file named ``.anagen-<pid>-<token>.tmp...`` is removed when no process ``<pid>`` runs
    here and it was last written more than ``min_age_s`` ago (a process of another machine
    writing into a shared folder, or a new process that reused the pid, is left alone).
    Returns the files removed; errors (a file gone meanwhile, no permission) are ignored.
    """
    import time

    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        m = _TMP_NAME.match(e.name)
        if m is None or _running(int(m.group(1))):
            continue
        try:
            if now - e.stat(follow_symlinks=False).st_mtime > min_age_s and e.is_file(
                follow_symlinks=False
            ):
                os.unlink(e.path)
                removed.append(Path(e.path))
        except OSError:
            continue
    return removed


@contextmanager
def atomic_path(path: str | Path, *, field: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    On any exception the temporary file is removed and nothing at ``path`` changes. An
    ``OSError`` while writing (full disk, permissions) becomes an InputError naming ``field``.
    """
    target = Path(path)
    folder = target.resolve().parent
    # named before it is created, inside the try: an exit at any moment after its creation
    # (SIGTERM arriving as the file appears) knows what to remove
    tmp: Path | None = folder / f".anagen-{os.getpid()}-{secrets.token_hex(8)}.tmp{target.suffix}"
    try:
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            if isinstance(exc, FileExistsError):
                tmp = None  # not ours
            raise InputError(
                f"cannot write there ({exc.strerror or exc})", field=field, file=str(target)
            ) from None
        sweep_stale_temporaries(folder)  # what killed runs left here (they never hold a target)
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"could not write the file ({exc.strerror or exc})", field=field, file=str(target)
        ) from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(
    path: str | Path, mode: str = "w", *, field: str = "output", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; rename it into place on success."""
    with atomic_path(path, field=field) as tmp:
        enc = None if "b" in mode else encoding
        with open(tmp, mode, encoding=enc) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def save_figure(fig: Any, path: str | Path, *, field: str = "--plot", **kwargs: Any) -> Path:
    """``fig.savefig`` atomically; the format comes from the target's suffix."""
    p = Path(path)
    fmt = kwargs.pop("format", None) or p.suffix.lstrip(".").lower() or None
    with atomic_path(p, field=field) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)
    return p


def write_with(path: str | Path, writer: Callable[[Path], Any], *, field: str = "output") -> Path:
    """Call ``writer(tmp)`` and rename its output onto ``path`` (atomic)."""
    with atomic_path(path, field=field) as tmp:
        writer(tmp)
    return Path(path)
