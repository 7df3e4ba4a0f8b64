"""The registry's client interactions wired into the low-level Server, driven in process by the SDK
client (no sockets): sampling, elicitation, completion, resource subscriptions, closing a stream."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, cast

import anyio
import mcp_types as types
import pytest
from mcp.client import Client
from mcp.client.session import ClientRequestContext, IncomingMessage
from mcp.shared.exceptions import MCPError

from remotemcp.app.mcp.server_from_registry import build_server, install_registry, installed_handlers
from remotemcp.domain.tools import ImageContent, SamplingMessage, ToolContext, ToolRegistry
from tests.unit.app.test_mcp_subscriptions import RecordingSession

FORM = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}

pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")


def registry() -> ToolRegistry:
    reg = ToolRegistry()

    @reg.tool
    async def ask(question: str, context: ToolContext) -> str:
        result = await context.sample(
            [SamplingMessage.user(question), SamplingMessage.user(ImageContent(b"\x01\x02", "image/png"))],
            max_tokens=64,
            system_prompt="be brief",
            temperature=0.5,
            stop_sequences=["END"],
        )
        return f"{result.model}/{result.stop_reason}: {result.text}"

    @reg.tool
    async def introduce(context: ToolContext) -> str:
        answer = await context.elicit("Who are you?", FORM)
        return f"{answer.action} {json.dumps(dict(answer.content))}"

    @reg.tool
    async def poll(context: ToolContext) -> str:
        return f"closed={await context.close_sse_stream()}"

    @reg.resource("test://watched")
    def watched() -> str:
        return "content"

    @reg.resource("test://guarded", scopes=["admin"])
    def guarded() -> str:
        return "secret"

    @reg.resource("test://rooms/{room}")
    def room(room: str) -> str:
        return room

    @reg.prompt
    def plan(city: str, day: str = "monday") -> str:
        return f"{city} on {day}"

    @reg.prompt(scopes=["admin"])
    def confess(secret: str) -> str:
        return secret

    def cities(value: str, arguments: Mapping[str, str]) -> list[str]:
        return [c for c in ("paris", "park", "rome") if c.startswith(value)]

    reg.add_completion(cities, prompt="plan", argument="city")
    reg.add_completion(cities, prompt="confess", argument="secret")
    reg.add_completion(
        lambda value, arguments: [f"{arguments.get('floor', '0')}-{value}"],
        resource_template="test://rooms/{room}",
        argument="room",
    )
    return reg


def text_of(result: types.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


async def test_sampling_goes_to_the_client_and_its_answer_comes_back() -> None:
    asked: list[types.CreateMessageRequestParams] = []

    async def sampling(
        context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult:
        asked.append(params)
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(text="42"), model="m-1", stop_reason="endTurn"
        )

    async with Client(build_server(registry()), mode="legacy", sampling_callback=sampling) as client:
        result = await client.call_tool("ask", {"question": "meaning?"})
    assert not result.is_error
    assert text_of(result) == "m-1/endTurn: 42"
    (params,) = asked
    assert (params.max_tokens, params.system_prompt, params.temperature) == (64, "be brief", 0.5)
    assert params.stop_sequences == ["END"]
    first, second = params.messages
    assert isinstance(first.content, types.TextContent) and first.content.text == "meaning?"
    assert isinstance(second.content, types.ImageContent)
    assert base64.b64decode(second.content.data) == b"\x01\x02"


async def test_without_the_capability_sampling_and_elicitation_are_tool_errors() -> None:
    async with Client(build_server(registry()), mode="legacy") as client:
        sampled = await client.call_tool("ask", {"question": "meaning?"})
        elicited = await client.call_tool("introduce", {})
    assert sampled.is_error and text_of(sampled) == "the client did not declare the sampling capability"
    assert elicited.is_error and text_of(elicited) == "the client did not declare the elicitation capability"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (types.ElicitResult(action="accept", content={"name": "Ann"}), 'accept {"name": "Ann"}'),
        (types.ElicitResult(action="decline"), "decline {}"),
    ],
)
async def test_elicitation_shows_the_form_and_returns_what_the_user_did(
    reply: types.ElicitResult, expected: str
) -> None:
    shown: list[types.ElicitRequestParams] = []

    async def elicitation(
        context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        shown.append(params)
        return reply

    async with Client(build_server(registry()), mode="legacy", elicitation_callback=elicitation) as client:
        result = await client.call_tool("introduce", {})
    assert text_of(result) == expected
    (params,) = shown
    assert isinstance(params, types.ElicitRequestFormParams)
    assert (params.message, params.requested_schema) == ("Who are you?", FORM)


async def test_closing_the_stream_is_refused_where_nothing_could_resume_it() -> None:
    async with Client(build_server(registry()), mode="legacy") as client:
        assert text_of(await client.call_tool("poll", {})) == "closed=False"


async def test_completion_and_subscriptions_are_advertised_and_served() -> None:
    async with Client(build_server(registry()), mode="legacy") as client:
        capabilities = client.server_capabilities
        assert capabilities is not None
        assert capabilities.completions is not None
        assert capabilities.resources is not None and capabilities.resources.subscribe is True

        prompt = await client.complete(types.PromptReference(name="plan"), {"name": "city", "value": "pa"})
        assert prompt.completion.values == ["paris", "park"]
        nothing = await client.complete(types.PromptReference(name="plan"), {"name": "day", "value": "m"})
        assert nothing.completion.values == []
        template = await client.complete(
            types.ResourceTemplateReference(uri="test://rooms/{room}"),
            {"name": "room", "value": "12"},
            context_arguments={"floor": "3"},
        )
        assert template.completion.values == ["3-12"]

        with pytest.raises(MCPError) as unknown:
            await client.complete(types.PromptReference(name="nope"), {"name": "x", "value": ""})
        assert unknown.value.code == types.INVALID_PARAMS
        # No principal in process: a scoped prompt's completions fail closed.
        with pytest.raises(MCPError) as scoped:
            await client.complete(types.PromptReference(name="confess"), {"name": "secret", "value": ""})
        assert scoped.value.code == types.INVALID_REQUEST


async def test_subscribers_are_told_of_updates_until_they_unsubscribe() -> None:
    reg = registry()
    updates: list[str] = []

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updates.append(message.params.uri)

    async with Client(build_server(reg), mode="legacy", message_handler=on_message) as client:
        with pytest.raises(MCPError) as unknown:
            await client.subscribe_resource("test://nothing")
        assert unknown.value.code == types.INVALID_PARAMS
        with pytest.raises(MCPError) as scoped:
            await client.subscribe_resource("test://guarded")
        assert scoped.value.code == types.INVALID_REQUEST

        await client.subscribe_resource("test://watched")
        await client.subscribe_resource("test://rooms/blue")
        await reg.resource_updated("test://watched")
        await reg.resource_updated("test://rooms/red")  # nobody watches this one
        await reg.resource_updated("test://rooms/blue")
        with anyio.fail_after(5):
            while len(updates) < 2:  # noqa: ASYNC110 - notifications arrive on the client's own task
                await anyio.sleep(0.01)
        await client.unsubscribe_resource("test://watched")
        await reg.resource_updated("test://watched")
        await anyio.sleep(0.05)
    assert updates == ["test://watched", "test://rooms/blue"]


async def test_installing_another_registry_stops_announcing_the_first() -> None:
    first = registry()
    server = build_server(first)
    old = installed_handlers(server)
    assert old is not None
    session = RecordingSession()
    old.subscriptions.subscribe("s-1", "test://watched", cast(Any, session))
    await first.resource_updated("test://watched")
    assert session.told == ["test://watched"]

    install_registry(server, registry())
    await first.resource_updated("test://watched")
    assert session.told == ["test://watched"]
