"""Pure helpers of the browser flow: cookie naming and attributes (including the HTTPS form the
integration tests cannot reach over plain HTTP), CSRF tokens, the cross-site check, the redirect
query, the pending request field and the consent wording."""

from __future__ import annotations

import pytest

from remotemcp.app.http.authorization_responses import append_query, code_response_uri, error_response_uri
from remotemcp.app.http.browser_sessions import SESSION_COOKIE, CookiePolicy
from remotemcp.app.http.consent_view import client_note, describe_scopes, redirect_destination
from remotemcp.app.http.csrf import CSRF_COOKIE, CsrfProtection, cross_site_refusal, origin_of
from remotemcp.app.http.pending_request import MAX_PARAMETERS, decode_request, encode_request
from remotemcp.domain.errors import AccessDenied, InvalidRequest
from remotemcp.domain.model.clients import Client, ClientOrigin
from remotemcp.domain.oauth.authorization_request import AuthorizationRequest
from tests.unit.fakes import CountingRandom

PUBLIC_ORIGIN = "https://mcp.example.com"


def attributes(header: str) -> list[str]:
    return [part.strip() for part in header.split(";")]


# -- cookies -------------------------------------------------------------------------------------


def test_https_cookies_use_the_host_prefix_and_are_secure() -> None:
    policy = CookiePolicy(secure=True)
    assert policy.name(SESSION_COOKIE) == "__Host-remotemcp_session"
    parts = attributes(policy.set_cookie(SESSION_COOKIE, "v4lue", max_age=600))
    assert parts[0] == "__Host-remotemcp_session=v4lue"
    # What a browser requires of a __Host- cookie: Secure, Path=/, no Domain.
    assert {"Secure", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=600"} <= set(parts)
    assert not any(part.lower().startswith("domain") for part in parts)


def test_http_cookies_have_no_prefix_and_no_secure_flag() -> None:
    policy = CookiePolicy(secure=False)
    parts = attributes(policy.set_cookie(CSRF_COOKIE, "abc"))
    assert parts == ["remotemcp_csrf=abc", "Path=/", "HttpOnly", "SameSite=Lax"]


def test_clearing_a_cookie_expires_it_under_the_same_name_and_path() -> None:
    parts = attributes(CookiePolicy(secure=True).clear_cookie(SESSION_COOKIE))
    assert parts[0] == "__Host-remotemcp_session="
    assert {"Max-Age=0", "Path=/", "Secure"} <= set(parts)


def test_cookies_are_read_under_the_policys_name_only() -> None:
    secure = CookiePolicy(secure=True)
    assert secure.read({"remotemcp_session": "planted"}, SESSION_COOKIE) is None
    assert secure.read({"__Host-remotemcp_session": "real"}, SESSION_COOKIE) == "real"
    assert secure.read({"__Host-remotemcp_session": ""}, SESSION_COOKIE) is None


# -- CSRF ----------------------------------------------------------------------------------------


def csrf(key: bytes = b"k" * 32) -> CsrfProtection:
    return CsrfProtection(key, CookiePolicy(secure=False), CountingRandom())


def test_a_new_browser_gets_a_cookie_and_a_token_bound_to_it_and_to_the_form() -> None:
    protection = csrf()
    browser_id, header = protection.browser_id({})
    assert header is not None
    assert header.startswith(f"{CSRF_COOKIE}={browser_id};")
    cookies = {CSRF_COOKIE: browser_id}
    assert protection.browser_id(cookies) == (browser_id, None)

    token = protection.token(browser_id, "login")
    assert protection.verify(cookies, "login", token)
    assert not protection.verify(cookies, "consent", token)
    assert not protection.verify({CSRF_COOKIE: browser_id + "x"}, "login", token)
    assert not protection.verify({}, "login", token)
    assert not protection.verify(cookies, "login", None)
    assert not protection.verify(cookies, "login", "")
    assert not protection.verify(cookies, "login", token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not protection.verify(cookies, "login", token + "é")


def test_tokens_depend_on_the_key() -> None:
    assert csrf(b"a" * 32).token("id", "login") != csrf(b"b" * 32).token("id", "login")
    with pytest.raises(ValueError, match="32 bytes"):
        csrf(b"short")


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({}, False),
        ({"origin": PUBLIC_ORIGIN}, False),
        ({"origin": "https://MCP.example.com:443"}, False),
        ({"origin": "null"}, False),
        ({"origin": PUBLIC_ORIGIN, "sec-fetch-site": "same-origin"}, False),
        ({"sec-fetch-site": "none"}, False),
        ({"origin": "https://evil.example"}, True),
        ({"origin": "http://mcp.example.com"}, True),
        ({"origin": "https://mcp.example.com:8443"}, True),
        ({"origin": "https://mcp.example.com.evil.example"}, True),
        ({"origin": "garbage"}, True),
        ({"origin": "null", "sec-fetch-site": "cross-site"}, True),
        ({"origin": PUBLIC_ORIGIN, "sec-fetch-site": "same-site"}, True),
    ],
)
def test_cross_site_posts_are_recognised(headers: dict[str, str], refused: bool) -> None:
    assert (cross_site_refusal(headers, PUBLIC_ORIGIN) is not None) is refused


def test_origins_are_serialised_like_browsers_do() -> None:
    assert origin_of("https://MCP.example.com:443/path?q") == "https://mcp.example.com"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert origin_of("http://[::1]:8000/x") == "http://[::1]:8000"
    assert origin_of("ftp://example.com") is None
    assert origin_of("https://example.com:99999") is None


# -- the redirect to the client ------------------------------------------------------------------


def request_for(redirect_uri: str, state: str | None) -> AuthorizationRequest:
    client = Client(client_id="c", redirect_uris=(redirect_uri,), origin=ClientOrigin.PRE_REGISTERED)
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        redirect_uri_in_request=True,
        scopes=frozenset({"mcp"}),
        state=state,
        nonce=None,
        code_challenge="x" * 43,
        code_challenge_method="S256",
        resource="https://mcp.example.com/mcp",
        prompt=frozenset(),
    )


def test_response_parameters_are_appended_to_a_registered_query_with_an_ampersand() -> None:
    assert append_query("https://app.example/cb", {"a": "1 2"}) == "https://app.example/cb?a=1+2"
    assert append_query("https://app.example/cb?t=7", {"a": "&="}) == "https://app.example/cb?t=7&a=%26%3D"
    assert append_query("cursor://oauth/cb", {"code": "c"}) == "cursor://oauth/cb?code=c"


def test_the_code_response_carries_state_only_when_the_client_sent_one_and_always_iss() -> None:
    issuer = "https://mcp.example.com"
    with_state = code_response_uri(request_for("https://app.example/cb", "s&1"), "CODE", issuer)
    assert with_state == "https://app.example/cb?code=CODE&state=s%261&iss=https%3A%2F%2Fmcp.example.com"
    without = code_response_uri(request_for("https://app.example/cb", None), "CODE", issuer)
    assert without == "https://app.example/cb?code=CODE&iss=https%3A%2F%2Fmcp.example.com"
    denied = error_response_uri(request_for("https://app.example/cb?t=1", "s"), AccessDenied("no"), issuer)
    assert denied == (
        "https://app.example/cb?t=1&error=access_denied&error_description=no&state=s"
        "&iss=https%3A%2F%2Fmcp.example.com"
    )


# -- the pending request -------------------------------------------------------------------------


def test_the_pending_request_survives_the_round_trip_with_repeats_and_blanks() -> None:
    params = {"client_id": ["a b&c"], "resource": ["r1", "r2"], "state": [""], "scope": ["mcp profile"]}
    assert decode_request(encode_request(params)) == params


@pytest.mark.parametrize("text", [None, "", "&".join(f"p{i}=v" for i in range(MAX_PARAMETERS + 2))])
def test_a_missing_or_oversized_pending_request_is_an_invalid_request(text: str | None) -> None:
    with pytest.raises(InvalidRequest):
        decode_request(text)


# -- consent wording -----------------------------------------------------------------------------


def test_scopes_are_described_known_first_in_a_fixed_order() -> None:
    lines = describe_scopes({"zeta", "email", "mcp", "alpha"})
    assert [line.name for line in lines] == ["mcp", "email", "alpha", "zeta"]
    assert lines[0].description.startswith("Use the tools")
    assert "alpha" in lines[2].description


def test_the_redirect_destination_is_told_as_a_person_can_judge_it() -> None:
    assert redirect_destination("https://claude.ai/api/mcp/auth_callback") == "claude.ai"
    assert redirect_destination("https://app.example:8443/cb") == "app.example:8443"
    assert (
        redirect_destination("http://127.0.0.1:33418/cb")
        == "127.0.0.1:33418 (an application on this computer)"
    )
    assert redirect_destination("cursor://anysphere.cursor-retrieval/oauth/cb") == (
        "the application that opens “cursor:” links"
    )


def test_the_note_says_how_far_the_client_name_can_be_trusted() -> None:
    def note(origin: ClientOrigin, client_id: str = "c") -> str:
        return client_note(
            Client(client_id=client_id, redirect_uris=("https://a.example/cb",), origin=origin)
        )

    assert "operator" in note(ClientOrigin.PRE_REGISTERED)
    assert "not been verified" in note(ClientOrigin.DYNAMIC)
    assert "docs.example" in note(ClientOrigin.METADATA_DOCUMENT, "https://docs.example/client.json")
