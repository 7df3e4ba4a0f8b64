"""The domain `ToolContext` for one MCP request: the caller's principal, progress notifications for
the request's `progressToken` and log notifications, both on the request's own response stream
(so a 2025-11-25 client that resumes the stream gets them replayed); sampling and elicitation
requests to the client on that same stream; and closing that stream early (SEP-1699 polling)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Final, get_args

import mcp_types as types
from mcp.server.connection import allowed_log_levels
from mcp.server.context import ServerRequestContext

from remotemcp.app.mcp import interaction
from remotemcp.app.mcp.principal import ANONYMOUS, principal_in
from remotemcp.domain.tools.context import AuthPrincipal
from remotemcp.domain.tools.interaction import ElicitationResult, SamplingMessage, SamplingResult

LEVELS: Final[tuple[types.LoggingLevel, ...]] = get_args(types.LoggingLevel)
_ALIASES: Final[dict[str, types.LoggingLevel]] = {"warn": "warning", "fatal": "critical", "err": "error"}


def wire_level(level: str) -> types.LoggingLevel:
    """RFC 5424 severities as MCP names them; Python's names (any case) map onto them."""
    name = level.strip().lower()
    for known in LEVELS:
        if known == name:
            return known
    return _ALIASES.get(name, "info")


def session_id_of(ctx: ServerRequestContext[Any, Any]) -> str | None:
    headers = getattr(ctx.request, "headers", None)
    value = headers.get("mcp-session-id") if headers is not None else None
    return value if isinstance(value, str) else None


def principal_of(ctx: ServerRequestContext[Any, Any]) -> AuthPrincipal | None:
    scope = getattr(ctx.request, "scope", None)
    return principal_in(scope) if isinstance(scope, dict) else None


class SessionLogLevels:
    """The minimum level each 2025-11-25 session asked for with `logging/setLevel`. Bounded: the
    oldest sessions' choices are forgotten first (they fall back to sending everything)."""

    def __init__(self, max_sessions: int = 10_000) -> None:
        self._levels: OrderedDict[str, types.LoggingLevel] = OrderedDict()
        self._max = max_sessions
        self._lock = threading.Lock()

    def set(self, session_id: str, level: types.LoggingLevel) -> None:
        with self._lock:
            self._levels[session_id] = level
            self._levels.move_to_end(session_id)
            while len(self._levels) > self._max:
                self._levels.popitem(last=False)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._levels.pop(session_id, None)

    def allows(self, session_id: str | None, level: types.LoggingLevel) -> bool:
        if session_id is None:
            return True
        with self._lock:
            minimum = self._levels.get(session_id)
        return minimum is None or LEVELS.index(level) >= LEVELS.index(minimum)


class RequestToolContext:
    """Implements `remotemcp.domain.tools.ToolContext` over the SDK's request context."""

    def __init__(
        self,
        ctx: ServerRequestContext[Any, Any],
        *,
        source: str,
        log_levels: SessionLogLevels,
    ) -> None:
        self._ctx = ctx
        self._source = source
        self._log_levels = log_levels
        self._principal = principal_of(ctx) or ANONYMOUS

    @property
    def principal(self) -> AuthPrincipal:
        return self._principal

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        # A no-op when the request carried no progressToken, as the spec wants.
        await self._ctx.session.report_progress(progress, total, message)

    async def log(self, level: str, message: str) -> None:
        wire = wire_level(level)
        # 2026-07-28: only what this request opted into through `_meta`; 2025-11-25: all levels,
        # filtered by the session's `logging/setLevel`.
        if wire not in allowed_log_levels(self._ctx.protocol_version, self._ctx.meta):
            return
        if not self._log_levels.allows(session_id_of(self._ctx), wire):
            return
        notification = types.LoggingMessageNotification(
            params=types.LoggingMessageNotificationParams(level=wire, data=message, logger=self._source)
        )
        await self._ctx.session.send_notification(notification, related_request_id=self._ctx.request_id)

    async def sample(
        self,
        messages: str | Sequence[SamplingMessage],
        *,
        max_tokens: int,
        system_prompt: str | None = None,
        temperature: float | None = None,
        stop_sequences: Sequence[str] = (),
    ) -> SamplingResult:
        return await interaction.sample(
            self._ctx,
            messages,
            max_tokens=max_tokens,
            system_prompt=system_prompt,
            temperature=temperature,
            stop_sequences=stop_sequences,
        )

    async def elicit(self, message: str, requested_schema: Mapping[str, Any]) -> ElicitationResult:
        return await interaction.elicit(self._ctx, message, requested_schema)

    async def close_sse_stream(self) -> bool:
        # The SDK hands the callback only where the client can resume: an event store is
        # configured and the request declared 2025-11-25 or later (it then got a priming event).
        close = self._ctx.close_sse_stream
        if close is None:
            return False
        await close()
        return True
