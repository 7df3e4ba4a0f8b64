"""A hand-written ToolContext that records what tools ask of it."""

from dataclasses import dataclass, field

from remotemcp.domain.tools import AuthPrincipal


@dataclass
class RecordingContext:
    principal: AuthPrincipal = field(
        default_factory=lambda: AuthPrincipal(
            subject="user-1", client_id="client-1", scopes=frozenset({"mcp"})
        )
    )
    progress: list[tuple[float, float | None, str | None]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        self.progress.append((progress, total, message))

    async def log(self, level: str, message: str) -> None:
        self.logs.append((level, message))
