"""The authorization server's machine-facing endpoints: token (RFC 6749 §3.2), registration
(RFC 7591), revocation (RFC 7009), introspection (RFC 7662) and userinfo (OIDC Core §5.3).

Handlers only parse and render: every decision is a domain service's, and every refusal is a
domain error rendered once here. A refused request changes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from remotemcp.app.container import Container
from remotemcp.app.http.bearer import bearer_credentials
from remotemcp.app.http.client_credentials import client_credentials
from remotemcp.app.http.errors import NO_STORE, json_no_store, oauth_error_body, oauth_error_response
from remotemcp.app.http.forms import media_type, read_form, read_limited_body, single
from remotemcp.app.settings import Settings
from remotemcp.domain.errors import (
    DomainError,
    InsufficientScope,
    InvalidClient,
    InvalidClientMetadata,
    InvalidRequest,
    InvalidTarget,
    InvalidToken,
    OAuthError,
    TokenRejection,
    UnsupportedGrantType,
)
from remotemcp.domain.model.clients import Client
from remotemcp.domain.oauth.resources import canonical_resource_matches
from remotemcp.domain.oauth.userinfo import userinfo_claims

log = logging.getLogger("remotemcp.oauth")

MAX_REGISTRATION_BYTES = 64 * 1024
REALM = "remotemcp"
GRANT_TYPES = ("authorization_code", "refresh_token")
# RFC 8707 lets `resource` repeat; RFC 6749 §3.2 forbids repeating anything else.
_REPEATABLE = frozenset({"resource"})


def _refuse_repeats(form: Mapping[str, Sequence[str]]) -> None:
    for name, values in form.items():
        if name not in _REPEATABLE and len(values) > 1:
            raise InvalidRequest(f"parameter {name!r} is repeated")


def requested_resource(form: Mapping[str, Sequence[str]], canonical: str) -> str | None:
    """The one `resource` of a token request. Several spellings of this server's resource are one
    resource; anything more is a request for a token this server cannot mint (RFC 8707 §2)."""
    values = [value for value in form.get("resource", ()) if value]
    if not values:
        return None
    if len(values) > 1 and not all(canonical_resource_matches(value, canonical) for value in values):
        raise InvalidTarget("this server issues tokens for one resource; send only that one")
    return values[0]


def _refused(endpoint: str, exc: DomainError) -> Response:
    log.info("%s refused: %s (%s)", endpoint, exc.error, exc.description)
    # RFC 9110 §15.5.2: a 401 carries a challenge; Basic is the scheme the client should have used.
    return oauth_error_response(exc, basic_auth_used=True)


def _quoted(text: str) -> str:
    # RFC 6750 §3: error_description and scope are limited to %x20-21 / %x23-5B / %x5D-7E.
    return "".join(ch for ch in text if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\')


def bearer_challenge(exc: OAuthError | None) -> str:
    """RFC 6750 §3 `WWW-Authenticate` value. Without an error (no token was sent) it carries no
    error code, as §3.1 asks."""
    parts = [f'realm="{REALM}"']
    if exc is not None:
        parts.append(f'error="{exc.error}"')
        if exc.description:
            parts.append(f'error_description="{_quoted(exc.description)}"')
        if isinstance(exc, InsufficientScope):
            parts.append(f'scope="{_quoted(" ".join(sorted(exc.required)))}"')
    return "Bearer " + ", ".join(parts)


def _bearer_refusal(exc: OAuthError, *, challenge_error: bool = True) -> Response:
    log.info("userinfo refused: %s (%s)", exc.error, exc.description)
    headers = {**NO_STORE, "WWW-Authenticate": bearer_challenge(exc if challenge_error else None)}
    return JSONResponse(oauth_error_body(exc), status_code=exc.status_code, headers=headers)


def _bearer_token(request: Request) -> str | None:
    """The access token of `Authorization: Bearer`; None when the request offers no bearer
    credentials at all. Stricter than the MCP endpoint: userinfo answers a malformed header with
    `invalid_request` rather than leaving it to token validation."""
    values = request.headers.getlist("authorization")
    if not values:
        return None
    if len(values) > 1:
        raise InvalidRequest("send one Authorization header")
    token = bearer_credentials(values[0])
    if token is not None and (not token or " " in token):
        raise InvalidRequest("the Authorization header must be: Bearer <access token>")
    return token


async def _json_object(request: Request) -> dict[str, Any]:
    if media_type(request) != "application/json":
        raise InvalidClientMetadata("the registration request body must be application/json")
    too_large = InvalidClientMetadata(f"the registration request exceeds {MAX_REGISTRATION_BYTES} bytes")
    body = await read_limited_body(request, MAX_REGISTRATION_BYTES, too_large)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidClientMetadata("the registration request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidClientMetadata("the registration request body must be a JSON object")
    return data


class OAuthEndpoints:
    def __init__(self, container: Container, settings: Settings) -> None:
        self._container = container
        self._settings = settings

    async def _authenticated_client(self, request: Request, form: Mapping[str, Sequence[str]]) -> Client:
        return await self._container.client_authenticator().authenticate(client_credentials(request, form))

    async def token(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            _refuse_repeats(form)
            client = await self._authenticated_client(request, form)
            grant_type = single(form, "grant_type", required=True)
            resource = requested_resource(form, self._settings.resource)
            tokens = self._container.tokens()
            if grant_type == "authorization_code":
                response = await tokens.exchange_code(
                    client,
                    code=single(form, "code", required=True) or "",
                    redirect_uri=single(form, "redirect_uri"),
                    code_verifier=single(form, "code_verifier"),
                    resource=resource,
                )
            elif grant_type == "refresh_token":
                response = await tokens.refresh(
                    client,
                    refresh_token=single(form, "refresh_token", required=True) or "",
                    scope=single(form, "scope"),
                    resource=resource,
                )
            else:
                raise UnsupportedGrantType(f"grant_type must be one of: {', '.join(GRANT_TYPES)}")
        except DomainError as exc:
            return _refused("token request", exc)
        return json_no_store(response.as_dict())

    async def register(self, request: Request) -> Response:
        try:
            metadata = await _json_object(request)
            registered = await self._container.registration().register(metadata)
        except DomainError as exc:
            return _refused("registration", exc)
        log.info("registered client %s (%s)", registered.client.client_id, registered.client.display_name)
        return json_no_store(registered.response(), status_code=201)

    async def revoke(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            _refuse_repeats(form)
            client = await self._authenticated_client(request, form)
            token = single(form, "token", required=True) or ""
            await self._container.revocation().revoke(client, token, single(form, "token_type_hint"))
        except DomainError as exc:
            return _refused("revocation", exc)
        # RFC 7009 §2.2: 200 whether or not the token was known; the body is ignored by clients.
        return Response(status_code=200, headers=dict(NO_STORE))

    async def introspect(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            _refuse_repeats(form)
            client = await self._authenticated_client(request, form)
            if not client.is_confidential:
                # A public client "authenticates" with its client_id alone, which anyone can copy;
                # letting it introspect would hand token metadata to whoever knows an id.
                raise InvalidClient("introspection requires a confidential client with a secret")
            token = single(form, "token", required=True) or ""
            answer = await self._container.introspection().introspect(
                client, token, single(form, "token_type_hint")
            )
        except DomainError as exc:
            return _refused("introspection", exc)
        return json_no_store(answer)

    async def userinfo(self, request: Request) -> Response:
        try:
            token = _bearer_token(request)
            if token is None:
                missing = InvalidToken(
                    TokenRejection.MALFORMED, "send the access token in the Authorization: Bearer header"
                )
                return _bearer_refusal(missing, challenge_error=False)
            claims = await self._container.validator().validate(token)
            answer = await userinfo_claims(self._container.users_repo(), claims.subject, claims.scopes)
        except OAuthError as exc:
            return _bearer_refusal(exc)
        return json_no_store(answer)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/token", self.token, methods=["POST"]),
            Route("/register", self.register, methods=["POST"]),
            Route("/revoke", self.revoke, methods=["POST"]),
            Route("/introspect", self.introspect, methods=["POST"]),
            Route("/userinfo", self.userinfo, methods=["GET", "POST"]),
        ]


def routes(container: Container, settings: Settings) -> list[BaseRoute]:
    return OAuthEndpoints(container, settings).routes()
