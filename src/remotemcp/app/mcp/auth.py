"""The bearer gate in front of the SDK's session manager: one pure-ASGI middleware for both
protocol eras.

In order, for every request to the MCP endpoint:
1. Host and Origin (DNS-rebinding protection), so a page on a hostile origin learns nothing, not
   even whether a token would have worked. The SDK repeats the check; the answers agree.
2. The bearer token, verified by the domain validator (signature, `iss`, `aud` = this resource,
   expiry, revocation). No token: 401 with where to get one; a bad one: 401 `invalid_token`; a
   valid one without the endpoint's base scopes (`mcp_required_scopes`): 403 `insufficient_scope`,
   whatever the request is, so nothing of it reaches the SDK.
3. For a POST, the JSON-RPC body: a `tools/call`, `resources/read` or `prompts/get` whose target
   needs scopes the token lacks is answered 403 `insufficient_scope` naming the scopes to step up to.
   The body is read within `max_body_size` (413 beyond it) and handed on byte for byte.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from remotemcp.app.http.bearer import bearer_credentials
from remotemcp.app.http.errors import oauth_error_body
from remotemcp.app.mcp import challenges, principal
from remotemcp.app.mcp.body import BodyTooLarge, ClientDisconnected, declared_length, read_body, replaying
from remotemcp.app.mcp.scope_requirements import required_scopes
from remotemcp.app.settings import Settings
from remotemcp.domain.errors import InvalidToken, TemporarilyUnavailable
from remotemcp.domain.oauth.access_token_validation import AccessTokenValidator
from remotemcp.domain.tools.registry import ToolRegistry

log = logging.getLogger("remotemcp.mcp.auth")


def bearer_token(scope: Scope) -> str | None:
    """The credentials of an `Authorization: Bearer` header, or None when the request carries no
    bearer credentials at all. Tokens in the query string are never read."""
    value = Headers(scope=scope).get("authorization")
    return None if value is None else bearer_credentials(value)


class BearerAuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        validator: AccessTokenValidator,
        registry: ToolRegistry,
        settings: Settings,
        security: TransportSecuritySettings,
        max_body_size: int,
    ) -> None:
        self.app = app
        self._validator = validator
        self._registry = registry
        self._settings = settings
        self._security = TransportSecurityMiddleware(security)
        self._max_body_size = max_body_size
        self._base_scopes = frozenset(settings.mcp_required_scopes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = await self._security.validate_request(Request(scope), is_post=False)
        if refused is None:
            refused = await self._authenticate(scope)
        if refused is None and scope["method"] == "POST":
            try:
                refused, receive = await self._check_body(scope, receive)
            except ClientDisconnected:
                return
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> Response | None:
        """None, with the principal recorded in `scope`, or the refusal to send."""
        token = bearer_token(scope)
        if token is None:
            return challenges.token_required(self._settings).response()
        try:
            claims = await self._validator.validate(token)
        except InvalidToken as exc:
            log.info("bearer token rejected: %s", exc.reason.value)
            return challenges.invalid_token(self._settings, exc.description).response()
        except TemporarilyUnavailable as exc:
            log.warning("bearer token could not be verified: %s", exc.description)
            return JSONResponse(oauth_error_body(exc), status_code=503, headers={"Retry-After": "5"})
        base = self._base_scopes
        if not base <= claims.scopes:
            log.info(
                "client %s lacks the endpoint's scopes %s",
                claims.client_id,
                " ".join(sorted(base - claims.scopes)),
            )
            return challenges.insufficient_scope(self._settings, base, claims.scopes).response()
        principal.attach(scope, token, claims)
        return None

    async def _check_body(self, scope: Scope, receive: Receive) -> tuple[Response | None, Receive]:
        """Reads the POST body within the limit; refuses a call the token's scopes do not cover.
        Returns the `receive` the next app must use."""
        length = declared_length(scope)
        if length is not None and length > self._max_body_size:
            return _too_large(), receive
        try:
            body = await read_body(receive, self._max_body_size)
        except BodyTooLarge:
            return _too_large(), receive
        receive = replaying(body, receive)
        claims = principal.claims_in(scope)
        granted = claims.scopes if claims is not None else frozenset()
        needed = required_scopes(self._registry, _decoded(body))
        if needed <= granted:
            return None, receive
        client = claims.client_id if claims is not None else "?"
        log.info("client %s lacks scopes %s", client, " ".join(sorted(needed - granted)))
        return challenges.insufficient_scope(self._settings, needed, granted).response(), receive


def _too_large() -> Response:
    return PlainTextResponse("Request body too large", status_code=413)


def _decoded(body: bytes) -> Any:
    # Whatever does not parse carries no scope requirement here; the SDK answers it with a
    # JSON-RPC parse error.
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
