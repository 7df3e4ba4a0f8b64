"""Composition root and delivery: settings, wiring, HTTP, MCP SDK glue, CLI."""
