"""The seed's demo tools, served by `remotemcp serve`: `get_time` and `hello`."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from remotemcp.domain.tools.registry import ToolRegistry


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # A system without a time zone database still knows UTC.
        if name.upper() == "UTC":
            return UTC
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as UTC or Europe/Moscow"
        ) from None


def get_time(timezone: Annotated[str, "Временная зона (например, UTC, Europe/Moscow)"] = "UTC") -> str:
    now = datetime.now(_zone(timezone))
    return f"Текущее время в {timezone}: {now:%Y-%m-%d %H:%M:%S %Z (UTC%z)}"


def hello() -> str:
    return "Привет от MCP сервера!"


def demo_registry() -> ToolRegistry:
    registry = ToolRegistry()
    registry.add_tool(get_time, name="get_time", description="Получить текущее время")
    registry.add_tool(hello, name="hello", description="Простое приветствие")
    return registry
