"""Passwords (Argon2id) and expiring session tokens.

* Passwords: at least 12 characters (OWASP ASVS 2.1.1), stored only as Argon2id hashes
  (argon2-cffi's defaults, RFC 9106 parameters); never printed, logged or written to the audit
  trail. Ten consecutive failed logins lock the account until an admin resets the password.
* Sessions: ``login`` returns a random 256-bit token; the database stores only its SHA-256 and
  an expiry (default 8 hours, at most 24). On PostgreSQL the same token is what the row-level
  security policies check, so a transaction without a live token sees no rows at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, text, update

from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry._errors import AuthError
from anagen.registry._session import Actor

__all__ = [
    "DEFAULT_HOURS",
    "MAX_FAILED",
    "MAX_HOURS",
    "MIN_PASSWORD",
    "actor_from_token",
    "check_password_strength",
    "hash_password",
    "login",
    "logout",
]

DEFAULT_HOURS = 8.0
MAX_HOURS = 24.0
MIN_PASSWORD = 12
MAX_FAILED = 10
_HASHER = PasswordHasher()


@functools.cache
def _decoy_hash() -> str:
    """A hash verified when the user does not exist, so that a login takes as long whether or
    not the name exists (timing does not reveal user names)."""
    return _HASHER.hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _HASHER.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            field="password",
            allowed=f"at least {MIN_PASSWORD} characters",
            got=f"{len(password)} characters",
        )
    if len(password) > 256:
        raise InputError(field="password", allowed="at most 256 characters")


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def login(
    registry: Any, clinic: str, username: str, password: str, *, hours: float = DEFAULT_HOURS
) -> Actor:
    """Check the password and open a session; returns the :class:`Actor` with its token."""
    if not 0 < hours <= MAX_HOURS:
        raise InputError(field="--hours", allowed=f"in (0, {MAX_HOURS:g}]", got=hours)
    failed = False
    with registry.engine.begin() as conn:
        if registry.is_postgres:
            row = (
                conn.execute(
                    text("SELECT * FROM anagen_login_lookup(:c, :u)"), {"c": clinic, "u": username}
                )
                .mappings()
                .first()
            )
        else:
            row = (
                conn.execute(
                    select(
                        m.User.id.label("user_id"),
                        m.User.clinic_id,
                        m.User.role,
                        m.User.password_hash,
                        m.User.active,
                        m.User.failed_logins,
                    )
                    .join(m.Clinic, m.Clinic.id == m.User.clinic_id)
                    .where(m.Clinic.code == clinic, m.User.username == username)
                )
                .mappings()
                .first()
            )
        if row is None or row["user_id"] is None:
            try:
                _HASHER.verify(_decoy_hash(), password)
            except VerificationError:
                pass
            raise AuthError("login failed: unknown clinic/user or wrong password")
        if not row["active"] or row["failed_logins"] >= MAX_FAILED:
            raise AuthError("login failed: account locked or deactivated (ask your admin)")
        try:
            _HASHER.verify(row["password_hash"], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            if registry.is_postgres:
                conn.execute(text("SELECT anagen_login_failed(:u)"), {"u": row["user_id"]})
            else:
                conn.execute(
                    update(m.User)
                    .where(m.User.id == row["user_id"])
                    .values(failed_logins=m.User.failed_logins + 1)
                )
            failed = True
        if not failed:
            token, expires = _open(registry, conn, row, hours)
    if failed:
        raise AuthError("login failed: unknown clinic/user or wrong password")
    return Actor(row["clinic_id"], row["user_id"], username, row["role"], token, expires)


def _open(registry: Any, conn: Any, row: Any, hours: float = DEFAULT_HOURS) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    expires = _iso(now + dt.timedelta(hours=hours))
    if registry.is_postgres:
        conn.execute(
            text("SELECT anagen_open_session(:u, :h, :e)"),
            {"u": row["user_id"], "h": _sha(token), "e": expires},
        )
    else:
        if row["failed_logins"]:
            conn.execute(update(m.User).where(m.User.id == row["user_id"]).values(failed_logins=0))
        conn.execute(
            m.AuthSession.__table__.insert().values(
                clinic_id=row["clinic_id"],
                user_id=row["user_id"],
                token_sha256=_sha(token),
                created_at=_iso(now),
                expires_at=expires,
                revoked=False,
            )
        )
    return token, expires


def actor_from_token(registry: Any, token: str | None) -> Actor:
    """The user of a live session token, or :class:`AuthError`."""
    if not token:
        raise AuthError("not logged in: run 'anagen registry login' (or set ANAGEN_REGISTRY_TOKEN)")
    now = _iso(dt.datetime.now(dt.UTC))
    with registry.engine.begin() as conn:
        if registry.is_postgres:
            conn.execute(text("SELECT set_config('anagen.session_token', :t, true)"), {"t": token})
            row = (
                conn.execute(
                    text(
                        "SELECT s.user_id, s.clinic_id, s.role, u.username FROM anagen_session_user() s "
                        "JOIN users u ON u.id = s.user_id"
                    )
                )
                .mappings()
                .first()
            )
            exp = None
        else:
            row = (
                conn.execute(
                    select(
                        m.User.id.label("user_id"),
                        m.User.clinic_id,
                        m.User.role,
                        m.User.username,
                        m.AuthSession.expires_at,
                    )
                    .join(m.AuthSession, m.AuthSession.user_id == m.User.id)
                    .where(
                        m.AuthSession.token_sha256 == _sha(token),
                        m.AuthSession.revoked.is_(False),
                        m.AuthSession.expires_at > now,
                        m.User.active.is_(True),
                    )
                )
                .mappings()
                .first()
            )
            exp = None if row is None else row["expires_at"]
    if row is None or row["user_id"] is None:
        raise AuthError("session expired or unknown: log in again ('anagen registry login')")
    return Actor(row["clinic_id"], row["user_id"], row["username"], row["role"], token, exp)


def logout(registry: Any, token: str) -> None:
    with registry.engine.begin() as conn:
        if registry.is_postgres:
            conn.execute(text("SELECT anagen_close_session(:h)"), {"h": _sha(token)})
        else:
            conn.execute(
                update(m.AuthSession)
                .where(m.AuthSession.token_sha256 == _sha(token))
                .values(revoked=True)
            )
