"""The seed's API, working as the owner wrote it (`../shared/seed/remotemcp-seed.md`):

    tools = MCP_Tools(server_app)

    @tools.register_tool("get_time", "Получить текущее время")
    def get_time(timezone: Annotated[str, "Временная зона"] = "UTC"): ...

    server = CustomServerWithOauth2(logger, Server("my-mcp-server"))   # uvicorn main:server

Both names are thin aliases over the Pythonic API: a `ToolRegistry` holds the tools and
`create_app` serves them. Tools are registered on the registry that belongs to the low-level
`mcp` Server (`registry_for(server)`), so registering before or after building the ASGI app, and
through either object, reaches the same place.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mcp.server.lowlevel import Server
from starlette.types import ASGIApp, Receive, Scope, Send

from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings
from remotemcp.domain.tools.registry import ToolRegistry

F = TypeVar("F", bound=Callable[..., Any])

_registries: weakref.WeakKeyDictionary[Server[Any], ToolRegistry] = weakref.WeakKeyDictionary()


def registry_for(server: Server[Any] | CustomServerWithOauth2) -> ToolRegistry:
    """The registry whose tools, resources and prompts `server` serves (created on first use)."""
    if isinstance(server, CustomServerWithOauth2):
        server = server.mcp_server
    if not isinstance(server, Server):
        raise TypeError(
            f"expected an mcp.server.lowlevel.Server or a CustomServerWithOauth2, got {type(server).__name__}"
        )
    return _registries.setdefault(server, ToolRegistry())


class MCP_Tools:  # noqa: N801 - the seed's public name
    """The seed's tool registration object for one low-level `mcp` Server."""

    def __init__(self, server_app: Server[Any] | CustomServerWithOauth2) -> None:
        self.registry = registry_for(server_app)

    def register_tool(
        self, name: str, description: str, *, scopes: Iterable[str] = (), title: str | None = None
    ) -> Callable[[F], F]:
        """Register a function as a tool; its JSON Schema comes from the type hints, and a string
        in `Annotated[T, "..."]` becomes the parameter's description."""
        return self.registry.tool(name=name, description=description, scopes=scopes, title=title)

    def register_simple_tool(
        self, name: str, description: str, *, scopes: Iterable[str] = (), title: str | None = None
    ) -> Callable[[F], F]:
        """The seed's name for a tool without parameters; registered like any other tool."""
        return self.register_tool(name, description, scopes=scopes, title=title)


class CustomServerWithOauth2:
    """The seed's server: an ASGI app serving `mcp_server`'s tools behind RemoteMCP's OAuth
    authorization server. Settings default to `Settings()` (environment variables prefixed
    `REMOTEMCP_`, e.g. `REMOTEMCP_PUBLIC_URL`), read when the app is first used, so that
    `uvicorn main:server` serves it and a bad setting fails at start-up."""

    def __init__(
        self, logger: logging.Logger, mcp_server: Server[Any], settings: Settings | None = None
    ) -> None:
        self.logger = logger
        self.mcp_server = mcp_server
        self._settings = settings
        self._app: ASGIApp | None = None

    @property
    def registry(self) -> ToolRegistry:
        return registry_for(self.mcp_server)

    @property
    def app(self) -> ASGIApp:
        """The Starlette application, built on first use."""
        if self._app is None:
            settings = self._settings if self._settings is not None else Settings()
            self._settings = settings
            self._app = create_app(settings, self.registry, server=self.mcp_server)
            self.logger.info(
                "OAuth-protected MCP server %r at %s (issuer %s)",
                self.mcp_server.name,
                settings.resource,
                settings.issuer,
            )
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
