from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from mcp.server.lowlevel import Server
from starlette.routing import BaseRoute

from remotemcp.app.container import Container
from remotemcp.app.settings import Settings
from remotemcp.domain.tools.registry import ToolRegistry


class McpEndpoint:
    def __init__(
        self, container: Container, settings: Settings, registry: ToolRegistry, server: Server | None = None
    ) -> None:
        self.container = container

    def routes(self) -> list[BaseRoute]:
        return []

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        yield
