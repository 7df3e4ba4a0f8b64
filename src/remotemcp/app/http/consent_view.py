"""What the consent page tells a person: who is asking, where the answer goes, and what each
requested scope lets the client do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from remotemcp.domain.model.clients import Client, ClientOrigin
from remotemcp.domain.oauth.redirect_uris import is_loopback_uri

SCOPE_DESCRIPTIONS = {
    "mcp": "Use the tools, resources and prompts of this MCP server on your behalf",
    "openid": "Confirm who you are (your account identifier)",
    "profile": "See your name and username",
    "email": "See your email address",
    "offline_access": "Keep access when you are not using the application",
}
_ORDER = ("mcp", "openid", "profile", "email", "offline_access")


@dataclass(frozen=True, slots=True)
class ScopeLine:
    name: str
    description: str


def describe_scopes(scopes: Iterable[str]) -> list[ScopeLine]:
    """Known scopes in a fixed, meaningful order, then any others alphabetically."""
    requested = set(scopes)
    known = [name for name in _ORDER if name in requested]
    others = sorted(requested - set(_ORDER))
    return [
        ScopeLine(name, SCOPE_DESCRIPTIONS.get(name, f"Access granted by the “{name}” permission"))
        for name in known + others
    ]


def redirect_destination(redirect_uri: str) -> str:
    """Where the browser is sent afterwards, as a person can judge it: the host (and port, when
    not the default) of a web address, or the scheme an installed application registered."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in {"http", "https"}:
        host = parts.netloc.rsplit("@", 1)[-1]
        if is_loopback_uri(redirect_uri):
            return f"{host} (an application on this computer)"
        return host
    return f"the application that opens “{parts.scheme}:” links"


def client_note(client: Client) -> str:
    """How far the displayed name can be trusted."""
    if client.origin is ClientOrigin.PRE_REGISTERED:
        return "This application was registered by the operator of this server."
    if client.origin is ClientOrigin.METADATA_DOCUMENT:
        host = urlsplit(client.client_id).hostname or client.client_id
        return f"This application is identified by {host}; its name is the one that site publishes."
    return "This application registered itself; its name has not been verified."
