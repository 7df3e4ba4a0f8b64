"""What a running tool may ask of the client through its `ToolContext`: an LLM completion
(sampling) or a form for the user to fill in (elicitation). Plain data; the application maps it
to and from the protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from remotemcp.domain.tools.content import AudioContent, ImageContent, TextContent

Role = Literal["user", "assistant"]
SamplingContent = TextContent | ImageContent | AudioContent
ElicitationAction = Literal["accept", "decline", "cancel"]


class ClientFeatureUnavailable(Exception):
    """The client cannot serve this request: it did not declare the capability, or the
    connection has no channel for server-initiated requests (JSON responses, the stateless
    2026-07-28 exchange). Raised from a tool, it becomes the tool's error result."""


@dataclass(frozen=True, slots=True)
class SamplingMessage:
    role: Role
    content: SamplingContent

    @classmethod
    def user(cls, content: str | SamplingContent) -> SamplingMessage:
        return cls("user", TextContent(content) if isinstance(content, str) else content)

    @classmethod
    def assistant(cls, content: str | SamplingContent) -> SamplingMessage:
        return cls("assistant", TextContent(content) if isinstance(content, str) else content)


@dataclass(frozen=True, slots=True)
class SamplingResult:
    """The client's completion: one message from the model it chose."""

    role: Role
    content: SamplingContent
    model: str
    stop_reason: str | None = None

    @property
    def text(self) -> str | None:
        return self.content.text if isinstance(self.content, TextContent) else None


@dataclass(frozen=True, slots=True)
class ElicitationResult:
    """What the user did with the form; `content` holds the submitted values when accepted."""

    action: ElicitationAction
    content: Mapping[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.action == "accept"
