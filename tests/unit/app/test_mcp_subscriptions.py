"""The book of resource subscriptions per session."""

from typing import Any, cast

import anyio

from remotemcp.app.mcp.subscriptions import ResourceSubscriptions


class RecordingSession:
    """Stands in for the SDK's ServerSession where only `send_resource_updated` is used."""

    def __init__(self, *, broken: bool = False) -> None:
        self.told: list[str] = []
        self.broken = broken

    async def send_resource_updated(self, uri: str) -> None:
        if self.broken:
            raise anyio.ClosedResourceError
        self.told.append(uri)


def session(broken: bool = False) -> Any:
    return cast(Any, RecordingSession(broken=broken))


async def test_each_session_is_told_about_what_it_watches() -> None:
    book = ResourceSubscriptions()
    a, b = session(), session()
    book.subscribe("a", "test://x", a)
    book.subscribe("a", "test://y", a)
    book.subscribe("b", "test://y", b)
    assert await book.notify("test://y") == 2
    assert await book.notify("test://x") == 1
    assert await book.notify("test://z") == 0
    assert (a.told, b.told) == (["test://y", "test://x"], ["test://y"])
    assert book.watching("test://y") == ["a", "b"]


async def test_unsubscribing_and_forgetting() -> None:
    book = ResourceSubscriptions()
    a = session()
    book.subscribe("a", "test://x", a)
    book.subscribe("a", "test://y", a)
    book.unsubscribe("a", "test://x")
    book.unsubscribe("nobody", "test://x")
    assert book.watching("test://x") == []
    assert book.watching("test://y") == ["a"]
    book.unsubscribe("a", "test://y")
    assert book.watching("test://y") == []
    book.subscribe("a", "test://y", a)
    book.forget("a")
    assert await book.notify("test://y") == 0


async def test_a_session_without_an_id_and_the_latest_proxy_of_a_session() -> None:
    book = ResourceSubscriptions()
    old, new = session(), session()
    book.subscribe(None, "test://x", old)
    book.subscribe(None, "test://y", new)
    assert await book.notify("test://x") == 1
    assert (old.told, new.told) == ([], ["test://x"])


async def test_an_unreachable_session_is_dropped() -> None:
    book = ResourceSubscriptions()
    gone, alive = session(broken=True), session()
    book.subscribe("gone", "test://x", gone)
    book.subscribe("alive", "test://x", alive)
    assert await book.notify("test://x") == 1
    assert book.watching("test://x") == ["alive"]


def test_the_book_is_bounded_by_least_recent_activity() -> None:
    book = ResourceSubscriptions(max_sessions=2)
    book.subscribe("a", "test://x", session())
    book.subscribe("b", "test://x", session())
    book.subscribe("a", "test://y", session())  # a is now the most recent
    book.subscribe("c", "test://x", session())
    assert book.watching("test://x") == ["a", "c"]
