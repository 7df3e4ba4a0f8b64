"""Content items: what tools return for the model to read, what prompts say, what resources hold.

Plain data; the application converts them to the MCP SDK's types. Binary payloads are raw bytes
here; base64 is the wire's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeGuard


@dataclass(frozen=True, slots=True)
class TextResourceContents:
    uri: str
    text: str
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class BlobResourceContents:
    uri: str
    blob: bytes
    mime_type: str | None = None


ResourceContents = TextResourceContents | BlobResourceContents


@dataclass(frozen=True, slots=True)
class TextContent:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ImageContent:
    data: bytes
    mime_type: str
    type: Literal["image"] = "image"


@dataclass(frozen=True, slots=True)
class AudioContent:
    data: bytes
    mime_type: str
    type: Literal["audio"] = "audio"


@dataclass(frozen=True, slots=True)
class EmbeddedResource:
    resource: ResourceContents
    type: Literal["resource"] = "resource"


ContentBlock = TextContent | ImageContent | AudioContent | EmbeddedResource

CONTENT_TYPES: tuple[type, ...] = (TextContent, ImageContent, AudioContent, EmbeddedResource)


def is_content_block(value: object) -> TypeGuard[ContentBlock]:
    return isinstance(value, CONTENT_TYPES)
