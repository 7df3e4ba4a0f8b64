"""A hand-written ToolContext that records what tools ask of it."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from remotemcp.domain.tools import (
    AuthPrincipal,
    ElicitationResult,
    SamplingMessage,
    SamplingResult,
    TextContent,
)


@dataclass
class RecordingContext:
    principal: AuthPrincipal = field(
        default_factory=lambda: AuthPrincipal(
            subject="user-1", client_id="client-1", scopes=frozenset({"mcp"})
        )
    )
    progress: list[tuple[float, float | None, str | None]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    samples: list[tuple[list[SamplingMessage], int]] = field(default_factory=list)
    sample_reply: str = "sampled"
    elicitations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    elicit_reply: ElicitationResult = field(default_factory=lambda: ElicitationResult("decline"))
    can_close_stream: bool = False
    streams_closed: int = 0

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        self.progress.append((progress, total, message))

    async def log(self, level: str, message: str) -> None:
        self.logs.append((level, message))

    async def sample(
        self,
        messages: str | Sequence[SamplingMessage],
        *,
        max_tokens: int,
        system_prompt: str | None = None,
        temperature: float | None = None,
        stop_sequences: Sequence[str] = (),
    ) -> SamplingResult:
        listed = [SamplingMessage.user(messages)] if isinstance(messages, str) else list(messages)
        self.samples.append((listed, max_tokens))
        return SamplingResult("assistant", TextContent(self.sample_reply), model="fake-model")

    async def elicit(self, message: str, requested_schema: Mapping[str, Any]) -> ElicitationResult:
        self.elicitations.append((message, dict(requested_schema)))
        return self.elicit_reply

    async def close_sse_stream(self) -> bool:
        if self.can_close_stream:
            self.streams_closed += 1
        return self.can_close_stream
