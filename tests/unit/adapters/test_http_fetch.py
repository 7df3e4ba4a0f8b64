"""`HttpsDocumentFetcher` refusals decided before any connection is opened, and Cache-Control
parsing. The fetches themselves are tested against a loopback HTTPS server in
tests/integration/test_metadata_document_fetch.py."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import httpx2
import pytest

from remotemcp.adapters.address_policy import IPAddress
from remotemcp.adapters.http_fetch import HttpsDocumentFetcher, max_age_from
from remotemcp.domain.errors import InvalidClient


class FakeResolver:
    def __init__(self, *answers: str, error: OSError | None = None) -> None:
        self.answers = [ipaddress.ip_address(a) for a in answers]
        self.error = error
        self.asked: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.asked.append((host, port))
        if self.error is not None:
            raise self.error
        return self.answers


def fetcher(resolver: FakeResolver) -> HttpsDocumentFetcher:
    return HttpsDocumentFetcher(resolver=resolver)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/client.json", "only https URLs are fetched"),
        ("HTTP://example.com/client.json", "only https URLs are fetched"),
        ("ftp://example.com/client.json", "only https URLs are fetched"),
        ("https://user:pw@example.com/client.json", "must not contain user information"),
        ("https:///client.json", "has no host"),
        ("https://exämple.com/client.json", "must be ASCII"),
        ("https://example.com:99999/client.json", "malformed"),
    ],
)
async def test_bad_urls_are_refused_without_resolving(url: str, reason: str) -> None:
    resolver = FakeResolver("93.184.216.34")
    with pytest.raises(InvalidClient) as caught:
        await fetcher(resolver).fetch(url)
    assert reason in caught.value.description
    assert url in caught.value.description
    assert resolver.asked == []


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["::1"],
        ["10.1.2.3"],
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
        ["93.184.216.34", "192.168.0.10"],  # one internal answer poisons the name
    ],
)
async def test_names_resolving_to_refused_addresses_are_refused(answers: list[str]) -> None:
    resolver = FakeResolver(*answers)
    with pytest.raises(InvalidClient) as caught:
        await fetcher(resolver).fetch("https://client.example/metadata.json")
    assert "client.example resolves to a refused address" in caught.value.description
    assert "is not a public address" in caught.value.description
    assert resolver.asked == [("client.example", 443)]


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/client.json", "https://[::1]:8443/client.json", "https://[::ffff:7f00:1]/c.json"],
)
async def test_address_literals_are_vetted_without_resolving(url: str) -> None:
    resolver = FakeResolver("93.184.216.34")
    with pytest.raises(InvalidClient, match="is not a public address"):
        await fetcher(resolver).fetch(url)
    assert resolver.asked == []


async def test_resolution_failure_is_an_invalid_client() -> None:
    resolver = FakeResolver(error=socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    with pytest.raises(InvalidClient, match=r"cannot resolve client\.example"):
        await fetcher(resolver).fetch("https://client.example:8443/c.json")
    assert resolver.asked == [("client.example", 8443)]


async def test_a_name_without_addresses_is_refused() -> None:
    with pytest.raises(InvalidClient, match="resolves to no address"):
        await fetcher(FakeResolver()).fetch("https://client.example/c.json")


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        HttpsDocumentFetcher(max_bytes=0)
    with pytest.raises(ValueError, match="positive"):
        HttpsDocumentFetcher(timeout=0)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"cache-control": "public, max-age=600"}, 600),
        ({"cache-control": 'max-age="120"'}, 120),
        ({"cache-control": "MAX-AGE=60, must-revalidate"}, 60),
        ({"cache-control": "max-age=600", "age": "100"}, 500),
        ({"cache-control": "max-age=60", "age": "100"}, 0),
        ({"cache-control": "no-store"}, 0),
        ({"cache-control": "no-cache, max-age=600"}, 0),
        ({"cache-control": "max-age=soon"}, None),
        ({"cache-control": "private"}, None),
    ],
)
def test_max_age_from_cache_control(headers: dict[str, str], expected: int | None) -> None:
    assert max_age_from(httpx2.Headers(headers)) == expected
