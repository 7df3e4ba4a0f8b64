"""What a tool asks of the client, and what the client watches, over real HTTP behind the bearer
middleware: sampling on the tool call's own SSE stream, resource subscriptions told on the GET
stream, a tool closing its stream mid-call (SEP-1699) with the retry hint, scope challenges for
subscriptions and completions, and a session's subscriptions forgotten when it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp.client import Client
from mcp.client.session import ClientRequestContext, IncomingMessage
from mcp.client.streamable_http import streamable_http_client

from remotemcp.app.factory import create_app
from remotemcp.app.mcp.server_from_registry import build_server, installed_handlers
from remotemcp.app.settings import Settings
from remotemcp.examples.conformance_server import WATCHED_URI, conformance_registry
from tests.integration.harness import serve
from tests.integration.mcp_endpoint_support import (
    RunningServer,
    bearer,
    make_registry,
    open_session,
    rpc,
    running,
    session_headers,
)

pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")


async def raw_events(response: httpx2.Response) -> AsyncIterator[dict[str, str]]:
    """SSE events as their fields (`id`, `data`, `retry`), the priming event included."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if fields:
                yield fields
            fields = {}
            continue
        name, _, value = line.partition(":")
        fields[name] = fields.get(name, "") + value.removeprefix(" ") if name == "data" else value.strip()


async def test_sampling_rides_the_tool_calls_stream_through_the_bearer_gate() -> None:
    asked: list[str] = []

    async def sampling(
        context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult:
        content = params.messages[0].content
        assert isinstance(content, types.TextContent)
        asked.append(content.text)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(text="pong"), model="m")

    async with running(conformance_registry()) as server:
        token = await server.token()
        async with httpx2.AsyncClient(headers=bearer(token), timeout=10) as http:
            transport = streamable_http_client(server.mcp_url, http_client=http)
            with anyio.fail_after(15):
                async with Client(transport, mode="legacy", sampling_callback=sampling) as client:
                    result = await client.call_tool("test_sampling", {"prompt": "ping?"})
    assert asked == ["ping?"]
    assert not result.is_error
    assert isinstance(result.content[0], types.TextContent)
    assert result.content[0].text == "LLM response: pong"


async def test_a_subscribed_client_is_told_when_the_resource_changes() -> None:
    updates: list[str] = []

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updates.append(message.params.uri)

    async with running(conformance_registry()) as server:
        token = await server.token()
        async with httpx2.AsyncClient(headers=bearer(token), timeout=10) as http:
            transport = streamable_http_client(server.mcp_url, http_client=http)
            with anyio.fail_after(15):
                async with Client(transport, mode="legacy", message_handler=on_message) as client:
                    await client.subscribe_resource(WATCHED_URI)
                    await client.call_tool("test_update_watched_resource", {"text": "v2"})
                    while not updates:  # noqa: ASYNC110 - the notification arrives on the GET stream
                        await anyio.sleep(0.01)
                    read = await client.read_resource(WATCHED_URI)
                    await client.unsubscribe_resource(WATCHED_URI)
                    await client.call_tool("test_update_watched_resource", {"text": "v3"})
                    await anyio.sleep(0.2)
    assert updates == [WATCHED_URI]
    contents = read.contents[0]
    assert isinstance(contents, types.TextResourceContents) and contents.text == "v2"


async def test_a_tool_closes_its_stream_and_the_client_resumes_it() -> None:
    async with running(conformance_registry()) as server, httpx2.AsyncClient(timeout=10) as http:
        token = await server.token()
        session_id = await open_session(http, server, token)
        call = rpc("tools/call", {"name": "test_reconnection", "arguments": {}}, request_id=5)
        with anyio.fail_after(10):
            async with http.stream(
                "POST", server.mcp_url, json=call, headers=session_headers(token, session_id)
            ) as response:
                assert response.status_code == 200
                first_stream = [event async for event in raw_events(response)]
            # The stream ended before the result: only the priming event (and perhaps the first
            # log) came, the priming event first, carrying the configured reconnection delay.
            priming = first_stream[0]
            assert priming.get("data", "") == "" and priming["id"] and priming["retry"] == "1000"
            assert all('"id":5' not in event.get("data", "") for event in first_stream)

            resumed: list[dict[str, str]] = []
            headers = session_headers(token, session_id, **{"last-event-id": first_stream[-1]["id"]})
            async with http.stream("GET", server.mcp_url, headers=headers) as again:
                assert again.status_code == 200
                async for event in raw_events(again):
                    resumed.append(event)
                    if '"id":5' in event.get("data", ""):
                        break
    texts = [event["data"] for event in resumed if event.get("data")]
    assert any("After reconnect" in text for text in texts)
    assert "Reconnection test completed" in texts[-1]
    assert "could not be closed" not in texts[-1]


async def test_a_request_declaring_an_older_revision_keeps_its_stream() -> None:
    async with running(conformance_registry()) as server, httpx2.AsyncClient(timeout=10) as http:
        token = await server.token()
        session_id = await open_session(http, server, token)
        headers = {**session_headers(token, session_id), "mcp-protocol-version": "2025-06-18"}
        call = rpc("tools/call", {"name": "test_reconnection", "arguments": {}}, request_id=6)
        with anyio.fail_after(10):
            async with http.stream("POST", server.mcp_url, json=call, headers=headers) as response:
                events = [event async for event in raw_events(response)]
    # No priming event for a client that cannot parse one, so nothing it could resume from.
    assert all(event.get("data") for event in events)
    assert "Reconnection test completed (the stream could not be closed)" in events[-1]["data"]


async def test_subscribing_to_or_completing_a_scoped_entry_needs_its_scopes() -> None:
    async with running(make_registry()) as server, httpx2.AsyncClient(timeout=10) as http:
        token = await server.token(["mcp"])
        session_id = await open_session(http, server, token)
        for message in (
            rpc("resources/subscribe", {"uri": "test://secret"}, request_id=2),
            rpc(
                "completion/complete",
                {
                    "ref": {"type": "ref/prompt", "name": "confess"},
                    "argument": {"name": "anything", "value": ""},
                },
                request_id=3,
            ),
        ):
            refused = await http.post(
                server.mcp_url, json=message, headers=session_headers(token, session_id)
            )
            assert refused.status_code == 403, refused.text
            assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
            assert "admin" in refused.headers["www-authenticate"]
        allowed = await http.post(
            server.mcp_url,
            json=rpc("resources/subscribe", {"uri": "test://static"}, request_id=4),
            headers=session_headers(token, session_id),
        )
        assert allowed.status_code == 200, allowed.text


async def test_ending_a_session_forgets_its_subscriptions() -> None:
    mcp_server = build_server(conformance_registry())
    handlers = installed_handlers(mcp_server)
    assert handlers is not None
    built: list[RunningServer] = []

    def make(base_url: str) -> Any:
        settings = Settings(public_url=base_url)
        app = create_app(settings, server=mcp_server)
        built.append(RunningServer(base_url, app, settings))
        return app

    async with serve(make), httpx2.AsyncClient(timeout=10) as http:
        server = built[0]
        token = await server.token()
        session_id = await open_session(http, server, token)
        headers = session_headers(token, session_id)
        subscribed = await http.post(
            server.mcp_url, json=rpc("resources/subscribe", {"uri": WATCHED_URI}), headers=headers
        )
        assert subscribed.status_code == 200, subscribed.text
        assert handlers.subscriptions.watching(WATCHED_URI) == [session_id]
        ended = await http.delete(server.mcp_url, headers=headers)
        assert ended.status_code == 200
    assert handlers.subscriptions.watching(WATCHED_URI) == []
