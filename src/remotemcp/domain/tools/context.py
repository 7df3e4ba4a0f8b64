"""What a tool may ask of the server (and, through it, of the client) while it runs, injected rather
than passed by the client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from remotemcp.domain.tools.interaction import ElicitationResult, SamplingMessage, SamplingResult


@dataclass(frozen=True, slots=True)
class AuthPrincipal:
    """Who is calling: the verified access token's subject, client and granted scopes."""

    subject: str
    client_id: str
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has_scopes(self, required: frozenset[str]) -> bool:
        return required <= self.scopes


class ToolContext(Protocol):
    """Handed to a tool, resource or prompt function whose parameter is annotated `ToolContext`.

    Such parameters never appear in the input schema; the application supplies the object at call
    time (`call(arguments, context=...)`).
    """

    @property
    def principal(self) -> AuthPrincipal: ...

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None: ...

    async def log(self, level: str, message: str) -> None: ...

    async def sample(
        self,
        messages: str | Sequence[SamplingMessage],
        *,
        max_tokens: int,
        system_prompt: str | None = None,
        temperature: float | None = None,
        stop_sequences: Sequence[str] = (),
    ) -> SamplingResult:
        """Ask the client's model for a completion (a str is one user message). Raises
        `ClientFeatureUnavailable` when the client cannot sample on this connection."""
        ...

    async def elicit(self, message: str, requested_schema: Mapping[str, Any]) -> ElicitationResult:
        """Ask the user, through the client, to fill in a form described by a flat JSON Schema
        object. Raises `ClientFeatureUnavailable` when the client cannot show one."""
        ...

    async def close_sse_stream(self) -> bool:
        """End this request's response stream now without ending the request; the client
        reconnects and receives what follows from the server's event store. False, and nothing
        happens, where the connection cannot resume (no event store, an older protocol revision,
        JSON responses, stateless exchanges)."""
        ...
