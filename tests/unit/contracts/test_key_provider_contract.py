"""What every `KeyProvider` must do, whatever holds the private key."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet

from remotemcp.adapters.memory.keys import InMemoryKeyProvider
from remotemcp.domain.errors import NotFound
from remotemcp.domain.model.keys import KeyState
from remotemcp.domain.oauth.jws import sign_jwt
from remotemcp.domain.ports.keys import KeyProvider
from tests.unit.fakes import FakeClock

KeyProviderFactory = Callable[[FakeClock], KeyProvider]

# Durable adapters (SQL, Vault, PKCS#11) append their factories here.
FACTORIES = [
    pytest.param(InMemoryKeyProvider, id="memory-rs256"),
    pytest.param(partial(InMemoryKeyProvider, alg="ES256"), id="memory-es256"),
    pytest.param(partial(InMemoryKeyProvider, alg="PS256"), id="memory-ps256"),
]

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
CLAIMS = {"sub": "user-1", "iss": "https://auth.example.com"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=FACTORIES)
def keys(request: pytest.FixtureRequest, clock: FakeClock) -> KeyProvider:
    factory: KeyProviderFactory = request.param
    return factory(clock)


async def verify_with_published_keys(keys: KeyProvider, token: str, alg: str) -> bytes:
    key_set = KeySet.import_key_set(await keys.public_jwks())  # type: ignore[arg-type]
    return jws.deserialize_compact(token, key_set, algorithms=[alg]).payload


async def test_a_signature_verifies_with_the_published_jwk(keys: KeyProvider) -> None:
    active = await keys.active_key()
    token = await sign_jwt(keys, CLAIMS, typ="at+jwt")

    payload = await verify_with_published_keys(keys, token, active.alg)

    assert payload == b'{"sub":"user-1","iss":"https://auth.example.com"}'


async def test_a_signature_over_other_bytes_does_not_verify(keys: KeyProvider) -> None:
    active = await keys.active_key()
    token = await sign_jwt(keys, CLAIMS)
    header, _, signature = token.split(".")
    other = (await sign_jwt(keys, {"sub": "user-2"})).split(".")[1]

    with pytest.raises(BadSignatureError):
        await verify_with_published_keys(keys, f"{header}.{other}.{signature}", active.alg)


async def test_the_active_key_is_stable_and_published(keys: KeyProvider) -> None:
    first = await keys.active_key()
    second = await keys.active_key()
    published = (await keys.public_jwks())["keys"]

    assert first.kid == second.kid
    assert first.state is KeyState.ACTIVE
    assert [jwk["kid"] for jwk in published] == [first.kid]
    assert published[0] == first.public_jwk


async def test_published_keys_carry_only_public_members(keys: KeyProvider) -> None:
    await keys.active_key()
    await keys.rotate(overlap_seconds=600)
    jwks = await keys.public_jwks()

    assert set(jwks) == {"keys"}
    assert len(jwks["keys"]) == 2
    for jwk in jwks["keys"]:
        assert not PRIVATE_MEMBERS & set(jwk)
        assert jwk["use"] == "sig"
        assert jwk["alg"] in {"RS256", "PS256", "ES256"}
        assert jwk["kid"]
        if jwk["kty"] == "RSA":
            assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
        else:
            assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
            assert jwk["crv"] == "P-256"


async def test_signing_with_an_unknown_kid_is_not_found(keys: KeyProvider) -> None:
    await keys.active_key()

    with pytest.raises(NotFound):
        await keys.sign("no-such-kid", b"payload")


async def test_rotation_publishes_both_keys_during_the_overlap(keys: KeyProvider, clock: FakeClock) -> None:
    old = await keys.active_key()
    old_token = await sign_jwt(keys, CLAIMS)

    new = await keys.rotate(overlap_seconds=3600)

    assert new.kid != old.kid
    assert new.state is KeyState.ACTIVE
    assert (await keys.active_key()).kid == new.kid
    assert {jwk["kid"] for jwk in (await keys.public_jwks())["keys"]} == {old.kid, new.kid}
    assert await verify_with_published_keys(keys, old_token, old.alg)
    clock.advance(3599)
    assert await verify_with_published_keys(keys, old_token, old.alg)


async def test_a_rotated_out_key_no_longer_signs(keys: KeyProvider) -> None:
    old = await keys.active_key()
    await keys.rotate(overlap_seconds=3600)

    with pytest.raises(NotFound):
        await keys.sign(old.kid, b"payload")
    new_token = await sign_jwt(keys, CLAIMS)
    assert await verify_with_published_keys(keys, new_token, old.alg)


async def test_after_the_overlap_the_old_key_is_retired_and_unpublished(
    keys: KeyProvider, clock: FakeClock
) -> None:
    old = await keys.active_key()
    old_token = await sign_jwt(keys, CLAIMS)
    new = await keys.rotate(overlap_seconds=3600)
    retiring = {key.kid: key for key in await keys.list_keys()}
    assert retiring[old.kid].state is KeyState.RETIRING
    assert retiring[old.kid].retire_at == clock.now() + 3600

    clock.advance(3600)

    assert [jwk["kid"] for jwk in (await keys.public_jwks())["keys"]] == [new.kid]
    states = {key.kid: key.state for key in await keys.list_keys()}
    assert states == {old.kid: KeyState.RETIRED, new.kid: KeyState.ACTIVE}
    with pytest.raises(InvalidKeyIdError):
        await verify_with_published_keys(keys, old_token, old.alg)


async def test_rotation_with_no_overlap_unpublishes_the_old_key_at_once(keys: KeyProvider) -> None:
    old = await keys.active_key()
    new = await keys.rotate(overlap_seconds=0)

    assert [jwk["kid"] for jwk in (await keys.public_jwks())["keys"]] == [new.kid]
    assert {key.kid: key.state for key in await keys.list_keys()}[old.kid] is KeyState.RETIRED


async def test_list_keys_keeps_every_key_with_its_state(keys: KeyProvider, clock: FakeClock) -> None:
    first = await keys.active_key()
    second = await keys.rotate(overlap_seconds=100)
    clock.advance(50)
    third = await keys.rotate(overlap_seconds=100)
    clock.advance(60)

    listed = {key.kid: key for key in await keys.list_keys()}

    assert {kid: key.state for kid, key in listed.items()} == {
        first.kid: KeyState.RETIRED,
        second.kid: KeyState.RETIRING,
        third.kid: KeyState.ACTIVE,
    }
    assert listed[second.kid].retire_at == clock.now() - 60 + 100
    assert len({key.kid for key in listed.values()}) == 3


async def test_returned_jwks_are_copies(keys: KeyProvider) -> None:
    active = await keys.active_key()
    active.public_jwk["kid"] = "tampered"
    (await keys.public_jwks())["keys"][0]["n"] = "tampered"
    (await keys.list_keys())[0].public_jwk.clear()

    assert (await keys.active_key()).public_jwk["kid"] == active.kid
    jwk = (await keys.public_jwks())["keys"][0]
    assert jwk["kid"] == active.kid
    assert jwk.get("n") != "tampered"
    assert (await keys.list_keys())[0].public_jwk == jwk
