"""An explicit answer to a resumption the server cannot serve.

A 2025-11-25 client resumes a stream with `GET` + `Last-Event-ID`. The SDK commits to a 200 SSE
stream before it asks the event store what to replay, so an id it cannot replay from would get a
silent, empty stream. This middleware asks the domain first (`EventReplayService.classify`, which
has no side effects) and refuses what cannot be replayed:

- `UNKNOWN_EVENT` (malformed, never issued, another session's): 400, a bad header value;
- `EVICTED` (issued to this session, no longer held): 410.
Neither is 404: a 404 to a request with `Mcp-Session-Id` tells a client its session is gone
(2025-11-25 transports), and this one is not.

It only looks at a GET the SDK would serve from a live session owned by the caller; anything else
(no such session, someone else's, a 2026-07-28 request) goes on to the SDK and gets the SDK's
answer, so what a caller learns never depends on another session. A valid id takes the SDK's
replay path unchanged.
"""

from __future__ import annotations

import logging

from mcp.server.streamable_http import LAST_EVENT_ID_HEADER, check_accept_headers
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from remotemcp.app.mcp.event_store import SessionScopedManager
from remotemcp.app.mcp.rpc_errors import rpc_error_response
from remotemcp.domain.events.replay import EventReplayService
from remotemcp.domain.model.events import ReplayStatus

log = logging.getLogger("remotemcp.mcp.events")

UNKNOWN_MESSAGE = "unknown Last-Event-ID for this session"
EVICTED_MESSAGE = "events after this id are no longer available; re-issue the request"


class ExplicitResumption:
    def __init__(self, app: ASGIApp, manager: SessionScopedManager, events: EventReplayService) -> None:
        self.app = app
        self._manager = manager
        self._events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = await self._refusal(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await refusal(scope, receive, send)

    async def _refusal(self, scope: Scope) -> Response | None:
        resumption = self._resumption(scope)
        if resumption is None:
            return None
        session_id, last_event_id = resumption
        status = await self._events.classify(session_id, last_event_id)
        if status is ReplayStatus.REPLAYED:
            return None
        log.info("refusing to resume after the client's Last-Event-ID: %s", status.value)
        if status is ReplayStatus.EVICTED:
            return rpc_error_response(EVICTED_MESSAGE, 410)
        return rpc_error_response(UNKNOWN_MESSAGE, 400)

    def _resumption(self, scope: Scope) -> tuple[str, str] | None:
        """(event-store scope, Last-Event-ID) of a GET the SDK would resume from a live session
        the caller owns; None for any request the SDK answers otherwise."""
        headers = Headers(scope=scope)
        last_event_id = headers.get(LAST_EVENT_ID_HEADER)
        version = headers.get(MCP_PROTOCOL_VERSION_HEADER)
        if (
            not last_event_id  # the SDK resumes only on a non-empty header
            or (version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS)  # sessionless era
            or not check_accept_headers(Request(scope))[1]  # the SDK's 406 comes first
        ):
            return None
        session_id = self._manager.resumable_session(scope)
        return None if session_id is None else (session_id, last_event_id)
