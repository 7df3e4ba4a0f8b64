"""Token introspection (RFC 7662), answered only to an authenticated client about its own tokens."""

from __future__ import annotations

from typing import Any

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidToken
from remotemcp.domain.model.clients import Client
from remotemcp.domain.oauth.access_token_validation import AccessTokenValidator
from remotemcp.domain.oauth.scopes import format_scope
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.grants import GrantRepository
from remotemcp.domain.ports.revocation import RevocationList
from remotemcp.domain.randomness import secret_digest

INACTIVE: dict[str, Any] = {"active": False}


class IntrospectionService:
    def __init__(
        self,
        grants: GrantRepository,
        revocations: RevocationList,
        validator: AccessTokenValidator,
        policy: ServerPolicy,
        clock: Clock,
    ) -> None:
        self._grants = grants
        self._revocations = revocations
        self._validator = validator
        self._policy = policy
        self._clock = clock

    async def introspect(
        self, client: Client, token: str, token_type_hint: str | None = None
    ) -> dict[str, Any]:
        """`{"active": false}` for anything unknown, expired, revoked, or issued to another client:
        RFC 7662 §2.2 lets the server decide who may see what, and a client has no business
        learning about other clients' tokens."""
        order = (
            (self._refresh, self._access)
            if token_type_hint == "refresh_token"
            else (self._access, self._refresh)
        )
        for look_up in order:
            answer = await look_up(token)
            if answer is not None:
                return answer if answer.get("client_id") == client.client_id else dict(INACTIVE)
        return dict(INACTIVE)

    async def _access(self, token: str) -> dict[str, Any] | None:
        try:
            claims = await self._validator.validate(token)
        except InvalidToken:
            return None
        return {
            "active": True,
            "token_type": "Bearer",
            "scope": format_scope(claims.scopes),
            "client_id": claims.client_id,
            "sub": claims.subject,
            "aud": claims.audience,
            "iss": claims.issuer,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
            "jti": claims.jti,
        }

    async def _refresh(self, token: str) -> dict[str, Any] | None:
        record = await self._grants.get_token(secret_digest(token))
        if record is None:
            return None
        now = self._clock.now()
        grant = await self._grants.get_grant(record.grant_id)
        if (
            grant is None
            or grant.revoked
            or record.rotated_at is not None
            or record.expires_at <= now
            or grant.expires_at <= now
            or await self._revocations.is_revoked((grant.grant_id,), now)
        ):
            return None
        return {
            "active": True,
            "token_type": "refresh_token",
            "scope": format_scope(grant.scopes),
            "client_id": grant.client_id,
            "sub": grant.subject,
            "aud": grant.resource,
            "iss": self._policy.issuer,
            "iat": record.issued_at,
            "exp": record.expires_at,
        }
