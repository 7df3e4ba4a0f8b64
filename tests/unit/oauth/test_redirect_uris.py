"""Redirect URI registration rules and matching (RFC 8252, OAuth 2.1 §2.3)."""

from __future__ import annotations

import pytest

from remotemcp.domain.errors import InvalidRedirectUri
from remotemcp.domain.oauth.redirect_uris import (
    is_loopback_uri,
    redirect_uri_matches,
    select_redirect_uri,
    validate_redirect_uri,
)


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",
        "https://app.example.com/cb?tenant=1",
        "http://127.0.0.1:33418/callback",
        "http://localhost:3000/callback",
        "http://[::1]:8080/cb",
        "cursor://anysphere.cursor-retrieval/oauth/callback",
        "com.example.app:/oauth2redirect",
    ],
)
def test_acceptable_redirect_uris_are_returned_unchanged(uri: str) -> None:
    assert validate_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://example.com/cb", "only loopback"),
        ("http://192.168.1.10/cb", "only loopback"),
        ("https://app.example.com/cb#frag", "fragment"),
        ("https://app.example.com/cb#", "fragment"),
        ("javascript:alert(1)", "javascript"),
        ("JavaScript:alert(1)", "javascript"),
        ("data:text/html,hi", "data"),
        ("file:///etc/passwd", "file"),
        ("/relative/cb", "not absolute"),
        ("https:///no-host", "no host"),
        ("https://user:pw@app.example.com/cb", "user information"),
        ("https://app.example.com/c b", "whitespace"),
        ("https://app.example.com:99999/cb", "not a valid URI"),
        ("", "non-empty"),
        ("https://app.example.com/" + "a" * 2000, "too long"),
    ],
)
def test_unacceptable_redirect_uris_are_refused_with_a_reason(uri: str, reason: str) -> None:
    with pytest.raises(InvalidRedirectUri) as caught:
        validate_redirect_uri(uri)
    assert reason in caught.value.description


def test_invalid_redirect_uri_carries_its_oauth_code() -> None:
    with pytest.raises(InvalidRedirectUri) as caught:
        validate_redirect_uri("javascript:alert(1)")
    assert caught.value.error == "invalid_redirect_uri"
    assert caught.value.status_code == 400


def test_loopback_detection() -> None:
    assert is_loopback_uri("http://127.0.0.1:5000/cb")
    assert is_loopback_uri("http://localhost/cb")
    assert is_loopback_uri("http://[::1]:1/cb")
    assert not is_loopback_uri("https://127.0.0.1/cb")
    assert not is_loopback_uri("http://example.com/cb")


@pytest.mark.parametrize(
    "presented",
    [
        "http://127.0.0.1:3000/callback",
        "http://127.0.0.1:51234/callback",
        "http://127.0.0.1/callback",
    ],
)
def test_loopback_registration_matches_any_port(presented: str) -> None:
    assert redirect_uri_matches("http://127.0.0.1:3000/callback", presented)


def test_localhost_and_ipv6_loopback_match_any_port() -> None:
    assert redirect_uri_matches("http://localhost:3000/cb", "http://localhost:49152/cb")
    assert redirect_uri_matches("http://[::1]:3000/cb", "http://[::1]:40000/cb")


@pytest.mark.parametrize(
    "presented",
    [
        "http://127.0.0.1:3000/other",
        "http://localhost:3000/callback",
        "https://127.0.0.1:3000/callback",
        "http://127.0.0.1:3000/callback?x=1",
        "http://127.0.0.1:3000/callback#f",
        "http://evil@127.0.0.1:3000/callback",
        "http://127.0.0.1:notaport/callback",
    ],
)
def test_loopback_matching_loosens_only_the_port(presented: str) -> None:
    assert not redirect_uri_matches("http://127.0.0.1:3000/callback", presented)


@pytest.mark.parametrize(
    "presented",
    [
        "https://app.example.com/cb/",
        "https://app.example.com/CB",
        "https://APP.example.com/cb",
        "https://app.example.com:443/cb",
        "https://app.example.com/cb?x=1",
        "https://app.example.com:8443/cb",
    ],
)
def test_non_loopback_uris_match_exactly(presented: str) -> None:
    assert redirect_uri_matches("https://app.example.com/cb", "https://app.example.com/cb")
    assert not redirect_uri_matches("https://app.example.com/cb", presented)


def test_private_use_scheme_matches_exactly() -> None:
    registered = "cursor://anysphere.cursor-retrieval/oauth/callback"
    assert redirect_uri_matches(registered, registered)
    assert not redirect_uri_matches(registered, "cursor://anysphere.cursor-retrieval/oauth/other")


def test_select_with_no_registered_uri_refuses() -> None:
    with pytest.raises(InvalidRedirectUri):
        select_redirect_uri([], None)
    with pytest.raises(InvalidRedirectUri, match="not registered"):
        select_redirect_uri([], "https://app.example.com/cb")


def test_select_with_one_registered_uri_defaults_to_it() -> None:
    assert select_redirect_uri(["https://app.example.com/cb"], None) == "https://app.example.com/cb"
    assert select_redirect_uri(["https://app.example.com/cb"], "") == "https://app.example.com/cb"
    assert (
        select_redirect_uri(["https://app.example.com/cb"], "https://app.example.com/cb")
        == "https://app.example.com/cb"
    )
    with pytest.raises(InvalidRedirectUri, match="not registered"):
        select_redirect_uri(["https://app.example.com/cb"], "https://evil.example/cb")


def test_select_with_many_registered_uris_requires_one_to_be_named() -> None:
    registered = ["https://app.example.com/cb", "http://127.0.0.1:3000/cb"]
    with pytest.raises(InvalidRedirectUri, match="required"):
        select_redirect_uri(registered, None)
    assert select_redirect_uri(registered, "https://app.example.com/cb") == "https://app.example.com/cb"
    # The presented loopback URI (with its run-time port) is what the client gets redirected to.
    assert select_redirect_uri(registered, "http://127.0.0.1:61000/cb") == "http://127.0.0.1:61000/cb"
    with pytest.raises(InvalidRedirectUri):
        select_redirect_uri(registered, "https://app.example.com/cb2")


@pytest.mark.parametrize(
    "presented",
    [
        "http://127.0.0.1:9999/c\r\nb",
        " http://127.0.0.1:9999/cb",
        "http://127.0.0.1:9\t999/cb",
        "http://127.0.0.1:9999/cb\x00",
        "http://127.0.0.1:9999/cb ",
    ],
)
def test_presented_uri_with_whitespace_or_controls_never_matches(presented: str) -> None:
    assert not redirect_uri_matches("http://127.0.0.1:9999/cb", presented)


@pytest.mark.parametrize(
    "uri", ["view-source:https://evil.example/", "chrome-extension://abc/cb", "intent://x"]
)
def test_browser_internal_schemes_refused(uri: str) -> None:
    with pytest.raises(InvalidRedirectUri):
        validate_redirect_uri(uri)
