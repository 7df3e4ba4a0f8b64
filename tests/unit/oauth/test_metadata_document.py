"""Client ID Metadata Documents: URL rules, document parsing, and the caching resolver."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from remotemcp.adapters.memory.clients import InMemoryClientRepository
from remotemcp.domain.errors import InvalidClient, InvalidConfiguration, TemporarilyUnavailable
from remotemcp.domain.model.clients import Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.metadata_document import (
    ClientResolver,
    MetadataDocumentPolicy,
    cache_lifetime,
    is_json_content_type,
    is_metadata_document_client_id,
    metadata_document_url_problem,
    parse_metadata_document,
)
from remotemcp.domain.ports.fetch import FetchedDocument
from tests.unit.fakes import FakeClock

URL = "https://app.example.com/oauth/client-metadata.json"
NOW = 1_700_000_000


def document(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "client_id": URL,
        "client_name": "Example MCP Client",
        "client_uri": "https://app.example.com",
        "logo_uri": "https://app.example.com/logo.png",
        "redirect_uris": ["http://127.0.0.1:3000/callback", "http://localhost:3000/callback"],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    doc.update(overrides)
    return {name: value for name, value in doc.items() if value is not ...}


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode("utf-8")


class FakeFetcher:
    """Serves documents from a dict and counts fetches; can be told to fail or redirect."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.content_type: str | None = "application/json; charset=utf-8"
        self.max_age: int | None = None
        self.served_from: str | None = None
        self.failure: Exception | None = None
        self.fetched: list[str] = []

    async def fetch(self, url: str) -> FetchedDocument:
        self.fetched.append(url)
        if self.failure is not None:
            raise self.failure
        if url not in self.documents:
            raise InvalidClient(f"GET {url} answered 404")
        return FetchedDocument(
            url=self.served_from or url,
            body=self.documents[url],
            content_type=self.content_type,
            max_age=self.max_age,
        )


# --- client_id URL rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_id",
    [
        URL,
        "https://example.com/client.json",
        "https://example.com:8443/c",
        "https://example.com/c?v=1",
        "https://example.com/a/b/c.json",
        "https://example.com/.well-known/client",
    ],
)
def test_acceptable_metadata_document_urls(client_id: str) -> None:
    assert is_metadata_document_client_id(client_id)
    assert metadata_document_url_problem(client_id) is None


@pytest.mark.parametrize(
    ("client_id", "reason"),
    [
        ("http://example.com/client.json", "https scheme"),
        ("HTTPS://example.com/client.json", "https scheme"),
        ("abc123", "https scheme"),
        ("https://example.com", "path"),
        ("https://example.com/", "path"),
        ("https://example.com?x=1", "path"),
        ("https://example.com/client.json#x", "fragment"),
        ("https://user:pw@example.com/client.json", "user information"),
        ("https://user@example.com/client.json", "user information"),
        ("https://example.com/a/../client.json", "dot"),
        ("https://example.com/./client.json", "dot"),
        ("https://example.com/a/..", "dot"),
        ("https://example.com/a/%2E%2E/client.json", "dot"),
        ("https:///client.json", "host"),
        ("https://example.com:99999/client.json", "malformed"),
        ("https://example.com/cl ient.json", "whitespace"),
        ("https://exämple.com/client.json", "ASCII"),
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_unacceptable_metadata_document_urls(client_id: str, reason: str) -> None:
    assert not is_metadata_document_client_id(client_id)
    problem = metadata_document_url_problem(client_id)
    assert problem is not None
    assert reason in problem


# --- parsing -------------------------------------------------------------------------------------


def test_a_valid_document_becomes_a_public_metadata_document_client() -> None:
    client = parse_metadata_document(URL, encode(document()), NOW, max_age=None)
    assert client == Client(
        client_id=URL,
        redirect_uris=("http://127.0.0.1:3000/callback", "http://localhost:3000/callback"),
        origin=ClientOrigin.METADATA_DOCUMENT,
        token_endpoint_auth_method=TokenEndpointAuthMethod.NONE,
        grant_types=("authorization_code",),
        response_types=("code",),
        client_name="Example MCP Client",
        client_uri="https://app.example.com",
        logo_uri="https://app.example.com/logo.png",
        client_id_issued_at=NOW,
        metadata_expires_at=NOW + 3600,
    )
    assert not client.is_confidential


def test_omitted_auth_method_means_none_and_omitted_grants_include_refresh() -> None:
    doc = document(token_endpoint_auth_method=..., grant_types=..., response_types=...)
    client = parse_metadata_document(URL, encode(doc), NOW, max_age=None)
    assert client.token_endpoint_auth_method is TokenEndpointAuthMethod.NONE
    assert client.grant_types == ("authorization_code", "refresh_token")


def test_scope_in_a_document_is_not_read() -> None:
    client = parse_metadata_document(URL, encode(document(scope="someone-elses:scope")), NOW, max_age=None)
    assert client.scopes == frozenset()


@pytest.mark.parametrize(
    ("max_age", "lifetime"),
    [(None, 3600), (0, 300), (-5, 300), (60, 300), (600, 600), (7200, 7200), (10**9, 86400)],
)
def test_cache_lifetime_is_clamped(max_age: int | None, lifetime: int) -> None:
    assert cache_lifetime(max_age, MetadataDocumentPolicy()) == lifetime
    client = parse_metadata_document(URL, encode(document()), NOW, max_age=max_age)
    assert client.metadata_expires_at == NOW + lifetime


def test_cache_bounds_are_configurable() -> None:
    policy = MetadataDocumentPolicy(min_cache_seconds=10, default_cache_seconds=20, max_cache_seconds=30)
    assert cache_lifetime(None, policy) == 20
    assert cache_lifetime(1, policy) == 10
    assert cache_lifetime(100, policy) == 30


def test_policy_rejects_inconsistent_bounds() -> None:
    with pytest.raises(InvalidConfiguration):
        MetadataDocumentPolicy(min_cache_seconds=600, default_cache_seconds=300)
    with pytest.raises(InvalidConfiguration):
        MetadataDocumentPolicy(max_document_bytes=0)
    with pytest.raises(InvalidConfiguration):
        MetadataDocumentPolicy(max_redirect_uris=0)


def test_size_limit() -> None:
    padded = encode(document(software_id="x" * 100))
    policy = MetadataDocumentPolicy(max_document_bytes=len(padded) - 1)
    with pytest.raises(InvalidClient, match=f"larger than {len(padded) - 1} bytes"):
        parse_metadata_document(URL, padded, NOW, None, policy)
    assert parse_metadata_document(URL, padded, NOW, None, replace(policy, max_document_bytes=len(padded)))
    with pytest.raises(InvalidClient, match="larger than 5120 bytes"):
        parse_metadata_document(URL, encode(document(pad="x" * 6000)), NOW, None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid UTF-8 JSON"),
        (b"\xff\xfe", "not valid UTF-8 JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"https://app.example.com/oauth/client-metadata.json"', "must be a JSON object"),
        (encode(document(client_id=...)), "client_id must equal its URL"),
        (encode(document(client_id=URL + "?x")), "client_id must equal its URL"),
        (encode(document(client_id=URL.upper())), "client_id must equal its URL"),
        (
            encode(document(client_id="https://other.example/oauth/client-metadata.json")),
            "must equal its URL",
        ),
        (encode(document(client_name=...)), "client_name is required"),
        (encode(document(client_name=7)), "client_name must be a string"),
        (encode(document(redirect_uris=...)), "redirect_uris is required"),
        (encode(document(redirect_uris=[])), "at least one"),
        (encode(document(redirect_uris=["https://app.example.com/cb#x"])), "fragment"),
        (encode(document(redirect_uris=["http://app.example.com/cb"])), "only loopback"),
        (encode(document(token_endpoint_auth_method="client_secret_basic")), "shared-secret"),
        (encode(document(token_endpoint_auth_method="client_secret_post")), "shared-secret"),
        (encode(document(token_endpoint_auth_method="client_secret_jwt")), "shared-secret"),
        (
            encode(document(token_endpoint_auth_method="private_key_jwt")),
            "'private_key_jwt' is not supported",
        ),
        (encode(document(token_endpoint_auth_method="tls_client_auth")), "not supported"),
        (encode(document(client_secret="s3cret")), "client_secret must not appear"),
        (encode(document(client_secret_expires_at=0)), "client_secret_expires_at must not appear"),
        (encode(document(grant_types=["client_credentials"])), "'client_credentials' is not supported"),
        (encode(document(logo_uri="http://app.example.com/logo.png")), "logo_uri must be an https URI"),
    ],
)
def test_unacceptable_documents_are_invalid_client(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidClient) as caught:
        parse_metadata_document(URL, body, NOW, None)
    assert reason in caught.value.description
    assert URL in caught.value.description
    assert caught.value.error == "invalid_client"


def test_parse_refuses_a_url_that_cannot_be_a_client_id() -> None:
    with pytest.raises(InvalidClient, match="https scheme"):
        parse_metadata_document("http://app.example.com/c.json", encode(document()), NOW, None)


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("application/json", True),
        ("Application/JSON; charset=utf-8", True),
        ("application/oauth-client-metadata+json", True),
        ("text/html", False),
        ("text/json", False),
        ("application/jsonp", False),
        (None, False),
    ],
)
def test_json_content_types(content_type: str | None, ok: bool) -> None:
    assert is_json_content_type(content_type) is ok


# --- resolver ------------------------------------------------------------------------------------


def make_resolver(
    policy: MetadataDocumentPolicy | None = None, with_fetcher: bool = True
) -> tuple[ClientResolver, InMemoryClientRepository, FakeFetcher, FakeClock]:
    repo = InMemoryClientRepository()
    fetcher = FakeFetcher()
    fetcher.documents[URL] = encode(document())
    clock = FakeClock(NOW)
    resolver = ClientResolver(repo, clock, fetcher if with_fetcher else None, policy)
    return resolver, repo, fetcher, clock


async def test_repository_clients_come_first_without_fetching() -> None:
    resolver, repo, fetcher, _ = make_resolver()
    dynamic = Client(client_id="abc", redirect_uris=("https://a.example/cb",), origin=ClientOrigin.DYNAMIC)
    await repo.add(dynamic)
    assert await resolver.resolve("abc") == dynamic
    assert await resolver.resolve("unknown") is None
    assert fetcher.fetched == []


async def test_a_url_client_id_is_fetched_parsed_and_cached() -> None:
    resolver, repo, fetcher, _ = make_resolver()
    client = await resolver.resolve(URL)
    assert client is not None
    assert client.origin is ClientOrigin.METADATA_DOCUMENT
    assert client.client_name == "Example MCP Client"
    assert await repo.get(URL) == client
    assert await resolver.resolve(URL) == client
    assert fetcher.fetched == [URL]


async def test_an_expired_cache_entry_is_fetched_again() -> None:
    resolver, repo, fetcher, clock = make_resolver()
    fetcher.max_age = 600
    first = await resolver.resolve(URL)
    assert first is not None
    assert first.metadata_expires_at == NOW + 600
    fetcher.documents[URL] = encode(document(client_name="Renamed"))
    clock.advance(599)
    assert await resolver.resolve(URL) == first
    clock.advance(1)
    refreshed = await resolver.resolve(URL)
    assert refreshed is not None
    assert refreshed.client_name == "Renamed"
    assert refreshed.metadata_expires_at == NOW + 1200
    assert await repo.get(URL) == refreshed
    assert fetcher.fetched == [URL, URL]


async def test_a_failed_refresh_does_not_serve_the_stale_document() -> None:
    resolver, _, fetcher, clock = make_resolver()
    assert await resolver.resolve(URL) is not None
    clock.advance(3600)
    del fetcher.documents[URL]
    with pytest.raises(InvalidClient, match="could not be fetched"):
        await resolver.resolve(URL)


async def test_fetch_errors_become_invalid_client_with_a_description() -> None:
    resolver, repo, fetcher, _ = make_resolver()
    fetcher.failure = TemporarilyUnavailable("connection timed out")
    with pytest.raises(InvalidClient) as caught:
        await resolver.resolve(URL)
    assert caught.value.description == f"client metadata document {URL}: could not be fetched"
    assert await repo.get(URL) is None


async def test_fetch_failure_details_stay_out_of_the_answer(caplog: pytest.LogCaptureFixture) -> None:
    resolver, _, fetcher, _ = make_resolver()
    fetcher.failure = InvalidClient("address 10.0.0.1 is private")
    with caplog.at_level("INFO", logger="remotemcp.client_metadata"), pytest.raises(InvalidClient) as caught:
        await resolver.resolve(URL)
    assert "10.0.0.1" not in caught.value.description
    assert "could not be fetched" in caught.value.description
    assert "10.0.0.1 is private" in caplog.text


async def test_a_redirected_fetch_is_refused() -> None:
    resolver, repo, fetcher, _ = make_resolver()
    fetcher.served_from = "https://elsewhere.example/client.json"
    with pytest.raises(InvalidClient, match="redirected"):
        await resolver.resolve(URL)
    assert await repo.get(URL) is None


async def test_a_non_json_content_type_is_refused() -> None:
    resolver, _, fetcher, _ = make_resolver()
    fetcher.content_type = "text/html"
    with pytest.raises(InvalidClient, match="content type 'text/html'"):
        await resolver.resolve(URL)
    fetcher.content_type = None
    with pytest.raises(InvalidClient, match="content type None"):
        await resolver.resolve(URL)


async def test_an_invalid_document_is_not_cached() -> None:
    resolver, repo, fetcher, _ = make_resolver()
    fetcher.documents[URL] = encode(document(client_id="https://other.example/x"))
    with pytest.raises(InvalidClient, match="must equal its URL"):
        await resolver.resolve(URL)
    assert await repo.list() == []


async def test_a_url_that_cannot_be_a_client_id_is_refused_without_fetching() -> None:
    resolver, _, fetcher, _ = make_resolver()
    with pytest.raises(InvalidClient, match="https scheme"):
        await resolver.resolve("http://app.example.com/client.json")
    with pytest.raises(InvalidClient, match="dot"):
        await resolver.resolve("https://app.example.com/a/../client.json")
    assert fetcher.fetched == []


async def test_trust_policy_limits_hosts() -> None:
    resolver, _, fetcher, _ = make_resolver(
        MetadataDocumentPolicy(allowed_hosts=frozenset({"APP.example.com"}))
    )
    assert await resolver.resolve(URL) is not None
    other = "https://untrusted.example/client.json"
    with pytest.raises(InvalidClient, match=r"untrusted\.example are not trusted"):
        await resolver.resolve(other)
    assert fetcher.fetched == [URL]


async def test_disabled_metadata_documents_leave_url_client_ids_unknown() -> None:
    resolver, repo, fetcher, _ = make_resolver(MetadataDocumentPolicy(enabled=False))
    assert not resolver.metadata_documents_enabled
    assert await resolver.resolve(URL) is None
    # A document cached while the feature was on is not honoured once it is off.
    await repo.save(parse_metadata_document(URL, encode(document()), NOW, None))
    assert await resolver.resolve(URL) is None
    assert fetcher.fetched == []


async def test_without_a_fetcher_the_resolver_is_a_repository_lookup() -> None:
    resolver, repo, _, _ = make_resolver(with_fetcher=False)
    assert not resolver.metadata_documents_enabled
    assert await resolver.resolve(URL) is None
    pre = Client(client_id="pre", redirect_uris=("https://a.example/cb",), origin=ClientOrigin.PRE_REGISTERED)
    await repo.save(pre)
    assert await resolver.resolve("pre") == pre


async def test_a_pre_registered_client_with_a_url_id_is_never_fetched() -> None:
    resolver, repo, fetcher, clock = make_resolver()
    pre = Client(client_id=URL, redirect_uris=("https://a.example/cb",), origin=ClientOrigin.PRE_REGISTERED)
    await repo.save(pre)
    clock.advance(10**6)
    assert await resolver.resolve(URL) == pre
    assert fetcher.fetched == []
