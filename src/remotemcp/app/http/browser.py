"""The browser-facing part of the authorization server: /authorize, the login and consent forms,
and logout.

Every step validates the authorization request again (see pending_request.py). Errors about the
client or the redirect URI are shown on a page and never redirected (RFC 6749 §4.1.2.1); every other
error goes back to the redirect URI with `state` and `iss` (RFC 9207).

Status codes: a failed login shows the form again with 200 (a 401 would need a WWW-Authenticate
challenge, meaningless for a form, RFC 9110 §15.5.2); a throttled login answers 429 with
Retry-After; a failed CSRF or cross-site check answers 403 and changes nothing; a redirect answering
a GET is a 302, one answering a POST a 303, so that the browser follows it with a GET.

POST /authorize is the OpenID Connect form-encoded authorization request (Core §3.1.2.1), sent by
the client's page: it is handled exactly like the GET, changes nothing a GET would not, and so needs
no CSRF token. The forms of this flow post to /login, /consent and /logout instead.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from remotemcp.app.container import Container
from remotemcp.app.http.authorization_responses import (
    code_response_uri,
    error_response_uri,
    redirected_error_uri,
)
from remotemcp.app.http.browser_sessions import BrowserSessions, CookiePolicy, SignedIn
from remotemcp.app.http.consent_view import client_note, describe_scopes, redirect_destination
from remotemcp.app.http.csrf import CSRF_FIELD, CsrfProtection, cross_site_refusal, origin_of
from remotemcp.app.http.forms import query_params, read_form, single
from remotemcp.app.http.pages import FORMS_POST_HERE, Pages, redirect
from remotemcp.app.http.pending_request import REQUEST_FIELD, decode_request, encode_request
from remotemcp.app.settings import Settings
from remotemcp.domain.errors import (
    AccessDenied,
    ConsentRequired,
    InvalidCredentials,
    InvalidRequest,
    LoginRequired,
    LoginThrottled,
    OAuthError,
)
from remotemcp.domain.model.clients import Client
from remotemcp.domain.oauth.authorization_request import (
    AuthorizationRedirectError,
    AuthorizationRequest,
    Prompt,
    validate_authorization_request,
)

log = logging.getLogger("remotemcp.browser")

AUTHORIZE_PATH = "/authorize"
LOGIN_PATH = "/login"
CONSENT_PATH = "/consent"
LOGOUT_PATH = "/logout"

INVALID_CREDENTIALS_MESSAGE = "Invalid username or password."
SESSION_EXPIRED_MESSAGE = "Your sign-in has ended. Sign in again to continue."
REFUSED_TITLE = "Request refused"
REFUSED_MESSAGE = "This form has expired or was not sent from this site. Start again from the application."
BAD_REQUEST_TITLE = "This sign-in request cannot be accepted"

Params = Mapping[str, Sequence[str]]


class _Stop(Exception):
    """Ends a request early with an error page or an error redirect."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class _Visit:
    """One request of the flow: mints the CSRF cookie only when a form needs a token, and adds the
    cookies set along the way to whatever response ends the request."""

    def __init__(self, csrf: CsrfProtection, request: Request) -> None:
        self._csrf = csrf
        self.cookies = request.cookies
        self._browser_id: str | None = None
        self._set_cookies: list[str] = []

    def csrf_token(self, purpose: str) -> str:
        if self._browser_id is None:
            self._browser_id, header = self._csrf.browser_id(self.cookies)
            if header is not None:
                self._set_cookies.append(header)
        return self._csrf.token(self._browser_id, purpose)

    def set_cookie(self, header: str) -> None:
        self._set_cookies.append(header)

    def finish(self, response: Response) -> Response:
        for header in self._set_cookies:
            response.headers.append("set-cookie", header)
        return response


class BrowserFlow:
    def __init__(self, container: Container, settings: Settings) -> None:
        self._container = container
        self._settings = settings
        self._issuer = settings.issuer
        self._cookies = CookiePolicy(secure=settings.is_https)
        key = (
            settings.csrf_secret.get_secret_value().encode("utf-8")
            if settings.csrf_secret is not None
            else secrets.token_bytes(32)
        )
        self._csrf = CsrfProtection(key, self._cookies, container.random())
        public_origin = origin_of(settings.public_url)
        if public_origin is None:
            raise ValueError(f"public_url {settings.public_url!r} has no origin")
        self._public_origin = public_origin
        self._pages = Pages(settings.server_name, settings.public_url)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(AUTHORIZE_PATH, self.authorize, methods=["GET", "POST"]),
            Route(LOGIN_PATH, self.login, methods=["POST"]),
            Route(CONSENT_PATH, self.consent, methods=["POST"]),
            Route(LOGOUT_PATH, self.logout_form, methods=["GET"]),
            Route(LOGOUT_PATH, self.logout, methods=["POST"]),
        ]

    # -- endpoints ------------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        visit = _Visit(self._csrf, request)
        try:
            if request.method == "POST":
                params = await self._read_form(request)
                return visit.finish(await self._authorize(visit, params, redirect_status=303))
            return visit.finish(await self._authorize(visit, query_params(request), redirect_status=302))
        except _Stop as stop:
            return visit.finish(stop.response)

    async def login(self, request: Request) -> Response:
        visit = _Visit(self._csrf, request)
        try:
            return visit.finish(await self._login(request, visit))
        except _Stop as stop:
            return visit.finish(stop.response)

    async def consent(self, request: Request) -> Response:
        visit = _Visit(self._csrf, request)
        try:
            return visit.finish(await self._consent(request, visit))
        except _Stop as stop:
            return visit.finish(stop.response)

    async def logout_form(self, request: Request) -> Response:
        visit = _Visit(self._csrf, request)
        signed_in = await self._sessions().current(request.cookies)
        if signed_in is None:
            return visit.finish(self._pages.render("logged_out.html", {"was_signed_in": False}))
        context = {
            "username": signed_in.user.username,
            "csrf_token": visit.csrf_token("logout"),
            "action_url": self._url(LOGOUT_PATH),
        }
        return visit.finish(self._pages.render("logout.html", context, form_action=FORMS_POST_HERE))

    async def logout(self, request: Request) -> Response:
        visit = _Visit(self._csrf, request)
        try:
            await self._protected_form(request, "logout")
        except _Stop as stop:
            return visit.finish(stop.response)
        sessions = self._sessions()
        signed_in = await sessions.current(request.cookies)
        visit.set_cookie(await sessions.end(request.cookies))
        if signed_in is not None:
            log.info("user %s signed out", signed_in.user.username)
        return visit.finish(self._pages.render("logged_out.html", {"was_signed_in": signed_in is not None}))

    # -- steps ----------------------------------------------------------------------------------

    async def _authorize(self, visit: _Visit, params: Params, redirect_status: int) -> Response:
        checked = await self._check(params, redirect_status)
        signed_in = await self._sessions().current(visit.cookies)
        if signed_in is None or self._login_needed(checked, signed_in):
            if Prompt.NONE in checked.prompt:
                cause = LoginRequired("the user is not signed in")
                return redirect(error_response_uri(checked, cause, self._issuer), redirect_status)
            return self._login_page(visit, checked, params)
        return await self._after_login(visit, checked, params, signed_in, redirect_status)

    async def _login(self, request: Request, visit: _Visit) -> Response:
        form = await self._protected_form(request, "login")
        params = self._pending(form)
        checked = await self._check(params, 303)
        username = self._field(form, "username")
        password = self._field(form, "password")
        address = request.client.host if request.client is not None else None
        try:
            user = await self._container.users().authenticate(username, password, address)
        except LoginThrottled as exc:
            log.warning("sign-in throttled for %r from %s (%d s)", username, address, exc.retry_after)
            message = f"Too many failed sign-in attempts. Try again in {exc.retry_after} seconds."
            headers = {"Retry-After": str(exc.retry_after)}
            return self._login_page(visit, checked, params, message, username, 429, headers)
        except InvalidCredentials:
            log.info("failed sign-in for %r from %s", username, address)
            return self._login_page(visit, checked, params, INVALID_CREDENTIALS_MESSAGE, username)
        signed_in, cookie = await self._sessions().start(request.cookies, user)
        visit.set_cookie(cookie)
        log.info("user %s signed in", user.username)
        # prompt=login and max_age were satisfied by this very sign-in; checking them again would
        # send the person back to the login page forever.
        return await self._after_login(visit, checked, params, signed_in, 303)

    async def _consent(self, request: Request, visit: _Visit) -> Response:
        form = await self._protected_form(request, "consent")
        params = self._pending(form)
        checked = await self._check(params, 303)
        decision = self._field(form, "decision")
        if decision == "deny":
            cause = AccessDenied("the user denied the request")
            return redirect(error_response_uri(checked, cause, self._issuer), 303)
        if decision != "approve":
            raise _Stop(self._bad_request(InvalidRequest("the consent form must say approve or deny")))
        signed_in = await self._sessions().current(request.cookies)
        if signed_in is None:
            return self._login_page(visit, checked, params, SESSION_EXPIRED_MESSAGE)
        subject = signed_in.session.subject
        await self._container.consent().grant(subject, checked.client.client_id, checked.scopes)
        log.info(
            "user %s approved %s for client %s",
            signed_in.user.username,
            sorted(checked.scopes),
            checked.client.client_id,
        )
        return await self._issue_code(checked, signed_in, 303)

    async def _after_login(
        self, visit: _Visit, request: AuthorizationRequest, params: Params, signed_in: SignedIn, status: int
    ) -> Response:
        subject = signed_in.session.subject
        asks = Prompt.CONSENT in request.prompt or await self._container.consent().needs_consent(
            subject, request.client.client_id, request.scopes
        )
        if not asks:
            return await self._issue_code(request, signed_in, status)
        if Prompt.NONE in request.prompt:
            cause = ConsentRequired("the user has not approved this request")
            return redirect(error_response_uri(request, cause, self._issuer), status)
        return self._consent_page(visit, request, params, signed_in)

    async def _issue_code(self, request: AuthorizationRequest, signed_in: SignedIn, status: int) -> Response:
        code = await self._container.codes().issue(
            request, signed_in.session.subject, signed_in.session.auth_time
        )
        return redirect(code_response_uri(request, code, self._issuer), status)

    # -- helpers --------------------------------------------------------------------------------

    def _sessions(self) -> BrowserSessions:
        # Resolved per request, so a test (or the CLI) that overrides a provider after the app is
        # built is honoured.
        container = self._container
        return BrowserSessions(
            container.browser_sessions(),
            container.users(),
            container.clock(),
            container.random(),
            self._cookies,
            self._settings.browser_session_ttl,
        )

    async def _check(self, params: Params, redirect_status: int) -> AuthorizationRequest:
        """The validated request. Otherwise the flow ends (`_Stop`) with a redirect carrying the
        error once the redirect URI is known to be the client's, or an error page before that."""
        try:
            client = await self._resolve_client(params)
            return validate_authorization_request(client, params, self._container.policy())
        except AuthorizationRedirectError as exc:
            log.info("authorization request refused, redirecting: %s", exc)
            raise _Stop(redirect(redirected_error_uri(exc, self._issuer), redirect_status)) from exc
        except OAuthError as exc:
            log.info("authorization request refused on an error page: %s: %s", exc.error, exc.description)
            raise _Stop(self._bad_request(exc)) from exc

    async def _resolve_client(self, params: Params) -> Client | None:
        values = params.get("client_id") or ()
        if len(values) != 1 or not values[0]:
            # Missing or repeated: validation reports it as an error about the client.
            return None
        return await self._container.client_resolver().resolve(values[0])

    def _login_needed(self, request: AuthorizationRequest, signed_in: SignedIn) -> bool:
        if Prompt.LOGIN in request.prompt or Prompt.SELECT_ACCOUNT in request.prompt:
            return True
        if request.max_age is None:
            return False
        # OpenID Connect Core §3.1.2.1: max_age=0 is prompt=login, whatever second it is.
        elapsed = self._container.clock().now() - signed_in.session.auth_time
        return request.max_age == 0 or elapsed > request.max_age

    async def _protected_form(self, request: Request, purpose: str) -> dict[str, list[str]]:
        """The form of a POST that passed the cross-site and CSRF checks; otherwise a 403 page."""
        refusal = cross_site_refusal(request.headers, self._public_origin)
        if refusal is not None:
            log.warning("refused %s POST: %s (Origin %r)", purpose, refusal, request.headers.get("origin"))
            raise _Stop(self._pages.error(REFUSED_TITLE, REFUSED_MESSAGE, 403))
        form = await self._read_form(request)
        tokens = form.get(CSRF_FIELD) or []
        presented = tokens[0] if len(tokens) == 1 else None
        if not self._csrf.verify(request.cookies, purpose, presented):
            log.warning("refused %s POST: missing or wrong CSRF token", purpose)
            raise _Stop(self._pages.error(REFUSED_TITLE, REFUSED_MESSAGE, 403))
        return form

    async def _read_form(self, request: Request) -> dict[str, list[str]]:
        try:
            return await read_form(request)
        except InvalidRequest as exc:
            raise _Stop(self._bad_request(exc)) from exc

    def _pending(self, form: Params) -> dict[str, list[str]]:
        try:
            return decode_request(single(form, REQUEST_FIELD))
        except InvalidRequest as exc:
            raise _Stop(self._bad_request(exc)) from exc

    def _field(self, form: Params, name: str) -> str:
        try:
            return single(form, name) or ""
        except InvalidRequest as exc:
            raise _Stop(self._bad_request(exc)) from exc

    def _login_page(
        self,
        visit: _Visit,
        request: AuthorizationRequest,
        params: Params,
        error: str | None = None,
        username: str = "",
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        context: dict[str, Any] = {
            "client_name": request.client.display_name,
            "error": error,
            "username": username,
            "csrf_token": visit.csrf_token("login"),
            "authorization_request": encode_request(params),
            "action_url": self._url(LOGIN_PATH),
        }
        return self._pages.render(
            "login.html", context, status_code=status_code, form_action=None, headers=headers
        )

    def _consent_page(
        self, visit: _Visit, request: AuthorizationRequest, params: Params, signed_in: SignedIn
    ) -> Response:
        context: dict[str, Any] = {
            "client_name": request.client.display_name,
            "client_note": client_note(request.client),
            "username": signed_in.user.username,
            "scopes": describe_scopes(request.scopes),
            "redirect_host": redirect_destination(request.redirect_uri),
            "csrf_token": visit.csrf_token("consent"),
            "authorization_request": encode_request(params),
            "action_url": self._url(CONSENT_PATH),
        }
        return self._pages.render("consent.html", context, form_action=None)

    def _bad_request(self, exc: OAuthError) -> Response:
        return self._pages.error(BAD_REQUEST_TITLE, exc.description or exc.error, 400)

    def _url(self, path: str) -> str:
        return self._settings.public_url + path


def routes(container: Container, settings: Settings) -> list[BaseRoute]:
    return BrowserFlow(container, settings).routes()
