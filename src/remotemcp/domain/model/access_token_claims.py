from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    """What a verified RFC 9068 access token says, as the resource server relies on it."""

    subject: str
    client_id: str
    scopes: frozenset[str]
    audience: str
    """The audience the token was accepted for: this resource server's canonical URI."""
    issuer: str
    issued_at: int
    expires_at: int
    jti: str
    grant_id: str | None
    """RemoteMCP's private `gid` claim; None in tokens from an external issuer."""
    auth_time: int | None
    claims: Mapping[str, Any] = field(hash=False)
    """Every claim of the token, read-only, for callers that need one RemoteMCP does not model."""
