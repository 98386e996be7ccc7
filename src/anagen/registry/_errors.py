"""Errors of the registry (all :class:`anagen.AnagenError`; bad input stays ``InputError``).

::

    AnagenError
    ├── InputError        a field out of range, an inconsistent date (CLI exit 2, HTTP 422)
    ├── AuthError         wrong/expired credentials or token (exit 2, HTTP 401)
    ├── AccessDenied      the role may not do this (analyst writing; non-admin adding users) (403)
    ├── NotFound          no such row IN THE USER'S CLINIC (another clinic's id looks the same) (404)
    └── Conflict          the row changed since it was read (optimistic locking) (exit 3, 409)
"""

from __future__ import annotations

from anagen.errors import AnagenError

__all__ = ["AccessDenied", "AuthError", "Conflict", "NotFound", "RegistryError"]


class RegistryError(AnagenError):
    """Base of the registry's own errors."""


class AuthError(RegistryError):
    """Login failed, or the session token is unknown, revoked or expired."""


class AccessDenied(RegistryError):
    """The acting user's role does not allow this."""


class NotFound(RegistryError):
    """No such row in the acting user's clinic."""


class Conflict(RegistryError):
    """Optimistic-locking conflict: re-read and try again."""
