"""The token endpoint's grants (RFC 6749 §4.1.3 and §6): JWT access tokens per RFC 9068, OIDC
id_tokens, and refresh tokens that rotate on every use inside a family (OAuth 2.1 §4.3.1)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidGrant, InvalidScope, InvalidTarget, UnauthorizedClient
from remotemcp.domain.model.clients import Client
from remotemcp.domain.model.grants import Grant, RefreshToken
from remotemcp.domain.oauth.codes import AuthorizationCodeService
from remotemcp.domain.oauth.grant_families import end_grant_family
from remotemcp.domain.oauth.jws import half_hash, sign_jwt
from remotemcp.domain.oauth.resources import canonical_resource_matches
from remotemcp.domain.oauth.scopes import format_scope, parse_scope
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.grants import GrantRepository
from remotemcp.domain.ports.keys import KeyProvider
from remotemcp.domain.ports.revocation import RevocationList
from remotemcp.domain.ports.users import UserRepository
from remotemcp.domain.randomness import (
    RandomSource,
    SystemRandom,
    b64url,
    constant_time_equal,
    new_secret,
    secret_digest,
)

ACCESS_TOKEN_TYPE = "at+jwt"
_SUCCESSOR_LABEL = b"remotemcp refresh successor v1:"


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """RFC 6749 §5.1 successful response."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None
    token_type: str = "Bearer"

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


def derive_successor(parent_token: str, salt: str) -> str:
    """The refresh token that replaces `parent_token`. Derived rather than drawn so that a
    concurrent retry of the same refresh, inside the grace window, is answered with the very same
    successor without the server ever storing a refresh token in plaintext: only the holder of
    the parent (and the stored salt) can recompute it."""
    mac = hmac.new(parent_token.encode("utf-8"), _SUCCESSOR_LABEL + salt.encode("ascii"), hashlib.sha256)
    return b64url(mac.digest())


class TokenService:
    def __init__(
        self,
        codes: AuthorizationCodeService,
        grants: GrantRepository,
        revocations: RevocationList,
        keys: KeyProvider,
        policy: ServerPolicy,
        clock: Clock,
        random: RandomSource | None = None,
        *,
        users: UserRepository | None = None,
    ) -> None:
        """`users`, when given, is asked on every grant: a removed or disabled account gets no
        more tokens, whatever codes or refresh tokens it left behind."""
        self._users = users
        self._codes = codes
        self._grants = grants
        self._revocations = revocations
        self._keys = keys
        self._policy = policy
        self._clock = clock
        self._random = random or SystemRandom()

    # -- authorization_code grant -------------------------------------------------------------

    async def exchange_code(
        self,
        client: Client,
        code: str,
        redirect_uri: str | None,
        code_verifier: str | None,
        resource: str | None,
    ) -> TokenResponse:
        if "authorization_code" not in client.grant_types:
            raise UnauthorizedClient("this client may not use the authorization_code grant")
        redeemed = await self._codes.redeem(code, client.client_id, redirect_uri, code_verifier, resource)
        now = self._clock.now()
        grant = Grant(
            grant_id=redeemed.grant_id,
            client_id=client.client_id,
            subject=redeemed.subject,
            scopes=redeemed.scopes,
            resource=redeemed.resource,
            auth_time=redeemed.auth_time,
            created_at=now,
            expires_at=now + self._policy.refresh_family_max_lifetime,
        )
        await self._grants.add_grant(grant)
        await self._require_active_user(grant)
        # A replay of the code may have landed between redemption and now; its revocation entry
        # names this grant, so honour it instead of handing out a live family.
        if await self._revocations.is_revoked((grant.grant_id,), now):
            await self._grants.revoke_grant(grant.grant_id, now)
            raise InvalidGrant("authorization code was replayed; the grant is revoked")

        refresh_token = None
        if "refresh_token" in client.grant_types:
            refresh_token = new_secret(self._random)
            await self._grants.add_token(
                RefreshToken(
                    token_hash=secret_digest(refresh_token),
                    grant_id=grant.grant_id,
                    issued_at=now,
                    expires_at=min(now + self._policy.refresh_token_ttl, grant.expires_at),
                )
            )
        return await self._respond(grant, grant.scopes, refresh_token, nonce=redeemed.nonce, now=now)

    # -- refresh_token grant ------------------------------------------------------------------

    async def refresh(
        self, client: Client, refresh_token: str, scope: str | None, resource: str | None
    ) -> TokenResponse:
        if "refresh_token" not in client.grant_types:
            raise UnauthorizedClient("this client may not use the refresh_token grant")
        now = self._clock.now()
        parent_hash = secret_digest(refresh_token)
        parent = await self._grants.get_token(parent_hash)
        if parent is None:
            raise InvalidGrant("refresh token is invalid")
        grant = await self._live_grant(parent.grant_id, client, now)
        await self._require_active_user(grant)
        if parent.expires_at <= now:
            raise InvalidGrant("refresh token has expired")
        scopes = self._narrowed_scopes(grant, scope)
        if resource is not None and not canonical_resource_matches(resource, grant.resource):
            raise InvalidTarget("resource differs from the one this grant is bound to")

        if parent.rotated_at is None:
            salt = new_secret(self._random, 16)
            successor_token = derive_successor(refresh_token, salt)
            successor = RefreshToken(
                token_hash=secret_digest(successor_token),
                grant_id=grant.grant_id,
                issued_at=now,
                expires_at=min(now + self._policy.refresh_token_ttl, grant.expires_at),
            )
            outcome = await self._grants.rotate(parent_hash, successor, salt, now)
            if outcome is None:
                raise InvalidGrant("refresh token is invalid")
            if outcome.rotated_now:
                return await self._respond(grant, scopes, successor_token, nonce=None, now=now)
            parent = outcome.parent
        successor_token = await self._successor_within_grace(refresh_token, parent, grant, now)
        return await self._respond(grant, scopes, successor_token, nonce=None, now=now)

    async def _live_grant(self, grant_id: str, client: Client, now: int) -> Grant:
        grant = await self._grants.get_grant(grant_id)
        if grant is None or grant.client_id != client.client_id:
            raise InvalidGrant("refresh token is invalid")
        if grant.revoked or await self._revocations.is_revoked((grant.grant_id,), now):
            raise InvalidGrant("refresh token has been revoked")
        if grant.expires_at <= now:
            raise InvalidGrant("the grant has reached its maximum lifetime; authorize again")
        return grant

    async def _require_active_user(self, grant: Grant) -> None:
        if self._users is None:
            return
        user = await self._users.get(grant.subject)
        if user is None or user.disabled:
            await self.revoke_grant(grant.grant_id)
            raise InvalidGrant("the user of this grant is no longer active")

    def _narrowed_scopes(self, grant: Grant, scope: str | None) -> frozenset[str]:
        """RFC 6749 §6: a refresh may narrow the scope, never widen it; omitted means unchanged."""
        requested = parse_scope(scope)
        if not requested:
            return grant.scopes
        extra = requested - grant.scopes
        if extra:
            raise InvalidScope(f"scope exceeds the original grant: {format_scope(extra)}")
        return requested

    async def _successor_within_grace(
        self, refresh_token: str, parent: RefreshToken, grant: Grant, now: int
    ) -> str:
        """A rotated token came back. Inside the grace window it is a client's concurrent retry and
        gets the successor already issued; otherwise it is reuse of a stolen or stale token, and
        the whole family dies (OAuth 2.1 §4.3.1)."""
        assert parent.rotated_at is not None  # noqa: S101 - only rotated parents reach here
        within_grace = now - parent.rotated_at <= self._policy.refresh_grace_seconds
        if within_grace and parent.rotation_salt is not None and parent.successor_hash is not None:
            successor_token = derive_successor(refresh_token, parent.rotation_salt)
            successor = await self._grants.get_token(parent.successor_hash)
            if (
                constant_time_equal(secret_digest(successor_token), parent.successor_hash)
                and successor is not None
                and successor.rotated_at is None
            ):
                return successor_token
        await self.revoke_grant(grant.grant_id)
        raise InvalidGrant("refresh token was already used; the grant is revoked")

    async def revoke_grant(self, grant_id: str) -> None:
        """End a family and every access token issued from it."""
        await end_grant_family(self._grants, self._revocations, self._policy, grant_id, self._clock.now())

    async def revoke_grants_of(self, subject: str) -> int:
        """End every family of a user and their access tokens (account disabled or removed)."""
        revoked = 0
        for grant in await self._grants.grants_for(subject):
            if not grant.revoked:
                await self.revoke_grant(grant.grant_id)
                revoked += 1
        return revoked

    # -- issuance -----------------------------------------------------------------------------

    async def _respond(
        self,
        grant: Grant,
        scopes: frozenset[str],
        refresh_token: str | None,
        nonce: str | None,
        now: int,
    ) -> TokenResponse:
        access_token = await self.issue_access_token(grant, scopes, now)
        id_token = None
        if "openid" in scopes:
            id_token = await self.issue_id_token(grant, access_token, nonce, now)
        return TokenResponse(
            access_token=access_token,
            expires_in=self._policy.access_token_ttl,
            scope=format_scope(scopes),
            refresh_token=refresh_token,
            id_token=id_token,
        )

    async def issue_access_token(self, grant: Grant, scopes: frozenset[str], now: int) -> str:
        claims = {
            "iss": self._policy.issuer,
            "sub": grant.subject,
            "aud": grant.resource,
            "client_id": grant.client_id,
            "scope": format_scope(scopes),
            "iat": now,
            "nbf": now,
            "exp": now + self._policy.access_token_ttl,
            "jti": new_secret(self._random, 18),
            "auth_time": grant.auth_time,
            "gid": grant.grant_id,
        }
        return await sign_jwt(self._keys, claims, typ=ACCESS_TOKEN_TYPE)

    async def issue_id_token(self, grant: Grant, access_token: str, nonce: str | None, now: int) -> str:
        """OIDC Core §2 and §3.1.3.6. Profile and email claims are served by userinfo, not here,
        because an access token is always issued beside the id_token (OIDC Core §5.4)."""
        key = await self._keys.active_key()
        claims: dict[str, Any] = {
            "iss": self._policy.issuer,
            "sub": grant.subject,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": now,
            "exp": now + self._policy.id_token_ttl,
            "auth_time": grant.auth_time,
            "at_hash": half_hash(access_token, key.alg),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return await sign_jwt(self._keys, claims, typ="JWT")
