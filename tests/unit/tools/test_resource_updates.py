"""`registry.resource_updated(uri)`: the announcement subscribed clients are told about."""

import pytest

from remotemcp.domain.errors import NotFound
from remotemcp.domain.tools import ToolRegistry


def registry() -> ToolRegistry:
    reg = ToolRegistry()

    @reg.resource("test://watched")
    def watched() -> str:
        return "now"

    @reg.resource("test://items/{item}")
    def item(item: str) -> str:
        return item

    return reg


async def test_listeners_hear_updates_until_they_stop() -> None:
    reg = registry()
    heard: list[str] = []

    async def listener(uri: str) -> None:
        heard.append(uri)

    stop = reg.add_update_listener(listener)
    await reg.resource_updated("test://watched")
    await reg.resource_updated("test://items/7")
    stop()
    stop()  # stopping twice is harmless
    await reg.resource_updated("test://watched")
    assert heard == ["test://watched", "test://items/7"]


async def test_an_update_of_a_resource_nobody_serves_is_refused() -> None:
    reg = registry()
    heard: list[str] = []

    async def listener(uri: str) -> None:
        heard.append(uri)

    reg.add_update_listener(listener)
    with pytest.raises(NotFound):
        await reg.resource_updated("test://nothing")
    assert heard == []


async def test_a_failing_listener_does_not_silence_the_others(caplog: pytest.LogCaptureFixture) -> None:
    reg = registry()
    heard: list[str] = []

    async def broken(uri: str) -> None:
        raise RuntimeError("gone")

    async def working(uri: str) -> None:
        heard.append(uri)

    reg.add_update_listener(broken)
    reg.add_update_listener(working)
    await reg.resource_updated("test://watched")
    assert heard == ["test://watched"]
    assert "failed to hear" in caplog.text
