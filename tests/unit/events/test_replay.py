from __future__ import annotations

import pytest

from remotemcp.adapters.memory.events import InMemoryEventRepository
from remotemcp.domain.events.ids import NONCE_BYTES, EventTokens, format_event_id, parse_event_id
from remotemcp.domain.events.replay import EventBounds, EventReplayService
from remotemcp.domain.model.events import ReplayResult, ReplayStatus, StoredEvent
from tests.unit.fakes import CountingRandom, FakeClock

GET = "_GET_stream"
KEY = b"event-token-key-for-the-unit-tests"
UNKNOWN = ReplayResult(status=ReplayStatus.UNKNOWN_EVENT)
EVICTED = ReplayResult(status=ReplayStatus.EVICTED)


class RecordingRandom:
    """Counts what the service asks of its random source."""

    def __init__(self) -> None:
        self._inner = CountingRandom("recording")
        self.requests: list[bytes] = []

    def token_bytes(self, nbytes: int) -> bytes:
        out = self._inner.token_bytes(nbytes)
        self.requests.append(out)
        return out


def make_service(
    bounds: EventBounds | None = None, clock: FakeClock | None = None
) -> tuple[EventReplayService, InMemoryEventRepository, FakeClock]:
    repo = InMemoryEventRepository()
    clock = clock or FakeClock(1_700_000_000)
    return EventReplayService(repo, clock, CountingRandom("replay"), bounds, KEY), repo, clock


def replayed(stream_id: str, *events: StoredEvent) -> ReplayResult:
    return ReplayResult(status=ReplayStatus.REPLAYED, stream_id=stream_id, events=events)


def test_default_bounds() -> None:
    assert EventBounds() == EventBounds(
        max_events_per_session=1000, max_events_total=100_000, max_age_seconds=3600
    )


@pytest.mark.parametrize("name", ["max_events_per_session", "max_events_total", "max_age_seconds"])
@pytest.mark.parametrize("value", [0, -1])
def test_bounds_must_be_positive(name: str, value: int) -> None:
    with pytest.raises(ValueError, match=name):
        EventBounds(**{name: value})


async def test_append_stores_the_message_with_an_id_and_the_time() -> None:
    service, repo, clock = make_service()

    event = await service.append("s1", "1", '{"jsonrpc":"2.0","id":1,"result":{}}')

    assert event.session_id == "s1"
    assert event.stream_id == "1"
    assert event.message == '{"jsonrpc":"2.0","id":1,"result":{}}'
    assert event.created_at == clock.now()
    assert await repo.count("s1") == 1


async def test_event_ids_embed_128_fresh_random_bits_each() -> None:
    random = RecordingRandom()
    service = EventReplayService(InMemoryEventRepository(), FakeClock(1), random, token_key=KEY)

    first = await service.append("s1", "1", "{}")
    second = await service.append("s1", "1", "{}")

    assert [len(r) for r in random.requests] == [NONCE_BYTES, NONCE_BYTES]
    assert NONCE_BYTES * 8 >= 128
    assert first.event_id.startswith(f"{first.sequence:016x}-{random.requests[0].hex()}")
    assert second.event_id.startswith(f"{second.sequence:016x}-{random.requests[1].hex()}")


async def test_without_a_key_the_service_draws_one_from_its_random_source() -> None:
    random = RecordingRandom()
    repo = InMemoryEventRepository()
    service = EventReplayService(repo, FakeClock(1), random, EventBounds(max_events_per_session=1))
    first = await service.append("s1", "1", "{}")
    await service.append("s1", "1", "{}")

    assert [len(r) for r in random.requests] == [32, NONCE_BYTES, NONCE_BYTES]
    assert EventTokens(random.requests[0]).issued_to("s1", first.event_id.split("-")[1])
    assert await service.replay_after("s1", first.event_id) == EVICTED


def test_a_short_token_key_is_refused() -> None:
    with pytest.raises(ValueError, match="key"):
        EventReplayService(InMemoryEventRepository(), FakeClock(1), CountingRandom(), token_key=b"short")


async def test_event_ids_are_unique_ordered_and_sse_safe() -> None:
    service, _, _ = make_service()

    events = [await service.append(f"s{i % 3}", str(i % 2), "{}") for i in range(30)]
    ids = [event.event_id for event in events]

    assert len(set(ids)) == 30
    assert ids == sorted(ids)
    for event_id in ids:
        assert event_id.isascii()
        assert not set(event_id) & {"\r", "\n", ":", " ", "\x00"}
        parsed = parse_event_id(event_id)
        assert parsed is not None


async def test_a_priming_event_replays_what_followed_it() -> None:
    service, _, _ = make_service()
    priming = await service.append("s1", "1", None)
    reply = await service.append("s1", "1", '{"result":1}')

    assert await service.replay_after("s1", priming.event_id) == replayed("1", reply)


async def test_append_refuses_an_empty_session() -> None:
    service, repo, _ = make_service()

    with pytest.raises(ValueError, match="session"):
        await service.append("", "1", "{}")
    assert await repo.count() == 0


async def test_replay_returns_later_events_of_the_same_stream_in_order() -> None:
    service, _, _ = make_service()
    a1 = await service.append("s1", "1", "a1")
    g1 = await service.append("s1", GET, "g1")
    a2 = await service.append("s1", "1", "a2")
    await service.append("s1", "2", "b1")
    g2 = await service.append("s1", GET, "g2")
    a3 = await service.append("s1", "1", "a3")

    assert await service.replay_after("s1", a1.event_id) == replayed("1", a2, a3)
    assert await service.replay_after("s1", a2.event_id) == replayed("1", a3)
    assert await service.replay_after("s1", g1.event_id) == replayed(GET, g2)


async def test_replay_after_the_last_event_replays_nothing_but_names_the_stream() -> None:
    service, _, _ = make_service()
    last = await service.append("s1", GET, "g1")

    assert await service.replay_after("s1", last.event_id) == replayed(GET)


async def test_sessions_with_colliding_stream_ids_never_see_each_other() -> None:
    service, _, _ = make_service()
    mine = [await service.append("mine", stream, f"mine-{stream}") for stream in ["1", GET]]
    theirs = [await service.append("theirs", stream, f"theirs-{stream}") for stream in ["1", GET]]
    mine_later = [await service.append("mine", stream, f"mine-later-{stream}") for stream in ["1", GET]]
    theirs_later = [await service.append("theirs", stream, f"theirs-late-{stream}") for stream in ["1", GET]]

    assert await service.replay_after("mine", mine[0].event_id) == replayed("1", mine_later[0])
    assert await service.replay_after("mine", mine[1].event_id) == replayed(GET, mine_later[1])
    assert await service.replay_after("theirs", theirs[0].event_id) == replayed("1", theirs_later[0])
    for event in theirs + theirs_later:
        assert await service.replay_after("mine", event.event_id) == UNKNOWN
    for event in mine + mine_later:
        assert await service.replay_after("theirs", event.event_id) == UNKNOWN


@pytest.mark.parametrize("mine_holds_events", [False, True])
async def test_a_foreign_id_is_unknown_whatever_became_of_its_event(mine_holds_events: bool) -> None:
    service, _, _ = make_service(EventBounds(max_events_per_session=2))
    theirs = await service.append("theirs", "1", "secret")
    if mine_holds_events:
        await service.append("mine", "1", "m1")
    answer_while_retained = await service.replay_after("mine", theirs.event_id)

    await service.append("theirs", "1", "t2")
    await service.append("theirs", "1", "t3")
    assert await service.replay_after("theirs", theirs.event_id) == EVICTED
    answer_once_evicted = await service.replay_after("mine", theirs.event_id)
    await service.forget_session("theirs")
    answer_once_forgotten = await service.replay_after("mine", theirs.event_id)

    assert answer_while_retained == answer_once_evicted == answer_once_forgotten == UNKNOWN


@pytest.mark.parametrize(
    "last_event_id",
    [
        "",
        "1",
        "0",
        "_GET_stream",
        "not an id",
        "0000000000000001",
        "0000000000000001-",
        "0000000000000001-" + "0" * 31,
        "0000000000000001-" + "0" * 32 + "\n",
        "0000000000000001-" + "G" * 32,
        "0000000000000000-" + "0" * 32,
        "x" * 100_000,
    ],
)
async def test_a_malformed_id_replays_nothing(last_event_id: str) -> None:
    service, _, _ = make_service()
    await service.append("s1", "1", "{}")
    await service.append("s1", "1", "{}")

    assert await service.replay_after("s1", last_event_id) == UNKNOWN


async def test_a_well_formed_id_that_was_never_issued_is_unknown() -> None:
    service, _, _ = make_service()
    first = await service.append("s1", "1", "{}")
    await service.append("s1", "1", "{}")

    assert await service.replay_after("s1", format_event_id(first.sequence + 100, "0" * 64)) == UNKNOWN


@pytest.mark.parametrize("position", [0, 31, 32, 63])
@pytest.mark.parametrize("retained", [True, False])
async def test_an_id_with_a_forged_token_is_unknown(position: int, retained: bool) -> None:
    service, _, _ = make_service(EventBounds(max_events_per_session=1 if not retained else 10))
    first = await service.append("s1", "1", "{}")
    await service.append("s1", "1", "{}")
    parsed = parse_event_id(first.event_id)
    assert parsed is not None
    flipped = "1" if parsed.token[position] == "0" else "0"
    forged = parsed.token[:position] + flipped + parsed.token[position + 1 :]

    assert await service.replay_after("s1", format_event_id(first.sequence, forged)) == UNKNOWN


async def test_replay_in_a_session_that_has_no_events_is_unknown() -> None:
    service, _, _ = make_service()
    event = await service.append("s1", "1", "{}")

    assert await service.replay_after("s2", event.event_id) == UNKNOWN
    assert await service.replay_after("", event.event_id) == UNKNOWN


async def test_events_beyond_the_session_bound_are_evicted_oldest_first() -> None:
    service, repo, _ = make_service(EventBounds(max_events_per_session=3))
    other = await service.append("other", "1", "o1")
    events = [await service.append("s1", "1", f"m{i}") for i in range(5)]

    assert await repo.count("s1") == 3
    assert await service.replay_after("s1", events[0].event_id) == EVICTED
    assert await service.replay_after("s1", events[1].event_id) == EVICTED
    assert await service.replay_after("s1", events[2].event_id) == replayed("1", events[3], events[4])
    assert await service.replay_after("other", other.event_id) == replayed("1")


async def test_events_beyond_the_overall_bound_are_evicted_oldest_first() -> None:
    service, repo, _ = make_service(EventBounds(max_events_per_session=10, max_events_total=4))
    a1 = await service.append("a", "1", "a1")
    b1 = await service.append("b", "1", "b1")
    a2 = await service.append("a", "1", "a2")
    b2 = await service.append("b", "1", "b2")
    a3 = await service.append("a", "1", "a3")
    b3 = await service.append("b", "1", "b3")

    assert await repo.count() == 4
    assert await service.replay_after("a", a1.event_id) == EVICTED
    assert await service.replay_after("b", b1.event_id) == EVICTED
    assert await service.replay_after("a", a2.event_id) == replayed("1", a3)
    assert await service.replay_after("b", b2.event_id) == replayed("1", b3)


async def test_events_older_than_the_max_age_are_evicted_and_never_replayed() -> None:
    service, repo, clock = make_service(EventBounds(max_age_seconds=60))
    old = await service.append("s1", "1", "old")
    clock.advance(30)
    middle = await service.append("s1", "1", "middle")
    clock.advance(30)
    # `old` is exactly 60 s old: still within the bound.
    assert await service.replay_after("s1", old.event_id) == replayed("1", middle)

    clock.advance(1)
    assert await service.replay_after("s1", old.event_id) == EVICTED
    assert await service.replay_after("s1", middle.event_id) == replayed("1")
    assert await repo.count("s1") == 1

    clock.advance(30)
    assert await service.replay_after("s1", middle.event_id) == EVICTED
    assert await repo.count() == 0


async def test_append_evicts_expired_events_of_every_session() -> None:
    service, repo, clock = make_service(EventBounds(max_age_seconds=60))
    await service.append("a", "1", "a1")
    await service.append("b", "1", "b1")
    clock.advance(61)

    fresh = await service.append("c", "1", "c1")

    assert await repo.count() == 1
    assert await service.replay_after("c", fresh.event_id) == replayed("1")


async def test_an_evicted_id_is_recognised_even_when_its_session_kept_nothing() -> None:
    service, repo, _ = make_service(EventBounds(max_events_total=1))
    mine = await service.append("mine", "1", "m1")
    await service.append("other", "1", "o1")

    assert await repo.count("mine") == 0
    assert await service.replay_after("mine", mine.event_id) == EVICTED


async def test_evicted_ids_are_recognised_by_another_service_sharing_the_key_only() -> None:
    service, repo, clock = make_service(EventBounds(max_events_per_session=1))
    evicted = await service.append("s1", "1", "m1")
    await service.append("s1", "1", "m2")
    same_key = EventReplayService(repo, clock, CountingRandom("other"), token_key=KEY)
    other_key = EventReplayService(repo, clock, CountingRandom("other"), token_key=b"another-key" * 3)

    assert await same_key.replay_after("s1", evicted.event_id) == EVICTED
    assert await other_key.replay_after("s1", evicted.event_id) == UNKNOWN


async def test_a_retained_sequence_under_another_events_token_is_unknown() -> None:
    service, _, _ = make_service()
    first = await service.append("s1", "1", "{}")
    second = await service.append("s1", "1", "{}")
    first_token = first.event_id.split("-")[1]

    spliced = format_event_id(second.sequence, first_token)

    assert await service.replay_after("s1", spliced) == UNKNOWN


async def test_forget_session_drops_its_events_and_no_other() -> None:
    service, repo, _ = make_service()
    gone = await service.append("gone", "1", "g1")
    await service.append("gone", GET, "g2")
    kept = await service.append("kept", "1", "k1")
    kept_later = await service.append("kept", "1", "k2")

    await service.forget_session("gone")

    assert await repo.count("gone") == 0
    # Its ids were issued to it and are gone: evicted, and nothing to replay.
    assert await service.replay_after("gone", gone.event_id) == EVICTED
    assert await service.replay_after("kept", kept.event_id) == replayed("1", kept_later)
    await service.forget_session("never-existed")
    assert await repo.count() == 2


async def test_the_service_exposes_its_bounds() -> None:
    bounds = EventBounds(max_events_per_session=5, max_events_total=50, max_age_seconds=10)
    service, _, _ = make_service(bounds)

    assert service.bounds is bounds


# -- classify: what replay_after would answer, without its side effects ------------------------


async def test_classify_names_each_status_as_replay_would() -> None:
    service, _, _ = make_service(EventBounds(max_events_per_session=2))
    evicted = await service.append("s1", "1", "m1")
    held = await service.append("s1", "1", "m2")
    await service.append("s1", "1", "m3")
    foreign = await service.append("s2", "1", "o1")
    forged = format_event_id(held.sequence, "0" * 64)

    cases = {
        held.event_id: ReplayStatus.REPLAYED,
        evicted.event_id: ReplayStatus.EVICTED,
        foreign.event_id: ReplayStatus.UNKNOWN_EVENT,
        forged: ReplayStatus.UNKNOWN_EVENT,
        "not-an-id": ReplayStatus.UNKNOWN_EVENT,
        "": ReplayStatus.UNKNOWN_EVENT,
    }
    for last_event_id, status in cases.items():
        assert await service.classify("s1", last_event_id) is status, last_event_id
        assert (await service.replay_after("s1", last_event_id)).status is status, last_event_id
    assert await service.classify("", held.event_id) is ReplayStatus.UNKNOWN_EVENT


async def test_classify_counts_an_expired_event_as_evicted_but_evicts_nothing() -> None:
    service, repo, clock = make_service(EventBounds(max_age_seconds=60))
    old = await service.append("s1", "1", "old")
    clock.advance(30)
    fresh = await service.append("s1", "1", "fresh")
    clock.advance(31)

    assert await service.classify("s1", old.event_id) is ReplayStatus.EVICTED
    assert await service.classify("s1", fresh.event_id) is ReplayStatus.REPLAYED
    # Nothing was dropped by looking; replay_after then evicts and agrees.
    assert await repo.count("s1") == 2
    assert await service.replay_after("s1", old.event_id) == EVICTED
    assert await repo.count("s1") == 1


async def test_classify_of_an_expired_spliced_id_agrees_with_replay() -> None:
    """A retained sequence under another of the session's tokens is unknown while its event is
    held, and evicted once age drops it (the token alone then proves the session): classify must
    follow replay_after across that boundary."""
    service, _, clock = make_service(EventBounds(max_age_seconds=60))
    first = await service.append("s1", "1", "{}")
    second = await service.append("s1", "1", "{}")
    spliced = format_event_id(second.sequence, first.event_id.split("-")[1])

    assert await service.classify("s1", spliced) is ReplayStatus.UNKNOWN_EVENT
    clock.advance(61)
    assert await service.classify("s1", spliced) is ReplayStatus.EVICTED
    assert (await service.replay_after("s1", spliced)).status is ReplayStatus.EVICTED
