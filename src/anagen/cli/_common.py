"""Helpers shared by the CLI modules: consoles, JSON output, progress bars, file checks."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from anagen._io import clean_text
from anagen.errors import InputError


class _SafeConsole(Console):
    """A console that strips control characters (terminal escape sequences) from every string
    it renders, table cells included; no emoji codes (``:smile:``) are expanded."""

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(clean_text(text), **kwargs)


console = _SafeConsole(emoji=False)
err_console = _SafeConsole(stderr=True, emoji=False)


def esc(text: Any) -> str:
    """``text`` as literal console text: rich markup escaped, control characters removed.

    Apply to every user-supplied string (labels, names, messages quoting user values) that is
    printed through markup-enabled rich output, so ``[trial]`` stays visible and ``[/]`` cannot
    break the printer.
    """
    from rich.markup import escape

    return escape(clean_text(str(text)))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    np = sys.modules.get("numpy")  # not imported here: --help and errors start faster
    if np is not None and isinstance(obj, np.ndarray):
        if obj.dtype.kind in "iub" or (obj.dtype.kind == "f" and np.isfinite(obj).all()):
            return obj.tolist()  # Python numbers only: nothing left to convert
        return _jsonable(obj.tolist())
    if np is not None and isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # JSON has no NaN/inf; null means "not available"
    if isinstance(obj, Path):
        return str(obj)
    return obj


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (NaN/inf become null, arrays become lists)."""
    print(json.dumps(_jsonable(obj), indent=2, allow_nan=False))


#: Largest seed accepted on the command line (seeds are numpy SeedSequence entropy; int64 keeps
#: them printable, storable and usable by every engine).
MAX_SEED = 2**63 - 1


def check_seed(seed: int | None, option: str = "--seed") -> None:
    """Refuse a negative or larger-than-int64 seed with one line naming the option."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError(field=option, allowed=f"an integer in [0, {MAX_SEED}]", got=seed)


def require_file(path: Path, *, what: str = "file") -> Path:
    """Return ``path`` if it is a readable file, else raise :class:`InputError`."""
    if not path.exists():
        raise InputError(f"{what} not found", file=str(path))
    if not path.is_file():
        raise InputError(f"{what} is not a regular file", file=str(path))
    return path


def check_output_path(
    path: Path | None,
    field: str = "--plot",
    suffixes: tuple[str, ...] = (".png", ".svg", ".pdf", ".html", ".json", ".csv"),
) -> Path | None:
    """Validate an output path before any work is done (so nothing is half-written).

    Refuses an unknown suffix, a directory, /proc, /sys or /dev, a missing or unwritable folder
    (see :func:`anagen._io.check_output_path`).
    """
    if path is None:
        return None
    from anagen._io import check_output_path as _check

    return _check(path, field=field, suffixes=suffixes)


@contextmanager
def progress(description: str, total: int, *, enabled: bool = True) -> Iterator[Any]:
    """A rich progress bar on stderr; yields a callable ``advance(n=1)``."""
    if not enabled:
        yield lambda n=1: None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
