"""RFC 7591 dynamic client registration."""

from __future__ import annotations

from typing import Any

import pytest

from remotemcp.adapters.memory.clients import InMemoryClientRepository
from remotemcp.domain.errors import (
    AccessDenied,
    InvalidClientMetadata,
    InvalidConfiguration,
    InvalidRedirectUri,
    RegistrationDisabled,
)
from remotemcp.domain.model.clients import ApplicationType, Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.client_registration import (
    ClientRegistrationService,
    RegisteredClient,
    RegistrationPolicy,
)
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.randomness import constant_time_equal, new_secret, secret_digest
from tests.unit.fakes import CountingRandom, FakeClock

POLICY = ServerPolicy(issuer="https://as.example", resource="https://as.example/mcp")
REDIRECT = "http://127.0.0.1:33418/callback"


def make_service(
    registration: RegistrationPolicy | None = None,
) -> tuple[ClientRegistrationService, InMemoryClientRepository, FakeClock]:
    repo = InMemoryClientRepository()
    clock = FakeClock()
    return ClientRegistrationService(repo, clock, CountingRandom(), POLICY, registration), repo, clock


def public(**extra: Any) -> dict[str, Any]:
    return {"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none", **extra}


async def register_error(metadata: Any, registration: RegistrationPolicy | None = None) -> Exception:
    service, repo, _ = make_service(registration)
    with pytest.raises((InvalidClientMetadata, InvalidRedirectUri)) as caught:
        await service.register(metadata)
    assert await repo.list() == []
    return caught.value


async def test_public_client_registration_is_stored_and_echoed() -> None:
    service, repo, clock = make_service()
    registered = await service.register(
        public(client_name="Claude Code", grant_types=["authorization_code", "refresh_token"])
    )
    client = registered.client
    assert registered.client_secret is None
    assert client.origin is ClientOrigin.DYNAMIC
    assert client.token_endpoint_auth_method is TokenEndpointAuthMethod.NONE
    assert client.secret_hash is None
    assert client.client_id_issued_at == clock.now()
    assert await repo.get(client.client_id) == client
    assert registered.response() == {
        "client_id": client.client_id,
        "client_id_issued_at": clock.now(),
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "application_type": "web",
        "client_name": "Claude Code",
    }


async def test_confidential_client_gets_a_256_bit_secret_stored_only_as_digest() -> None:
    service, repo, _ = make_service()
    registered = await service.register({"redirect_uris": [REDIRECT]})
    secret = registered.client_secret
    assert secret is not None
    assert len(secret) == len(new_secret(CountingRandom())) == 43  # 32 bytes, base64url
    stored = await repo.get(registered.client.client_id)
    assert stored is not None
    assert stored.secret_hash == secret_digest(secret)
    assert secret not in repr(stored)
    assert secret not in repr(registered)
    body = registered.response()
    assert body["client_secret"] == secret
    assert body["client_secret_expires_at"] == 0
    assert constant_time_equal(secret_digest(body["client_secret"]), stored.secret_hash)


async def test_omitted_auth_method_defaults_to_client_secret_basic() -> None:
    service, _, _ = make_service()
    registered = await service.register({"redirect_uris": [REDIRECT]})
    assert registered.client.token_endpoint_auth_method is TokenEndpointAuthMethod.CLIENT_SECRET_BASIC
    assert registered.response()["token_endpoint_auth_method"] == "client_secret_basic"


async def test_client_secret_post_is_registered_as_asked() -> None:
    service, _, _ = make_service()
    registered = await service.register(
        {"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_post"}
    )
    assert registered.client.token_endpoint_auth_method is TokenEndpointAuthMethod.CLIENT_SECRET_POST
    assert registered.client_secret is not None


async def test_client_ids_are_opaque_and_distinct() -> None:
    service, repo, _ = make_service()
    first = await service.register(public())
    second = await service.register(public())
    assert first.client.client_id != second.client.client_id
    assert "://" not in first.client.client_id
    assert len(first.client.client_id) == 22  # 128 bits, base64url
    assert len(await repo.list()) == 2


async def test_secret_ttl_sets_expiry() -> None:
    service, _, clock = make_service(RegistrationPolicy(client_secret_ttl=3600))
    registered = await service.register({"redirect_uris": [REDIRECT]})
    assert registered.client.client_secret_expires_at == clock.now() + 3600
    assert registered.response()["client_secret_expires_at"] == clock.now() + 3600


async def test_omitted_grant_types_register_code_and_refresh() -> None:
    service, _, _ = make_service()
    registered = await service.register(public())
    assert registered.client.grant_types == ("authorization_code", "refresh_token")
    assert registered.client.response_types == ("code",)


async def test_listed_grant_types_are_kept_exactly() -> None:
    service, _, _ = make_service()
    registered = await service.register(public(grant_types=["authorization_code", "authorization_code"]))
    assert registered.client.grant_types == ("authorization_code",)


async def test_redirect_uris_are_deduplicated_in_order() -> None:
    service, _, _ = make_service()
    uris = ["https://app.example.com/cb", REDIRECT, "https://app.example.com/cb"]
    registered = await service.register(public(redirect_uris=uris))
    assert registered.client.redirect_uris == ("https://app.example.com/cb", REDIRECT)


async def test_full_metadata_is_kept() -> None:
    service, _, _ = make_service()
    registered = await service.register(
        public(
            client_name="VS Code",
            client_uri="https://code.visualstudio.com",
            logo_uri="https://code.visualstudio.com/logo.png",
            tos_uri="https://code.visualstudio.com/tos",
            policy_uri="https://code.visualstudio.com/privacy",
            contacts=["ops@example.com"],
            software_id="vscode",
            software_version="1.99",
            application_type="native",
            scope="mcp openid",
            jwks_uri="https://ignored.example/jwks",
            client_secret="chosen-by-client",
            unknown_field={"nested": True},
        )
    )
    client = registered.client
    assert client.client_name == "VS Code"
    assert client.client_uri == "https://code.visualstudio.com"
    assert client.logo_uri == "https://code.visualstudio.com/logo.png"
    assert client.contacts == ("ops@example.com",)
    assert client.software_id == "vscode"
    assert client.software_version == "1.99"
    assert client.application_type is ApplicationType.NATIVE
    assert client.scopes == frozenset({"mcp", "openid"})
    assert registered.client_secret is None
    body = registered.response()
    assert body["scope"] == "mcp openid"
    assert body["contacts"] == ["ops@example.com"]
    assert "unknown_field" not in body
    assert "client_secret" not in body


async def test_null_optional_fields_count_as_absent() -> None:
    service, _, _ = make_service()
    registered = await service.register(public(client_uri=None, scope=None, contacts=None))
    assert registered.client.client_uri is None
    assert registered.client.scopes == frozenset()


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({}, "redirect_uris is required"),
        ({"redirect_uris": None}, "redirect_uris is required"),
        ({"redirect_uris": []}, "at least one"),
        ({"redirect_uris": REDIRECT}, "array of strings"),
        ({"redirect_uris": [REDIRECT, 5]}, "array of strings"),
        ({"redirect_uris": ["https://app.example.com/cb#frag"]}, "fragment"),
        ({"redirect_uris": ["http://app.example.com/cb"]}, "only loopback"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "javascript"),
        ({"redirect_uris": [f"https://app.example.com/{i}" for i in range(11)]}, "at most 10"),
    ],
)
async def test_bad_redirect_uris_are_invalid_redirect_uri(metadata: dict[str, Any], reason: str) -> None:
    error = await register_error(metadata)
    assert isinstance(error, InvalidRedirectUri)
    assert reason in str(error)


async def test_max_redirect_uris_is_configurable() -> None:
    error = await register_error(
        public(redirect_uris=["https://a.example/1", "https://a.example/2"]),
        RegistrationPolicy(max_redirect_uris=1),
    )
    assert isinstance(error, InvalidRedirectUri)
    assert "at most 1" in str(error)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"token_endpoint_auth_method": "private_key_jwt"}, "'private_key_jwt' is not supported"),
        ({"token_endpoint_auth_method": 3}, "token_endpoint_auth_method must be a string"),
        ({"grant_types": ["client_credentials"]}, "'client_credentials' is not supported"),
        ({"grant_types": ["implicit", "authorization_code"]}, "'implicit' is not supported"),
        ({"grant_types": ["refresh_token"]}, "must include authorization_code"),
        ({"grant_types": []}, "must include authorization_code"),
        ({"grant_types": "authorization_code"}, "grant_types must be an array of strings"),
        ({"response_types": ["token"]}, "'token' is not supported"),
        ({"response_types": []}, "disagree"),
        ({"response_types": "code"}, "response_types must be an array of strings"),
        ({"scope": "mcp admin"}, "'admin' is not supported"),
        ({"scope": ["mcp"]}, "scope must be a space-separated string"),
        ({"scope": 'mcp "quoted"'}, "malformed scope"),
        ({"application_type": "desktop"}, "'web' or 'native'"),
        ({"application_type": 1}, "application_type must be a string"),
        ({"client_name": 42}, "client_name must be a string"),
        ({"client_name": "   "}, "client_name must not be empty"),
        ({"client_name": "x" * 201}, "client_name must be at most 200"),
        ({"client_name": "bad\x00name"}, "control characters"),
        ({"client_uri": "http://app.example.com"}, "client_uri must be an https URI"),
        ({"logo_uri": "javascript:alert(1)"}, "logo_uri must be an https URI"),
        ({"tos_uri": "https://claude.ai@evil.example/tos"}, "tos_uri must not contain user information"),
        ({"policy_uri": "https:///nohost"}, "policy_uri must be an https URI with a host"),
        ({"client_uri": ["https://app.example.com"]}, "client_uri must be a string"),
        ({"contacts": "ops@example.com"}, "contacts must be an array of strings"),
        ({"contacts": [""]}, "contacts entries"),
        ({"contacts": [f"c{i}@example.com" for i in range(11)]}, "at most 10"),
        ({"software_id": {"id": 1}}, "software_id must be a string"),
        ({"software_version": 1.0}, "software_version must be a string"),
    ],
)
async def test_bad_metadata_is_invalid_client_metadata_naming_the_field(
    extra: dict[str, Any], reason: str
) -> None:
    error = await register_error(public(**extra))
    assert isinstance(error, InvalidClientMetadata)
    assert error.error == "invalid_client_metadata"
    assert reason in str(error)


async def test_a_non_object_body_is_refused() -> None:
    error = await register_error([REDIRECT])
    assert isinstance(error, InvalidClientMetadata)
    assert "JSON object" in str(error)


async def test_allowed_scopes_can_narrow_the_supported_set() -> None:
    policy = RegistrationPolicy(allowed_scopes=frozenset({"mcp"}))
    error = await register_error(public(scope="mcp openid"), policy)
    assert "'openid' is not supported" in str(error)
    service, _, _ = make_service(policy)
    assert (await service.register(public(scope="mcp"))).client.scopes == frozenset({"mcp"})


def test_allowed_scopes_outside_the_supported_set_are_a_configuration_error() -> None:
    with pytest.raises(InvalidConfiguration, match="allowed_scopes"):
        make_service(RegistrationPolicy(allowed_scopes=frozenset({"mcp", "admin"})))


def test_registration_policy_rejects_nonsense() -> None:
    with pytest.raises(InvalidConfiguration):
        RegistrationPolicy(max_redirect_uris=0)
    with pytest.raises(ValueError, match="negative"):
        RegistrationPolicy(client_secret_ttl=-1)


async def test_disabled_registration_is_refused_clearly() -> None:
    service, repo, _ = make_service(RegistrationPolicy(enabled=False))
    assert not service.enabled
    with pytest.raises(RegistrationDisabled) as caught:
        await service.register(public())
    assert isinstance(caught.value, AccessDenied)
    assert caught.value.error == "access_denied"
    assert caught.value.status_code == 403
    assert "disabled" in caught.value.description
    assert await repo.list() == []


async def test_public_only_policy_refuses_confidential_and_defaults_to_none() -> None:
    policy = RegistrationPolicy(allow_confidential=False)
    error = await register_error(public(token_endpoint_auth_method="client_secret_basic"), policy)
    assert "public clients only" in str(error)
    service, _, _ = make_service(policy)
    registered = await service.register({"redirect_uris": [REDIRECT]})
    assert registered.client.token_endpoint_auth_method is TokenEndpointAuthMethod.NONE
    assert registered.client_secret is None


def test_registered_client_response_is_a_fresh_dict() -> None:
    client = Client(client_id="c", redirect_uris=(REDIRECT,), origin=ClientOrigin.DYNAMIC)
    registered = RegisteredClient(client=client)
    first = registered.response()
    first["redirect_uris"].append("https://evil.example/cb")
    assert registered.response()["redirect_uris"] == [REDIRECT]
