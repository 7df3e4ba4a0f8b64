"""Randomness as a parameter, so tests can make secrets deterministic when they need to."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Protocol


class RandomSource(Protocol):
    def token_bytes(self, nbytes: int) -> bytes: ...


class SystemRandom:
    """Cryptographically secure bytes from the operating system."""

    def token_bytes(self, nbytes: int) -> bytes:
        return secrets.token_bytes(nbytes)


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def new_secret(random: RandomSource, nbytes: int = 32) -> str:
    """A bearer secret (code, refresh token, client secret): 256 bits by default, URL-safe."""
    return b64url(random.token_bytes(nbytes))


def secret_digest(secret: str) -> str:
    """What repositories store instead of a high-entropy secret. A fast hash is right here: the
    secrets are 256-bit random, so there is nothing to brute-force; passwords use argon2id."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
