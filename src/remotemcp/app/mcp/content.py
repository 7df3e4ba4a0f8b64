"""The registry's plain content dataclasses as the SDK's protocol types (`mcp_types`)."""

from __future__ import annotations

import base64

import mcp_types as types

from remotemcp.domain.tools import content as domain
from remotemcp.domain.tools.prompts import PromptMessage


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def resource_contents(
    item: domain.ResourceContents,
) -> types.TextResourceContents | types.BlobResourceContents:
    if isinstance(item, domain.TextResourceContents):
        return types.TextResourceContents(uri=item.uri, text=item.text, mime_type=item.mime_type)
    return types.BlobResourceContents(uri=item.uri, blob=_b64(item.blob), mime_type=item.mime_type)


def content_block(block: domain.ContentBlock) -> types.ContentBlock:
    if isinstance(block, domain.TextContent):
        return types.TextContent(text=block.text)
    if isinstance(block, domain.ImageContent):
        return types.ImageContent(data=_b64(block.data), mime_type=block.mime_type)
    if isinstance(block, domain.AudioContent):
        return types.AudioContent(data=_b64(block.data), mime_type=block.mime_type)
    return types.EmbeddedResource(resource=resource_contents(block.resource))


def prompt_message(message: PromptMessage) -> types.PromptMessage:
    return types.PromptMessage(role=message.role, content=content_block(message.content))
