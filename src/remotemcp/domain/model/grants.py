from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Grant:
    """A refresh-token family: what a user granted a client, shared by every rotated token."""

    grant_id: str
    client_id: str
    subject: str
    scopes: frozenset[str]
    resource: str
    auth_time: int
    created_at: int
    expires_at: int
    """Absolute end of the family, whatever the rotations."""
    revoked_at: int | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class RefreshToken:
    token_hash: str
    grant_id: str
    issued_at: int
    expires_at: int
    rotated_at: int | None = None
    """Set once, atomically, when the token is exchanged for its successor."""
    successor_hash: str | None = None
    rotation_salt: str | None = None
    """With the presented parent token, re-derives the successor inside the grace window."""


@dataclass(frozen=True, slots=True)
class RotationOutcome:
    """Result of an atomic rotation attempt."""

    parent: RefreshToken
    """The parent as stored after the attempt."""
    rotated_now: bool
    """True when this call performed the rotation; False when another call already had."""
