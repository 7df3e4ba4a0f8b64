"""The fixtures the official MCP conformance suite (`@modelcontextprotocol/conformance`, `server`
command) calls, as a RemoteMCP registry. Serve it like any other:

    app = create_app(settings, conformance_registry())

Each fixture returns what the suite's scenario describes (tools `test_*`, `json_schema_2020_12_tool`,
resources under `test://`, prompts `test_*`, completion of `test_prompt_with_arguments`).
`test_update_watched_resource` is not called by the suite: it changes `test://watched-resource`
so a subscribed client sees `notifications/resources/updated`.
"""

from __future__ import annotations

import asyncio
import io
import json
import struct
import wave
import zlib
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict

from remotemcp.domain.tools import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    TextContent,
    TextResourceContents,
    ToolContext,
    ToolRegistry,
)

WATCHED_URI = "test://watched-resource"
STEP_DELAY = 0.05
"""Seconds between a tool's notifications, so they arrive as separate events."""

_SUGGESTIONS = ("paris", "park", "party", "test", "testValue1", "testValue2")


def one_pixel_png() -> bytes:
    """A valid 1x1 red PNG, built rather than pasted."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, then one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def silent_wav() -> bytes:
    """A valid WAV file: 10 ms of 8 kHz, 16-bit mono silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 80)
    return buffer.getvalue()


PNG = one_pixel_png()
WAV = silent_wav()

CONTACT_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "username": {"type": "string", "description": "User's response"},
        "email": {"type": "string", "description": "User's email address"},
    },
    "required": ["username", "email"],
}

DEFAULTS_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "User name", "default": "John Doe"},
        "age": {"type": "integer", "description": "User age", "default": 30},
        "score": {"type": "number", "description": "User score", "default": 95.5},
        "status": {
            "type": "string",
            "description": "User status",
            "enum": ["active", "inactive", "pending"],
            "default": "active",
        },
        "verified": {"type": "boolean", "description": "Verification status", "default": True},
    },
}


def _titled(prefix: str, titles: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"const": f"{prefix}{n}", "title": title} for n, title in enumerate(titles, start=1)]


ENUMS_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "untitledSingle": {
            "type": "string",
            "description": "Pick one (untitled)",
            "enum": ["option1", "option2", "option3"],
        },
        "titledSingle": {
            "type": "string",
            "description": "Pick one (titled)",
            "oneOf": _titled("value", ("First Option", "Second Option", "Third Option")),
        },
        "legacyEnum": {
            "type": "string",
            "description": "Pick one (legacy enumNames)",
            "enum": ["opt1", "opt2", "opt3"],
            "enumNames": ["Option One", "Option Two", "Option Three"],
        },
        "untitledMulti": {
            "type": "array",
            "description": "Pick several (untitled)",
            "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
        },
        "titledMulti": {
            "type": "array",
            "description": "Pick several (titled)",
            "items": {"anyOf": _titled("value", ("First Choice", "Second Choice", "Third Choice"))},
        },
    },
}

JSON_SCHEMA_2020_12: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
    },
    "additionalProperties": False,
}


class Address(TypedDict, total=False):
    street: str
    city: str


def _answer(action: str, content: Mapping[str, Any]) -> str:
    return f"action={action}, content={json.dumps(dict(content), sort_keys=True)}"


def conformance_registry() -> ToolRegistry:  # noqa: PLR0915 - one flat list of fixtures reads best
    registry = ToolRegistry()
    watched = {"text": "Watched resource content"}

    # -- tools ---------------------------------------------------------------------------------

    @registry.tool(structured_output=False)
    def test_simple_text() -> str:
        """Returns one text content item."""
        return "This is a simple text response for testing."

    @registry.tool
    def test_image_content() -> ImageContent:
        """Returns a PNG image (one red pixel)."""
        return ImageContent(PNG, "image/png")

    @registry.tool
    def test_audio_content() -> AudioContent:
        """Returns a WAV audio clip (10 ms of silence)."""
        return AudioContent(WAV, "audio/wav")

    @registry.tool
    def test_embedded_resource() -> EmbeddedResource:
        """Returns an embedded text resource."""
        return EmbeddedResource(
            TextResourceContents(
                "test://embedded-resource", "This is an embedded resource content.", "text/plain"
            )
        )

    @registry.tool
    def test_multiple_content_types() -> list[TextContent | ImageContent | EmbeddedResource]:
        """Returns text, an image and an embedded resource together."""
        return [
            TextContent("Multiple content types test:"),
            ImageContent(PNG, "image/png"),
            EmbeddedResource(
                TextResourceContents(
                    "test://mixed-content-resource",
                    json.dumps({"test": "data", "value": 123}),
                    "application/json",
                )
            ),
        ]

    @registry.tool(structured_output=False)
    async def test_tool_with_logging(context: ToolContext) -> str:
        """Sends three info log messages while it runs."""
        await context.log("info", "Tool execution started")
        await asyncio.sleep(STEP_DELAY)
        await context.log("info", "Tool processing data")
        await asyncio.sleep(STEP_DELAY)
        await context.log("info", "Tool execution completed")
        return "Tool with logging executed successfully"

    @registry.tool(structured_output=False)
    def test_error_handling() -> str:
        """Always fails, so the client sees a tool error result."""
        raise RuntimeError("This tool intentionally returns an error for testing")

    @registry.tool(structured_output=False)
    async def test_tool_with_progress(context: ToolContext) -> str:
        """Reports progress 0, 50 and 100 of 100."""
        for step in (0, 50, 100):
            if step:
                await asyncio.sleep(STEP_DELAY)
            await context.report_progress(step, 100, f"Completed step {step} of 100")
        return "Tool with progress executed successfully"

    @registry.tool(structured_output=False)
    async def test_sampling(
        prompt: Annotated[str, "The prompt to send to the LLM"], context: ToolContext
    ) -> str:
        """Asks the client's LLM to answer the prompt (sampling/createMessage)."""
        result = await context.sample(prompt, max_tokens=100)
        return f"LLM response: {result.text if result.text is not None else '(no text)'}"

    @registry.tool(structured_output=False)
    async def test_elicitation(
        message: Annotated[str, "The message to show the user"], context: ToolContext
    ) -> str:
        """Asks the user for a username and an email address (elicitation/create)."""
        result = await context.elicit(message, CONTACT_FORM)
        return "User response: " + _answer(result.action, result.content)

    @registry.tool(structured_output=False)
    async def test_elicitation_sep1034_defaults(context: ToolContext) -> str:
        """Elicits a form whose every primitive field has a default value (SEP-1034)."""
        result = await context.elicit("Please provide user information", DEFAULTS_FORM)
        return "Elicitation completed: " + _answer(result.action, result.content)

    @registry.tool(structured_output=False)
    async def test_elicitation_sep1330_enums(context: ToolContext) -> str:
        """Elicits a form with all five enum shapes of SEP-1330."""
        result = await context.elicit("Please pick values of every enum kind", ENUMS_FORM)
        return "Elicitation completed: " + _answer(result.action, result.content)

    @registry.tool(name="json_schema_2020_12_tool", structured_output=False, input_schema=JSON_SCHEMA_2020_12)
    def json_schema_2020_12_tool(name: str | None = None, address: Address | None = None) -> str:
        """Tool with JSON Schema 2020-12 features ($schema, $defs, additionalProperties)."""
        return json.dumps({"name": name, "address": address}, sort_keys=True)

    @registry.tool(structured_output=False)
    async def test_reconnection(context: ToolContext) -> str:
        """Closes its response stream mid-call; the client resumes it with Last-Event-ID (SEP-1699)."""
        await context.log("info", "Before disconnect")
        closed = await context.close_sse_stream()
        # Give the client time to reconnect, so what follows goes out on the resumed stream.
        await asyncio.sleep(0.2)
        await context.log("info", "After reconnect")
        return "Reconnection test completed" + ("" if closed else " (the stream could not be closed)")

    @registry.tool(structured_output=False)
    async def test_update_watched_resource(text: Annotated[str, "The resource's new content"]) -> str:
        """Changes test://watched-resource; subscribed clients are told it was updated."""
        watched["text"] = text
        await registry.resource_updated(WATCHED_URI)
        return f"{WATCHED_URI} updated"

    # -- resources -----------------------------------------------------------------------------

    @registry.resource("test://static-text", mime_type="text/plain")
    def static_text() -> str:
        """A fixed text resource."""
        return "This is the content of the static text resource."

    @registry.resource("test://static-binary", mime_type="image/png")
    def static_binary() -> bytes:
        """A fixed binary resource (a PNG image)."""
        return PNG

    @registry.resource("test://template/{id}/data", mime_type="application/json")
    def template_data(id: str) -> dict[str, Any]:
        """Data for one id, read through a URI template."""
        return {"id": id, "templateTest": True, "data": f"Data for ID: {id}"}

    @registry.resource(WATCHED_URI, mime_type="text/plain")
    def watched_resource() -> str:
        """A resource clients may subscribe to (see test_update_watched_resource)."""
        return watched["text"]

    # -- prompts -------------------------------------------------------------------------------

    @registry.prompt
    def test_simple_prompt() -> str:
        """A prompt without arguments."""
        return "This is a simple prompt for testing."

    @registry.prompt
    def test_prompt_with_arguments(
        arg1: Annotated[str, "First test argument"], arg2: Annotated[str, "Second test argument"]
    ) -> str:
        """A prompt with two required arguments."""
        return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"

    @registry.prompt
    def test_prompt_with_embedded_resource(
        resourceUri: Annotated[str, "URI of the resource to embed"],  # noqa: N803 - the suite's name
    ) -> list[EmbeddedResource | str]:
        """A prompt that embeds a resource."""
        return [
            EmbeddedResource(
                TextResourceContents(resourceUri, "Embedded resource content for testing.", "text/plain")
            ),
            "Please process the embedded resource above.",
        ]

    @registry.prompt
    def test_prompt_with_image() -> list[ImageContent | str]:
        """A prompt that shows an image."""
        return [ImageContent(PNG, "image/png"), "Please analyze the image above."]

    # -- completion ----------------------------------------------------------------------------

    def suggest(value: str, arguments: Mapping[str, str]) -> list[str]:
        return [candidate for candidate in _SUGGESTIONS if candidate.startswith(value)]

    registry.add_completion(suggest, prompt="test_prompt_with_arguments", argument="arg1")
    registry.add_completion(suggest, prompt="test_prompt_with_arguments", argument="arg2")
    return registry
