"""Which scopes a JSON-RPC message needs, read from the registry entry it targets.

Only the methods that act on one registered entry carry requirements: `tools/call` (by name),
`resources/read` (by URI, fixed or templated) and `prompts/get` (by name). Listing is open to every
valid token, so a client learns what it could step up to. A target the registry does not know needs
nothing here: the handler answers it with the protocol error it deserves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remotemcp.domain.errors import NotFound
from remotemcp.domain.tools.registry import ToolRegistry

_NOTHING: frozenset[str] = frozenset()


def _by_name(lookup: Callable[[str], Any], params: dict[str, Any], key: str) -> frozenset[str]:
    target = params.get(key)
    if not isinstance(target, str):
        return _NOTHING
    try:
        required: frozenset[str] = lookup(target).required_scopes
    except NotFound:
        return _NOTHING
    return required


def _message_scopes(registry: ToolRegistry, message: Any) -> frozenset[str]:
    if not isinstance(message, dict) or "id" not in message:
        return _NOTHING
    params = message.get("params")
    if not isinstance(params, dict):
        return _NOTHING
    method = message.get("method")
    if method == "tools/call":
        return _by_name(registry.get, params, "name")
    if method == "resources/read":
        return _by_name(registry.find_resource, params, "uri")
    if method == "prompts/get":
        return _by_name(registry.find_prompt, params, "name")
    return _NOTHING


def required_scopes(registry: ToolRegistry, payload: Any) -> frozenset[str]:
    """Scopes the decoded POST body needs. A batch (which no supported protocol revision allows, but
    which must not slip past the check either) needs what all its members need."""
    if isinstance(payload, list):
        needed: frozenset[str] = _NOTHING
        for message in payload:
            needed |= _message_scopes(registry, message)
        return needed
    return _message_scopes(registry, payload)
