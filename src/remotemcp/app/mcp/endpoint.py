"""The resource server: the MCP endpoint served through the `mcp` SDK.

One route at `settings.mcp_path` serves both protocol eras: the SDK's session manager routes a
request by its `Mcp-Protocol-Version` header to the 2025-11-25 session transport (initialize,
`Mcp-Session-Id`, SSE with resumable event ids, GET, DELETE) or to the 2026-07-28 single-exchange
path. RemoteMCP's bearer middleware stands in front of both.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from remotemcp.app.container import Container
from remotemcp.app.mcp.auth import BearerAuthMiddleware
from remotemcp.app.mcp.event_store import SessionScopedManager
from remotemcp.app.mcp.resumption import ExplicitResumption
from remotemcp.app.mcp.sdk_logging import quiet_sdk_loggers
from remotemcp.app.mcp.server_from_registry import (
    build_server,
    install_registry,
    installed_handlers,
    installed_registry,
)
from remotemcp.app.mcp.transport_security import security_settings
from remotemcp.app.settings import Settings
from remotemcp.domain.events.replay import EventReplayService
from remotemcp.domain.tools.registry import ToolRegistry

MAX_BODY_SIZE = DEFAULT_MAX_REQUEST_BODY_SIZE


def _has_entries(registry: ToolRegistry) -> bool:
    return bool(
        registry.list()
        or registry.list_resources()
        or registry.list_resource_templates()
        or registry.list_prompts()
    )


def serving(
    registry: ToolRegistry, server: Server[Any] | None, settings: Settings
) -> tuple[ToolRegistry, Server[Any]]:
    """The registry and server the endpoint serves.

    Without a server, one is built for the registry. A caller's server that already serves a
    registry (the seed API installs one) keeps it; otherwise the registry is installed on it —
    unless the registry is empty, in which case the server's own handlers are left alone."""
    if server is None:
        return registry, build_server(registry, name=settings.server_name)
    existing = installed_registry(server)
    if existing is None:
        if _has_entries(registry) or server.get_request_handler("tools/list") is None:
            install_registry(server, registry)
        return registry, server
    if existing is not registry and _has_entries(registry):
        raise ValueError("the given server already serves another tool registry; pass that registry or none")
    return existing, server


class _ForgetEndedSessions:
    """Drops a session's stored events (and its subscriptions and log level) once the client ends
    it with a DELETE the SDK accepted (which it does only for the session's own principal).
    Sessions that time out are left to the event store's age and size bounds."""

    def __init__(
        self, app: ASGIApp, events: EventReplayService, forget: Callable[[str], None] | None = None
    ) -> None:
        self.app = app
        self._events = events
        self._forget = forget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "DELETE":
            await self.app(scope, receive, send)
            return
        session_id = Headers(scope=scope).get(MCP_SESSION_ID_HEADER)
        if session_id is None:
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status == [200]:
            await self._events.forget_session(session_id)
            if self._forget is not None:
                self._forget(session_id)


class _NoDiscardedSessionIds:
    """Without `Mcp-Session-Id` the SDK opens a session for the request and discards it again when
    the answer is a failure (a PUT, a GET or DELETE, a notification), but the failure still names
    it. Such a session id is dropped from the answer, so no client holds on to a dead session."""

    _HEADER = MCP_SESSION_ID_HEADER.lower().encode("latin-1")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or MCP_SESSION_ID_HEADER in Headers(scope=scope):
            await self.app(scope, receive, send)
            return

        async def strip(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != self._HEADER]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, strip)


class _SessionManagerApp:
    """The session manager as a plain ASGI app (a bound method would be taken by Starlette's
    `Route` for a request/response function)."""

    def __init__(self, manager: SessionScopedManager) -> None:
        self._manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._manager.handle_request(scope, receive, send)


class McpEndpoint:
    def __init__(
        self,
        container: Container,
        settings: Settings,
        registry: ToolRegistry,
        server: Server[Any] | None = None,
    ) -> None:
        quiet_sdk_loggers()
        self.settings = settings
        self.registry, self.server = serving(registry, server, settings)
        self.security = security_settings(settings)
        events: EventReplayService = container.events()
        self.session_manager = SessionScopedManager(
            self.server,
            events=events,
            json_response=False,
            stateless=False,
            security_settings=self.security,
            max_request_body_size=MAX_BODY_SIZE,
            retry_interval=settings.sse_retry_ms,
            session_idle_timeout=settings.mcp_session_idle_timeout,
            max_sessions_per_principal=settings.max_sessions_per_principal,
        )
        handlers = installed_handlers(self.server)
        forget = handlers.forget_session if handlers is not None else None
        sessions = _NoDiscardedSessionIds(_SessionManagerApp(self.session_manager))
        self.app: ASGIApp = BearerAuthMiddleware(
            _ForgetEndedSessions(ExplicitResumption(sessions, self.session_manager, events), events, forget),
            validator=container.validator(),
            registry=self.registry,
            settings=settings,
            security=self.security,
            max_body_size=MAX_BODY_SIZE,
        )

    def routes(self) -> list[BaseRoute]:
        # A Route, not a Mount: the endpoint is the exact path, with no redirect to a trailing slash.
        return [Route(self.settings.mcp_path, endpoint=self.app, name="mcp")]

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with self.session_manager.run():
            yield
