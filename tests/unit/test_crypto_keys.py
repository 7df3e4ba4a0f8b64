"""Key-material helpers shared by the key-custody adapters, and what only the in-memory one does."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jws
from joserfc.jwk import ECKey, KeySet, RSAKey

from remotemcp.adapters.crypto_keys import (
    check_key_spec,
    der_to_raw_ecdsa,
    generate_private_key,
    jwk_thumbprint,
    public_jwk,
    sign_with,
)
from remotemcp.adapters.memory.keys import InMemoryKeyProvider
from remotemcp.domain.randomness import b64url, b64url_decode
from tests.unit.fakes import FakeClock

# RFC 7638 §3.1.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiF"
        "V4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
        "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1"
        "jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_the_thumbprint_matches_the_rfc_7638_example() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_the_thumbprint_ignores_optional_members() -> None:
    bare = {name: RFC7638_JWK[name] for name in ("kty", "n", "e")}

    assert jwk_thumbprint(bare) == jwk_thumbprint({**RFC7638_JWK, "use": "sig", "kid": "other"})


@pytest.mark.parametrize(
    "jwk", [{"kty": "RSA", "n": "AQAB"}, {"kty": "EC", "crv": "P-256", "x": "AA"}, {"kty": "weird"}, {}]
)
def test_the_thumbprint_refuses_incomplete_or_unknown_keys(jwk: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"thumbprint|lacks"):
        jwk_thumbprint(jwk)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_the_public_jwk_matches_joserfc_and_uses_the_thumbprint_as_kid(alg: str) -> None:
    private_key = generate_private_key(alg)

    jwk = public_jwk(private_key.public_key(), alg)

    public_key = private_key.public_key()
    reference = (
        RSAKey.import_key(public_key)
        if isinstance(public_key, rsa.RSAPublicKey)
        else ECKey.import_key(public_key)
    )
    assert jwk["kid"] == reference.thumbprint()
    assert {k: v for k, v in jwk.items() if k not in {"kid", "alg", "use"}} == reference.as_dict(
        private=False
    )
    assert (jwk["alg"], jwk["use"]) == (alg, "sig")


def test_ec_coordinates_are_fixed_length_and_rsa_exponent_is_minimal() -> None:
    rsa_jwk = public_jwk(generate_private_key("RS256").public_key(), "RS256")
    assert rsa_jwk["e"] == "AQAB"
    for _ in range(20):
        ec_jwk = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), "ES256")
        assert len(b64url_decode(ec_jwk["x"])) == 32
        assert len(b64url_decode(ec_jwk["y"])) == 32


def test_der_ecdsa_signatures_become_left_padded_r_and_s() -> None:
    raw = der_to_raw_ecdsa(encode_dss_signature(1, 2**255 + 7), 32)

    assert len(raw) == 64
    assert raw[:32] == (1).to_bytes(32, "big")
    assert int.from_bytes(raw[32:], "big") == 2**255 + 7


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
def test_signatures_verify_with_joserfc(alg: str) -> None:
    private_key = generate_private_key(alg)
    jwk = public_jwk(private_key.public_key(), alg)
    key_set = KeySet.import_key_set({"keys": [jwk]})
    header = b64url(json.dumps({"alg": alg, "kid": jwk["kid"]}).encode())
    signing_input = f"{header}.{b64url(b'hello')}"

    signature = sign_with(private_key, alg, signing_input.encode())

    token = f"{signing_input}.{b64url(signature)}"
    assert jws.deserialize_compact(token, key_set, algorithms=[alg]).payload == b"hello"


def test_es256_signatures_are_raw_and_verify_after_conversion_back() -> None:
    private_key = ec.generate_private_key(ec.SECP256R1())

    raw = sign_with(private_key, "ES256", b"message")

    assert len(raw) == 64
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    private_key.public_key().verify(encode_dss_signature(r, s), b"message", ec.ECDSA(hashes.SHA256()))


def test_a_key_cannot_sign_an_algorithm_of_another_family() -> None:
    with pytest.raises(ValueError, match="cannot sign"):
        sign_with(ec.generate_private_key(ec.SECP256R1()), "RS256", b"x")
    with pytest.raises(ValueError, match="cannot sign"):
        sign_with(ec.generate_private_key(ec.SECP384R1()), "ES256", b"x")


@pytest.mark.parametrize(
    ("alg", "size"), [("HS256", 2048), ("none", 2048), ("RS256", 1024), ("PS256", 2047), ("EdDSA", 2048)]
)
def test_weak_or_unsupported_key_specs_are_refused(alg: str, size: int) -> None:
    with pytest.raises(ValueError, match=r"unsupported|at least"):
        check_key_spec(alg, size)
    with pytest.raises(ValueError, match=r"unsupported|at least"):
        InMemoryKeyProvider(FakeClock(), alg=alg, rsa_key_size=size)


# --- the in-memory provider's own promises ---------------------------------------------------


async def test_the_memory_provider_creates_its_key_lazily() -> None:
    keys = InMemoryKeyProvider(FakeClock(), alg="ES256")

    assert await keys.list_keys() == []
    active = await keys.active_key()
    assert [key.kid for key in await keys.list_keys()] == [active.kid]


async def test_publishing_creates_the_first_key_so_verifiers_never_cache_an_empty_set() -> None:
    keys = InMemoryKeyProvider(FakeClock(), alg="ES256")

    published = (await keys.public_jwks())["keys"]

    assert [jwk["kid"] for jwk in published] == [(await keys.active_key()).kid]


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_the_memory_provider_kid_is_the_rfc_7638_thumbprint(alg: str) -> None:
    clock = FakeClock()
    keys = InMemoryKeyProvider(clock, alg=alg)

    active = await keys.active_key()

    assert active.kid == jwk_thumbprint(active.public_jwk)
    assert active.created_at == clock.now()
    assert active.alg == alg


async def test_the_memory_provider_honours_the_rsa_key_size() -> None:
    keys = InMemoryKeyProvider(FakeClock(), rsa_key_size=3072)

    jwk = (await keys.active_key()).public_jwk

    assert len(b64url_decode(jwk["n"])) * 8 == 3072


async def test_a_negative_overlap_is_refused() -> None:
    keys = InMemoryKeyProvider(FakeClock(), alg="ES256")

    with pytest.raises(ValueError, match="negative"):
        await keys.rotate(overlap_seconds=-1)
