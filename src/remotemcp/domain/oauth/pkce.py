"""Proof Key for Code Exchange (RFC 7636), S256 only (OAuth 2.1 §4.1.1, MCP authorization).

At /authorize a bad challenge is `invalid_request`; at /token a verifier that is malformed or does
not match is `invalid_grant` (OAuth 2.1 §4.1.3)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

from remotemcp.domain.errors import InvalidGrant, InvalidRequest
from remotemcp.domain.randomness import b64url

S256 = "S256"

# RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# BASE64URL(SHA-256(...)) is always exactly 43 characters.
_CHALLENGE = re.compile(r"[A-Za-z0-9_\-]{43}")


def validate_code_challenge(challenge: str | None, method: str | None) -> str:
    """Check the `code_challenge` and `code_challenge_method` of an authorization request; returns
    the challenge or raises `InvalidRequest`."""
    if not challenge:
        raise InvalidRequest("code_challenge is required: this server requires PKCE with S256")
    if not method:
        # RFC 7636 §4.3 makes an absent method mean `plain`, which this server refuses.
        raise InvalidRequest(
            "code_challenge_method is required and must be S256 (an absent method means plain)"
        )
    if method == "plain":
        raise InvalidRequest("code_challenge_method plain is not allowed; use S256")
    if method != S256:
        raise InvalidRequest("unsupported code_challenge_method; only S256 is supported")
    if not _CHALLENGE.fullmatch(challenge) or not _is_canonical_digest(challenge):
        raise InvalidRequest("code_challenge must be the 43-character base64url SHA-256 of the verifier")
    return challenge


def _is_canonical_digest(challenge: str) -> bool:
    # A challenge with non-zero trailing bits can never equal any verifier's digest: refusing it
    # here tells the client at /authorize instead of at /token, after the user has logged in.
    try:
        raw = base64.urlsafe_b64decode(challenge + "=")
    except (binascii.Error, ValueError):
        return False
    return len(raw) == 32 and b64url(raw) == challenge


def is_valid_code_verifier(verifier: str) -> bool:
    return _VERIFIER.fullmatch(verifier) is not None


def validate_code_verifier(verifier: str) -> str:
    """RFC 7636 §4.1 grammar. Returns the verifier or raises `InvalidGrant`."""
    if not is_valid_code_verifier(verifier):
        raise InvalidGrant("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
    return verifier


def s256_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(code_verifier))), RFC 7636 §4.2. Non-ASCII input raises ValueError."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def verify_code_verifier(verifier: str, challenge: str) -> bool:
    """True only for a verifier inside the grammar whose S256 digest equals the challenge; the
    comparison takes the same time wherever the strings differ."""
    if not is_valid_code_verifier(verifier):
        return False
    return hmac.compare_digest(s256_challenge(verifier).encode("ascii"), challenge.encode("utf-8"))
