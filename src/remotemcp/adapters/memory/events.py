from __future__ import annotations

import threading
from collections import OrderedDict

from remotemcp.domain.events.ids import format_event_id
from remotemcp.domain.model.events import NewEvent, StoredEvent


class InMemoryEventRepository:
    """Events in process memory, in sequence order, indexed by session.

    `StoredEvent` is frozen and holds only immutable values, so handing out the stored instance is
    as safe as handing out a copy; the event is built here from the `NewEvent`, never kept as given.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_sequence = 1
        self._events: OrderedDict[int, StoredEvent] = OrderedDict()
        self._sessions: dict[str, OrderedDict[int, StoredEvent]] = {}
        # While creation times rise with sequences, expired events form a prefix and age eviction
        # stops at the first fresh one; a clock that stepped back forces a full scan instead.
        self._created_in_order = True
        self._latest_created_at: int | None = None

    async def append(self, event: NewEvent, *, keep_per_session: int, keep_total: int) -> StoredEvent:
        if keep_per_session < 1 or keep_total < 1:
            raise ValueError("an append must keep at least the event it stores")
        with self._lock:
            sequence = self._next_sequence
            stored = StoredEvent(
                event_id=format_event_id(sequence, event.token),
                session_id=event.session_id,
                stream_id=event.stream_id,
                sequence=sequence,
                message=event.message,
                created_at=event.created_at,
            )
            self._next_sequence += 1
            latest = self._latest_created_at
            if latest is not None and event.created_at < latest:
                self._created_in_order = False
            else:
                self._latest_created_at = event.created_at
            self._events[sequence] = stored
            session = self._sessions.setdefault(event.session_id, OrderedDict())
            session[sequence] = stored
            while len(session) > keep_per_session:
                oldest, _ = session.popitem(last=False)
                del self._events[oldest]
            while len(self._events) > keep_total:
                _, dropped = self._events.popitem(last=False)
                self._forget_in_session(dropped)
            return stored

    async def read_from(self, session_id: str, sequence: int) -> list[StoredEvent]:
        with self._lock:
            session = self._sessions.get(session_id)
            anchor = session.get(sequence) if session is not None else None
            if session is None or anchor is None:
                return []
            later = [
                event
                for seq, event in session.items()
                if seq > sequence and event.stream_id == anchor.stream_id
            ]
            return [anchor, *later]

    async def evict_older_than(self, cutoff: int) -> int:
        with self._lock:
            if self._created_in_order:
                expired = []
                for event in self._events.values():
                    if event.created_at >= cutoff:
                        break
                    expired.append(event)
            else:
                expired = [event for event in self._events.values() if event.created_at < cutoff]
            for event in expired:
                del self._events[event.sequence]
                self._forget_in_session(event)
            return len(expired)

    async def delete_session(self, session_id: str) -> int:
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is None:
                return 0
            for sequence in session:
                del self._events[sequence]
            self._reset_order_if_empty()
            return len(session)

    async def count(self, session_id: str | None = None) -> int:
        with self._lock:
            if session_id is None:
                return len(self._events)
            return len(self._sessions.get(session_id, ()))

    def _forget_in_session(self, event: StoredEvent) -> None:
        session = self._sessions[event.session_id]
        del session[event.sequence]
        if not session:
            del self._sessions[event.session_id]
        self._reset_order_if_empty()

    def _reset_order_if_empty(self) -> None:
        if not self._events:
            self._created_in_order = True
            self._latest_created_at = None
