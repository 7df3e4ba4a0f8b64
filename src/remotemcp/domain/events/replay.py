"""Append and replay the SSE events of resumable streams (MCP 2025-11-25, Streamable HTTP).

Every call names the session, and the repository answers only within it: an event id from
another session is looked up among this session's events, where it cannot be, and its token's tag
names the other session, so the answer is `UNKNOWN_EVENT` whatever became of the other session's
event. What a caller learns never depends on any other session.

`EVICTED` rests on the token's tag, not on the stored id (gone with the event): the id was issued
to this session by a service holding the same key, and its event is no longer held, because the
bounds dropped it or the session was forgotten. Events older than `max_age_seconds` are evicted
before every lookup, so they are never replayed and their ids answer `EVICTED` too.
"""

from __future__ import annotations

from dataclasses import dataclass

from remotemcp.domain.clock import Clock
from remotemcp.domain.events.ids import MIN_KEY_BYTES, EventTokens, parse_event_id
from remotemcp.domain.model.events import NewEvent, ReplayResult, ReplayStatus, StoredEvent
from remotemcp.domain.ports.events import EventRepository
from remotemcp.domain.randomness import RandomSource, constant_time_equal

_UNKNOWN = ReplayResult(status=ReplayStatus.UNKNOWN_EVENT)
_EVICTED = ReplayResult(status=ReplayStatus.EVICTED)


@dataclass(frozen=True, slots=True)
class EventBounds:
    max_events_per_session: int = 1000
    max_events_total: int = 100_000
    max_age_seconds: int = 3600

    def __post_init__(self) -> None:
        for name in ("max_events_per_session", "max_events_total", "max_age_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


class EventReplayService:
    def __init__(
        self,
        repository: EventRepository,
        clock: Clock,
        random: RandomSource,
        bounds: EventBounds | None = None,
        token_key: bytes | None = None,
    ) -> None:
        """`token_key` signs the ids; processes sharing a durable store should share it. Without
        one, a key is drawn from `random` and ids evicted before a restart read as unknown."""
        self._repository = repository
        self._clock = clock
        self._random = random
        self._bounds = bounds or EventBounds()
        self._tokens = EventTokens(token_key if token_key is not None else random.token_bytes(MIN_KEY_BYTES))

    @property
    def bounds(self) -> EventBounds:
        return self._bounds

    async def append(self, session_id: str, stream_id: str, message: str | None) -> StoredEvent:
        if not session_id:
            # An empty session id would pool every stateless stream into one shared replay log.
            raise ValueError("events belong to a session; session_id is empty")
        now = self._clock.now()
        event = NewEvent(
            session_id=session_id,
            stream_id=stream_id,
            message=message,
            created_at=now,
            token=self._tokens.new_token(session_id, self._random),
        )
        stored = await self._repository.append(
            event,
            keep_per_session=self._bounds.max_events_per_session,
            keep_total=self._bounds.max_events_total,
        )
        await self._repository.evict_older_than(self._cutoff(now))
        return stored

    async def replay_after(self, session_id: str, last_event_id: str) -> ReplayResult:
        parsed = parse_event_id(last_event_id)
        if parsed is None or not session_id:
            return _UNKNOWN
        await self._repository.evict_older_than(self._cutoff(self._clock.now()))
        found = await self._repository.read_from(session_id, parsed.sequence)
        if found:
            anchor, *later = found
            if constant_time_equal(anchor.event_id, last_event_id):
                return ReplayResult(ReplayStatus.REPLAYED, anchor.stream_id, tuple(later))
            return _UNKNOWN
        if self._tokens.issued_to(session_id, parsed.token):
            return _EVICTED
        return _UNKNOWN

    async def classify(self, session_id: str, last_event_id: str) -> ReplayStatus:
        """The status `replay_after` would answer now, without its side effects: nothing is
        evicted, nothing is replayed. An event past `max_age_seconds` counts as already evicted,
        as `replay_after` would evict it before looking. Lets the edge refuse a resumption it
        cannot serve before it commits to a stream; the replay itself may still find less if the
        bounds drop the event in between."""
        parsed = parse_event_id(last_event_id)
        if parsed is None or not session_id:
            return ReplayStatus.UNKNOWN_EVENT
        found = await self._repository.read_from(session_id, parsed.sequence)
        if found and found[0].created_at >= self._cutoff(self._clock.now()):
            if constant_time_equal(found[0].event_id, last_event_id):
                return ReplayStatus.REPLAYED
            return ReplayStatus.UNKNOWN_EVENT
        if self._tokens.issued_to(session_id, parsed.token):
            return ReplayStatus.EVICTED
        return ReplayStatus.UNKNOWN_EVENT

    async def forget_session(self, session_id: str) -> None:
        await self._repository.delete_session(session_id)

    def _cutoff(self, now: int) -> int:
        return now - self._bounds.max_age_seconds
