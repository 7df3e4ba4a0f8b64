"""JWS compact serialization (RFC 7515 §7.1) assembled in the domain, signed by the key provider.

Assembly is here, not in a JOSE library, because the private key never leaves the `KeyProvider`
(Vault Transit or an HSM signs the signing input); verification uses joserfc with the public JWKS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from remotemcp.domain.ports.keys import KeyProvider
from remotemcp.domain.randomness import b64url


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode("utf-8")


async def sign_jwt(keys: KeyProvider, claims: Mapping[str, Any], typ: str = "JWT") -> str:
    """Sign `claims` with the provider's active key; the header names its `kid` and `alg`."""
    key = await keys.active_key()
    header = {"alg": key.alg, "typ": typ, "kid": key.kid}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(claims))}".encode("ascii")
    signature = await keys.sign(key.kid, signing_input)
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def half_hash(value: str, alg: str) -> str:
    """OIDC Core §3.1.3.6 `at_hash`: left half of the hash matching the JWS algorithm's hash."""
    if alg.endswith("384"):
        digest = hashlib.sha384(value.encode("ascii")).digest()
    elif alg.endswith("512") or alg == "EdDSA":
        digest = hashlib.sha512(value.encode("ascii")).digest()
    else:
        digest = hashlib.sha256(value.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])
