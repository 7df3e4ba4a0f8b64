"""Names and scopes a registration may use."""

from __future__ import annotations

import re
from collections.abc import Iterable

from remotemcp.domain.tools.errors import InvalidDefinition

# MCP 2025-11-25 "Tool names" (SEP-986): 1-128 characters, case-sensitive, ASCII letters, digits,
# underscore, hyphen and dot only.
_TOOL_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
# RFC 6749 §3.3 scope-token: printable ASCII except space, double quote and backslash.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")


def validate_tool_name(name: str) -> str:
    if not _TOOL_NAME.fullmatch(name):
        raise InvalidDefinition(
            f"invalid tool name {name!r}: use 1-128 characters from A-Z, a-z, 0-9, '_', '-' and '.'"
        )
    return name


def validate_scopes(scopes: Iterable[str]) -> frozenset[str]:
    if isinstance(scopes, str):
        # A lone string would otherwise be split into one-letter scopes.
        scopes = scopes.split()
    result = frozenset(scopes)
    for scope in result:
        if not _SCOPE_TOKEN.fullmatch(scope):
            raise InvalidDefinition(
                f"invalid scope {scope!r}: RFC 6749 scope tokens have no spaces or quotes"
            )
    return result
