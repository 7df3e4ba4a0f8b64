"""Prompts: a function whose parameters are the prompt's arguments and whose result is messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from remotemcp.domain.tools.arguments import ArgumentModel, ParameterInfo
from remotemcp.domain.tools.callables import (
    RunSync,
    callable_name,
    docstring_summary,
    invoke,
    is_async_callable,
    read_signature,
)
from remotemcp.domain.tools.content import ContentBlock, TextContent, is_content_block
from remotemcp.domain.tools.context import ToolContext
from remotemcp.domain.tools.errors import InvalidDefinition, InvalidOutput
from remotemcp.domain.tools.interaction import Role
from remotemcp.domain.tools.naming import validate_scopes

PromptArgument = ParameterInfo


@dataclass(frozen=True, slots=True)
class PromptMessage:
    role: Role
    content: ContentBlock

    @classmethod
    def user(cls, content: str | ContentBlock) -> PromptMessage:
        return cls("user", TextContent(content) if isinstance(content, str) else content)

    @classmethod
    def assistant(cls, content: str | ContentBlock) -> PromptMessage:
        return cls("assistant", TextContent(content) if isinstance(content, str) else content)


def _message(item: Any, owner: str) -> PromptMessage:
    if isinstance(item, PromptMessage):
        return item
    if isinstance(item, str) or is_content_block(item):
        return PromptMessage.user(item)
    raise InvalidOutput(f"{owner} returned {type(item).__name__}; expected str, PromptMessage or content")


def _messages(value: Any, owner: str) -> list[PromptMessage]:
    if isinstance(value, list | tuple):
        return [_message(item, owner) for item in value]
    return [_message(value, owner)]


class Prompt:
    """A registered prompt. Argument values arrive as strings and are validated (and converted) by type."""

    __slots__ = ("_arguments", "description", "fn", "is_async", "name", "required_scopes", "title")

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
    ) -> None:
        fn_name = callable_name(fn)
        chosen = name if name is not None else fn_name
        if not chosen:
            raise InvalidDefinition(f"{fn!r} has no __name__; give the prompt a name")
        self.name = chosen
        self.fn = fn
        self.title = title
        self.description = description if description is not None else docstring_summary(fn)
        self.required_scopes = validate_scopes(scopes)
        self.is_async = is_async_callable(fn)
        owner = f"prompt {chosen!r}"
        self._arguments = ArgumentModel(
            read_signature(fn, owner), owner=owner, model_name=f"{fn_name or 'prompt'}Arguments"
        )

    def __repr__(self) -> str:
        return f"Prompt({self.name!r})"

    @property
    def arguments(self) -> tuple[PromptArgument, ...]:
        return self._arguments.parameters

    def describe(self) -> dict[str, Any]:
        """The MCP `Prompt` as a plain dict."""
        definition: dict[str, Any] = {"name": self.name}
        if self.title is not None:
            definition["title"] = self.title
        if self.description is not None:
            definition["description"] = self.description
        arguments = []
        for argument in self.arguments:
            entry: dict[str, Any] = {"name": argument.name, "required": argument.required}
            if argument.description is not None:
                entry["description"] = argument.description
            arguments.append(entry)
        definition["arguments"] = arguments
        return definition

    async def render(
        self,
        arguments: Mapping[str, str] | None,
        context: ToolContext | None = None,
        *,
        run_sync: RunSync | None = None,
    ) -> list[PromptMessage]:
        """Validate the arguments (InvalidArguments), call the function, return its messages.

        A str becomes one user message; a list may mix str, content items and PromptMessages.
        """
        values = self._arguments.validate(arguments)
        args, kwargs = self._arguments.bind(values, context)
        value = await invoke(self.fn, args, kwargs, is_async=self.is_async, run_sync=run_sync)
        return _messages(value, f"prompt {self.name!r}")
