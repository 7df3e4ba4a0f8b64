"""The seed's import path: `from MCP_Tools import MCP_Tools`. See `remotemcp.app.seed`."""

from remotemcp.app.seed import MCP_Tools, registry_for

__all__ = ["MCP_Tools", "registry_for"]
