"""The resource server: the MCP endpoint served through the `mcp` SDK."""

from remotemcp.app.mcp.endpoint import McpEndpoint
from remotemcp.app.mcp.event_store import SessionEventStore, SessionScopedManager
from remotemcp.app.mcp.server_from_registry import (
    RegistryHandlers,
    build_server,
    install_registry,
    installed_handlers,
    installed_registry,
)
from remotemcp.app.mcp.subscriptions import ResourceSubscriptions
from remotemcp.app.mcp.tool_context import RequestToolContext

__all__ = [
    "McpEndpoint",
    "RegistryHandlers",
    "RequestToolContext",
    "ResourceSubscriptions",
    "SessionEventStore",
    "SessionScopedManager",
    "build_server",
    "install_registry",
    "installed_handlers",
    "installed_registry",
]
