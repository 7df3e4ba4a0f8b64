"""Which scopes a JSON-RPC message needs, read from the registry entry it targets.

Only the methods that act on one registered entry carry requirements: `tools/call` (by name),
`resources/read` and `resources/subscribe` (by URI, fixed or templated), `prompts/get` (by name)
and `completion/complete` (by the prompt or resource template its `ref` names). Listing is open to
every valid token, so a client learns what it could step up to. A target the registry does not know needs
nothing here: the handler answers it with the protocol error it deserves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remotemcp.domain.errors import NotFound
from remotemcp.domain.tools.registry import ToolRegistry

_NOTHING: frozenset[str] = frozenset()

_TARGETS: dict[str, tuple[Callable[[ToolRegistry, str], Any], str]] = {
    "tools/call": (ToolRegistry.get, "name"),
    "resources/read": (ToolRegistry.find_resource, "uri"),
    "resources/subscribe": (ToolRegistry.find_resource, "uri"),
    "prompts/get": (ToolRegistry.find_prompt, "name"),
}
"""Method -> (how to find its target in the registry, the params key that names it)."""


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
    if method == "completion/complete":
        return _completion_scopes(registry, params.get("ref"))
    lookup = _TARGETS.get(method) if isinstance(method, str) else None
    if lookup is None:
        return _NOTHING
    find, key = lookup
    return _by_name(lambda target: find(registry, target), params, key)


def _completion_scopes(registry: ToolRegistry, ref: Any) -> frozenset[str]:
    if not isinstance(ref, dict):
        return _NOTHING
    if ref.get("type") == "ref/prompt":
        return _by_name(registry.find_prompt, ref, "name")
    if ref.get("type") == "ref/resource":
        return _by_name(registry.find_resource_template, ref, "uri")
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
