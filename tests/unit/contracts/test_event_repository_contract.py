"""The contract every `EventRepository` adapter honours. Append a pytest.param to ADAPTERS to run
it against another adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from remotemcp.adapters.memory.events import InMemoryEventRepository
from remotemcp.domain.events.ids import format_event_id
from remotemcp.domain.model.events import NewEvent, StoredEvent
from remotemcp.domain.ports.events import EventRepository

RepositoryFactory = Callable[[], EventRepository]

ADAPTERS: list[object] = [
    pytest.param(InMemoryEventRepository, id="memory"),
]

T0 = 1_700_000_000
ROOMY = {"keep_per_session": 1000, "keep_total": 1000}


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> EventRepository:
    factory: RepositoryFactory = request.param
    return factory()


_counter = iter(range(1, 1_000_000))


def new_event(
    session_id: str, stream_id: str = "1", message: str | None = "{}", created_at: int = T0
) -> NewEvent:
    token = f"{next(_counter):064x}"
    return NewEvent(session_id, stream_id, message, created_at, token)


async def add(
    repo: EventRepository,
    session_id: str,
    stream_id: str = "1",
    *,
    created_at: int = T0,
    keep_per_session: int = 1000,
    keep_total: int = 1000,
) -> StoredEvent:
    return await repo.append(
        new_event(session_id, stream_id, created_at=created_at),
        keep_per_session=keep_per_session,
        keep_total=keep_total,
    )


async def test_append_names_the_event_after_its_sequence_and_token(repo: EventRepository) -> None:
    event = NewEvent("s1", "_GET_stream", '{"jsonrpc":"2.0"}', T0, "ab" * 32)

    stored = await repo.append(event, **ROOMY)

    assert stored == StoredEvent(
        event_id=format_event_id(stored.sequence, "ab" * 32),
        session_id="s1",
        stream_id="_GET_stream",
        sequence=stored.sequence,
        message='{"jsonrpc":"2.0"}',
        created_at=T0,
    )
    assert stored.sequence >= 1


async def test_a_priming_event_has_no_message(repo: EventRepository) -> None:
    stored = await repo.append(new_event("s1", message=None), **ROOMY)

    assert stored.message is None
    assert await repo.read_from("s1", stored.sequence) == [stored]


async def test_sequences_strictly_increase_across_sessions(repo: EventRepository) -> None:
    stored = [await add(repo, session) for session in ["a", "b", "a", "c", "b"]]

    numbers = [event.sequence for event in stored]
    assert numbers == sorted(set(numbers))


async def test_sequences_are_never_reused_after_deletion_or_eviction(repo: EventRepository) -> None:
    first = await add(repo, "a")
    second = await add(repo, "a", created_at=T0 + 10)
    assert await repo.delete_session("a") == 2
    third = await add(repo, "b", created_at=T0)
    await repo.evict_older_than(T0 + 1)

    fourth = await add(repo, "b", created_at=T0 + 20)

    assert first.sequence < second.sequence < third.sequence < fourth.sequence


async def test_concurrent_appends_get_distinct_increasing_sequences(repo: EventRepository) -> None:
    stored = await asyncio.gather(*(add(repo, f"s{i % 3}", str(i % 2)) for i in range(60)))

    numbers = [event.sequence for event in stored]
    assert len(set(numbers)) == 60
    assert len({event.event_id for event in stored}) == 60
    assert await repo.count() == 60


async def test_read_from_returns_the_event_then_later_ones_of_its_stream(repo: EventRepository) -> None:
    a1 = await add(repo, "a", "1")
    await add(repo, "a", "_GET_stream")
    a2 = await add(repo, "a", "1")
    await add(repo, "a", "2")
    a3 = await add(repo, "a", "1")

    assert await repo.read_from("a", a1.sequence) == [a1, a2, a3]
    assert await repo.read_from("a", a2.sequence) == [a2, a3]
    assert await repo.read_from("a", a3.sequence) == [a3]


async def test_read_from_never_crosses_into_another_session(repo: EventRepository) -> None:
    a1 = await add(repo, "a", "1")
    b1 = await add(repo, "b", "1")
    a2 = await add(repo, "a", "1")
    b_get = await add(repo, "b", "_GET_stream")
    await add(repo, "b", "1")

    assert await repo.read_from("a", a1.sequence) == [a1, a2]
    assert await repo.read_from("a", b1.sequence) == []
    assert await repo.read_from("a", b_get.sequence) == []
    assert await repo.read_from("b", a2.sequence) == []


async def test_read_from_an_unknown_sequence_or_session_is_empty(repo: EventRepository) -> None:
    stored = await add(repo, "a")

    assert await repo.read_from("a", stored.sequence + 1000) == []
    assert await repo.read_from("nobody", stored.sequence) == []


async def test_append_keeps_only_the_newest_events_of_the_session(repo: EventRepository) -> None:
    a = [await add(repo, "a", str(i % 2), keep_per_session=3) for i in range(5)]
    b = await add(repo, "b", keep_per_session=3)

    assert await repo.count("a") == 3
    assert await repo.count("b") == 1
    assert await repo.read_from("a", a[0].sequence) == []
    assert await repo.read_from("a", a[1].sequence) == []
    assert await repo.read_from("a", a[2].sequence) == [a[2], a[4]]
    assert await repo.read_from("b", b.sequence) == [b]


async def test_append_keeps_only_the_newest_events_overall(repo: EventRepository) -> None:
    stored = [await add(repo, session, keep_total=4) for session in ["a", "b", "a", "c", "b", "a"]]

    assert await repo.count() == 4
    assert await repo.count("a") == 2
    assert await repo.count("b") == 1
    assert await repo.count("c") == 1
    assert await repo.read_from("a", stored[0].sequence) == []
    assert await repo.read_from("b", stored[1].sequence) == []
    assert await repo.read_from("a", stored[2].sequence) == [stored[2], stored[5]]


async def test_the_appended_event_survives_the_tightest_bounds(repo: EventRepository) -> None:
    first = await add(repo, "a")
    stored = await add(repo, "b", keep_per_session=1, keep_total=1)

    assert await repo.count() == 1
    assert await repo.count("a") == 0
    assert await repo.read_from("a", first.sequence) == []
    assert await repo.read_from("b", stored.sequence) == [stored]


@pytest.mark.parametrize(("keep_per_session", "keep_total"), [(0, 10), (10, 0), (-1, 10)])
async def test_append_refuses_bounds_that_would_drop_the_event(
    repo: EventRepository, keep_per_session: int, keep_total: int
) -> None:
    with pytest.raises(ValueError, match="keep"):
        await add(repo, "a", keep_per_session=keep_per_session, keep_total=keep_total)
    assert await repo.count() == 0


async def test_evict_older_than_drops_only_events_before_the_cutoff(repo: EventRepository) -> None:
    old = await add(repo, "a", created_at=T0)
    at_cutoff = await add(repo, "a", created_at=T0 + 10)
    other = await add(repo, "b", created_at=T0 + 5)
    fresh = await add(repo, "b", created_at=T0 + 20)

    assert await repo.evict_older_than(T0 + 10) == 2

    assert await repo.count() == 2
    assert await repo.read_from("a", old.sequence) == []
    assert await repo.read_from("b", other.sequence) == []
    assert await repo.read_from("a", at_cutoff.sequence) == [at_cutoff]
    assert await repo.read_from("b", fresh.sequence) == [fresh]
    assert await repo.evict_older_than(T0 + 10) == 0


async def test_evict_older_than_finds_old_events_after_newer_ones(repo: EventRepository) -> None:
    # A wall clock can step back: creation times need not rise with sequences.
    newer = await add(repo, "a", created_at=T0 + 100)
    older = await add(repo, "a", created_at=T0)
    newest = await add(repo, "a", created_at=T0 + 200)

    assert await repo.evict_older_than(T0 + 50) == 1

    assert await repo.read_from("a", older.sequence) == []
    assert await repo.read_from("a", newer.sequence) == [newer, newest]


async def test_delete_session_drops_only_that_session(repo: EventRepository) -> None:
    await add(repo, "a", "1")
    await add(repo, "a", "_GET_stream")
    b = await add(repo, "b", "1")

    assert await repo.delete_session("a") == 2
    assert await repo.delete_session("a") == 0

    assert await repo.count("a") == 0
    assert await repo.count() == 1
    assert await repo.read_from("b", b.sequence) == [b]


async def test_count_is_per_session_or_overall(repo: EventRepository) -> None:
    for session in ["a", "a", "b"]:
        await add(repo, session)

    assert await repo.count() == 3
    assert await repo.count("a") == 2
    assert await repo.count("b") == 1
    assert await repo.count("nobody") == 0
