from __future__ import annotations

from typing import Any, Protocol


class JwksSource(Protocol):
    """Where a verifier gets the public keys it trusts: this server's own `KeyProvider` (which
    satisfies this structurally) or an external issuer's `jwks_uri` fetched over HTTP."""

    async def public_jwks(self) -> dict[str, Any]:
        """An RFC 7517 JWK Set, `{"keys": [...]}`."""
        ...
