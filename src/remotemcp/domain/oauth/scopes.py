"""Scope strings (RFC 6749 §3.3): space-delimited scope-tokens of printable ASCII minus `"` and `\\`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from remotemcp.domain.errors import InvalidScope

_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


def parse_scope(value: str | None) -> frozenset[str]:
    """Parse a `scope` parameter. None or blank gives the empty set; a malformed token is refused."""
    if value is None:
        return frozenset()
    tokens = value.split(" ")
    result: set[str] = set()
    for token in tokens:
        if token == "":
            continue
        if not _SCOPE_TOKEN.match(token):
            raise InvalidScope(f"malformed scope token {token!r}")
        result.add(token)
    return frozenset(result)


def format_scope(scopes: Iterable[str]) -> str:
    """Deterministic rendering (sorted) so equal grants always print the same."""
    return " ".join(sorted(set(scopes)))
