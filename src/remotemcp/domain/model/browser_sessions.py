from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """A person logged in at the authorization server's pages. Stored under the digest of the
    cookie value, so a leaked store does not yield usable cookies."""

    session_hash: str
    subject: str
    auth_time: int
    created_at: int
    expires_at: int
