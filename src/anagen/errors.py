"""Exception hierarchy.

::

    AnagenError                 base of everything anagen raises on purpose
    ├── InputError              bad user input: a file, a CLI flag, an API payload
    └── ConvergenceError        an iterative estimator did not converge

The CLI maps :class:`InputError` to exit code 2 (the web layer to HTTP 422) and prints only
its message: never a traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AnagenError", "ConvergenceError", "InputError"]


class AnagenError(Exception):
    """Base class of all errors raised deliberately by anagen."""


#: Longest echo of an offending value in a message (longer values are cut, with their length).
MAX_ECHO = 80


def _short(value: Any) -> str:
    """The offending value for a one-line message: repr of strings, cut to :data:`MAX_ECHO`."""
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > MAX_ECHO:
        text = f"{text[: MAX_ECHO - 20]}... ({len(text):,} characters)"
    return text


class InputError(AnagenError, ValueError):
    """Invalid input, with the place it was found and what is allowed.

    Parameters
    ----------
    message
        Free text used when the structured fields do not say it all.
    field
        The key, column or option at fault (``'vi'``, ``'cycle.anagen_mean_days'``, ``'--years'``).
    row
        1-based data row for tabular input (header excluded), if any.
    file
        File name, if the input came from a file.
    allowed
        What would have been accepted (``'> 0'``, ``'one of FE, DL, REML'``).
    got
        The offending value.

    Examples
    --------
    >>> str(InputError(field="vi", row=7, allowed="> 0", got=-0.02, file="studies.csv"))
    "studies.csv row 7: 'vi' must be > 0, got -0.02"
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        row: int | None = None,
        file: str | None = None,
        allowed: str | None = None,
        got: Any = None,
    ) -> None:
        self.field = field
        self.row = row
        self.file = file
        self.allowed = allowed
        self.got = got
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        prefix = " ".join(where)
        parts = []
        if self.field is not None and self.allowed is not None:
            text = f"'{self.field}' must be {self.allowed}"
            if self.got is not None:
                text += f", got {_short(self.got)}"
            parts.append(text)
        elif self.field is not None and self.detail is None:
            parts.append(f"'{self.field}' is invalid")
        if self.detail:
            if self.field is not None and self.allowed is None:
                parts.append(f"'{self.field}': {self.detail}")
            else:
                parts.append(self.detail)
        body = "; ".join(parts) if parts else "invalid input"
        return f"{prefix}: {body}" if prefix else body


class ConvergenceError(AnagenError, RuntimeError):
    """An iterative estimator failed to converge; the message says what to try instead."""
