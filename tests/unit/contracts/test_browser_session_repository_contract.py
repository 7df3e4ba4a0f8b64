from __future__ import annotations

from collections.abc import Callable

import pytest

from remotemcp.adapters.memory.browser_sessions import InMemoryBrowserSessionRepository
from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.browser_sessions import BrowserSession
from remotemcp.domain.ports.browser_sessions import BrowserSessionRepository

ADAPTERS: list[object] = [pytest.param(InMemoryBrowserSessionRepository, id="memory")]
NOW = 1_700_000_000


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> BrowserSessionRepository:
    factory: Callable[[], BrowserSessionRepository] = request.param
    return factory()


def session(h: str, subject: str = "u1", expires_at: int = NOW + 100) -> BrowserSession:
    return BrowserSession(
        session_hash=h, subject=subject, auth_time=NOW, created_at=NOW, expires_at=expires_at
    )


async def test_round_trip_and_uniqueness(repo: BrowserSessionRepository) -> None:
    await repo.add(session("a"))
    assert await repo.get("a") == session("a")
    assert await repo.get("b") is None
    with pytest.raises(AlreadyExists):
        await repo.add(session("a", subject="u2"))
    assert (await repo.get("a")) == session("a")


async def test_remove_and_remove_for(repo: BrowserSessionRepository) -> None:
    await repo.add(session("a"))
    await repo.add(session("b"))
    await repo.add(session("c", subject="u2"))
    assert await repo.remove("a")
    assert not await repo.remove("a")
    assert await repo.remove_for("u1") == 1
    assert await repo.get("b") is None
    assert await repo.get("c") is not None


async def test_purge_expired(repo: BrowserSessionRepository) -> None:
    await repo.add(session("old", expires_at=NOW + 5))
    await repo.add(session("new", expires_at=NOW + 50))
    assert await repo.purge_expired(NOW + 5) == 1
    assert await repo.get("old") is None
    assert await repo.get("new") is not None
