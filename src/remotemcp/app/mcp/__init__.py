"""The resource server: the MCP endpoint served through the `mcp` SDK."""
