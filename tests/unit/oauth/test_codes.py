"""AuthorizationCodeService: issuing and redeeming single-use, short-lived, bound codes."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace

import pytest

from remotemcp.adapters.memory.codes import InMemoryAuthorizationCodeRepository
from remotemcp.adapters.memory.grants import InMemoryGrantRepository
from remotemcp.adapters.memory.revocation import InMemoryRevocationList
from remotemcp.domain.errors import InvalidGrant, InvalidRequest, InvalidTarget, OAuthError
from remotemcp.domain.model.clients import Client, ClientOrigin
from remotemcp.domain.model.codes import AuthorizationCode
from remotemcp.domain.model.grants import Grant
from remotemcp.domain.oauth.authorization_request import AuthorizationRequest
from remotemcp.domain.oauth.codes import AuthorizationCodeService
from remotemcp.domain.oauth.pkce import s256_challenge
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.randomness import secret_digest
from tests.unit.fakes import CountingRandom, FakeClock

POLICY = ServerPolicy(
    issuer="https://as.example", resource="https://as.example/mcp", code_ttl=60, access_token_ttl=600
)
REDIRECT = "https://app.example/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CLIENT = Client(client_id="client-1", redirect_uris=(REDIRECT,), origin=ClientOrigin.DYNAMIC)
REQUEST = AuthorizationRequest(
    client=CLIENT,
    redirect_uri=REDIRECT,
    redirect_uri_in_request=True,
    scopes=frozenset({"openid", "mcp"}),
    state="xyz",
    nonce="nonce-1",
    code_challenge=s256_challenge(VERIFIER),
    code_challenge_method="S256",
    resource=POLICY.resource,
    prompt=frozenset(),
)
SUBJECT = "user-42"
AUTH_TIME = 1_699_999_990
BASE64URL_256_BITS = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass
class World:
    service: AuthorizationCodeService
    codes: InMemoryAuthorizationCodeRepository
    grants: InMemoryGrantRepository
    revocations: InMemoryRevocationList
    clock: FakeClock


@pytest.fixture
def world() -> World:
    codes = InMemoryAuthorizationCodeRepository()
    grants = InMemoryGrantRepository()
    revocations = InMemoryRevocationList()
    clock = FakeClock()
    service = AuthorizationCodeService(codes, grants, revocations, POLICY, clock, random=CountingRandom())
    return World(service, codes, grants, revocations, clock)


async def redeem(
    world: World,
    code: str,
    *,
    client_id: str = "client-1",
    redirect_uri: str | None = REDIRECT,
    code_verifier: str | None = VERIFIER,
    resource: str | None = None,
) -> AuthorizationCode:
    return await world.service.redeem(code, client_id, redirect_uri, code_verifier, resource)


async def grant_from(world: World, redeemed: AuthorizationCode) -> None:
    """What the token service does with a redeemed code: open the grant it names."""
    await world.grants.add_grant(
        Grant(
            grant_id=redeemed.grant_id,
            client_id=redeemed.client_id,
            subject=redeemed.subject,
            scopes=redeemed.scopes,
            resource=redeemed.resource,
            auth_time=redeemed.auth_time,
            created_at=world.clock.now(),
            expires_at=world.clock.now() + 10_000,
        )
    )


# -- issue --------------------------------------------------------------------------------------


async def test_issue_returns_a_256_bit_code_and_stores_only_its_digest(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    assert BASE64URL_256_BITS.fullmatch(code)
    assert await world.codes.consume(code) is None
    consumed = await world.codes.consume(secret_digest(code))
    assert consumed is not None
    assert code not in repr(consumed.code)


async def test_issue_binds_everything_the_token_request_is_checked_against(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    consumed = await world.codes.consume(secret_digest(code))
    assert consumed is not None
    stored = consumed.code
    now = world.clock.now()
    assert stored == AuthorizationCode(
        code_hash=secret_digest(code),
        client_id="client-1",
        redirect_uri=REDIRECT,
        code_challenge=s256_challenge(VERIFIER),
        resource=POLICY.resource,
        scopes=frozenset({"openid", "mcp"}),
        subject=SUBJECT,
        auth_time=AUTH_TIME,
        issued_at=now,
        expires_at=now + 60,
        grant_id=stored.grant_id,
        nonce="nonce-1",
        code_challenge_method="S256",
        redirect_uri_in_request=True,
    )
    assert len(stored.grant_id) >= 22  # at least 128 random bits


async def test_codes_and_grant_ids_are_fresh_each_time(world: World) -> None:
    first = await redeem(world, await world.service.issue(REQUEST, SUBJECT, AUTH_TIME))
    second = await redeem(world, await world.service.issue(REQUEST, SUBJECT, AUTH_TIME))
    assert first.code_hash != second.code_hash
    assert first.grant_id != second.grant_id


async def test_issue_respects_a_shorter_code_ttl(world: World) -> None:
    world.service = AuthorizationCodeService(
        world.codes, world.grants, world.revocations, replace(POLICY, code_ttl=10), world.clock
    )
    redeemed = await redeem(world, await world.service.issue(REQUEST, SUBJECT, AUTH_TIME))
    assert redeemed.expires_at - redeemed.issued_at == 10


async def test_issue_stores_the_narrower_approved_scopes(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME, scopes=frozenset({"mcp"}))
    assert (await redeem(world, code)).scopes == {"mcp"}


@pytest.mark.parametrize("scopes", [frozenset({"mcp", "email"}), frozenset()])
async def test_issue_refuses_approved_scopes_outside_the_request_or_none(
    world: World, scopes: frozenset[str]
) -> None:
    with pytest.raises(ValueError, match="scope"):
        await world.service.issue(REQUEST, SUBJECT, AUTH_TIME, scopes=scopes)


async def test_issue_records_that_the_redirect_uri_was_defaulted(world: World) -> None:
    request = replace(REQUEST, redirect_uri_in_request=False, nonce=None)
    redeemed = await redeem(world, await world.service.issue(request, SUBJECT, AUTH_TIME), redirect_uri=None)
    assert (redeemed.redirect_uri_in_request, redeemed.nonce) == (False, None)


# -- redeem: success ----------------------------------------------------------------------------


async def test_redeem_returns_the_bound_code(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    world.clock.advance(59)
    redeemed = await redeem(world, code, resource=POLICY.resource)
    assert redeemed.code_hash == secret_digest(code)
    assert (redeemed.client_id, redeemed.subject, redeemed.scopes) == (
        "client-1",
        SUBJECT,
        frozenset({"openid", "mcp"}),
    )


@pytest.mark.parametrize("resource", [None, "", "https://as.example/mcp/", "HTTPS://AS.EXAMPLE/mcp"])
async def test_redeem_accepts_an_omitted_or_equivalent_resource(world: World, resource: str | None) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    assert (await redeem(world, code, resource=resource)).resource == POLICY.resource


@pytest.mark.parametrize("redirect_uri", [None, "", REDIRECT])
async def test_a_defaulted_redirect_uri_may_be_omitted_or_repeated(
    world: World, redirect_uri: str | None
) -> None:
    code = await world.service.issue(replace(REQUEST, redirect_uri_in_request=False), SUBJECT, AUTH_TIME)
    assert (await redeem(world, code, redirect_uri=redirect_uri)).redirect_uri == REDIRECT


# -- redeem: refusals ---------------------------------------------------------------------------


async def test_an_unknown_code_is_invalid_grant(world: World) -> None:
    with pytest.raises(InvalidGrant, match="invalid"):
        await redeem(world, "never-issued")
    assert not await world.revocations.is_revoked(("never-issued",), world.clock.now())


async def test_an_empty_code_is_invalid_request(world: World) -> None:
    with pytest.raises(InvalidRequest, match="code is required"):
        await redeem(world, "")


async def test_a_code_expires_after_its_ttl(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    world.clock.advance(60)
    with pytest.raises(InvalidGrant, match="expired"):
        await redeem(world, code)


async def test_a_code_is_single_use_and_a_replay_revokes_what_it_issued(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    redeemed = await redeem(world, code)
    await grant_from(world, redeemed)
    world.clock.advance(5)
    replay_time = world.clock.now()

    with pytest.raises(InvalidGrant, match="already used"):
        await redeem(world, code)

    grant = await world.grants.get_grant(redeemed.grant_id)
    assert grant is not None
    assert grant.revoked_at == replay_time
    # Access tokens of the grant are refused until the longest-lived one has expired.
    until = replay_time + POLICY.access_token_ttl + POLICY.leeway_seconds
    assert await world.revocations.is_revoked((redeemed.grant_id,), until - 1)
    assert not await world.revocations.is_revoked((redeemed.grant_id,), until)


async def test_a_replay_after_expiry_still_revokes(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    redeemed = await redeem(world, code)
    await grant_from(world, redeemed)
    world.clock.advance(3600)
    with pytest.raises(InvalidGrant, match="already used"):
        await redeem(world, code)
    assert await world.revocations.is_revoked((redeemed.grant_id,), world.clock.now())
    grant = await world.grants.get_grant(redeemed.grant_id)
    assert grant is not None
    assert grant.revoked


async def test_a_replay_by_another_client_revokes_too(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    redeemed = await redeem(world, code)
    with pytest.raises(InvalidGrant, match="already used"):
        await redeem(world, code, client_id="attacker")
    assert await world.revocations.is_revoked((redeemed.grant_id,), world.clock.now())


async def test_a_code_issued_to_another_client_is_refused_and_burnt(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidGrant, match="another client"):
        await redeem(world, code, client_id="client-2")
    with pytest.raises(InvalidGrant, match="already used"):
        await redeem(world, code)


@pytest.mark.parametrize(
    ("redirect_uri", "message"),
    [
        (None, "redirect_uri is required"),
        ("", "redirect_uri is required"),
        ("https://app.example/other", "differs"),
        (REDIRECT + "/", "differs"),
        (REDIRECT.upper(), "differs"),
    ],
)
async def test_a_redirect_uri_from_the_request_must_be_repeated_exactly(
    world: World, redirect_uri: str | None, message: str
) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidGrant, match=message):
        await redeem(world, code, redirect_uri=redirect_uri)


async def test_a_defaulted_redirect_uri_must_still_match_when_presented(world: World) -> None:
    code = await world.service.issue(replace(REQUEST, redirect_uri_in_request=False), SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidGrant, match="differs"):
        await redeem(world, code, redirect_uri="https://app.example/other")


async def test_a_loopback_code_requires_the_same_port_at_the_token_endpoint(world: World) -> None:
    request = replace(REQUEST, redirect_uri="http://127.0.0.1:5555/cb")
    code = await world.service.issue(request, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidGrant, match="differs"):
        await redeem(world, code, redirect_uri="http://127.0.0.1:6666/cb")


@pytest.mark.parametrize("verifier", [None, ""])
async def test_a_missing_verifier_is_invalid_request(world: World, verifier: str | None) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidRequest, match="code_verifier is required"):
        await redeem(world, code, code_verifier=verifier)


@pytest.mark.parametrize(
    ("verifier", "message"),
    [
        (VERIFIER[:42], "43 to 128"),
        (VERIFIER + "+", "43 to 128"),
        ("x" * 129, "43 to 128"),
        ("x" * 43, "does not match"),
        (s256_challenge(VERIFIER), "does not match"),  # the challenge itself (what `plain` would accept)
        (VERIFIER[:-1] + "j", "does not match"),
    ],
)
async def test_a_bad_or_wrong_verifier_is_invalid_grant(world: World, verifier: str, message: str) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidGrant, match=message):
        await redeem(world, code, code_verifier=verifier)


async def test_a_wrong_verifier_burns_the_code(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidGrant, match="does not match"):
        await redeem(world, code, code_verifier="x" * 43)
    with pytest.raises(InvalidGrant, match="already used"):
        await redeem(world, code)


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("https://other.example/mcp", "differs"),
        ("https://as.example/mcp/other", "differs"),
        ("https://as.example/mcp#frag", "fragment"),
        ("mcp", "absolute"),
    ],
)
async def test_a_different_resource_is_invalid_target(world: World, resource: str, message: str) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    with pytest.raises(InvalidTarget, match=message):
        await redeem(world, code, resource=resource)


async def test_concurrent_redemptions_succeed_exactly_once(world: World) -> None:
    code = await world.service.issue(REQUEST, SUBJECT, AUTH_TIME)
    outcomes = await asyncio.gather(*(redeem(world, code) for _ in range(20)), return_exceptions=True)
    successes = [o for o in outcomes if isinstance(o, AuthorizationCode)]
    failures = [o for o in outcomes if isinstance(o, OAuthError)]
    assert len(successes) == 1
    assert len(failures) == 19
    assert all(isinstance(f, InvalidGrant) for f in failures)
