"""Prompts: arguments from the signature, messages from the result."""

from typing import Annotated

import pytest

from remotemcp.domain.errors import InvalidArguments, NotFound
from remotemcp.domain.tools import (
    EmbeddedResource,
    ImageContent,
    InvalidOutput,
    PromptMessage,
    TextContent,
    TextResourceContents,
    ToolRegistry,
)


def _registry() -> ToolRegistry:
    registry = ToolRegistry()

    @registry.prompt(name="review", description="Review some code")
    def review(code: Annotated[str, "The code to review"], language: str = "python") -> str:
        return f"Review this {language}:\n{code}"

    @registry.prompt
    async def conversation(topic: str, turns: int = 1) -> list[PromptMessage | str]:
        """Start a conversation."""
        return [PromptMessage.assistant(f"Let us talk about {topic}"), *(["Go on"] * turns)]

    @registry.prompt(scopes=["images"])
    def picture() -> list[ImageContent | EmbeddedResource]:
        return [ImageContent(b"img", "image/png"), EmbeddedResource(TextResourceContents("test://a", "a"))]

    return registry


async def test_str_result_is_one_user_message() -> None:
    messages = await _registry().get_prompt("review", {"code": "x = 1"})

    assert messages == [PromptMessage("user", TextContent("Review this python:\nx = 1"))]


async def test_string_arguments_are_converted_to_declared_types() -> None:
    messages = await _registry().get_prompt("conversation", {"topic": "tea", "turns": "2"})

    assert messages == [
        PromptMessage("assistant", TextContent("Let us talk about tea")),
        PromptMessage("user", TextContent("Go on")),
        PromptMessage("user", TextContent("Go on")),
    ]


async def test_content_items_become_user_messages() -> None:
    messages = await _registry().get_prompt("picture")

    assert [m.role for m in messages] == ["user", "user"]
    assert messages[0].content == ImageContent(b"img", "image/png")


async def test_missing_and_unknown_arguments_are_invalid() -> None:
    with pytest.raises(InvalidArguments) as raised:
        await _registry().get_prompt("review", {"lang": "go"})

    assert raised.value.problems == ("lang: unexpected argument", "code: missing required argument")


async def test_bad_argument_value_names_the_argument() -> None:
    with pytest.raises(InvalidArguments, match="turns: Input should be a valid integer"):
        await _registry().get_prompt("conversation", {"topic": "t", "turns": "many"})


async def test_unknown_prompt_is_not_found() -> None:
    with pytest.raises(NotFound, match="nope"):
        await _registry().get_prompt("nope", {})


async def test_unusable_result_is_an_output_error() -> None:
    registry = ToolRegistry()
    registry.add_prompt(lambda: 42, name="numbers")

    with pytest.raises(InvalidOutput, match="int"):
        await registry.get_prompt("numbers")


def test_prompt_definitions() -> None:
    registry = _registry()

    assert [p.describe() for p in registry.list_prompts()] == [
        {
            "name": "review",
            "description": "Review some code",
            "arguments": [
                {"name": "code", "description": "The code to review", "required": True},
                {"name": "language", "required": False},
            ],
        },
        {
            "name": "conversation",
            "description": "Start a conversation.",
            "arguments": [{"name": "topic", "required": True}, {"name": "turns", "required": False}],
        },
        {"name": "picture", "arguments": []},
    ]
    assert registry.find_prompt("picture").required_scopes == frozenset({"images"})
