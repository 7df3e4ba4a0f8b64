"""Properties of replay under random interleavings of appends, clock moves and forgotten sessions,
checked against a plain reference model of the bounds."""

from __future__ import annotations

import asyncio
import random as stdlib_random
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from remotemcp.adapters.memory.events import InMemoryEventRepository
from remotemcp.domain.events.replay import EventBounds, EventReplayService
from remotemcp.domain.model.events import NewEvent, ReplayResult, ReplayStatus, StoredEvent
from tests.unit.fakes import CountingRandom, FakeClock

SESSIONS = ["a", "b", "c"]
STREAMS = ["1", "_GET_stream", "2"]
KEY = b"property-tests-event-token-key!!"

appends = st.tuples(st.just("append"), st.sampled_from(SESSIONS), st.sampled_from(STREAMS))
advances = st.tuples(st.just("advance"), st.integers(0, 40), st.just(""))
forgets = st.tuples(st.just("forget"), st.sampled_from(SESSIONS), st.just(""))
operations = st.lists(st.one_of(appends, appends, appends, advances, forgets), max_size=60)
bounds_strategy = st.builds(
    EventBounds,
    max_events_per_session=st.integers(1, 6),
    max_events_total=st.integers(1, 12),
    max_age_seconds=st.integers(10, 100),
)


@dataclass
class Model:
    """What the bounds say should be held: the appended events, minus the evicted ones."""

    bounds: EventBounds
    appended: list[StoredEvent] = field(default_factory=list)
    held: list[StoredEvent] = field(default_factory=list)
    forgotten: set[int] = field(default_factory=set)

    def append(self, event: StoredEvent) -> None:
        self.appended.append(event)
        self.held.append(event)
        mine = [e for e in self.held if e.session_id == event.session_id]
        excess = mine[: max(0, len(mine) - self.bounds.max_events_per_session)]
        self.held = [e for e in self.held if e not in excess]
        self.held = self.held[max(0, len(self.held) - self.bounds.max_events_total) :]

    def expire(self, now: int) -> None:
        cutoff = now - self.bounds.max_age_seconds
        self.held = [e for e in self.held if e.created_at >= cutoff]

    def forget(self, session_id: str) -> None:
        self.forgotten |= {e.sequence for e in self.appended if e.session_id == session_id}
        self.held = [e for e in self.held if e.session_id != session_id]

    def later_on_stream(self, event: StoredEvent) -> tuple[StoredEvent, ...]:
        return tuple(
            e
            for e in self.appended
            if e.session_id == event.session_id
            and e.stream_id == event.stream_id
            and e.sequence > event.sequence
        )


@settings(max_examples=150, deadline=None)
@given(bounds=bounds_strategy, ops=operations)
def test_replay_matches_the_model_and_never_crosses_sessions(
    bounds: EventBounds, ops: list[tuple[str, str | int, str]]
) -> None:
    async def scenario() -> None:
        repo = InMemoryEventRepository()
        clock = FakeClock(1_700_000_000)
        service = EventReplayService(repo, clock, CountingRandom("prop"), bounds, KEY)
        model = Model(bounds)

        for op, arg, stream in ops:
            if op == "append":
                assert isinstance(arg, str)
                stored = await service.append(arg, stream, f"{arg}/{stream}/{len(model.appended)}")
                model.append(stored)
                model.expire(clock.now())
                # The bounds hold after every append, not just in the end.
                assert await repo.count(arg) <= bounds.max_events_per_session
                assert await repo.count() <= bounds.max_events_total
            elif op == "advance":
                assert isinstance(arg, int)
                clock.advance(arg)
            else:
                assert isinstance(arg, str)
                await service.forget_session(arg)
                model.forget(arg)

        model.expire(clock.now())
        # classify foresees replay_after's answers, all asked before any replay applies age eviction.
        foreseen = {
            (event.event_id, session): await service.classify(session, event.event_id)
            for event in model.appended
            for session in SESSIONS
        }
        for event in model.appended:
            for session in SESSIONS:
                result = await service.replay_after(session, event.event_id)
                assert foreseen[event.event_id, session] is result.status
                if session != event.session_id:
                    assert result == ReplayResult(ReplayStatus.UNKNOWN_EVENT)
                elif event in model.held:
                    # Everything later on the stream is still held: eviction leaves no gaps.
                    later = model.later_on_stream(event)
                    assert all(e in model.held for e in later)
                    assert result == ReplayResult(ReplayStatus.REPLAYED, event.stream_id, later)
                else:
                    assert result == ReplayResult(ReplayStatus.EVICTED)

        # Age eviction is lazy: the replays above have applied it at the current time.
        for session in SESSIONS:
            assert await repo.count(session) == sum(e.session_id == session for e in model.held)

    asyncio.run(scenario())


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=120) | st.from_regex(r"[0-9a-f]{16}-[0-9a-f]{64}", fullmatch=True))
def test_no_id_the_service_did_not_issue_replays_anything(text: str) -> None:
    async def scenario() -> None:
        service = EventReplayService(
            InMemoryEventRepository(), FakeClock(1), CountingRandom("forge"), token_key=KEY
        )
        issued = {(await service.append(s, "1", "{}")).event_id for s in SESSIONS for _ in range(3)}
        for session in SESSIONS:
            status = await service.classify(session, text)
            result = await service.replay_after(session, text)
            assert status is result.status
            if text not in issued:
                assert result == ReplayResult(ReplayStatus.UNKNOWN_EVENT)

    asyncio.run(scenario())


class YieldingEventRepository(InMemoryEventRepository):
    """Gives the event loop away around every call, so concurrent service calls interleave, and
    checks after each append that the bounds were never exceeded."""

    def __init__(self, seed: int, bounds: EventBounds) -> None:
        super().__init__()
        self._shuffle = stdlib_random.Random(seed)  # noqa: S311 - scheduling noise, not a secret
        self._bounds = bounds

    async def _pause(self) -> None:
        for _ in range(self._shuffle.randrange(3)):
            await asyncio.sleep(0)

    async def append(self, event: NewEvent, *, keep_per_session: int, keep_total: int) -> StoredEvent:
        await self._pause()
        stored = await super().append(event, keep_per_session=keep_per_session, keep_total=keep_total)
        assert await super().count(event.session_id) <= self._bounds.max_events_per_session
        assert await super().count() <= self._bounds.max_events_total
        await self._pause()
        return stored

    async def read_from(self, session_id: str, sequence: int) -> list[StoredEvent]:
        await self._pause()
        return await super().read_from(session_id, sequence)

    async def evict_older_than(self, cutoff: int) -> int:
        await self._pause()
        return await super().evict_older_than(cutoff)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    per_stream=st.lists(st.integers(1, 8), min_size=len(SESSIONS) * 2, max_size=len(SESSIONS) * 2),
    max_per_session=st.integers(1, 10),
    max_total=st.integers(1, 30),
)
def test_concurrent_streams_keep_their_order_and_their_session(
    seed: int, per_stream: list[int], max_per_session: int, max_total: int
) -> None:
    bounds = EventBounds(max_events_per_session=max_per_session, max_events_total=max_total)
    keys = [(s, stream) for s in SESSIONS for stream in STREAMS[:2]]

    async def scenario() -> None:
        repo = YieldingEventRepository(seed, bounds)
        service = EventReplayService(repo, FakeClock(1), CountingRandom("conc"), bounds, KEY)

        async def one_stream(session: str, stream: str, n: int) -> list[StoredEvent]:
            # The SDK writes one stream one message at a time; streams run concurrently.
            return [await service.append(session, stream, f"{session}/{stream}/{i}") for i in range(n)]

        written = await asyncio.gather(
            *(one_stream(s, t, n) for (s, t), n in zip(keys, per_stream, strict=True))
        )

        everything = [e for stream in written for e in stream]
        assert len({e.sequence for e in everything}) == len(everything)
        assert await repo.count() <= max_total
        for (session, _), events in zip(keys, written, strict=True):
            assert [e.sequence for e in events] == sorted(e.sequence for e in events)
            for index, event in enumerate(events):
                result = await service.replay_after(session, event.event_id)
                if result.status is ReplayStatus.REPLAYED:
                    assert result.events == tuple(events[index + 1 :])
                else:
                    assert result == ReplayResult(ReplayStatus.EVICTED)
                for other in SESSIONS:
                    if other != session:
                        foreign = await service.replay_after(other, event.event_id)
                        assert foreign == ReplayResult(ReplayStatus.UNKNOWN_EVENT)

    asyncio.run(scenario())
