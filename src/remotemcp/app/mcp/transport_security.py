"""Host and Origin allow-lists for the MCP endpoint, derived from the configured public URL.

The SDK compares the `Host` header as written — exactly, or `host:*` for any port — so the
public URL's host is allowed in every spelling a client may send: with its explicit port, and,
when the port is the scheme's default, without one (browsers and HTTP clients omit it) and with
it. Origins likewise. `settings.allowed_hosts` (e.g. `127.0.0.1:*` behind a reverse proxy that
keeps its own Host) and `settings.allowed_origins` are added as given.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings

from remotemcp.app.settings import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def public_authorities(public_url: str) -> list[str]:
    """Every `host[:port]` spelling of the public URL's authority."""
    parts = urlsplit(public_url)
    hostname = (parts.hostname or "").lower()
    host = f"[{hostname}]" if ":" in hostname else hostname
    default = _DEFAULT_PORTS[parts.scheme]
    port = parts.port if parts.port is not None else default
    if port == default:
        return [host, f"{host}:{port}"]
    return [f"{host}:{port}"]


def security_settings(settings: Settings) -> TransportSecuritySettings:
    scheme = urlsplit(settings.public_url).scheme
    authorities = public_authorities(settings.public_url)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=_unique([*authorities, *settings.allowed_hosts]),
        allowed_origins=_unique([*(f"{scheme}://{a}" for a in authorities), *settings.allowed_origins]),
    )
