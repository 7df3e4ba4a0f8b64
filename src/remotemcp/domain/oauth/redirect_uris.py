"""Redirect URI rules: what may be registered (RFC 7591, RFC 8252, OAuth 2.1 §2.3) and how a
presented URI is matched against the registered ones (exact, except loopback ports, RFC 8252 §7.3)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import SplitResult, urlsplit

from remotemcp.domain.errors import InvalidRedirectUri

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Schemes a browser would execute or that cannot carry a callback; never acceptable as redirect
# targets whatever the application type.
_FORBIDDEN_SCHEMES = frozenset(
    {
        "javascript",
        "data",
        "file",
        "vbscript",
        "about",
        "blob",
        "ftp",
        "ws",
        "wss",
        "filesystem",
        "mailto",
        "view-source",
        "chrome",
        "chrome-extension",
        "resource",
        "jar",
        "intent",
    }
)
MAX_REDIRECT_URI_LENGTH = 2000


def _split(uri: str) -> SplitResult:
    try:
        parts = urlsplit(uri)
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise InvalidRedirectUri(f"redirect URI {uri!r} is not a valid URI") from exc
    return parts


def is_loopback_uri(uri: str) -> bool:
    """True for `http://127.0.0.1…`, `http://[::1]…` and `http://localhost…`."""
    parts = _split(uri)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def validate_redirect_uri(uri: str) -> str:
    """Check one redirect URI offered at registration; returns it unchanged or raises
    `InvalidRedirectUri` saying what is wrong."""
    if not isinstance(uri, str) or not uri:
        raise InvalidRedirectUri("redirect URIs must be non-empty strings")
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise InvalidRedirectUri("redirect URI is too long")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in uri):
        raise InvalidRedirectUri(f"redirect URI {uri!r} contains whitespace or control characters")
    parts = _split(uri)
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidRedirectUri(f"redirect URI {uri!r} is not absolute")
    if "#" in uri:
        raise InvalidRedirectUri(f"redirect URI {uri!r} must not contain a fragment")
    if scheme in _FORBIDDEN_SCHEMES:
        raise InvalidRedirectUri(f"scheme {scheme!r} cannot be used for redirect URIs")
    if parts.username or parts.password:
        raise InvalidRedirectUri("redirect URIs must not carry user information")
    if scheme == "https":
        if not parts.hostname:
            raise InvalidRedirectUri(f"redirect URI {uri!r} has no host")
        return uri
    if scheme == "http":
        if (parts.hostname or "") not in LOOPBACK_HOSTS:
            raise InvalidRedirectUri(
                f"redirect URI {uri!r} uses http; only loopback hosts (127.0.0.1, [::1], localhost) may"
            )
        return uri
    # A private-use scheme of a native app (RFC 8252 §7.1). Desktop MCP clients use them
    # (`cursor://…`), usually without declaring application_type, so they are accepted for any
    # client; the scheme must still be a syntactically valid, non-web scheme.
    if not (scheme[0].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)):
        raise InvalidRedirectUri(f"redirect URI {uri!r} has an invalid scheme")
    return uri


def _is_ip_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_matches(registered: str, presented: str) -> bool:
    """Exact string comparison, except that a registered loopback URI matches the same URI on any
    port: native apps get an ephemeral port from the OS at run time (RFC 8252 §7.3)."""
    if registered == presented:
        return True
    # urlsplit silently drops tabs and newlines and strips spaces; a presented URI carrying any
    # is not the registered one, whatever it parses to.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in presented):
        return False
    if not is_loopback_uri(registered):
        return False
    try:
        reg, pre = urlsplit(registered), urlsplit(presented)
        _ = pre.port
    except ValueError:
        return False
    return (
        pre.scheme == "http"
        and reg.hostname == pre.hostname
        and (reg.hostname in LOOPBACK_HOSTS or _is_ip_loopback(reg.hostname or ""))
        and reg.path == pre.path
        and reg.query == pre.query
        and not pre.fragment
        and "@" not in pre.netloc
    )


def select_redirect_uri(registered: Sequence[str], presented: str | None) -> str:
    """The redirect URI to use for an authorization request. Raises `InvalidRedirectUri` — which the
    edge shows on an error page and never redirects to — when the presented URI is not registered,
    or when none is presented and the client has more than one registered."""
    if presented is None or presented == "":
        if len(registered) == 1:
            return registered[0]
        raise InvalidRedirectUri("redirect_uri is required: the client has several registered")
    for candidate in registered:
        if redirect_uri_matches(candidate, presented):
            return presented
    raise InvalidRedirectUri("redirect_uri is not registered for this client")
