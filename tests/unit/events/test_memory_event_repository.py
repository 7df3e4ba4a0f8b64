from __future__ import annotations

import asyncio
import threading

from remotemcp.adapters.memory.events import InMemoryEventRepository
from remotemcp.domain.model.events import NewEvent, StoredEvent


def test_appends_from_many_threads_get_distinct_sequences_and_respect_bounds() -> None:
    repo = InMemoryEventRepository()
    results: list[list[StoredEvent]] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        async def run() -> list[StoredEvent]:
            start.wait()
            return [
                await repo.append(
                    NewEvent(f"s{n % 4}", "1", "{}", 1000 + i, f"{n:032x}{i:032x}"),
                    keep_per_session=150,
                    keep_total=500,
                )
                for i in range(100)
            ]

        results.append(asyncio.run(run()))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sequences = [event.sequence for batch in results for event in batch]
    assert sorted(sequences) == list(range(1, 801))
    for batch in results:
        assert [event.sequence for event in batch] == sorted(event.sequence for event in batch)
    assert asyncio.run(repo.count()) == 500
    assert all(asyncio.run(repo.count(f"s{n}")) <= 150 for n in range(4))
