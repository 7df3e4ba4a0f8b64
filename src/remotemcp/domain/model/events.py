from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    """Issued to this session but dropped by the bounds; what followed cannot be replayed exactly."""


@dataclass(frozen=True, slots=True)
class ReplayResult:
    status: ReplayStatus
    stream_id: str | None = None
    events: tuple[StoredEvent, ...] = ()
