"""RFC 6750 §3 bearer challenges with the RFC 9728 `resource_metadata` hint, as the MCP
authorization spec wants them on 401 and 403 answers from the MCP endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.responses import Response

from remotemcp.app.http.metadata import protected_resource_metadata_url
from remotemcp.app.settings import Settings

_UNSAFE = str.maketrans({'"': "'", "\\": "/", "\r": " ", "\n": " "})


def resource_metadata_url(settings: Settings) -> str:
    """RFC 9728 §3.1: the well-known path is inserted between the host and the resource's own
    path; the same URL the metadata routes serve."""
    return protected_resource_metadata_url(settings)


def _quoted(value: str) -> str:
    # RFC 6750 §3: quoted-string values; descriptions come from our own code, but never let one
    # break the header's syntax.
    return '"' + value.translate(_UNSAFE) + '"'


def format_scope(scopes: Iterable[str]) -> str:
    return " ".join(sorted(set(scopes)))


@dataclass(frozen=True, slots=True)
class Challenge:
    status_code: int
    resource_metadata: str
    error: str | None = None
    description: str | None = None
    scope: str | None = None
    note: str | None = None
    """Said in the body only: RFC 6750 §3.1 wants no error information in a challenge to a request
    that carried no credentials."""

    def header(self) -> str:
        params: list[tuple[str, str]] = []
        if self.error is not None:
            params.append(("error", self.error))
        if self.description:
            params.append(("error_description", self.description))
        if self.scope:
            params.append(("scope", self.scope))
        params.append(("resource_metadata", self.resource_metadata))
        return "Bearer " + ", ".join(f"{name}={_quoted(value)}" for name, value in params)

    def body(self) -> bytes:
        document: dict[str, str] = {}
        if self.error is not None:
            document["error"] = self.error
        if self.description or self.note:
            document["error_description"] = self.description or self.note or ""
        if self.scope:
            document["scope"] = self.scope
        document["resource_metadata"] = self.resource_metadata
        return json.dumps(document).encode()

    def response(self) -> Response:
        return Response(
            self.body(),
            status_code=self.status_code,
            media_type="application/json",
            headers={"WWW-Authenticate": self.header(), "Cache-Control": "no-store"},
        )


def token_required(settings: Settings) -> Challenge:
    """RFC 6750 §3.1: a request without credentials gets no error code, only where to go and what
    to ask for: the scopes every request to the endpoint needs (the default scopes when none is
    required)."""
    return Challenge(
        status_code=401,
        resource_metadata=resource_metadata_url(settings),
        scope=format_scope(settings.mcp_required_scopes or settings.default_scopes),
        note="this endpoint needs a bearer access token",
    )


def invalid_token(settings: Settings, description: str) -> Challenge:
    return Challenge(
        status_code=401,
        resource_metadata=resource_metadata_url(settings),
        error="invalid_token",
        description=description,
    )


def insufficient_scope(settings: Settings, required: frozenset[str], granted: frozenset[str]) -> Challenge:
    """MCP authorization §Scope challenge: name what the call needs plus what the token already
    holds, so the step-up authorization does not lose earlier grants."""
    missing = required - granted
    return Challenge(
        status_code=403,
        resource_metadata=resource_metadata_url(settings),
        error="insufficient_scope",
        description=f"this call needs the scopes: {format_scope(missing)}",
        scope=format_scope(required | granted),
    )
