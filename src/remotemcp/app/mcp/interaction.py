"""Sampling and elicitation requests from a running tool to the client, over the SDK's public
`ServerSession.send_request`, on the tool call's own response stream (`related_request_id`): a
request sent on the standalone GET stream is lost when the client has not opened one yet."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.shared.message import ServerMessageMetadata

from remotemcp.app.mcp.content import b64_text
from remotemcp.domain.tools import content as domain
from remotemcp.domain.tools.interaction import (
    ClientFeatureUnavailable,
    ElicitationResult,
    SamplingContent,
    SamplingMessage,
    SamplingResult,
)


def _to_wire(content: SamplingContent) -> types.TextContent | types.ImageContent | types.AudioContent:
    if isinstance(content, domain.TextContent):
        return types.TextContent(text=content.text)
    if isinstance(content, domain.ImageContent):
        return types.ImageContent(data=b64_text(content.data), mime_type=content.mime_type)
    return types.AudioContent(data=b64_text(content.data), mime_type=content.mime_type)


def _from_wire(content: Any) -> SamplingContent:
    if isinstance(content, types.TextContent):
        return domain.TextContent(content.text)
    if isinstance(content, types.ImageContent):
        return domain.ImageContent(base64.b64decode(content.data), content.mime_type)
    if isinstance(content, types.AudioContent):
        return domain.AudioContent(base64.b64decode(content.data), content.mime_type)
    raise ClientFeatureUnavailable(f"the client answered with {type(content).__name__} content")


def _declares(capabilities: types.ClientCapabilities | None, what: str) -> bool:
    if capabilities is None:
        return False
    if what == "sampling":
        return capabilities.sampling is not None
    elicitation = capabilities.elicitation
    # An empty `elicitation: {}` means form mode (2025-06-18 clients declare nothing finer).
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _require(ctx: ServerRequestContext[Any, Any], what: str) -> None:
    session = ctx.session
    if not _declares(session.client_capabilities, what):
        raise ClientFeatureUnavailable(f"the client did not declare the {what} capability")
    if ctx.request_id is None or not session.can_send_request:
        raise ClientFeatureUnavailable(f"this connection cannot carry a {what} request to the client")


def _metadata(ctx: ServerRequestContext[Any, Any]) -> ServerMessageMetadata:
    return ServerMessageMetadata(related_request_id=ctx.request_id)


async def sample(
    ctx: ServerRequestContext[Any, Any],
    messages: str | Sequence[SamplingMessage],
    *,
    max_tokens: int,
    system_prompt: str | None,
    temperature: float | None,
    stop_sequences: Sequence[str],
) -> SamplingResult:
    _require(ctx, "sampling")
    listed = [SamplingMessage.user(messages)] if isinstance(messages, str) else list(messages)
    request = types.CreateMessageRequest(
        params=types.CreateMessageRequestParams(
            messages=[types.SamplingMessage(role=m.role, content=_to_wire(m.content)) for m in listed],
            max_tokens=max_tokens,
            system_prompt=system_prompt,
            temperature=temperature,
            stop_sequences=list(stop_sequences) or None,
        )
    )
    result = await ctx.session.send_request(request, types.CreateMessageResult, metadata=_metadata(ctx))
    return SamplingResult(
        role=result.role,
        content=_from_wire(result.content),
        model=result.model,
        stop_reason=result.stop_reason,
    )


async def elicit(
    ctx: ServerRequestContext[Any, Any], message: str, requested_schema: Mapping[str, Any]
) -> ElicitationResult:
    _require(ctx, "elicitation")
    request = types.ElicitRequest(
        params=types.ElicitRequestFormParams(message=message, requested_schema=dict(requested_schema))
    )
    result = await ctx.session.send_request(request, types.ElicitResult, metadata=_metadata(ctx))
    return ElicitationResult(action=result.action, content=dict(result.content or {}))
