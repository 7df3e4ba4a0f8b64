"""The token endpoint's grants: code exchange, refresh rotation with reuse detection and grace,
revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import anyio
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from remotemcp.adapters.memory.codes import InMemoryAuthorizationCodeRepository
from remotemcp.adapters.memory.grants import InMemoryGrantRepository
from remotemcp.adapters.memory.keys import InMemoryKeyProvider
from remotemcp.adapters.memory.revocation import InMemoryRevocationList
from remotemcp.domain.errors import (
    InvalidGrant,
    InvalidScope,
    InvalidTarget,
    InvalidToken,
    TokenRejection,
    UnauthorizedClient,
)
from remotemcp.domain.model.clients import Client, ClientOrigin
from remotemcp.domain.oauth.access_token_validation import AccessTokenValidator
from remotemcp.domain.oauth.authorization_request import validate_authorization_request
from remotemcp.domain.oauth.codes import AuthorizationCodeService
from remotemcp.domain.oauth.introspection import IntrospectionService
from remotemcp.domain.oauth.jws import half_hash
from remotemcp.domain.oauth.pkce import s256_challenge
from remotemcp.domain.oauth.token_revocation import RevocationService
from remotemcp.domain.oauth.tokens import TokenService, derive_successor
from remotemcp.domain.policy import ServerPolicy
from tests.unit.fakes import CountingRandom, FakeClock

ISSUER = "https://as.example"
RESOURCE = "https://as.example/mcp"
REDIRECT = "https://app.example/cb"
VERIFIER = "v" * 43 + "-._~0123456789"


@dataclass
class World:
    clock: FakeClock
    policy: ServerPolicy
    keys: InMemoryKeyProvider
    grants: InMemoryGrantRepository
    revocations: InMemoryRevocationList
    codes: AuthorizationCodeService
    tokens: TokenService
    validator: AccessTokenValidator
    revocation: RevocationService
    introspection: IntrospectionService
    client: Client
    other: Client

    async def code(
        self, scope: str = "mcp openid", nonce: str | None = "n-1", client: Client | None = None
    ) -> str:
        client = client or self.client
        params = {
            "response_type": ["code"],
            "client_id": [client.client_id],
            "redirect_uri": [REDIRECT],
            "code_challenge": [s256_challenge(VERIFIER)],
            "code_challenge_method": ["S256"],
            "scope": [scope],
            "state": ["s"],
        }
        if nonce is not None:
            params["nonce"] = [nonce]
        request = validate_authorization_request(client, params, self.policy)
        return await self.codes.issue(request, subject="user-1", auth_time=self.clock.now() - 10)

    async def exchange(self, client: Client | None = None, **kwargs: Any) -> Any:
        code = await self.code(client=client, **kwargs)
        return await self.tokens.exchange_code(client or self.client, code, REDIRECT, VERIFIER, RESOURCE)


def make_client(
    client_id: str, grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
) -> Client:
    return Client(
        client_id=client_id,
        redirect_uris=(REDIRECT,),
        origin=ClientOrigin.DYNAMIC,
        grant_types=grant_types,
    )


@pytest.fixture
def world() -> World:
    clock = FakeClock()
    policy = ServerPolicy(issuer=ISSUER, resource=RESOURCE, refresh_grace_seconds=5)
    keys = InMemoryKeyProvider(clock)
    grants = InMemoryGrantRepository()
    revocations = InMemoryRevocationList()
    random = CountingRandom()
    codes = AuthorizationCodeService(
        InMemoryAuthorizationCodeRepository(), grants, revocations, policy, clock, random
    )
    tokens = TokenService(codes, grants, revocations, keys, policy, clock, random)
    validator = AccessTokenValidator(keys, revocations, policy, clock)
    return World(
        clock=clock,
        policy=policy,
        keys=keys,
        grants=grants,
        revocations=revocations,
        codes=codes,
        tokens=tokens,
        validator=validator,
        revocation=RevocationService(tokens, grants, revocations, validator, policy, clock),
        introspection=IntrospectionService(grants, revocations, validator, policy, clock),
        client=make_client("client-a"),
        other=make_client("client-b"),
    )


async def decode(world: World, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    keyset = KeySet.import_key_set(await world.keys.public_jwks())  # type: ignore[arg-type]
    decoded = jwt.decode(token, keyset, algorithms=["RS256", "ES256"])
    return dict(decoded.header), dict(decoded.claims)


async def test_code_exchange_issues_rfc9068_access_token(world: World) -> None:
    response = await world.exchange()
    header, claims = await decode(world, response.access_token)
    assert header["typ"] == "at+jwt"
    assert header["kid"] == (await world.keys.active_key()).kid
    assert claims["iss"] == ISSUER
    assert claims["aud"] == RESOURCE
    assert claims["sub"] == "user-1"
    assert claims["client_id"] == "client-a"
    assert claims["scope"] == "mcp openid"
    assert claims["exp"] - claims["iat"] == world.policy.access_token_ttl
    assert claims["jti"]
    assert response.as_dict()["token_type"] == "Bearer"
    assert response.expires_in == world.policy.access_token_ttl
    validated = await world.validator.validate(response.access_token)
    assert validated.scopes == frozenset({"mcp", "openid"})


async def test_id_token_carries_nonce_and_at_hash(world: World) -> None:
    response = await world.exchange(nonce="nonce-42")
    assert response.id_token is not None
    header, claims = await decode(world, response.id_token)
    assert claims["aud"] == "client-a"
    assert claims["iss"] == ISSUER
    assert claims["nonce"] == "nonce-42"
    assert claims["auth_time"] == world.clock.now() - 10
    assert claims["at_hash"] == half_hash(response.access_token, header["alg"])


async def test_no_id_token_without_openid(world: World) -> None:
    response = await world.exchange(scope="mcp")
    assert response.id_token is None
    assert "id_token" not in response.as_dict()


async def test_refresh_token_only_for_clients_with_the_grant(world: World) -> None:
    only_code = make_client("code-only", grant_types=("authorization_code",))
    response = await world.exchange(client=only_code)
    assert response.refresh_token is None
    with pytest.raises(UnauthorizedClient):
        await world.tokens.refresh(only_code, "whatever", None, None)


async def test_client_without_code_grant_is_refused(world: World) -> None:
    code = await world.code()
    refresh_only = make_client("client-a", grant_types=("refresh_token",))
    with pytest.raises(UnauthorizedClient):
        await world.tokens.exchange_code(refresh_only, code, REDIRECT, VERIFIER, RESOURCE)


async def test_refresh_rotates(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    world.clock.advance(60)
    second = await world.tokens.refresh(world.client, first.refresh_token, None, None)
    assert second.refresh_token is not None and second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    third = await world.tokens.refresh(world.client, second.refresh_token, None, RESOURCE)
    assert third.refresh_token not in {first.refresh_token, second.refresh_token}


async def test_reuse_after_grace_revokes_family_and_its_access_tokens(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    second = await world.tokens.refresh(world.client, first.refresh_token, None, None)
    assert second.refresh_token is not None
    world.clock.advance(world.policy.refresh_grace_seconds + 1)
    with pytest.raises(InvalidGrant, match="already used"):
        await world.tokens.refresh(world.client, first.refresh_token, None, None)
    # The legitimate successor dies with the family, and so do the access tokens.
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, second.refresh_token, None, None)
    with pytest.raises(InvalidToken) as info:
        await world.validator.validate(second.access_token)
    assert info.value.reason is TokenRejection.REVOKED


async def test_retry_within_grace_gets_the_same_successor(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    second = await world.tokens.refresh(world.client, first.refresh_token, None, None)
    world.clock.advance(world.policy.refresh_grace_seconds)
    retry = await world.tokens.refresh(world.client, first.refresh_token, None, None)
    assert retry.refresh_token == second.refresh_token
    assert second.refresh_token is not None
    # The family is alive: the successor still works.
    third = await world.tokens.refresh(world.client, second.refresh_token, None, None)
    assert third.refresh_token is not None


async def test_retry_after_successor_was_used_revokes(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    second = await world.tokens.refresh(world.client, first.refresh_token, None, None)
    assert second.refresh_token is not None
    await world.tokens.refresh(world.client, second.refresh_token, None, None)
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, first.refresh_token, None, None)


async def test_concurrent_refreshes_share_one_successor(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    rt = first.refresh_token
    results: list[str | None] = []

    async def refresh() -> None:
        results.append((await world.tokens.refresh(world.client, rt, None, None)).refresh_token)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(refresh)
    assert len(set(results)) == 1 and results[0] is not None


async def test_refresh_by_another_client_is_refused(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.other, first.refresh_token, None, None)
    # The rightful client is not punished for the attempt.
    assert (await world.tokens.refresh(world.client, first.refresh_token, None, None)).refresh_token


async def test_refresh_scope_may_narrow_not_widen(world: World) -> None:
    first = await world.exchange(scope="mcp openid profile")
    assert first.refresh_token is not None
    narrowed = await world.tokens.refresh(world.client, first.refresh_token, "mcp", None)
    assert narrowed.scope == "mcp"
    assert narrowed.id_token is None
    assert narrowed.refresh_token is not None
    with pytest.raises(InvalidScope):
        await world.tokens.refresh(world.client, narrowed.refresh_token, "mcp email", None)
    # The refused refresh changed nothing: the same token still works, with the full grant.
    full = await world.tokens.refresh(world.client, narrowed.refresh_token, None, None)
    assert full.scope == "mcp openid profile"


async def test_refresh_resource_must_match(world: World) -> None:
    first = await world.exchange()
    assert first.refresh_token is not None
    with pytest.raises(InvalidTarget):
        await world.tokens.refresh(world.client, first.refresh_token, None, "https://elsewhere.example/mcp")


async def test_unknown_and_expired_refresh_tokens(world: World) -> None:
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, "not-a-token", None, None)
    first = await world.exchange()
    assert first.refresh_token is not None
    world.clock.advance(world.policy.refresh_token_ttl + 1)
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, first.refresh_token, None, None)


async def test_family_has_an_absolute_lifetime(world: World) -> None:
    world.policy = replace(world.policy, refresh_family_max_lifetime=100, refresh_token_ttl=80)
    world.tokens = TokenService(
        world.codes,
        world.grants,
        world.revocations,
        world.keys,
        world.policy,
        world.clock,
        CountingRandom("x"),
    )
    token = (await world.exchange()).refresh_token
    for _ in range(3):
        world.clock.advance(30)
        assert token is not None
        token = (await world.tokens.refresh(world.client, token, None, None)).refresh_token
    world.clock.advance(30)
    assert token is not None
    with pytest.raises(InvalidGrant, match=r"maximum lifetime|expired"):
        await world.tokens.refresh(world.client, token, None, None)


async def test_code_replay_revokes_tokens_of_first_redemption(world: World) -> None:
    code = await world.code()
    first = await world.tokens.exchange_code(world.client, code, REDIRECT, VERIFIER, RESOURCE)
    with pytest.raises(InvalidGrant):
        await world.tokens.exchange_code(world.client, code, REDIRECT, VERIFIER, RESOURCE)
    with pytest.raises(InvalidToken) as info:
        await world.validator.validate(first.access_token)
    assert info.value.reason is TokenRejection.REVOKED
    assert first.refresh_token is not None
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, first.refresh_token, None, None)


def test_successor_derivation_depends_on_parent_and_salt() -> None:
    a = derive_successor("parent", "salt")
    assert a == derive_successor("parent", "salt")
    assert a != derive_successor("parent", "salt2")
    assert a != derive_successor("parent2", "salt")
    assert len(a) == 43


async def test_revoking_access_token(world: World) -> None:
    response = await world.exchange()
    await world.revocation.revoke(world.client, response.access_token, "access_token")
    with pytest.raises(InvalidToken) as info:
        await world.validator.validate(response.access_token)
    assert info.value.reason is TokenRejection.REVOKED
    # The refresh family is untouched by revoking one access token.
    assert response.refresh_token is not None
    assert (await world.tokens.refresh(world.client, response.refresh_token, None, None)).access_token


async def test_revoking_refresh_token_kills_family(world: World) -> None:
    response = await world.exchange()
    assert response.refresh_token is not None
    await world.revocation.revoke(world.client, response.refresh_token, None)
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, response.refresh_token, None, None)
    with pytest.raises(InvalidToken):
        await world.validator.validate(response.access_token)


async def test_revocation_with_wrong_hint_still_finds_the_token(world: World) -> None:
    response = await world.exchange()
    assert response.refresh_token is not None
    await world.revocation.revoke(world.client, response.refresh_token, "access_token")
    with pytest.raises(InvalidGrant):
        await world.tokens.refresh(world.client, response.refresh_token, None, None)


async def test_revocation_of_foreign_or_unknown_tokens_changes_nothing(world: World) -> None:
    response = await world.exchange()
    assert response.refresh_token is not None
    await world.revocation.revoke(world.other, response.access_token, None)
    await world.revocation.revoke(world.other, response.refresh_token, None)
    await world.revocation.revoke(world.client, "garbage", None)
    await world.revocation.revoke(world.client, "a.b.c", None)
    assert (await world.validator.validate(response.access_token)).client_id == "client-a"
    assert (await world.tokens.refresh(world.client, response.refresh_token, None, None)).refresh_token


async def test_revocation_ignores_an_unknown_hint(world: World) -> None:
    response = await world.exchange()
    await world.revocation.revoke(world.client, response.access_token, "id_token")
    with pytest.raises(InvalidToken):
        await world.validator.validate(response.access_token)


async def test_introspection_of_access_and_refresh_tokens(world: World) -> None:
    response = await world.exchange()
    answer = await world.introspection.introspect(world.client, response.access_token)
    assert answer["active"] is True
    assert answer["client_id"] == "client-a"
    assert answer["sub"] == "user-1"
    assert answer["aud"] == RESOURCE
    assert answer["scope"] == "mcp openid"
    assert response.refresh_token is not None
    answer = await world.introspection.introspect(world.client, response.refresh_token, "refresh_token")
    assert answer["active"] is True and answer["token_type"] == "refresh_token"


async def test_introspection_inactive_cases(world: World) -> None:
    response = await world.exchange()
    assert response.refresh_token is not None
    assert await world.introspection.introspect(world.other, response.access_token) == {"active": False}
    assert await world.introspection.introspect(world.client, "garbage") == {"active": False}
    await world.tokens.refresh(world.client, response.refresh_token, None, None)
    rotated = await world.introspection.introspect(world.client, response.refresh_token)
    assert rotated == {"active": False}
    world.clock.advance(world.policy.access_token_ttl + world.policy.leeway_seconds + 1)
    assert await world.introspection.introspect(world.client, response.access_token) == {"active": False}


async def users_world(world: World, *, disabled: bool = False) -> tuple[World, Any]:
    from remotemcp.adapters.memory.users import InMemoryUserRepository
    from remotemcp.domain.model.users import User

    users = InMemoryUserRepository()
    await users.add(
        User(user_id="user-1", username="alice", password_hash="x", created_at=0, disabled=disabled)
    )
    world.tokens = TokenService(
        world.codes,
        world.grants,
        world.revocations,
        world.keys,
        world.policy,
        world.clock,
        CountingRandom("users"),
        users=users,
    )
    return world, users


async def test_disabled_or_removed_user_gets_no_more_tokens(world: World) -> None:
    world, users = await users_world(world)
    first = await world.exchange()
    assert first.refresh_token is not None
    stored = await users.get("user-1")
    await users.update(replace(stored, disabled=True))
    with pytest.raises(InvalidGrant, match="no longer active"):
        await world.tokens.refresh(world.client, first.refresh_token, None, None)
    # The family and its access tokens died with the refusal.
    with pytest.raises(InvalidToken):
        await world.validator.validate(first.access_token)
    await users.remove("user-1")
    with pytest.raises(InvalidGrant):
        await world.exchange()


async def test_revoke_grants_of_a_user(world: World) -> None:
    first = await world.exchange()
    second = await world.exchange()
    assert await world.tokens.revoke_grants_of("user-1") == 2
    assert await world.tokens.revoke_grants_of("user-1") == 0
    for response in (first, second):
        with pytest.raises(InvalidToken):
            await world.validator.validate(response.access_token)
