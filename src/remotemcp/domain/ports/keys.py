from __future__ import annotations

from typing import Any, Protocol

from remotemcp.domain.model.keys import SigningKey


class KeyProvider(Protocol):
    """Key custody. The private key never leaves the provider: the domain hands it the JWS signing
    input and gets the signature back (raw, as JWS wants it: R||S for ECDSA)."""

    async def active_key(self) -> SigningKey:
        """The key new tokens are signed with; a provider with no key creates one."""
        ...

    async def sign(self, kid: str, signing_input: bytes) -> bytes:
        """Raises `NotFound` for a kid that is not active."""
        ...

    async def public_jwks(self) -> dict[str, Any]:
        """`{"keys": [...]}` with every active and retiring key: RFC 7517 public members only,
        each with `kid`, `alg` and `use: sig`."""
        ...

    async def rotate(self, overlap_seconds: int) -> SigningKey:
        """Create a new active key; the previous active key keeps being published for
        `overlap_seconds` (at least the longest token lifetime) so its tokens still verify."""
        ...

    async def list_keys(self) -> list[SigningKey]: ...
