"""The resource server's bearer-token check: every way a token is refused, and the ways it is not."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from joserfc.jwk import RSAKey

from remotemcp.adapters.memory.keys import InMemoryKeyProvider
from remotemcp.adapters.memory.revocation import InMemoryRevocationList
from remotemcp.domain.errors import InsufficientScope, InvalidToken, TemporarilyUnavailable, TokenRejection
from remotemcp.domain.oauth.access_token_validation import (
    AccessTokenClaims,
    AccessTokenValidator,
    require_scopes,
)
from remotemcp.domain.oauth.jws import sign_jwt
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.randomness import b64url, b64url_decode
from tests.unit.fakes import FakeClock

ISSUER = "https://auth.example.com"
RESOURCE = "https://mcp.example.com/mcp"
LEEWAY = 30
DAY = 24 * 3600
NOT_UTF8 = b64url(b"\xff\xfe")
DEEPLY_NESTED = b64url(b"[" * 5000)


class CountingJwks:
    """A `JwksSource` that counts fetches and can be switched to another key set."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0

    async def public_jwks(self) -> dict[str, Any]:
        self.fetches += 1
        return self.document


@pytest.fixture(scope="module")
def rsa_keys() -> InMemoryKeyProvider:
    # RSA generation costs ~50 ms; tests that do not rotate share one key. Its own clock only
    # stamps created_at, which no test here reads.
    return InMemoryKeyProvider(FakeClock())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> ServerPolicy:
    return ServerPolicy(issuer=ISSUER, resource=RESOURCE, leeway_seconds=LEEWAY)


@pytest.fixture
def revocations() -> InMemoryRevocationList:
    return InMemoryRevocationList()


@pytest.fixture
def validator(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> AccessTokenValidator:
    return AccessTokenValidator(rsa_keys, revocations, policy, clock)


def access_claims(now: int, **changes: Any) -> dict[str, Any]:
    """Claims of a good token at `now`; a change to None removes the claim."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": RESOURCE,
        "client_id": "client-1",
        "scope": "mcp openid",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "jti-1",
        "gid": "grant-1",
        "auth_time": now - 60,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def forge(header: Any, claims: Any, signature: bytes = b"not-a-signature") -> str:
    return f"{segment(header)}.{segment(claims)}.{b64url(signature)}"


async def sign_raw(keys: InMemoryKeyProvider, header: dict[str, Any], payload: bytes) -> str:
    """A correctly signed token with whatever header and payload bytes the test wants."""
    signing_input = f"{segment(header)}.{b64url(payload)}"
    signature = await keys.sign(header["kid"], signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


async def at_header(keys: InMemoryKeyProvider, **changes: Any) -> dict[str, Any]:
    key = await keys.active_key()
    header: dict[str, Any] = {"alg": key.alg, "typ": "at+jwt", "kid": key.kid}
    header.update(changes)
    return header


async def rejection(validator: AccessTokenValidator, token: str) -> TokenRejection:
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(token)
    assert caught.value.error == "invalid_token"
    return caught.value.reason


# --- accepted tokens -------------------------------------------------------------------------


async def test_a_token_minted_by_the_provider_validates_to_its_claims(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    now = clock.now()
    token = await sign_jwt(rsa_keys, access_claims(now), typ="at+jwt")

    claims = await validator.validate(token)

    assert claims == AccessTokenClaims(
        subject="user-1",
        client_id="client-1",
        scopes=frozenset({"mcp", "openid"}),
        audience=RESOURCE,
        issuer=ISSUER,
        issued_at=now,
        expires_at=now + 3600,
        jti="jti-1",
        grant_id="grant-1",
        auth_time=now - 60,
        claims=access_claims(now),
    )


async def test_optional_claims_default_to_empty_scope_and_none(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    token = await sign_jwt(
        rsa_keys, access_claims(clock.now(), scope=None, gid=None, auth_time=None, nbf=None), typ="at+jwt"
    )

    claims = await validator.validate(token)

    assert claims.scopes == frozenset()
    assert claims.grant_id is None
    assert claims.auth_time is None


async def test_the_claims_mapping_is_read_only(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), extra="kept"), typ="at+jwt")

    claims = await validator.validate(token)

    assert claims.claims["extra"] == "kept"
    with pytest.raises(TypeError):
        claims.claims["sub"] = "someone-else"  # type: ignore[index]


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT"])
async def test_typ_is_matched_case_insensitively_with_or_without_the_media_prefix(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, typ: str
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now()), typ=typ)

    assert (await validator.validate(token)).subject == "user-1"


@pytest.mark.parametrize(
    "aud", [[RESOURCE], ["https://other.example.com", RESOURCE], [RESOURCE, "https://other.example.com"]]
)
async def test_an_audience_list_is_accepted_when_it_contains_this_resource(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, aud: list[str]
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), aud=aud), typ="at+jwt")

    claims = await validator.validate(token)

    assert claims.audience == RESOURCE
    assert claims.claims["aud"] == aud


async def test_unregistered_non_critical_header_parameters_are_ignored(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    header = await at_header(rsa_keys, x_vendor="something")
    token = await sign_raw(rsa_keys, header, json.dumps(access_claims(clock.now())).encode())

    assert (await validator.validate(token)).jti == "jti-1"


async def test_an_es256_provider_works_end_to_end(
    revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    keys = InMemoryKeyProvider(clock, alg="ES256")
    validator = AccessTokenValidator(keys, revocations, policy, clock)
    token = await sign_jwt(keys, access_claims(clock.now()), typ="at+jwt")

    claims = await validator.validate(token)

    assert claims.subject == "user-1"
    assert json.loads(b64url_decode(token.split(".")[0]))["alg"] == "ES256"
    assert len(b64url_decode(token.split(".")[2])) == 64


async def test_ps256_tokens_verify_when_the_policy_allows_ps256(
    revocations: InMemoryRevocationList, clock: FakeClock
) -> None:
    policy = ServerPolicy(issuer=ISSUER, resource=RESOURCE, signing_algorithms=("PS256",))
    keys = InMemoryKeyProvider(clock, alg="PS256")
    validator = AccessTokenValidator(keys, revocations, policy, clock)

    claims = await validator.validate(await sign_jwt(keys, access_claims(clock.now()), typ="at+jwt"))

    assert claims.jti == "jti-1"


# --- MALFORMED -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="one-part"),
        pytest.param("a.b", id="two-parts"),
        pytest.param("a.b.c.d", id="four-parts"),
        pytest.param("a.b.c.d.e", id="five-parts-jwe-shape"),
        pytest.param("!!!.e30.c2ln", id="header-not-base64url"),
        pytest.param("eyJhbGciOiJSUzI1NiJ9=.e30.c2ln", id="header-padded-base64"),
        pytest.param(f"{b64url(b'not json')}.e30.c2ln", id="header-not-json"),
        pytest.param(f"{segment(['alg', 'kid'])}.e30.c2ln", id="header-is-a-list"),
        pytest.param(f"{segment('alg')}.e30.c2ln", id="header-is-a-string"),
        pytest.param(f"{DEEPLY_NESTED}.e30.c2ln", id="header-nested-too-deep"),
        pytest.param(f"{NOT_UTF8}.e30.c2ln", id="header-not-utf8"),
        pytest.param(f"{segment({'typ': 'at+jwt', 'kid': 'k'})}.e30.c2ln", id="no-alg"),
        pytest.param(
            f"{segment({'alg': 'RS256', 'typ': 'at+jwt', 'kid': 'k'})}.e30.!!!", id="signature-not-b64"
        ),
        pytest.param(
            f"{segment({'alg': 'RS256', 'typ': 'at+jwt', 'kid': 'k'})}.%%%.c2ln", id="payload-not-b64"
        ),
        pytest.param("é.e30.c2ln", id="non-ascii"),
        pytest.param("a" * 20_000 + ".e30.c2ln", id="oversized"),
    ],
)
async def test_structurally_broken_tokens_are_malformed(validator: AccessTokenValidator, token: str) -> None:
    assert await rejection(validator, token) is TokenRejection.MALFORMED


@pytest.mark.parametrize(
    "kid", [pytest.param(None, id="absent"), pytest.param("", id="empty"), pytest.param(7, id="number")]
)
async def test_a_header_without_a_usable_kid_is_malformed(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, kid: Any
) -> None:
    header = await at_header(rsa_keys)
    signed = await sign_raw(rsa_keys, header, json.dumps(access_claims(clock.now())).encode())
    header["kid"] = kid
    if kid is None:
        del header["kid"]
    token = f"{segment(header)}.{signed.split('.', 1)[1]}"

    assert await rejection(validator, token) is TokenRejection.MALFORMED


@pytest.mark.parametrize(
    "extension",
    [
        pytest.param({"crit": ["exp"], "exp": 1}, id="unknown-extension"),
        pytest.param({"crit": ["kid"]}, id="registered-name"),
        pytest.param({"crit": ["b64"], "b64": True}, id="unencoded-payload-option"),
    ],
)
async def test_a_critical_header_extension_is_malformed_even_when_signed(
    validator: AccessTokenValidator,
    rsa_keys: InMemoryKeyProvider,
    clock: FakeClock,
    extension: dict[str, Any],
) -> None:
    header = await at_header(rsa_keys, **extension)
    token = await sign_raw(rsa_keys, header, json.dumps(access_claims(clock.now())).encode())

    assert await rejection(validator, token) is TokenRejection.MALFORMED


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="list"),
        pytest.param(b'"claims"', id="string"),
        pytest.param(b"null", id="null"),
    ],
)
async def test_a_signed_payload_that_is_not_a_json_object_is_malformed(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, payload: bytes
) -> None:
    token = await sign_raw(rsa_keys, await at_header(rsa_keys), payload)

    assert await rejection(validator, token) is TokenRejection.MALFORMED


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": "tomorrow"}, id="exp-string"),
        pytest.param({"iat": True}, id="iat-bool"),
        pytest.param({"nbf": "now"}, id="nbf-string"),
        pytest.param({"auth_time": [1]}, id="auth-time-list"),
        pytest.param({"sub": 42}, id="sub-number"),
        pytest.param({"client_id": ""}, id="client-id-empty"),
        pytest.param({"jti": {"id": 1}}, id="jti-object"),
        pytest.param({"iss": ["a"]}, id="iss-list"),
        pytest.param({"aud": 5}, id="aud-number"),
        pytest.param({"aud": [RESOURCE, 5]}, id="aud-list-with-number"),
        pytest.param({"scope": ["mcp"]}, id="scope-list"),
        pytest.param({"scope": 'mcp "quoted"'}, id="scope-bad-token"),
        pytest.param({"gid": 9}, id="gid-number"),
    ],
)
async def test_claims_of_the_wrong_type_are_malformed(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, changes: dict[str, Any]
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), **changes), typ="at+jwt")

    assert await rejection(validator, token) is TokenRejection.MALFORMED


# --- ALGORITHM_NOT_ALLOWED -------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_unsigned_tokens_are_refused(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, alg: str
) -> None:
    kid = (await rsa_keys.active_key()).kid
    header = {"alg": alg, "typ": "at+jwt", "kid": kid}

    for signature in (b"", b"anything"):
        token = forge(header, access_claims(clock.now()), signature)
        assert await rejection(validator, token) is TokenRejection.ALGORITHM_NOT_ALLOWED


def public_key_secrets(jwks: dict[str, Any]) -> dict[str, bytes]:
    """Every form in which an attacker could feed the published RSA key to an HMAC verifier."""
    jwk = jwks["keys"][0]
    public_key = RSAKey.import_key(jwk).public_key
    return {
        "pem": public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "pkcs1-pem": public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        "der": public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "jwk-json": json.dumps(jwk).encode(),
    }


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
async def test_hmac_keyed_with_the_published_public_key_is_refused(
    rsa_keys: InMemoryKeyProvider,
    revocations: InMemoryRevocationList,
    policy: ServerPolicy,
    clock: FakeClock,
    alg: str,
) -> None:
    digest = getattr(hashlib, f"sha{alg[2:]}")
    jwks = CountingJwks(await rsa_keys.public_jwks())
    validator = AccessTokenValidator(jwks, revocations, policy, clock)
    kid = jwks.document["keys"][0]["kid"]
    header = {"alg": alg, "typ": "at+jwt", "kid": kid}
    signing_input = f"{segment(header)}.{segment(access_claims(clock.now()))}".encode()

    for form, secret in public_key_secrets(jwks.document).items():
        mac = hmac.new(secret, signing_input, digest).digest()
        token = f"{signing_input.decode()}.{b64url(mac)}"
        assert await rejection(validator, token) is TokenRejection.ALGORITHM_NOT_ALLOWED, form

    # The algorithm is refused before the token can make the validator look for a key.
    assert jwks.fetches == 0


@pytest.mark.parametrize(
    "alg",
    [pytest.param("RS512", id="rs512"), pytest.param("ES384", id="es384"), pytest.param(256, id="number")],
)
async def test_algorithms_outside_the_pinned_list_are_refused_before_any_key_lookup(
    rsa_keys: InMemoryKeyProvider,
    revocations: InMemoryRevocationList,
    policy: ServerPolicy,
    clock: FakeClock,
    alg: Any,
) -> None:
    jwks = CountingJwks(await rsa_keys.public_jwks())
    validator = AccessTokenValidator(jwks, revocations, policy, clock)
    header = {"alg": alg, "typ": "at+jwt", "kid": "no-such-kid"}

    assert await rejection(validator, forge(header, access_claims(clock.now()))) is (
        TokenRejection.ALGORITHM_NOT_ALLOWED
    )
    assert jwks.fetches == 0


async def test_a_genuinely_signed_token_in_an_algorithm_the_policy_dropped_is_refused(
    revocations: InMemoryRevocationList, clock: FakeClock
) -> None:
    keys = InMemoryKeyProvider(clock, alg="ES256")
    rs256_only = ServerPolicy(issuer=ISSUER, resource=RESOURCE, signing_algorithms=("RS256",))
    validator = AccessTokenValidator(keys, revocations, rs256_only, clock)
    token = await sign_jwt(keys, access_claims(clock.now()), typ="at+jwt")

    assert await rejection(validator, token) is TokenRejection.ALGORITHM_NOT_ALLOWED


# --- WRONG_TYPE ------------------------------------------------------------------------------


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+jwt ", "application/jwt", "id_token+jwt", "", "at+jwt+x"])
async def test_tokens_not_typed_as_access_tokens_are_refused(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, typ: str
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now()), typ=typ)

    assert await rejection(validator, token) is TokenRejection.WRONG_TYPE


@pytest.mark.parametrize("typ", [None, 9, ["at+jwt"]], ids=["absent", "number", "list"])
async def test_a_missing_or_non_string_typ_is_the_wrong_type(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, typ: Any
) -> None:
    header = await at_header(rsa_keys, typ=typ)
    if typ is None:
        del header["typ"]
    token = await sign_raw(rsa_keys, header, json.dumps(access_claims(clock.now())).encode())

    assert await rejection(validator, token) is TokenRejection.WRONG_TYPE


# --- UNKNOWN_KEY and BAD_SIGNATURE -----------------------------------------------------------


async def test_a_token_from_an_untrusted_key_is_an_unknown_key(
    validator: AccessTokenValidator, clock: FakeClock
) -> None:
    stranger = InMemoryKeyProvider(clock, alg="ES256")
    token = await sign_jwt(stranger, access_claims(clock.now()), typ="at+jwt")

    assert await rejection(validator, token) is TokenRejection.UNKNOWN_KEY


async def test_a_foreign_signature_under_a_trusted_kid_is_a_bad_signature(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    impostor = InMemoryKeyProvider(clock)
    trusted_kid = (await rsa_keys.active_key()).kid
    header = {"alg": "RS256", "typ": "at+jwt", "kid": trusted_kid}
    signing_input = f"{segment(header)}.{segment(access_claims(clock.now()))}"
    forged = await impostor.sign((await impostor.active_key()).kid, signing_input.encode())

    assert await rejection(validator, f"{signing_input}.{b64url(forged)}") is TokenRejection.BAD_SIGNATURE


async def test_a_tampered_payload_is_a_bad_signature(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), scope="mcp"), typ="at+jwt")
    header, _, signature = token.split(".")
    widened = segment(access_claims(clock.now(), scope="mcp admin"))

    assert await rejection(validator, f"{header}.{widened}.{signature}") is TokenRejection.BAD_SIGNATURE


@pytest.mark.parametrize("cut", [1, 10, 255])
async def test_a_truncated_signature_is_a_bad_signature(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, cut: int
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now()), typ="at+jwt")
    signing_input, signature = token.rsplit(".", 1)
    short = b64url_decode(signature)[:-cut]

    assert await rejection(validator, f"{signing_input}.{b64url(short)}") is TokenRejection.BAD_SIGNATURE


async def test_an_allowed_algorithm_that_does_not_fit_the_named_key_is_a_bad_signature(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    # ES256 is allowed, but the kid names an RSA key published for RS256.
    header = await at_header(rsa_keys, alg="ES256")
    token = forge(header, access_claims(clock.now()), b"\x01" * 64)

    assert await rejection(validator, token) is TokenRejection.BAD_SIGNATURE


# --- time ------------------------------------------------------------------------------------


async def test_expiry_honours_the_leeway_to_the_second(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    now = clock.now()
    last_second = await sign_jwt(
        rsa_keys, access_claims(now - 3600, exp=now - LEEWAY + 1, jti="a"), typ="at+jwt"
    )
    just_expired = await sign_jwt(
        rsa_keys, access_claims(now - 3600, exp=now - LEEWAY, jti="b"), typ="at+jwt"
    )

    assert (await validator.validate(last_second)).jti == "a"
    assert await rejection(validator, just_expired) is TokenRejection.EXPIRED


async def test_a_token_expires_as_the_clock_moves(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now()), typ="at+jwt")
    await validator.validate(token)

    clock.advance(3600 + LEEWAY)

    assert await rejection(validator, token) is TokenRejection.EXPIRED


@pytest.mark.parametrize("claim", ["iat", "nbf"])
async def test_a_token_from_the_future_honours_the_leeway_to_the_second(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, claim: str
) -> None:
    now = clock.now()
    within = await sign_jwt(rsa_keys, access_claims(now, **{claim: now + LEEWAY}), typ="at+jwt")
    beyond = await sign_jwt(rsa_keys, access_claims(now, **{claim: now + LEEWAY + 1}), typ="at+jwt")

    assert (await validator.validate(within)).subject == "user-1"
    assert await rejection(validator, beyond) is TokenRejection.NOT_YET_VALID


async def test_with_zero_leeway_expiry_is_exact(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, clock: FakeClock
) -> None:
    strict = ServerPolicy(issuer=ISSUER, resource=RESOURCE, leeway_seconds=0)
    validator = AccessTokenValidator(rsa_keys, revocations, strict, clock)
    now = clock.now()

    alive = await sign_jwt(rsa_keys, access_claims(now - 10, exp=now + 1), typ="at+jwt")
    dead = await sign_jwt(rsa_keys, access_claims(now - 10, exp=now), typ="at+jwt")
    early = await sign_jwt(rsa_keys, access_claims(now, iat=now + 1), typ="at+jwt")

    assert (await validator.validate(alive)).expires_at == now + 1
    assert await rejection(validator, dead) is TokenRejection.EXPIRED
    assert await rejection(validator, early) is TokenRejection.NOT_YET_VALID


# --- issuer, audience, required claims -------------------------------------------------------


@pytest.mark.parametrize(
    "iss", ["https://evil.example.com", ISSUER + "/", "http://auth.example.com", ISSUER.upper()]
)
async def test_another_issuer_is_refused(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, iss: str
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), iss=iss), typ="at+jwt")

    assert await rejection(validator, token) is TokenRejection.WRONG_ISSUER


@pytest.mark.parametrize(
    "aud",
    [
        pytest.param("https://other.example.com/mcp", id="other-resource"),
        pytest.param(RESOURCE + "/", id="trailing-slash"),
        pytest.param("https://mcp.example.com", id="origin-only"),
        pytest.param("HTTPS://MCP.EXAMPLE.COM/mcp", id="different-case"),
        pytest.param(["https://other.example.com/mcp"], id="list-without"),
        pytest.param([], id="empty-list"),
    ],
)
async def test_a_token_for_another_audience_is_refused(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, aud: Any
) -> None:
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), aud=aud), typ="at+jwt")

    assert await rejection(validator, token) is TokenRejection.WRONG_AUDIENCE


@pytest.mark.parametrize("claim", ["sub", "client_id", "exp", "iat", "jti", "iss", "aud"])
async def test_each_required_claim_is_required(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock, claim: str
) -> None:
    absent = await sign_jwt(rsa_keys, access_claims(clock.now(), **{claim: None}), typ="at+jwt")
    null = access_claims(clock.now())
    null[claim] = None
    explicit_null = await sign_jwt(rsa_keys, null, typ="at+jwt")

    assert await rejection(validator, absent) is TokenRejection.MISSING_CLAIM
    assert await rejection(validator, explicit_null) is TokenRejection.MISSING_CLAIM


# --- revocation ------------------------------------------------------------------------------


async def test_a_revoked_jti_is_refused_until_its_entry_lapses(
    validator: AccessTokenValidator,
    rsa_keys: InMemoryKeyProvider,
    revocations: InMemoryRevocationList,
    clock: FakeClock,
) -> None:
    now = clock.now()
    token = await sign_jwt(rsa_keys, access_claims(now, exp=now + 10 * DAY), typ="at+jwt")
    await revocations.revoke("jti-1", until=now + 100)

    assert await rejection(validator, token) is TokenRejection.REVOKED

    clock.advance(100)
    assert (await validator.validate(token)).jti == "jti-1"


async def test_revoking_the_grant_refuses_its_access_tokens(
    validator: AccessTokenValidator,
    rsa_keys: InMemoryKeyProvider,
    revocations: InMemoryRevocationList,
    clock: FakeClock,
) -> None:
    now = clock.now()
    of_grant = await sign_jwt(rsa_keys, access_claims(now, jti="a", gid="grant-1"), typ="at+jwt")
    of_other = await sign_jwt(rsa_keys, access_claims(now, jti="b", gid="grant-2"), typ="at+jwt")
    without_grant = await sign_jwt(rsa_keys, access_claims(now, jti="c", gid=None), typ="at+jwt")
    await revocations.revoke("grant-1", until=now + 3600)

    assert await rejection(validator, of_grant) is TokenRejection.REVOKED
    assert (await validator.validate(of_other)).jti == "b"
    assert (await validator.validate(without_grant)).jti == "c"


# --- trusted keys: caching, refresh, rotation ------------------------------------------------


async def test_the_jwks_is_fetched_once_for_many_validations(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    jwks = CountingJwks(await rsa_keys.public_jwks())
    validator = AccessTokenValidator(jwks, revocations, policy, clock)
    token = await sign_jwt(rsa_keys, access_claims(clock.now()), typ="at+jwt")

    for _ in range(50):
        await validator.validate(token)

    assert jwks.fetches == 1


async def test_unknown_kids_trigger_at_most_one_refresh_per_interval(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    jwks = CountingJwks(await rsa_keys.public_jwks())
    validator = AccessTokenValidator(jwks, revocations, policy, clock, min_refresh_interval=30)
    good = await sign_jwt(rsa_keys, access_claims(clock.now(), exp=clock.now() + DAY), typ="at+jwt")
    await validator.validate(good)
    assert jwks.fetches == 1

    for attempt in range(20):
        header = {"alg": "RS256", "typ": "at+jwt", "kid": f"random-{attempt}"}
        assert (
            await rejection(validator, forge(header, access_claims(clock.now())))
            is TokenRejection.UNKNOWN_KEY
        )
    assert jwks.fetches == 1

    clock.advance(30)
    header = {"alg": "RS256", "typ": "at+jwt", "kid": "random-late"}
    assert await rejection(validator, forge(header, access_claims(clock.now()))) is TokenRejection.UNKNOWN_KEY
    assert jwks.fetches == 2


async def test_a_key_published_later_is_picked_up_on_the_refresh_after_the_interval(
    revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    first = InMemoryKeyProvider(clock, alg="ES256")
    second = InMemoryKeyProvider(clock, alg="ES256")
    jwks = CountingJwks(await first.public_jwks())
    validator = AccessTokenValidator(jwks, revocations, policy, clock, min_refresh_interval=30)
    await validator.validate(
        await sign_jwt(first, access_claims(clock.now(), exp=clock.now() + DAY), typ="at+jwt")
    )

    jwks.document = {"keys": [*jwks.document["keys"], *(await second.public_jwks())["keys"]]}
    token = await sign_jwt(second, access_claims(clock.now(), exp=clock.now() + DAY), typ="at+jwt")
    assert await rejection(validator, token) is TokenRejection.UNKNOWN_KEY

    clock.advance(30)
    assert (await validator.validate(token)).subject == "user-1"


async def test_the_cached_jwks_is_reread_after_max_age(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    jwks = CountingJwks(await rsa_keys.public_jwks())
    validator = AccessTokenValidator(jwks, revocations, policy, clock, max_age=300)
    token = await sign_jwt(rsa_keys, access_claims(clock.now(), exp=clock.now() + DAY), typ="at+jwt")
    await validator.validate(token)

    clock.advance(299)
    await validator.validate(token)
    assert jwks.fetches == 1

    clock.advance(1)
    await validator.validate(token)
    assert jwks.fetches == 2


async def test_rotation_keeps_old_tokens_valid_during_the_overlap_only(
    revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    keys = InMemoryKeyProvider(clock)
    # Wired as for this server's own in-process key provider, where a JWKS re-read is a memory copy.
    validator = AccessTokenValidator(keys, revocations, policy, clock, min_refresh_interval=0, max_age=1)
    long_lived = access_claims(clock.now(), exp=clock.now() + 10 * DAY)
    old_token = await sign_jwt(keys, long_lived, typ="at+jwt")
    assert (await validator.validate(old_token)).jti == "jti-1"

    await keys.rotate(overlap_seconds=3600)
    new_token = await sign_jwt(keys, long_lived, typ="at+jwt")
    assert (
        json.loads(b64url_decode(old_token.split(".")[0]))["kid"]
        != json.loads(b64url_decode(new_token.split(".")[0]))["kid"]
    )

    # The new kid is fetched at once; the old one is still published.
    assert (await validator.validate(new_token)).jti == "jti-1"
    assert (await validator.validate(old_token)).jti == "jti-1"

    clock.advance(3599)
    assert (await validator.validate(old_token)).jti == "jti-1"

    clock.advance(1)
    assert await rejection(validator, old_token) is TokenRejection.UNKNOWN_KEY
    assert (await validator.validate(new_token)).jti == "jti-1"


async def test_a_retired_key_stops_verifying_at_most_max_age_after_retire_at(
    revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    keys = InMemoryKeyProvider(clock, alg="ES256")
    validator = AccessTokenValidator(keys, revocations, policy, clock, max_age=300)
    old_token = await sign_jwt(keys, access_claims(clock.now(), exp=clock.now() + 10 * DAY), typ="at+jwt")
    await keys.rotate(overlap_seconds=1000)

    clock.advance(900)  # the cache is re-read here, while the old key is still published
    assert (await validator.validate(old_token)).jti == "jti-1"

    clock.advance(100)  # retire_at passed, but the cached set is only 100 s old
    assert (await validator.validate(old_token)).jti == "jti-1"

    clock.advance(200)
    assert await rejection(validator, old_token) is TokenRejection.UNKNOWN_KEY


async def test_with_the_default_interval_a_just_rotated_key_verifies_after_the_interval(
    revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    keys = InMemoryKeyProvider(clock, alg="ES256")
    validator = AccessTokenValidator(keys, revocations, policy, clock)
    await validator.validate(await sign_jwt(keys, access_claims(clock.now()), typ="at+jwt"))

    await keys.rotate(overlap_seconds=3600)
    clock.advance(30)

    assert (await validator.validate(await sign_jwt(keys, access_claims(clock.now()), typ="at+jwt"))).jti


async def test_symmetric_and_encryption_keys_in_a_jwks_are_never_trusted(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, clock: FakeClock
) -> None:
    rsa_jwk = (await rsa_keys.public_jwks())["keys"][0]
    jwks = CountingJwks(
        {
            "keys": [
                {"kty": "oct", "kid": "shared", "k": b64url(b"s" * 32), "alg": "HS256"},
                {**rsa_jwk, "kid": "for-encryption", "use": "enc"},
                {"kty": "RSA", "kid": "broken", "n": "%%%", "e": "AQAB"},
                "not-a-key",
                rsa_jwk,
            ]
        }
    )
    # No policy may list an HMAC algorithm, so the `oct` key is probed through RS256 tokens: a
    # key that was imported at all would answer BAD_SIGNATURE, an ignored one UNKNOWN_KEY.
    validator = AccessTokenValidator(jwks, revocations, ServerPolicy(issuer=ISSUER, resource=RESOURCE), clock)
    now = clock.now()
    for kid in ("shared", "for-encryption", "broken"):
        header = {"alg": "RS256", "typ": "at+jwt", "kid": kid}
        signing_input = f"{segment(header)}.{segment(access_claims(now))}"
        signature = await rsa_keys.sign(rsa_jwk["kid"], signing_input.encode())
        token = f"{signing_input}.{b64url(signature)}"
        assert await rejection(validator, token) is TokenRejection.UNKNOWN_KEY, kid

    assert (await validator.validate(await sign_jwt(rsa_keys, access_claims(now), typ="at+jwt"))).jti


async def test_a_jwks_that_is_not_a_key_set_is_a_server_side_failure(
    revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    validator = AccessTokenValidator(CountingJwks({"keys": "nope"}), revocations, policy, clock)
    token = forge({"alg": "RS256", "typ": "at+jwt", "kid": "k"}, access_claims(clock.now()))

    with pytest.raises(TemporarilyUnavailable):
        await validator.validate(token)


def test_refresh_settings_are_checked(
    rsa_keys: InMemoryKeyProvider, revocations: InMemoryRevocationList, policy: ServerPolicy, clock: FakeClock
) -> None:
    with pytest.raises(ValueError, match="min_refresh_interval"):
        AccessTokenValidator(rsa_keys, revocations, policy, clock, min_refresh_interval=-1)
    with pytest.raises(ValueError, match="max_age"):
        AccessTokenValidator(rsa_keys, revocations, policy, clock, max_age=0)


# --- scopes ----------------------------------------------------------------------------------


async def test_require_scopes_passes_when_every_scope_is_held(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    claims = await validator.validate(
        await sign_jwt(rsa_keys, access_claims(clock.now(), scope="mcp files:read"), typ="at+jwt")
    )

    require_scopes(claims, frozenset({"mcp"}))
    require_scopes(claims, frozenset({"mcp", "files:read"}))
    require_scopes(claims, frozenset())


async def test_require_scopes_names_what_the_call_needs(
    validator: AccessTokenValidator, rsa_keys: InMemoryKeyProvider, clock: FakeClock
) -> None:
    claims = await validator.validate(
        await sign_jwt(rsa_keys, access_claims(clock.now(), scope="mcp"), typ="at+jwt")
    )

    with pytest.raises(InsufficientScope) as caught:
        require_scopes(claims, frozenset({"mcp", "files:write"}))

    assert caught.value.required == frozenset({"mcp", "files:write"})
    assert caught.value.status_code == 403
    assert "files:write" in caught.value.description
