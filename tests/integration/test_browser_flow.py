"""The browser-facing authorization server over real HTTP: /authorize, the login and consent forms,
logout. The test plays the browser: it reads each page's form, posts it back with the cookies and
the Origin a browser would send, and follows the flow to the redirect carrying the code."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import anyio
import httpx2
from dependency_injector import providers

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.app.container import Container
from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings
from remotemcp.domain.model.users import User
from remotemcp.domain.oauth.presets import preregistered_client
from remotemcp.domain.randomness import secret_digest
from tests.integration.browser_forms import Form, only_form, sign_in_and_approve, submit
from tests.integration.harness import serve

PASSWORD = "correct horse battery staple"
CLIENT_ID = "browser-test-app"
CLIENT_NAME = "Test <App>"
CALLBACK = "http://127.0.0.1:8765/callback"
CALLBACK_WITH_QUERY = "https://app.example.com/cb?tenant=7"
SESSION_COOKIE = "remotemcp_session"
CSRF_COOKIE = "remotemcp_csrf"
GENERIC_LOGIN_ERROR = "Invalid username or password."


@dataclass
class Env:
    base_url: str
    settings: Settings
    container: Container
    browser: httpx2.AsyncClient
    user: User

    def new_browser(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(base_url=self.base_url, timeout=5, trust_env=False)


@contextlib.asynccontextmanager
async def running(**overrides: Any) -> AsyncIterator[Env]:
    built: dict[str, Any] = {}

    def make_app(base_url: str) -> Any:
        settings = Settings(public_url=base_url, **overrides)
        container = Container(settings=settings)
        container.password_hasher.override(providers.Object(Argon2PasswordHasher.for_tests()))
        built.update(settings=settings, container=container)
        return create_app(settings, container=container)

    with anyio.fail_after(15):
        async with serve(make_app) as base_url:
            container: Container = built["container"]
            user = await container.users().create_user("alice", PASSWORD, email="alice@example.com")
            await container.clients().save(
                preregistered_client(
                    CLIENT_ID,
                    [CALLBACK, CALLBACK_WITH_QUERY],
                    container.clock().now(),
                    client_name=CLIENT_NAME,
                )
            )
            async with httpx2.AsyncClient(base_url=base_url, timeout=5, trust_env=False) as browser:
                yield Env(base_url, built["settings"], container, browser, user)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_params(challenge: str | None, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "mcp",
        "state": "st-" + secrets.token_hex(4),
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(overrides)
    return {name: value for name, value in params.items() if value != ""}


def authorize_url(challenge: str | None, **overrides: str) -> str:
    return "/authorize?" + urlencode(authorize_params(challenge, **overrides))


def redirect_query(response: httpx2.Response, expected_base: str = CALLBACK) -> dict[str, str]:
    location = response.headers["location"]
    assert location.startswith(expected_base + ("&" if "?" in expected_base else "?")), location
    query = parse_qs(urlsplit(location).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values()), query
    return {name: values[0] for name, values in query.items()}


async def sign_in(
    env: Env, browser: httpx2.AsyncClient, page: httpx2.Response, password: str = PASSWORD
) -> httpx2.Response:
    assert page.status_code == 200, page.text
    form = only_form(page.text)
    assert form.asks_for_password
    return await submit(browser, form, form.submission(username="alice", password=password))


async def approve(
    browser: httpx2.AsyncClient, page: httpx2.Response, decision: str = "approve"
) -> httpx2.Response:
    assert page.status_code == 200, page.text
    form = only_form(page.text)
    assert not form.asks_for_password
    return await submit(browser, form, form.submission(("decision", decision)))


async def full_flow(env: Env, browser: httpx2.AsyncClient, scope: str = "mcp") -> tuple[dict[str, str], str]:
    verifier, challenge = pkce_pair()
    location = await sign_in_and_approve(browser, authorize_url(challenge, scope=scope), "alice", PASSWORD)
    query = parse_qs(urlsplit(location).query)
    return {name: values[0] for name, values in query.items()}, verifier


async def redeem(env: Env, code: str, verifier: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "resource": env.settings.resource,
    }
    response = await env.browser.post("/token", data=form)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_page_headers(response: httpx2.Response) -> None:
    headers = response.headers
    assert headers["content-type"].startswith("text/html")
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    csp = [directive.strip() for directive in headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    nonce = re.search(r'<style nonce="([^"]+)"', response.text)
    assert nonce is not None
    assert f"style-src 'nonce-{nonce.group(1)}'" in csp


def set_cookies(response: httpx2.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {value.split("=", 1)[0]: value for value in response.headers.get_list("set-cookie")}


def alert_text(html: str) -> str:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert match is not None, html
    return match.group(1).strip()


# -- the happy path ------------------------------------------------------------------------------


async def test_login_then_consent_redirects_with_code_state_and_iss_and_the_code_redeems() -> None:
    async with running() as env:
        verifier, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge, state="xyz-42"))
        assert page.status_code == 200
        login = only_form(page.text)
        assert login.action == f"{env.base_url}/login"
        assert set(login.fields) == {"csrf_token", "authorization_request", "username", "password"}
        # The client's self-chosen name is escaped, never markup.
        assert "Test &lt;App&gt;" in page.text
        assert "<App>" not in page.text

        consent = await sign_in(env, env.browser, page)
        assert consent.status_code == 200
        form = only_form(consent.text)
        assert form.action == f"{env.base_url}/consent"
        assert form.buttons == [("decision", "deny"), ("decision", "approve")]
        assert "Test &lt;App&gt;" in consent.text
        assert "127.0.0.1:8765" in consent.text
        assert "Use the tools, resources and prompts of this MCP server" in consent.text
        assert "alice" in consent.text

        done = await approve(env.browser, consent)
        assert done.status_code == 303
        query = redirect_query(done)
        assert set(query) == {"code", "state", "iss"}
        assert query["state"] == "xyz-42"
        assert query["iss"] == env.settings.issuer

        tokens = await redeem(env, query["code"], verifier)
        assert tokens["token_type"] == "Bearer"
        assert tokens["scope"] == "mcp"
        claims = await env.container.validator().validate(tokens["access_token"])
        assert claims.subject == env.user.user_id
        assert claims.client_id == CLIENT_ID
        assert claims.audience == env.settings.resource


async def test_post_authorize_with_form_parameters_works_like_get() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        page = await env.browser.post("/authorize", data=authorize_params(challenge))
        assert page.status_code == 200
        consent = await sign_in(env, env.browser, page)
        done = await approve(env.browser, consent)
        assert done.status_code == 303
        assert "code" in redirect_query(done)

        # Signed in and approved: a form POST from the client's page answers with the code at once.
        again = await env.browser.post("/authorize", data=authorize_params(challenge, state="s2"))
        assert again.status_code == 303
        assert redirect_query(again)["state"] == "s2"


# -- remembered consent --------------------------------------------------------------------------


async def test_remembered_consent_skips_the_consent_page() -> None:
    async with running() as env:
        await full_flow(env, env.browser)

        # Same browser, still signed in: straight back to the client.
        verifier, challenge = pkce_pair()
        response = await env.browser.get(authorize_url(challenge, state="again"))
        assert response.status_code == 302
        query = redirect_query(response)
        assert query["state"] == "again"
        assert (await redeem(env, query["code"], verifier))["scope"] == "mcp"

        # Another browser: a sign-in is needed, the consent is not.
        async with env.new_browser() as other:
            page = await other.get(authorize_url(challenge))
            done = await sign_in(env, other, page)
            assert done.status_code == 303
            assert "code" in redirect_query(done)


async def test_consent_is_asked_again_when_the_scopes_grow_and_not_when_they_shrink() -> None:
    async with running() as env:
        await full_flow(env, env.browser, scope="mcp")
        _, challenge = pkce_pair()

        wider = await env.browser.get(authorize_url(challenge, scope="mcp profile"))
        assert wider.status_code == 200
        assert "See your name and username" in wider.text
        done = await approve(env.browser, wider)
        assert done.status_code == 303

        narrower = await env.browser.get(authorize_url(challenge, scope="profile"))
        assert narrower.status_code == 302
        assert "code" in redirect_query(narrower)


async def test_prompt_consent_shows_the_consent_page_even_when_remembered() -> None:
    async with running() as env:
        await full_flow(env, env.browser)
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge, prompt="consent"))
        assert page.status_code == 200
        assert ("decision", "approve") in only_form(page.text).buttons
        done = await approve(env.browser, page)
        assert done.status_code == 303
        assert "code" in redirect_query(done)


async def test_deny_redirects_with_access_denied_and_remembers_nothing() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge, state="d-1"))
        consent = await sign_in(env, env.browser, page)
        denied = await approve(env.browser, consent, decision="deny")
        assert denied.status_code == 303
        query = redirect_query(denied)
        assert query["error"] == "access_denied"
        assert query["state"] == "d-1"
        assert query["iss"] == env.settings.issuer
        assert "code" not in query
        assert await env.container.consent().needs_consent(env.user.user_id, CLIENT_ID, {"mcp"})

        again = await env.browser.get(authorize_url(challenge))
        assert again.status_code == 200
        assert ("decision", "approve") in only_form(again.text).buttons


# -- prompt and max_age --------------------------------------------------------------------------


async def test_prompt_none_answers_login_required_then_consent_required_then_a_code() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        signed_out = await env.browser.get(authorize_url(challenge, prompt="none", state="n1"))
        assert signed_out.status_code == 302
        query = redirect_query(signed_out)
        assert (query["error"], query["state"], query["iss"]) == ("login_required", "n1", env.settings.issuer)

        # Sign in, but leave the consent page unanswered.
        await sign_in(env, env.browser, await env.browser.get(authorize_url(challenge)))
        unapproved = await env.browser.get(authorize_url(challenge, prompt="none"))
        assert unapproved.status_code == 302
        assert redirect_query(unapproved)["error"] == "consent_required"

        await approve(env.browser, await env.browser.get(authorize_url(challenge)))
        silent = await env.browser.get(authorize_url(challenge, prompt="none"))
        assert silent.status_code == 302
        assert "code" in redirect_query(silent)


async def test_prompt_login_and_max_age_zero_ask_for_the_password_again_with_a_fresh_session() -> None:
    async with running() as env:
        await full_flow(env, env.browser)
        first_session = env.browser.cookies[SESSION_COOKIE]
        _, challenge = pkce_pair()

        for extra in ({"prompt": "login"}, {"max_age": "0"}):
            page = await env.browser.get(authorize_url(challenge, **extra))
            assert page.status_code == 200, extra
            assert only_form(page.text).asks_for_password
            done = await sign_in(env, env.browser, page)
            # The fresh sign-in satisfies prompt=login / max_age; consent is remembered.
            assert done.status_code == 303, extra
            assert "code" in redirect_query(done)

        # Each sign-in got a new session value and ended the one before it.
        assert env.browser.cookies[SESSION_COOKIE] != first_session
        sessions = env.container.browser_sessions()
        assert await sessions.get(secret_digest(first_session)) is None
        assert await sessions.get(secret_digest(env.browser.cookies[SESSION_COOKIE])) is not None


# -- login failures ------------------------------------------------------------------------------


async def test_wrong_password_and_unknown_user_get_the_same_generic_error() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge))
        form = only_form(page.text)

        answers = []
        for username, password in (("alice", "wrong password!"), ("mallory", PASSWORD)):
            response = await submit(env.browser, form, form.submission(username=username, password=password))
            assert response.status_code == 200
            assert_page_headers(response)
            assert SESSION_COOKIE not in env.browser.cookies
            assert alert_text(response.text) == GENERIC_LOGIN_ERROR
            again = only_form(response.text)
            assert again.fields["username"] == username
            assert again.fields["password"] == ""
            assert again.fields["authorization_request"] == form.fields["authorization_request"]
            answers.append(re.sub(r'nonce="[^"]+"', "", response.text.replace(username, "USER")))
        assert answers[0] == answers[1]

        # The form shown with the error still works.
        consent = await submit(env.browser, again, again.submission(username="alice", password=PASSWORD))
        assert consent.status_code == 200
        assert ("decision", "approve") in only_form(consent.text).buttons


async def test_repeated_failures_lock_the_account_with_a_429_message() -> None:
    async with running(login_max_failures=3, login_lockout_seconds=120) as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge))
        form = only_form(page.text)
        statuses = []
        for _ in range(3):
            response = await submit(
                env.browser, form, form.submission(username="alice", password="wrong guess")
            )
            statuses.append(response.status_code)
        assert statuses[:2] == [200, 200]

        # Locked: even the right password is refused, with a clear wait.
        locked = await submit(env.browser, form, form.submission(username="alice", password=PASSWORD))
        assert locked.status_code == 429
        assert_page_headers(locked)
        message = alert_text(locked.text)
        wait = re.fullmatch(r"Too many failed sign-in attempts\. Try again in (\d+) seconds\.", message)
        assert wait is not None, message
        assert 0 < int(wait.group(1)) <= 120
        assert locked.headers["retry-after"] == wait.group(1)
        assert SESSION_COOKIE not in env.browser.cookies


# -- errors that are shown, and errors that are redirected ---------------------------------------


async def test_unregistered_redirect_uri_and_unknown_client_get_an_error_page_never_a_redirect() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        cases = {
            "not registered": authorize_url(challenge, redirect_uri="https://evil.example/cb"),
            "unknown client_id": authorize_url(challenge, client_id="nobody"),
            "client_id is required": authorize_url(challenge, client_id=""),
        }
        for expected, url in cases.items():
            path, _, query = url.partition("?")
            for response in (
                await env.browser.get(url),
                await env.browser.post(path, data=dict(parse_qsl(query))),
            ):
                assert response.status_code == 400, (url, response.status_code)
                assert "location" not in response.headers
                assert_page_headers(response)
                assert expected in response.text, response.text


async def test_missing_pkce_is_redirected_as_invalid_request_appended_to_the_registered_query() -> None:
    async with running() as env:
        response = await env.browser.get(authorize_url(None, redirect_uri=CALLBACK_WITH_QUERY, state="p-1"))
        assert response.status_code == 302
        query = redirect_query(response, expected_base=CALLBACK_WITH_QUERY)
        assert query["tenant"] == "7"
        assert query["error"] == "invalid_request"
        assert "code_challenge" in query["error_description"]
        assert query["state"] == "p-1"
        assert query["iss"] == env.settings.issuer
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"


async def test_every_step_validates_the_request_again() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge, state="t-1"))
        form = only_form(page.text)

        # An edited hidden request that now lacks PKCE is refused at sign-in, before any password check.
        stripped = urlencode(authorize_params(None, state="t-1"))
        response = await submit(
            env.browser,
            form,
            form.submission(username="alice", password=PASSWORD, authorization_request=stripped),
        )
        assert response.status_code == 303
        assert redirect_query(response)["error"] == "invalid_request"
        assert SESSION_COOKIE not in env.browser.cookies

        # One that names an unregistered redirect URI gets the error page.
        hijacked = urlencode(authorize_params(challenge, redirect_uri="https://evil.example/cb"))
        response = await submit(
            env.browser,
            form,
            form.submission(username="alice", password=PASSWORD, authorization_request=hijacked),
        )
        assert response.status_code == 400
        assert "location" not in response.headers


# -- CSRF and cross-site posts -------------------------------------------------------------------


async def test_a_bad_or_missing_csrf_token_is_refused_with_403_and_changes_nothing() -> None:
    async with running(login_max_failures=2) as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge))
        form = only_form(page.text)

        for bad in ("", "x" * 43, form.fields["csrf_token"][:-2] + "AA"):
            data = form.submission(username="alice", password="wrong password!", csrf_token=bad)
            response = await submit(env.browser, form, data)
            assert response.status_code == 403
            assert_page_headers(response)
            assert SESSION_COOKIE not in env.browser.cookies

        # Another browser (no CSRF cookie) replaying this browser's valid token is refused too.
        async with env.new_browser() as attacker:
            stolen = form.submission(username="alice", password=PASSWORD)
            response = await submit(attacker, form, stolen)
            assert response.status_code == 403
            assert SESSION_COOKIE not in attacker.cookies

        # A token for another form does not fit this one.
        consent_page = await sign_in(env, env.browser, page)
        assert consent_page.status_code == 200
        login_token = form.fields["csrf_token"]
        consent_form = only_form(consent_page.text)
        assert consent_form.fields["csrf_token"] != login_token
        forged = await submit(
            env.browser,
            consent_form,
            consent_form.submission(("decision", "approve"), csrf_token=login_token),
        )
        assert forged.status_code == 403
        assert await env.container.consent().needs_consent(env.user.user_id, CLIENT_ID, {"mcp"})

        # The refused attempts were never counted as failed logins (limit 2): the user got in.
        assert SESSION_COOKIE in env.browser.cookies


async def test_cross_site_posts_are_refused_even_with_a_valid_token() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge))
        form = only_form(page.text)
        data = form.submission(username="alice", password=PASSWORD)

        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": env.base_url.replace("127.0.0.1", "localhost")},
            {"Origin": env.base_url, "Sec-Fetch-Site": "cross-site"},
            {"Origin": env.base_url, "Sec-Fetch-Site": "same-site"},
        ):
            response = await submit(env.browser, form, data, headers=headers)
            assert response.status_code == 403, headers
            assert SESSION_COOKIE not in env.browser.cookies

        # `Origin: null` is what a browser sends for our own no-referrer pages' forms.
        accepted = await submit(env.browser, form, data, headers={"Origin": "null"})
        assert accepted.status_code == 200
        assert SESSION_COOKIE in env.browser.cookies


# -- headers and cookies -------------------------------------------------------------------------


async def test_pages_carry_the_security_headers_and_cookies_their_attributes() -> None:
    async with running() as env:
        _, challenge = pkce_pair()
        page = await env.browser.get(authorize_url(challenge))
        assert_page_headers(page)
        csrf_cookie = set_cookies(page)[CSRF_COOKIE]
        assert_cookie_attributes(csrf_cookie, max_age=None)

        consent = await sign_in(env, env.browser, page)
        assert_page_headers(consent)
        session_cookie = set_cookies(consent)[SESSION_COOKIE]
        assert_cookie_attributes(session_cookie, max_age=env.settings.browser_session_ttl)
        # The CSRF cookie already exists: it is not set again.
        assert CSRF_COOKIE not in set_cookies(consent)

        error = await env.browser.get(authorize_url(challenge, client_id="nobody"))
        assert_page_headers(error)
        assert "form-action 'none'" in error.headers["content-security-policy"]

        logout = await env.browser.get("/logout")
        assert_page_headers(logout)
        assert "form-action 'self'" in logout.headers["content-security-policy"]


def assert_cookie_attributes(header: str, max_age: int | None) -> None:
    attributes = [part.strip() for part in header.split(";")]
    name, value = attributes[0].split("=", 1)
    assert not name.startswith("__Host-")  # plain HTTP on loopback: the prefix needs Secure
    assert len(value) >= 43
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Path=/" in attributes
    assert "Secure" not in attributes
    assert not any(attribute.lower().startswith("domain=") for attribute in attributes)
    if max_age is None:
        assert not any(attribute.startswith("Max-Age") for attribute in attributes)
    else:
        assert f"Max-Age={max_age}" in attributes


# -- logout --------------------------------------------------------------------------------------


async def test_logout_asks_for_confirmation_then_ends_the_session_for_good() -> None:
    async with running() as env:
        await full_flow(env, env.browser)
        session_value = env.browser.cookies[SESSION_COOKIE]

        confirm = await env.browser.get("/logout")
        assert confirm.status_code == 200
        assert "alice" in confirm.text
        form: Form = only_form(confirm.text)
        assert form.action == f"{env.base_url}/logout"

        # Without the token nothing happens.
        refused = await submit(env.browser, form, form.submission(csrf_token="nope"))
        assert refused.status_code == 403
        assert await env.container.browser_sessions().get(secret_digest(session_value)) is not None

        done = await submit(env.browser, form, form.submission())
        assert done.status_code == 200
        assert "You are signed out" in done.text
        assert "Max-Age=0" in set_cookies(done)[SESSION_COOKIE]
        assert SESSION_COOKIE not in env.browser.cookies
        assert await env.container.browser_sessions().get(secret_digest(session_value)) is None

        # A copy of the old cookie is worthless: the session is gone from the store.
        _, challenge = pkce_pair()
        async with env.new_browser() as replay:
            replay.cookies.set(SESSION_COOKIE, session_value)
            page = await replay.get(authorize_url(challenge))
            assert page.status_code == 200
            assert only_form(page.text).asks_for_password

        signed_out = await env.browser.get("/logout")
        assert "You are not signed in" in signed_out.text
