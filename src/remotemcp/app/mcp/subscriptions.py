"""`resources/subscribe` for 2025-11-25 sessions: who watches which resource URI, and telling them
`notifications/resources/updated` when the registry announces a change.

A subscriber is reached through the `ServerSession` of its subscribe request: its connection-scoped
channel is the session's standalone stream (the GET stream), where unsolicited notifications
belong, and it stays valid for the connection's life. Transports without session ids (in-process,
stdio) serve one connection per server, so they share one slot. Bounded: the least recently active
sessions are forgotten first; a session whose channel is gone is dropped on the next announcement.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from mcp.server.session import ServerSession

log = logging.getLogger("remotemcp.mcp.subscriptions")

_NO_SESSION = ""


@dataclass
class _Subscriber:
    session: ServerSession
    uris: set[str] = field(default_factory=set)


class ResourceSubscriptions:
    def __init__(self, max_sessions: int = 10_000) -> None:
        self._subscribers: OrderedDict[str, _Subscriber] = OrderedDict()
        self._max = max_sessions
        self._lock = threading.Lock()

    def subscribe(self, session_id: str | None, uri: str, session: ServerSession) -> None:
        key = session_id or _NO_SESSION
        with self._lock:
            subscriber = self._subscribers.get(key)
            if subscriber is None:
                subscriber = self._subscribers[key] = _Subscriber(session)
            # The latest request's session proxy reaches the same connection; keep the freshest.
            subscriber.session = session
            subscriber.uris.add(uri)
            self._subscribers.move_to_end(key)
            while len(self._subscribers) > self._max:
                self._subscribers.popitem(last=False)

    def unsubscribe(self, session_id: str | None, uri: str) -> None:
        key = session_id or _NO_SESSION
        with self._lock:
            subscriber = self._subscribers.get(key)
            if subscriber is None:
                return
            subscriber.uris.discard(uri)
            if not subscriber.uris:
                del self._subscribers[key]

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._subscribers.pop(session_id, None)

    def watching(self, uri: str) -> list[str]:
        """The session ids subscribed to `uri` ("" for a transport without sessions)."""
        with self._lock:
            return [key for key, subscriber in self._subscribers.items() if uri in subscriber.uris]

    async def notify(self, uri: str) -> int:
        """Tell every session subscribed to `uri`; returns how many were told."""
        with self._lock:
            targets = [(key, s.session) for key, s in self._subscribers.items() if uri in s.uris]
        told = 0
        for key, session in targets:
            try:
                await session.send_resource_updated(uri)
            except Exception:
                # The connection is gone (or its stream broke): it will never unsubscribe itself.
                log.info("dropping the subscriptions of a session that cannot be reached", exc_info=True)
                self.forget(key)
                continue
            told += 1
        return told
