"""Bearer access-token validation for the resource server (RFC 9068, RFC 6750, RFC 8725).

Runs on every MCP request, so the trusted keys are parsed once into a joserfc `KeySet` and
re-read from the `JwksSource` only when they age out or a token names a kid not seen before
(rate-limited, so random kids cannot turn each request into a JWKS fetch).

Everything a token claims about itself is checked before it can choose a key: the algorithm must
be in the pinned list before any key lookup, so `alg: none` and HMAC keyed with a published RSA
key are refused without ever reaching a verifier.
"""

from __future__ import annotations

import binascii
import copy
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from joserfc.errors import (
    InvalidHeaderValueError,
    JoseError,
    MissingCritHeaderError,
    MissingHeaderError,
    UnsupportedAlgorithmError,
    UnsupportedHeaderError,
)
from joserfc.jwk import JWKRegistry, Key, KeySet
from joserfc.jws import CompactSignature, JWSRegistry, validate_compact
from joserfc.util import urlsafe_b64decode

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InsufficientScope, InvalidScope, InvalidToken, TemporarilyUnavailable
from remotemcp.domain.errors import TokenRejection as Why
from remotemcp.domain.model.access_token_claims import AccessTokenClaims
from remotemcp.domain.oauth.scopes import parse_scope
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.jwks import JwksSource
from remotemcp.domain.ports.revocation import RevocationList

__all__ = ["AccessTokenClaims", "AccessTokenValidator", "require_scopes"]

# RFC 9068 §4: `typ` is compared case-insensitively, with or without the `application/` prefix.
_ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
_REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id")
_SIGNATURE_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})
# Far above any token RemoteMCP or a mainstream issuer mints; bounds the work a junk header costs.
_MAX_TOKEN_LENGTH = 16 * 1024
_HEADER_ERRORS = (InvalidHeaderValueError, MissingHeaderError, UnsupportedHeaderError, MissingCritHeaderError)


@dataclass(frozen=True, slots=True)
class _TrustedKeys:
    document: dict[str, Any]
    """The JWKS as fetched, to skip re-parsing when a refresh returns the same set."""
    key_set: KeySet
    by_kid: Mapping[str, Key]
    fetched_at: int


def _reject(reason: Why, description: str) -> InvalidToken:
    # Descriptions never quote the token: they may reach a WWW-Authenticate header or a log line.
    return InvalidToken(reason, f"{reason.value}: {description}")


def _parse_jwks(document: dict[str, Any], now: int) -> _TrustedKeys:
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise TemporarilyUnavailable("the trusted JWKS is not a JWK Set")
    keys: list[Key] = []
    for entry in entries:
        # Symmetric keys are never trusted: a JWKS is public, so an `oct` key in it is a shared
        # secret everyone knows. Keys for encryption cannot verify signatures.
        if not isinstance(entry, dict) or entry.get("kty") not in _SIGNATURE_KEY_TYPES:
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            keys.append(JWKRegistry.import_key(entry))
        except (JoseError, ValueError, TypeError, KeyError):
            # RFC 7517 §5: a key that cannot be used is skipped, not fatal to the set.
            continue
    key_set = KeySet(keys)
    by_kid: dict[str, Key] = {}
    for key in key_set.keys:
        if key.kid is not None:
            by_kid.setdefault(key.kid, key)
    return _TrustedKeys(document=document, key_set=key_set, by_kid=by_kid, fetched_at=now)


def _b64decode(segment: str, part: str) -> bytes:
    try:
        return urlsafe_b64decode(segment.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeError) as error:
        raise _reject(Why.MALFORMED, f"the {part} is not base64url") from error


def _json_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeError, RecursionError) as error:
        # RecursionError: a few kilobytes of `[` nest deeper than the parser will go.
        raise _reject(Why.MALFORMED, f"the {part} is not JSON") from error
    if not isinstance(value, dict):
        raise _reject(Why.MALFORMED, f"the {part} is not a JSON object")
    return value


def _string_claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise _reject(Why.MALFORMED, f"`{name}` is not a non-empty string")
    return value


def _optional_string_claim(claims: Mapping[str, Any], name: str) -> str | None:
    if claims.get(name) is None:
        return None
    return _string_claim(claims, name)


def _numeric_date(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    # bool is an int subclass; `true` is not a date.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _reject(Why.MALFORMED, f"`{name}` is not a NumericDate")
    return value


def _optional_numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    if claims.get(name) is None:
        return None
    return _numeric_date(claims, name)


def _audiences(claims: Mapping[str, Any]) -> tuple[str, ...]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return (aud,)
    if isinstance(aud, list) and all(isinstance(item, str) for item in aud):
        return tuple(aud)
    raise _reject(Why.MALFORMED, "`aud` is neither a string nor a list of strings")


class AccessTokenValidator:
    """Verifies JWT access tokens for this resource server. One instance per process: it caches
    the parsed trusted keys.

    `min_refresh_interval`: seconds between JWKS re-reads triggered by an unknown `kid`. With this
    server's own in-process `KeyProvider` a re-read is a memory copy, so 0 is fine and lets a token
    signed by a just-rotated key verify at once; with an external issuer's `jwks_uri` keep it.
    `max_age`: seconds a parsed JWKS is trusted before it is re-read, which is also how soon a
    retired key stops verifying.
    """

    def __init__(
        self,
        jwks: JwksSource,
        revocations: RevocationList,
        policy: ServerPolicy,
        clock: Clock,
        *,
        min_refresh_interval: int = 30,
        max_age: int = 300,
    ) -> None:
        if min_refresh_interval < 0 or max_age <= 0:
            raise ValueError("min_refresh_interval must be >= 0 and max_age > 0")
        self._jwks = jwks
        self._revocations = revocations
        self._policy = policy
        self._clock = clock
        self._min_refresh_interval = min_refresh_interval
        self._max_age = max_age
        self._allowed_algorithms = frozenset(policy.signing_algorithms)
        # Unregistered, non-critical header parameters must be ignored (RFC 7515 §4), so the
        # registry is not strict about them; `crit` is refused separately.
        self._registry = JWSRegistry(algorithms=list(policy.signing_algorithms), strict_check_header=False)
        self._trusted: _TrustedKeys | None = None
        self._unknown_kid_refresh_at = 0

    async def validate(self, token: str) -> AccessTokenClaims:
        """The verified claims of `token`, or `InvalidToken` carrying the reason."""
        now = self._clock.now()
        signed, kid = self._parse(token)
        key = await self._key_for(kid, now)
        self._verify(signed, key)
        claims = self._check_claims(_json_object(signed.payload, "payload"), now)
        identifiers = (claims.jti, claims.grant_id) if claims.grant_id else (claims.jti,)
        if await self._revocations.is_revoked(identifiers, now):
            raise _reject(Why.REVOKED, "the token or its grant was revoked")
        return claims

    def _parse(self, token: str) -> tuple[CompactSignature, str]:
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_LENGTH:
            raise _reject(Why.MALFORMED, "not a compact JWS of acceptable size")
        parts = token.split(".")
        if len(parts) != 3:
            raise _reject(Why.MALFORMED, "a compact JWS has exactly three parts")
        header_segment, payload_segment, signature_segment = parts
        header = _json_object(_b64decode(header_segment, "header"), "header")
        payload = _b64decode(payload_segment, "payload")
        _b64decode(signature_segment, "signature")

        alg = header.get("alg")
        if alg is None:
            raise _reject(Why.MALFORMED, "the header has no `alg`")
        if not isinstance(alg, str) or alg not in self._allowed_algorithms:
            raise _reject(Why.ALGORITHM_NOT_ALLOWED, "the `alg` is not one this server accepts")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in _ACCESS_TOKEN_TYPES:
            raise _reject(Why.WRONG_TYPE, "the `typ` is not at+jwt")
        if "crit" in header:
            # RFC 7515 §4.1.11: extensions we do not implement must make the token invalid.
            raise _reject(Why.MALFORMED, "no critical header extension is supported")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _reject(Why.MALFORMED, "the header has no `kid`")

        signed = CompactSignature(header, payload)
        signed.segments.update(
            {
                "header": header_segment.encode("ascii"),
                "payload": payload_segment.encode("ascii"),
                "signature": signature_segment.encode("ascii"),
            }
        )
        return signed, kid

    async def _key_for(self, kid: str, now: int) -> Key:
        trusted = self._trusted
        if trusted is None or now >= trusted.fetched_at + self._max_age:
            trusted = await self._refresh(now)
        key = trusted.by_kid.get(kid)
        if key is None and now >= self._unknown_kid_refresh_at:
            trusted = await self._refresh(now)
            key = trusted.by_kid.get(kid)
        if key is None:
            raise _reject(Why.UNKNOWN_KEY, "the `kid` names no trusted key")
        return key

    async def _refresh(self, now: int) -> _TrustedKeys:
        # Claimed before the await so concurrent requests with unknown kids share one fetch window,
        # and the stale set stays in use (it was trusted a moment ago) while the fetch runs.
        self._unknown_kid_refresh_at = now + self._min_refresh_interval
        current = self._trusted
        if current is not None:
            self._trusted = dataclasses.replace(current, fetched_at=now)
        document = copy.deepcopy(await self._jwks.public_jwks())
        if current is not None and document == current.document:
            trusted = dataclasses.replace(current, fetched_at=now)
        else:
            trusted = _parse_jwks(document, now)
        self._trusted = trusted
        return trusted

    def _verify(self, signed: CompactSignature, key: Key) -> None:
        try:
            valid = validate_compact(signed, key, registry=self._registry)
        except _HEADER_ERRORS as error:
            raise _reject(Why.MALFORMED, "a header parameter is invalid") from error
        except UnsupportedAlgorithmError as error:
            raise _reject(Why.ALGORITHM_NOT_ALLOWED, "the `alg` is not supported") from error
        except (JoseError, ValueError) as error:
            # The key exists but is not one this algorithm can use (wrong kty, curve or `alg`).
            raise _reject(Why.BAD_SIGNATURE, "the named key cannot verify this algorithm") from error
        if not valid:
            raise _reject(Why.BAD_SIGNATURE, "the signature does not verify")

    def _check_claims(self, claims: dict[str, Any], now: int) -> AccessTokenClaims:
        missing = [name for name in _REQUIRED_CLAIMS if claims.get(name) is None]
        if missing:
            raise _reject(Why.MISSING_CLAIM, f"missing {', '.join(missing)}")
        issuer = _string_claim(claims, "iss")
        subject = _string_claim(claims, "sub")
        client_id = _string_claim(claims, "client_id")
        jti = _string_claim(claims, "jti")
        audiences = _audiences(claims)
        expires_at = _numeric_date(claims, "exp")
        issued_at = _numeric_date(claims, "iat")
        not_before = _optional_numeric_date(claims, "nbf")
        auth_time = _optional_numeric_date(claims, "auth_time")
        grant_id = _optional_string_claim(claims, "gid")
        scope = claims.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise _reject(Why.MALFORMED, "`scope` is not a string")
        try:
            scopes = parse_scope(scope)
        except InvalidScope as error:
            raise _reject(Why.MALFORMED, "`scope` is not a valid scope string") from error

        policy = self._policy
        if issuer != policy.issuer:
            raise _reject(Why.WRONG_ISSUER, "issued by another authorization server")
        if policy.resource not in audiences:
            raise _reject(Why.WRONG_AUDIENCE, "the token is not for this resource")
        leeway = policy.leeway_seconds
        if expires_at + leeway <= now:
            raise _reject(Why.EXPIRED, "the token has expired")
        if issued_at - leeway > now:
            raise _reject(Why.NOT_YET_VALID, "`iat` is in the future")
        if not_before is not None and not_before - leeway > now:
            raise _reject(Why.NOT_YET_VALID, "`nbf` is in the future")

        return AccessTokenClaims(
            subject=subject,
            client_id=client_id,
            scopes=scopes,
            audience=policy.resource,
            issuer=issuer,
            issued_at=int(issued_at),
            expires_at=int(expires_at),
            jti=jti,
            grant_id=grant_id,
            auth_time=int(auth_time) if auth_time is not None else None,
            claims=MappingProxyType(claims),
        )


def require_scopes(claims: AccessTokenClaims, required: frozenset[str]) -> None:
    """Raise `InsufficientScope` (403, RFC 6750 §3.1) unless the token holds every `required` scope."""
    missing = required - claims.scopes
    if missing:
        raise InsufficientScope(required, f"missing scopes: {' '.join(sorted(missing))}")
