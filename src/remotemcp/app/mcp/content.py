"""The registry's plain content dataclasses as the SDK's protocol types (`mcp_types`)."""

from __future__ import annotations

import base64

import mcp_types as types

from remotemcp.domain.tools import content as domain
from remotemcp.domain.tools.prompts import PromptMessage


def b64_text(data: bytes) -> str:
    """Binary content as the protocol carries it: standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def resource_contents(
    item: domain.ResourceContents,
) -> types.TextResourceContents | types.BlobResourceContents:
    if isinstance(item, domain.TextResourceContents):
        return types.TextResourceContents(uri=item.uri, text=item.text, mime_type=item.mime_type)
    return types.BlobResourceContents(uri=item.uri, blob=b64_text(item.blob), mime_type=item.mime_type)


def content_block(block: domain.ContentBlock) -> types.ContentBlock:
    if isinstance(block, domain.TextContent):
        return types.TextContent(text=block.text)
    if isinstance(block, domain.ImageContent):
        return types.ImageContent(data=b64_text(block.data), mime_type=block.mime_type)
    if isinstance(block, domain.AudioContent):
        return types.AudioContent(data=b64_text(block.data), mime_type=block.mime_type)
    return types.EmbeddedResource(resource=resource_contents(block.resource))


def prompt_message(message: PromptMessage) -> types.PromptMessage:
    return types.PromptMessage(role=message.role, content=content_block(message.content))
