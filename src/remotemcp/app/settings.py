"""Settings: environment variables prefixed `REMOTEMCP_`, optionally a TOML or JSON file named by
`REMOTEMCP_CONFIG_FILE`. Inconsistent settings fail at start-up with a message naming the field."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from remotemcp.domain.policy import DEFAULT_SCOPES

PROFILES = ("memory",)
"""Storage profiles this build can wire. SQL profiles slot in here without touching the domain."""


class PreregisteredClientSettings(BaseModel):
    client_id: str
    redirect_uris: list[str]
    client_secret: SecretStr | None = None
    client_name: str | None = None
    token_endpoint_auth_method: Literal["none", "client_secret_basic", "client_secret_post"] | None = None
    scopes: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REMOTEMCP_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    public_url: str = "http://127.0.0.1:8000"
    """Where clients reach this server. Issuer and canonical resource URI derive from it, never
    from a request's Host header."""
    mcp_path: str = "/mcp"
    profile: str = "memory"
    server_name: str = "remotemcp"

    allowed_origins: list[str] = Field(default_factory=list)
    """Browser origins allowed by CORS and by the MCP endpoint's Origin check."""
    allowed_hosts: list[str] = Field(default_factory=list)
    """Host headers accepted besides the public URL's host (e.g. `127.0.0.1:*` behind a proxy)."""

    scopes_supported: list[str] = Field(default_factory=lambda: sorted(DEFAULT_SCOPES))
    default_scopes: list[str] = Field(default_factory=lambda: ["mcp"])
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    refresh_family_max_lifetime: int = 90 * 24 * 3600
    refresh_grace_seconds: int = 5
    signing_alg: Literal["RS256", "ES256"] = "RS256"

    registration_enabled: bool = True
    registration_allow_confidential: bool = True
    metadata_documents_enabled: bool = True

    claude_client_id: str = "claude"
    claude_client_secret: SecretStr | None = None
    """Enables the pre-registered Claude client; never written in source."""
    clients: list[PreregisteredClientSettings] = Field(default_factory=list)

    admin_username: str | None = None
    admin_password: SecretStr | None = None
    """The first user, created at start-up when the user store is empty."""

    login_max_failures: int = 5
    login_lockout_seconds: int = 900

    browser_session_ttl: int = Field(default=12 * 3600, gt=0)
    """Seconds a sign-in at the login page lasts (the session cookie's lifetime)."""
    csrf_secret: SecretStr | None = Field(default=None, min_length=32)
    """Key that signs the CSRF tokens of the login, consent and logout forms. Unset: a random key
    per process, so forms open across a restart must be reloaded; set it when several replicas
    serve the pages."""
    sse_retry_ms: int | None = Field(default=1000, gt=0)
    """The `retry` hint (milliseconds) in the priming event of every resumable SSE stream
    (MCP 2025-11-25, SEP-1699): how long a client waits before reconnecting after the server closes
    a stream early. None sends no hint."""

    mcp_required_scopes: list[str] = Field(default_factory=lambda: ["mcp"])
    """Scopes every request to the MCP endpoint needs, whatever it asks for; a valid token without
    them is answered 403 `insufficient_scope`. A subset of `scopes_supported`."""
    max_sessions_per_principal: int = Field(default=32, gt=0)
    """Concurrent 2025-11-25 sessions one principal (client, issuer, subject) may hold open; the
    next initialize is answered 429 until one of them ends."""
    mcp_session_idle_timeout: int = Field(default=1800, gt=0)
    """Seconds a 2025-11-25 session lives without any request in flight before the server ends it."""

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("public_url must be an absolute http(s) URL, e.g. https://mcp.example.com")
        if parts.query or parts.fragment:
            raise ValueError("public_url must not have a query or fragment")
        if parts.scheme == "http" and parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError("public_url must use https unless it is a loopback address (use a TLS proxy)")
        return value.rstrip("/")

    @field_validator("mcp_path")
    @classmethod
    def _mcp_path(cls, value: str) -> str:
        if not value.startswith("/") or value == "/" or value.endswith("/"):
            raise ValueError("mcp_path must start with '/' and name a path, e.g. /mcp")
        return value

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        if value not in PROFILES:
            raise ValueError(f"unknown profile {value!r}; choose one of: {', '.join(PROFILES)}")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
                raise ValueError(f"allowed origin {origin!r} must look like https://host[:port]")
        return [o.rstrip("/") for o in value]

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not set(self.default_scopes) <= set(self.scopes_supported):
            raise ValueError("default_scopes must be a subset of scopes_supported")
        if not set(self.mcp_required_scopes) <= set(self.scopes_supported):
            raise ValueError("mcp_required_scopes must be a subset of scopes_supported")
        if (self.admin_username is None) != (self.admin_password is None):
            raise ValueError("admin_username and admin_password go together")
        if self.claude_client_secret is not None and len(self.claude_client_secret.get_secret_value()) < 32:
            raise ValueError("claude_client_secret must be at least 32 characters")
        for name in ("access_token_ttl", "refresh_token_ttl", "refresh_family_max_lifetime"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        return self

    @property
    def issuer(self) -> str:
        return self.public_url

    @property
    def resource(self) -> str:
        """The canonical URI of the MCP endpoint (RFC 8707 / MCP authorization §Canonical URI)."""
        return self.public_url + self.mcp_path

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _ConfigFileSource(settings_cls))


class _ConfigFileSource(PydanticBaseSettingsSource):
    """Reads the file named by REMOTEMCP_CONFIG_FILE (TOML or JSON); environment variables win."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("REMOTEMCP_CONFIG_FILE")
        if not path:
            return {}
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read config file {path}: {exc.strerror}") from exc
        try:
            data: Any = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            kind = "JSON" if file.suffix == ".json" else "TOML"
            raise ValueError(f"config file {path} is not valid {kind}: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"config file {path} must hold a table/object at the top level")
        return data
