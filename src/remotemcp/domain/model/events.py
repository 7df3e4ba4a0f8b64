from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event on its way into the repository, which gives it its sequence and so its id."""

    session_id: str
    stream_id: str
    message: str | None
    created_at: int
    token: str
    """The unguessable half of the event id (domain.events.ids.EventTokens)."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    """Unguessable, and orders events: see domain.events.ids."""
    session_id: str
    stream_id: str
    sequence: int
    """Position in the whole store; strictly increasing."""
    message: str | None
    """The JSON-RPC message as JSON text; None for a priming event."""
    created_at: int


class ReplayStatus(StrEnum):
    REPLAYED = "replayed"
    """The id was found in this session; `events` holds what followed it on its stream (maybe nothing)."""
    UNKNOWN_EVENT = "unknown_event"
    """Never issued, malformed, or belongs to another session: nothing is replayed."""
    EVICTED = "evicted"
    """Issued to this session (its token's tag proves it) but no longer held: evicted by the bounds
    or forgotten with the session. What followed it cannot be replayed exactly."""


@dataclass(frozen=True, slots=True)
class ReplayResult:
    status: ReplayStatus
    stream_id: str | None = None
    events: tuple[StoredEvent, ...] = ()
