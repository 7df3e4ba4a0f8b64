"""The settings the domain obeys, gathered in one immutable value built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SCOPES = frozenset({"openid", "profile", "email", "offline_access", "mcp"})


@dataclass(frozen=True, slots=True)
class ServerPolicy:
    issuer: str
    """The authorization server's issuer identifier (RFC 8414): HTTPS URL, no query or fragment."""
    resource: str
    """The canonical URI of the one protected resource this server issues tokens for (RFC 8707)."""
    scopes_supported: frozenset[str] = DEFAULT_SCOPES
    default_scopes: frozenset[str] = frozenset({"mcp"})
    """Granted when an authorization request names no scope."""
    code_ttl: int = 60
    access_token_ttl: int = 3600
    id_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    refresh_family_max_lifetime: int = 90 * 24 * 3600
    refresh_grace_seconds: int = 5
    leeway_seconds: int = 30
    signing_algorithms: tuple[str, ...] = ("RS256", "ES256")
    """Accepted on verification. Pinned: nothing outside this list is ever tried."""

    def __post_init__(self) -> None:
        if not 0 < self.code_ttl <= 60:
            raise ValueError("authorization codes must live between 1 and 60 seconds")
        for name in ("access_token_ttl", "id_token_ttl", "refresh_token_ttl", "refresh_family_max_lifetime"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.refresh_grace_seconds < 0 or self.leeway_seconds < 0:
            raise ValueError("grace and leeway cannot be negative")
        if not self.default_scopes <= self.scopes_supported:
            raise ValueError("default scopes must be among the supported scopes")
        if not set(self.signing_algorithms) <= {"RS256", "ES256", "PS256", "EdDSA"}:
            raise ValueError("only asymmetric signing algorithms are allowed")
