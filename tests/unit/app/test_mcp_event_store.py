"""The SDK event store adapter: one session's events over the domain replay service, and the
session manager that hands every session transport its own store."""

from __future__ import annotations

import mcp_types as types
import pytest
from mcp.server.auth.middleware.bearer_auth import AuthorizationContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http import EventMessage

from remotemcp.adapters.memory.events import InMemoryEventRepository
from remotemcp.app.mcp.event_store import (
    PrincipalSessionLimit,
    SessionEventStore,
    SessionScopedManager,
    decode,
    encode,
)
from remotemcp.domain.events.replay import EventReplayService
from tests.unit.fakes import CountingRandom, FakeClock


def service() -> EventReplayService:
    return EventReplayService(InMemoryEventRepository(), FakeClock(), CountingRandom())


def progress(step: int) -> types.JSONRPCNotification:
    return types.JSONRPCNotification(
        jsonrpc="2.0", method="notifications/progress", params={"progressToken": "t", "progress": step}
    )


def test_messages_round_trip_exactly_as_the_wire_has_them() -> None:
    response = types.JSONRPCResponse(jsonrpc="2.0", id=3, result={"structuredContent": {"result": None}})
    text = encode(response)
    assert text == '{"jsonrpc":"2.0","id":3,"result":{"structuredContent":{"result":null}}}'
    assert decode(text) == response
    error = types.JSONRPCError(
        jsonrpc="2.0", id=None, error=types.ErrorData(code=-32700, message="Parse error")
    )
    assert decode(encode(error)) == error


async def test_replays_what_followed_on_the_same_stream_and_skips_priming_events() -> None:
    store = SessionEventStore(service())
    store.bind("session-a")
    priming = await store.store_event("1", None)
    first = await store.store_event("1", progress(1))
    await store.store_event("_GET_stream", progress(99))
    second = await store.store_event("1", progress(2))

    sent: list[EventMessage] = []

    async def send(event: EventMessage) -> None:
        sent.append(event)

    assert await store.replay_events_after(priming, send) == "1"
    assert [(e.event_id, e.message) for e in sent] == [(first, progress(1)), (second, progress(2))]


async def test_another_sessions_event_id_replays_nothing() -> None:
    events = service()
    alice, bob = SessionEventStore(events), SessionEventStore(events)
    alice.bind("alice-session")
    bob.bind("bob-session")
    alice_id = await alice.store_event("1", None)
    await alice.store_event("1", progress(1))
    await bob.store_event("1", progress(7))

    sent: list[EventMessage] = []

    async def send(event: EventMessage) -> None:
        sent.append(event)

    assert await bob.replay_events_after(alice_id, send) is None
    assert await bob.replay_events_after("not-an-event-id", send) is None
    assert sent == []


async def test_an_unbound_store_refuses_to_work_and_binds_once() -> None:
    store = SessionEventStore(service())
    with pytest.raises(RuntimeError):
        await store.store_event("1", None)
    store.bind("s1")
    store.bind("s1")
    with pytest.raises(ValueError, match="exactly one session"):
        store.bind("s2")


def test_every_admitted_session_gets_its_own_bound_store() -> None:
    """Pins the SDK seam (`_admit_session` reading `event_store` once per transport): if it moves,
    this fails before any session could share a store."""
    manager = SessionScopedManager(Server("t"), events=service())
    first = manager._admit_session(None)
    second = manager._admit_session(None)
    assert first is not None and second is not None
    stores = [first._event_store, second._event_store]
    assert all(isinstance(store, SessionEventStore) for store in stores)
    assert [s.session_id for s in stores if isinstance(s, SessionEventStore)] == [
        first.mcp_session_id,
        second.mcp_session_id,
    ]
    assert stores[0] is not stores[1]


def test_the_manager_refuses_a_shared_store() -> None:
    with pytest.raises(TypeError):
        SessionScopedManager(Server("t"), events=service(), event_store=SessionEventStore(service()))


def alice(client_id: str = "c1", subject: str = "alice") -> AuthorizationContext:
    return AuthorizationContext(client_id=client_id, issuer="https://as.example", subject=subject)


async def test_sessions_are_capped_per_principal_and_ending_one_frees_its_slot() -> None:
    manager = SessionScopedManager(Server("t"), events=service(), max_sessions_per_principal=2)
    first, second = manager._admit_session(alice()), manager._admit_session(alice())
    assert first is not None and second is not None and first.mcp_session_id is not None

    with pytest.raises(PrincipalSessionLimit):
        manager._admit_session(alice())
    # The cap is per principal: another subject, or another client of the same user, is not held up.
    assert manager._admit_session(alice(subject="bob")) is not None
    assert manager._admit_session(alice(client_id="c2")) is not None

    # The SDK discards a session once or more (a DELETE, then its server task); one slot is freed.
    await manager._discard_session(first.mcp_session_id, first)
    await manager._discard_session(first.mcp_session_id, first)
    assert manager._admit_session(alice()) is not None
    with pytest.raises(PrincipalSessionLimit):
        manager._admit_session(alice())


def test_the_per_principal_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_sessions_per_principal"):
        SessionScopedManager(Server("t"), events=service(), max_sessions_per_principal=0)
