"""Resumable SSE for 2025-11-25 sessions: the SDK's `EventStore` over the domain's
`EventReplayService`, scoped to one session.

The SDK hands one event store to every session's transport and tells it nothing about the session
(`store_event(stream_id, message)`, `replay_events_after(last_event_id, send)`), while stream ids
(`"1"`, `"_GET_stream"`) repeat across sessions. A shared store would therefore replay one
session's events into another. So every transport gets its own `SessionEventStore`, bound to its
session id, and the domain service answers only within that session: a `Last-Event-ID` from another
session replays nothing (and its event ids are unguessable anyway).

The seam: `StreamableHTTPSessionManager._admit_session` builds each session's transport with
`event_store=self.event_store`, read once per transport, and returns it; the manager below makes
that attribute a property handing out a fresh unbound store and binds it to the new transport's
session id when `_admit_session` returns. Both are SDK internals (mcp 2.3, pinned `<2.4`); if they
move, admission fails loudly rather than fall back to a shared store, and
tests/integration/test_mcp_endpoint_events.py fails.

The same seam caps the sessions one principal holds open (`max_sessions_per_principal`): a
principal at the cap is refused in `_admit_session`, under the SDK's session-creation lock, and a
slot is freed in `_discard_session`, the one place the SDK forgets a session however it ended
(DELETE, idle timeout, crash, a refused opening request).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from mcp.server.auth.middleware.bearer_auth import (
    AuthenticatedUser,
    AuthorizationContext,
    authorization_context,
)
from mcp.server.streamable_http import (
    MCP_SESSION_ID_HEADER,
    EventCallback,
    EventId,
    EventMessage,
    EventStore,
    StreamableHTTPServerTransport,
    StreamId,
)
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp_types import JSONRPCMessage, jsonrpc_message_adapter
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from remotemcp.app.mcp.rpc_errors import rpc_error_response
from remotemcp.domain.events.replay import EventReplayService
from remotemcp.domain.model.events import ReplayStatus

log = logging.getLogger("remotemcp.mcp.events")


class EventStoreSeamMoved(RuntimeError):
    """The SDK no longer builds session transports the way the scoped store relies on."""


class PrincipalSessionLimit(Exception):
    """The requesting principal already holds as many sessions as it may; nothing was admitted."""


_Owner = tuple[str, str | None, str | None]
"""A session owner as the SDK compares them: (client id, issuer, subject)."""


def _owner(requestor: AuthorizationContext) -> _Owner:
    return (requestor["client_id"], requestor["issuer"], requestor["subject"])


def _requestor(scope: Scope) -> AuthorizationContext | None:
    # As the SDK's session manager reads it, so both agree on who owns a session.
    user = scope.get("user")
    return authorization_context(user) if isinstance(user, AuthenticatedUser) else None


def encode(message: JSONRPCMessage) -> str:
    # The same serialization the transport puts on the SSE wire, so a replayed event is
    # byte-for-byte what the client would have received live.
    return message.model_dump_json(by_alias=True, exclude_unset=True)


def decode(text: str) -> JSONRPCMessage:
    return jsonrpc_message_adapter.validate_json(text, by_name=False)


class SessionEventStore(EventStore):
    """The events of one session. Unbound until its transport has a session id."""

    def __init__(self, events: EventReplayService) -> None:
        self._events = events
        self._session_id: str | None = None

    @property
    def session_id(self) -> str | None:
        return self._session_id

    def bind(self, session_id: str) -> None:
        if self._session_id is not None and self._session_id != session_id:
            raise ValueError("an event store belongs to exactly one session")
        self._session_id = session_id

    def _require_session(self) -> str:
        if self._session_id is None:
            raise EventStoreSeamMoved("event store used before it was bound to a session")
        return self._session_id

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        text = None if message is None else encode(message)
        stored = await self._events.append(self._require_session(), stream_id, text)
        return stored.event_id

    async def replay_events_after(
        self, last_event_id: EventId, send_callback: EventCallback
    ) -> StreamId | None:
        result = await self._events.replay_after(self._require_session(), last_event_id)
        if result.status is not ReplayStatus.REPLAYED:
            # An id from another session, a forged one, or one whose events the bounds dropped:
            # nothing can be replayed exactly, and nothing of anyone else's is.
            log.info("nothing to replay after the client's Last-Event-ID: %s", result.status.value)
            return None
        for event in result.events:
            if event.message is None:  # a priming event carries no message
                continue
            await send_callback(EventMessage(decode(event.message), event.event_id))
        return result.stream_id


class SessionScopedManager(StreamableHTTPSessionManager):
    """`StreamableHTTPSessionManager` whose every session transport gets its own event store, and
    whose every principal holds at most `max_sessions_per_principal` sessions (None: no cap)."""

    def __init__(
        self,
        *args: Any,
        events: EventReplayService,
        max_sessions_per_principal: int | None = None,
        **kwargs: Any,
    ) -> None:
        if max_sessions_per_principal is not None and max_sessions_per_principal <= 0:
            raise ValueError("max_sessions_per_principal must be a positive number of sessions or None")
        self._events = events
        self._handed_out: SessionEventStore | None = None
        self._per_principal = max_sessions_per_principal
        self._owner_of: dict[str, _Owner] = {}
        self._open_by_owner: Counter[_Owner] = Counter()
        super().__init__(*args, **kwargs)

    async def handle_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().handle_request(scope, receive, send)
        except PrincipalSessionLimit:
            # Raised by `_admit_session` before the SDK sent anything for this request.
            refusal = rpc_error_response(
                f"Too many open sessions for this principal (at most {self._per_principal}); "
                "end one with DELETE or wait for one to expire",
                429,
            )
            await refusal(scope, receive, send)

    def resumable_session(self, scope: Scope) -> str | None:
        """The event-store scope of the live session the request names in `Mcp-Session-Id`, if
        the request's credential owns it; None otherwise (no such session, ended, or someone
        else's), so the SDK answers such a request as it always does."""
        session_id = Headers(scope=scope).get(MCP_SESSION_ID_HEADER)
        if session_id is None:
            return None
        transport = self._server_instances.get(session_id)
        if transport is None or transport.is_terminated:
            return None
        if _requestor(scope) != self._session_owners.get(session_id):
            return None
        # `_admit_session` bound the session's store to the session id itself.
        return session_id

    @property
    def event_store(self) -> EventStore | None:
        store = SessionEventStore(self._events)
        self._handed_out = store
        return store

    @event_store.setter
    def event_store(self, value: EventStore | None) -> None:
        # The base initializer assigns its `event_store` argument here.
        if value is not None:
            raise TypeError("SessionScopedManager builds its own per-session stores; pass events=")

    def _admit_session(self, requestor: AuthorizationContext | None) -> StreamableHTTPServerTransport | None:
        # Without a requestor there is no principal to count (the bearer middleware always sets one).
        owner = _owner(requestor) if requestor is not None else None
        limit = self._per_principal
        if owner is not None and limit is not None and self._open_by_owner[owner] >= limit:
            log.warning("refusing a new session: client %s holds %d already", owner[0], limit)
            raise PrincipalSessionLimit
        self._handed_out = None
        transport = super()._admit_session(requestor)
        store = self._take_handed_out()
        if transport is None:
            return None
        if store is None or transport.mcp_session_id is None:
            raise EventStoreSeamMoved(
                "the mcp SDK built a session transport without reading `event_store`; "
                "refusing to serve sessions with an unscoped event store"
            )
        store.bind(transport.mcp_session_id)
        if owner is not None:
            self._owner_of[transport.mcp_session_id] = owner
            self._open_by_owner[owner] += 1
        return transport

    async def _discard_session(self, session_id: str, transport: StreamableHTTPServerTransport) -> None:
        # Called once or more per session (a DELETE, then its server task ending); the slot is
        # freed once, before any await, as the SDK forgets the session.
        owner = self._owner_of.pop(session_id, None)
        if owner is not None:
            self._open_by_owner[owner] -= 1
            if self._open_by_owner[owner] <= 0:
                del self._open_by_owner[owner]
        await super()._discard_session(session_id, transport)

    def _take_handed_out(self) -> SessionEventStore | None:
        store, self._handed_out = self._handed_out, None
        return store
