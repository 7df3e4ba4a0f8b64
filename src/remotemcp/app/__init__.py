"""Composition root and delivery: settings, wiring, HTTP, MCP SDK glue, CLI.

The Pythonic API: `from remotemcp.app import create_app, Settings, ToolRegistry`. The seed's
names (`MCP_Tools`, `CustomServerWithOauth2`) are aliases over it. Names are imported on first
use, so importing one submodule (settings, say) does not load the whole web stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from remotemcp.app.factory import create_app
    from remotemcp.app.seed import CustomServerWithOauth2, MCP_Tools, registry_for
    from remotemcp.app.settings import Settings
    from remotemcp.domain.tools.registry import ToolRegistry

_EXPORTS = {
    "create_app": "remotemcp.app.factory",
    "Settings": "remotemcp.app.settings",
    "ToolRegistry": "remotemcp.domain.tools.registry",
    "MCP_Tools": "remotemcp.app.seed",
    "CustomServerWithOauth2": "remotemcp.app.seed",
    "registry_for": "remotemcp.app.seed",
}

__all__ = ["CustomServerWithOauth2", "MCP_Tools", "Settings", "ToolRegistry", "create_app", "registry_for"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
