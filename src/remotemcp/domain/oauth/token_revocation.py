"""Token revocation (RFC 7009) for the authenticated client's own tokens."""

from __future__ import annotations

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidToken
from remotemcp.domain.model.clients import Client
from remotemcp.domain.oauth.access_token_validation import AccessTokenValidator
from remotemcp.domain.oauth.tokens import TokenService
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.grants import GrantRepository
from remotemcp.domain.ports.revocation import RevocationList
from remotemcp.domain.randomness import secret_digest


class RevocationService:
    def __init__(
        self,
        tokens: TokenService,
        grants: GrantRepository,
        revocations: RevocationList,
        validator: AccessTokenValidator,
        policy: ServerPolicy,
        clock: Clock,
    ) -> None:
        self._tokens = tokens
        self._grants = grants
        self._revocations = revocations
        self._validator = validator
        self._policy = policy
        self._clock = clock

    async def revoke(self, client: Client, token: str, token_type_hint: str | None = None) -> None:
        """Revoke `token` if it was issued to `client`. Unknown, expired or foreign tokens change
        nothing and raise nothing: RFC 7009 §2.2 answers 200 for them, and a uniform answer tells a
        caller nothing about tokens it does not own."""
        # The hint only orders the look-ups (RFC 7009 §2.1: the server may ignore it, and must
        # search other types when it misleads); an unknown hint is advice we cannot use, not an
        # error, so both kinds are always tried.
        if token_type_hint == "access_token":
            if not await self._revoke_access_token(client, token):
                await self._revoke_refresh_token(client, token)
        elif not await self._revoke_refresh_token(client, token):
            await self._revoke_access_token(client, token)

    async def _revoke_refresh_token(self, client: Client, token: str) -> bool:
        record = await self._grants.get_token(secret_digest(token))
        if record is None:
            return False
        grant = await self._grants.get_grant(record.grant_id)
        if grant is None or grant.client_id != client.client_id:
            return True
        # RFC 7009 §2.1: revoking a refresh token should also invalidate the access tokens of the
        # same grant; the family id in every access token's `gid` makes that one entry.
        await self._tokens.revoke_grant(grant.grant_id)
        return True

    async def _revoke_access_token(self, client: Client, token: str) -> bool:
        try:
            claims = await self._validator.validate(token)
        except InvalidToken:
            return False
        if claims.client_id == client.client_id:
            await self._revocations.revoke(claims.jti, until=claims.expires_at + self._policy.leeway_seconds)
        return True
