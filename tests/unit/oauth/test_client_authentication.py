"""Client authentication at the token endpoint (RFC 6749 §2.3)."""

from __future__ import annotations

import json

import pytest

from remotemcp.adapters.memory.clients import InMemoryClientRepository
from remotemcp.domain.errors import InvalidClient, InvalidRequest
from remotemcp.domain.model.clients import Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.client_authentication import (
    AUTHENTICATION_FAILED,
    ClientAuthenticator,
    ClientCredentials,
)
from remotemcp.domain.oauth.metadata_document import ClientResolver
from remotemcp.domain.oauth.presets import claude_client, preregistered_client
from remotemcp.domain.ports.fetch import FetchedDocument
from tests.unit.fakes import FakeClock

NOW = 1_700_000_000
SECRET = "a-configured-secret-that-is-long-enough-0123"
REDIRECT = "https://svc.example/cb"

PUBLIC = preregistered_client("public-app", ["http://127.0.0.1:3000/cb"], NOW)
BASIC = preregistered_client("basic-app", [REDIRECT], NOW, secret=SECRET)
POST = preregistered_client(
    "post-app",
    [REDIRECT],
    NOW,
    secret=SECRET,
    token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST,
)
EXPIRING = preregistered_client(
    "expiring-app", [REDIRECT], NOW, secret=SECRET, client_secret_expires_at=NOW + 100
)


async def make_authenticator() -> tuple[ClientAuthenticator, FakeClock]:
    repo = InMemoryClientRepository()
    for client in (PUBLIC, BASIC, POST, EXPIRING, claude_client("claude", SECRET, NOW)):
        await repo.save(client)
    clock = FakeClock(NOW)
    return ClientAuthenticator(repo, clock), clock


async def test_public_client_authenticates_with_client_id_only() -> None:
    auth, _ = await make_authenticator()
    assert await auth.authenticate(ClientCredentials(client_id="public-app")) == PUBLIC


async def test_basic_client_with_the_right_secret() -> None:
    auth, _ = await make_authenticator()
    assert await auth.authenticate(ClientCredentials(basic_auth=("basic-app", SECRET))) == BASIC


async def test_basic_with_a_matching_body_client_id_is_fine() -> None:
    auth, _ = await make_authenticator()
    credentials = ClientCredentials(client_id="basic-app", basic_auth=("basic-app", SECRET))
    assert await auth.authenticate(credentials) == BASIC


async def test_post_client_with_the_right_secret() -> None:
    auth, _ = await make_authenticator()
    assert await auth.authenticate(ClientCredentials(client_id="post-app", client_secret=SECRET)) == POST


async def test_claude_preset_authenticates_with_client_secret_post() -> None:
    auth, _ = await make_authenticator()
    client = await auth.authenticate(ClientCredentials(client_id="claude", client_secret=SECRET))
    assert client.client_id == "claude"
    with pytest.raises(InvalidClient, match="registered for token_endpoint_auth_method client_secret_post"):
        await auth.authenticate(ClientCredentials(basic_auth=("claude", SECRET)))


@pytest.mark.parametrize(
    "credentials",
    [
        ClientCredentials(basic_auth=("basic-app", SECRET + "x")),
        ClientCredentials(basic_auth=("basic-app", SECRET[:-1])),
        ClientCredentials(client_id="post-app", client_secret="wrong"),
        ClientCredentials(basic_auth=("nobody", SECRET)),
        ClientCredentials(client_id="nobody", client_secret=SECRET),
        ClientCredentials(client_id="nobody"),
    ],
)
async def test_unknown_client_and_wrong_secret_fail_alike(credentials: ClientCredentials) -> None:
    auth, _ = await make_authenticator()
    with pytest.raises(InvalidClient) as caught:
        await auth.authenticate(credentials)
    assert caught.value.description == AUTHENTICATION_FAILED
    assert caught.value.status_code == 401
    assert caught.value.error == "invalid_client"


@pytest.mark.parametrize(
    ("credentials", "registered", "used"),
    [
        (
            ClientCredentials(client_id="basic-app", client_secret=SECRET),
            "client_secret_basic",
            "client_secret_post",
        ),
        (ClientCredentials(basic_auth=("post-app", SECRET)), "client_secret_post", "client_secret_basic"),
        (ClientCredentials(client_id="basic-app"), "client_secret_basic", "none"),
        (ClientCredentials(client_id="public-app", client_secret=SECRET), "none", "client_secret_post"),
        (ClientCredentials(basic_auth=("public-app", SECRET)), "none", "client_secret_basic"),
    ],
)
async def test_the_registered_method_is_the_only_one_accepted(
    credentials: ClientCredentials, registered: str, used: str
) -> None:
    auth, _ = await make_authenticator()
    with pytest.raises(InvalidClient) as caught:
        await auth.authenticate(credentials)
    assert f"registered for token_endpoint_auth_method {registered}" in caught.value.description
    assert f"the request used {used}" in caught.value.description


async def test_two_methods_at_once_is_invalid_request() -> None:
    auth, _ = await make_authenticator()
    credentials = ClientCredentials(
        client_id="basic-app", client_secret=SECRET, basic_auth=("basic-app", SECRET)
    )
    with pytest.raises(InvalidRequest, match="one client authentication method"):
        await auth.authenticate(credentials)


async def test_disagreeing_client_ids_are_invalid_request() -> None:
    auth, _ = await make_authenticator()
    with pytest.raises(InvalidRequest, match="does not match"):
        await auth.authenticate(ClientCredentials(client_id="post-app", basic_auth=("basic-app", SECRET)))


async def test_secret_without_client_id_is_invalid_request() -> None:
    auth, _ = await make_authenticator()
    with pytest.raises(InvalidRequest, match="without client_id"):
        await auth.authenticate(ClientCredentials(client_secret=SECRET))


async def test_no_credentials_at_all_is_invalid_client() -> None:
    auth, _ = await make_authenticator()
    with pytest.raises(InvalidClient, match="client authentication is required"):
        await auth.authenticate(ClientCredentials())
    with pytest.raises(InvalidClient, match=AUTHENTICATION_FAILED):
        await auth.authenticate(ClientCredentials(basic_auth=("", SECRET)))


async def test_empty_secrets_only_identify_the_client() -> None:
    auth, _ = await make_authenticator()
    assert await auth.authenticate(ClientCredentials(basic_auth=("public-app", ""))) == PUBLIC
    assert await auth.authenticate(ClientCredentials(client_id="public-app", client_secret="")) == PUBLIC
    with pytest.raises(InvalidClient, match="the request used none"):
        await auth.authenticate(ClientCredentials(basic_auth=("basic-app", "")))


async def test_expired_secret_is_refused_only_after_expiry() -> None:
    auth, clock = await make_authenticator()
    credentials = ClientCredentials(basic_auth=("expiring-app", SECRET))
    assert await auth.authenticate(credentials) == EXPIRING
    clock.advance(99)
    assert await auth.authenticate(credentials) == EXPIRING
    clock.advance(1)
    with pytest.raises(InvalidClient, match="expired"):
        await auth.authenticate(credentials)


async def test_expiry_does_not_leak_to_a_wrong_secret() -> None:
    auth, clock = await make_authenticator()
    clock.advance(1000)
    with pytest.raises(InvalidClient) as caught:
        await auth.authenticate(ClientCredentials(basic_auth=("expiring-app", "wrong")))
    assert caught.value.description == AUTHENTICATION_FAILED


async def test_confidential_client_without_a_stored_digest_cannot_authenticate() -> None:
    repo = InMemoryClientRepository()
    broken = Client(
        client_id="broken",
        redirect_uris=(REDIRECT,),
        origin=ClientOrigin.DYNAMIC,
        token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
    )
    await repo.save(broken)
    auth = ClientAuthenticator(repo, FakeClock(NOW))
    with pytest.raises(InvalidClient, match=AUTHENTICATION_FAILED):
        await auth.authenticate(ClientCredentials(basic_auth=("broken", SECRET)))


def test_credentials_repr_hides_secrets() -> None:
    text = repr(ClientCredentials(client_id="x", client_secret=SECRET, basic_auth=("x", SECRET)))
    assert SECRET not in text


class OneDocumentFetcher:
    def __init__(self, url: str) -> None:
        self.url = url

    async def fetch(self, url: str) -> FetchedDocument:
        body = {"client_id": self.url, "client_name": "Doc", "redirect_uris": ["http://127.0.0.1/cb"]}
        return FetchedDocument(
            url=url, body=json.dumps(body).encode(), content_type="application/json", max_age=None
        )


async def test_authenticator_over_a_resolver_knows_metadata_document_clients() -> None:
    url = "https://app.example.com/client.json"
    repo = InMemoryClientRepository()
    clock = FakeClock(NOW)
    auth = ClientAuthenticator(ClientResolver(repo, clock, OneDocumentFetcher(url)), clock)
    client = await auth.authenticate(ClientCredentials(client_id=url))
    assert client.origin is ClientOrigin.METADATA_DOCUMENT
    assert client.client_name == "Doc"
    with pytest.raises(InvalidClient, match="registered for token_endpoint_auth_method none"):
        await auth.authenticate(ClientCredentials(client_id=url, client_secret="anything"))
