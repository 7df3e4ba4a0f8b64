"""Resource indicators (RFC 8707): what a `resource` parameter may look like and when it names the
one protected resource this server issues tokens for. Shared by /authorize and /token."""

from __future__ import annotations

from urllib.parse import urlsplit

from remotemcp.domain.errors import InvalidTarget

MAX_RESOURCE_LENGTH = 2048


def validate_resource_uri(value: str) -> str:
    """RFC 8707 §2: an absolute URI without a fragment. Returns it unchanged or raises `InvalidTarget`."""
    if not value:
        raise InvalidTarget("resource must be a non-empty absolute URI")
    if len(value) > MAX_RESOURCE_LENGTH:
        raise InvalidTarget("resource is too long")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise InvalidTarget("resource contains whitespace or control characters")
    if "#" in value:
        raise InvalidTarget("resource must not contain a fragment")
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise InvalidTarget("resource is not a valid URI") from exc
    if not parts.scheme:
        raise InvalidTarget("resource must be an absolute URI")
    return value


def _normalise(uri: str) -> tuple[str, str, str, str] | None:
    if "#" in uri:
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if not parts.scheme:
        return None
    # Only the host is case-insensitive (RFC 3986 §6.2.2.1); user information keeps its case.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{hostport.lower()}"
    path = parts.path[:-1] if parts.path.endswith("/") else parts.path
    return parts.scheme.lower(), netloc, path, parts.query


def canonical_resource_matches(presented: str, canonical: str) -> bool:
    """True when `presented` names the canonical resource: scheme and host compared without case,
    and a single trailing slash ignored, because clients derive the URI from the MCP endpoint
    they were configured with and disagree about both. Nothing else is loosened."""
    left, right = _normalise(presented), _normalise(canonical)
    return left is not None and left == right
