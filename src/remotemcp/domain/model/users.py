from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    """Stable, never reused; the `sub` claim."""
    username: str
    password_hash: str
    created_at: int
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """Recent failed logins for one key (a username or a client address)."""

    key: str
    count: int
    first_failure_at: int
    locked_until: int = 0
    lockouts: int = 0
    """Consecutive lockouts of this key, so that a repeated lockout can last longer."""
