from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.events import NewEvent, StoredEvent


class EventRepository(Protocol):
    """SSE events of every session, bounded. Every read is scoped to one session: no method lets
    a caller see, or even detect, another session's events.

    Eviction always drops a session's oldest events first, so a retained event is always followed
    by every later event of its session. A SQL adapter keeps that by evicting on `sequence`
    (an identity column) in the same transaction as the insert, and on `created_at` (indexed).
    """

    async def append(self, event: NewEvent, *, keep_per_session: int, keep_total: int) -> StoredEvent:
        """Atomically: give the event the next sequence, strictly greater than any this store ever
        gave (never reused, even after deletion), name it `format_event_id(sequence, token)`, store
        it, then drop the oldest events of its session beyond `keep_per_session` and the oldest
        events overall beyond `keep_total`. Both keeps must be at least 1 (`ValueError`), so the
        returned event is always retained.

        Callers append to one (session, stream) one event at a time, so within a stream sequence
        order is commit order even where concurrent transactions commit out of sequence order."""
        ...

    async def read_from(self, session_id: str, sequence: int) -> list[StoredEvent]:
        """In one consistent read: the event `sequence` of this session, followed by every later
        event of this session on the same stream, ascending. Empty when this session holds no
        event `sequence` (whether it never existed, was evicted, or is another session's)."""
        ...

    async def evict_older_than(self, cutoff: int) -> int:
        """Drop every event with `created_at < cutoff`; returns how many were dropped."""
        ...

    async def delete_session(self, session_id: str) -> int:
        """Drop every event of the session; returns how many were dropped."""
        ...

    async def count(self, session_id: str | None = None) -> int:
        """Events held by the session, or by the whole store when `session_id` is None."""
        ...
