"""The credentials of an `Authorization: Bearer` header (RFC 6750 §2.1), the only place this server
reads an access token: tokens in URLs end up in logs."""

from __future__ import annotations


def bearer_credentials(authorization: str) -> str | None:
    """The credentials after the `Bearer` scheme (any case), stripped; None for any other scheme.
    Empty credentials come back as "": whether that is an error is the caller's call."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()
