"""What a tool may ask of the server while it runs, injected rather than passed by the client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


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
