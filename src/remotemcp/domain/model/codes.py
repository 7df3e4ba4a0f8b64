from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """An issued authorization code, stored under the digest of the code, never the code itself."""

    code_hash: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    resource: str
    scopes: frozenset[str]
    subject: str
    """The user's stable identifier (`sub`)."""
    auth_time: int
    issued_at: int
    expires_at: int
    grant_id: str
    """The grant every token redeemed from this code belongs to, so a replay can revoke them all."""
    nonce: str | None = None
    code_challenge_method: str = "S256"
    redirect_uri_in_request: bool = True
    """RFC 6749 §4.1.3: the token request must repeat redirect_uri when the authorization request had it."""


@dataclass(frozen=True, slots=True)
class CodeConsumption:
    """What an atomic `consume` found: the code and whether this call was the first to use it."""

    code: AuthorizationCode
    first_use: bool
