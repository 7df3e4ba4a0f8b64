"""The protected MCP endpoint on a real socket: the official `mcp` SDK client in both protocol
eras, and the HTTP answers (401/403/421/413, CORS, sessions) checked on the wire."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, LoggingMessageNotificationParams, TextContent, TextResourceContents

from tests.integration.mcp_endpoint_support import (
    LEGACY_VERSION,
    SSE_ACCEPT,
    ProgressGate,
    RunningServer,
    bearer,
    make_registry,
    open_session,
    rpc,
    running,
    session_headers,
)

MODES = [pytest.param("legacy", id="2025-11-25"), pytest.param("auto", id="2026-07-28")]


@contextlib.asynccontextmanager
async def sdk_client(server: RunningServer, token: str, mode: str, **options: Any) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=bearer(token), timeout=10) as http,
        Client(streamable_http_client(server.mcp_url, http_client=http), mode=mode, **options) as client,
    ):
        yield client


def text_of(result: Any) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


# -- the SDK client, both eras ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_sdk_client_lists_and_calls_tools(mode: str) -> None:
    async with running() as server:
        token = await server.token(["mcp"])
        with anyio.fail_after(10):
            async with sdk_client(server, token, mode) as client:
                expected_version = LEGACY_VERSION if mode == "legacy" else "2026-07-28"
                assert client.protocol_version == expected_version

                tools = {tool.name: tool for tool in (await client.list_tools()).tools}
                assert {"add", "forecast", "whoami", "explode", "reset_everything", "countdown"} <= set(tools)
                assert tools["add"].input_schema["properties"]["a"]["description"] == "first addend"
                assert tools["forecast"].output_schema is not None

                added = await client.call_tool("add", {"a": 2, "b": 40})
                assert not added.is_error
                assert added.structured_content == {"result": 42}
                assert text_of(added) == "42"

                forecast = await client.call_tool("forecast", {"city": "Oslo"})
                assert forecast.structured_content == {"city": "Oslo", "temperature": 21.5, "sunny": True}

                me = await client.call_tool("whoami", {})
                assert me.structured_content == {
                    "subject": "alice",
                    "client_id": "client-1",
                    "scopes": ["mcp"],
                }


@pytest.mark.parametrize("mode", MODES)
async def test_tool_errors_are_results_and_unknown_tools_are_protocol_errors(mode: str) -> None:
    async with running() as server:
        token = await server.token(["mcp"])
        with anyio.fail_after(10):
            async with sdk_client(server, token, mode) as client:
                # Input validation errors are tool execution errors, so the model can self-correct.
                invalid = await client.call_tool("add", {"a": "forty", "b": 2})
                assert invalid.is_error
                assert "a:" in text_of(invalid)
                assert invalid.structured_content is None

                missing = await client.call_tool("add", {"a": 1})
                assert missing.is_error
                assert "b" in text_of(missing)

                failed = await client.call_tool("explode", {})
                assert failed.is_error
                assert text_of(failed) == "the reactor is on fire"

                with pytest.raises(MCPError) as unknown:
                    await client.call_tool("no_such_tool", {})
                assert unknown.value.code == INVALID_PARAMS


@pytest.mark.parametrize("mode", MODES)
async def test_sdk_client_reads_resources_and_gets_prompts(mode: str) -> None:
    async with running() as server:
        token = await server.token(["mcp"])
        with anyio.fail_after(10):
            async with sdk_client(server, token, mode) as client:
                listed = await client.list_resources()
                assert [str(r.uri) for r in listed.resources] == ["test://static", "test://secret"]
                templates = await client.list_resource_templates()
                assert [t.uri_template for t in templates.resource_templates] == ["test://items/{item_id}"]

                static = await client.read_resource("test://static")
                content = static.contents[0]
                assert isinstance(content, TextResourceContents)
                assert (content.text, content.mime_type) == ("static text", "text/plain")

                item = await client.read_resource("test://items/7")
                content = item.contents[0]
                assert isinstance(content, TextResourceContents)
                assert json.loads(content.text) == {"id": 7, "name": "item 7"}

                with pytest.raises(MCPError) as not_found:
                    await client.read_resource("test://nowhere")
                assert not_found.value.code == INVALID_PARAMS

                prompts = await client.list_prompts()
                greet = next(p for p in prompts.prompts if p.name == "greet")
                assert greet.arguments is not None
                assert greet.arguments[0].description == "who to greet"
                rendered = await client.get_prompt("greet", {"name": "Ada"})
                assert rendered.messages[0].role == "user"
                assert isinstance(rendered.messages[0].content, TextContent)
                assert rendered.messages[0].content.text == "Hello, Ada!"

                with pytest.raises(MCPError) as bad_prompt:
                    await client.get_prompt("greet", {})
                assert bad_prompt.value.code == INVALID_PARAMS


@pytest.mark.parametrize("mode", MODES)
async def test_step_up_token_reaches_the_scoped_tool(mode: str) -> None:
    async with running() as server:
        token = await server.token(["mcp", "admin"])
        with anyio.fail_after(10):
            async with sdk_client(server, token, mode) as client:
                result = await client.call_tool("reset_everything", {})
                assert not result.is_error
                assert text_of(result) == "reset"
                secret = await client.read_resource("test://secret")
                assert isinstance(secret.contents[0], TextResourceContents)
                assert secret.contents[0].text == "the secret"


@pytest.mark.parametrize("mode", MODES)
async def test_tools_report_progress_and_log_to_the_caller(mode: str) -> None:
    gate = ProgressGate()
    gate.release.set()
    reported: list[tuple[float, float | None, str | None]] = []
    logs: list[tuple[str, Any]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reported.append((progress, total, message))

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logs.append((params.level, params.data))

    async with running(make_registry(gate)) as server:
        token = await server.token(["mcp"])
        with anyio.fail_after(10):
            async with sdk_client(server, token, mode, logging_callback=on_log, log_level="info") as client:
                result = await client.call_tool(
                    "countdown", {"before": 2, "after": 1}, progress_callback=on_progress
                )
        assert result.structured_content == {"result": "lift-off"}
        assert reported == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
        assert logs == [("info", "past the gate")]


# -- 401: no token, bad tokens ------------------------------------------------------------------


def challenge_params(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    assert scheme == "Bearer"
    params: dict[str, str] = {}
    for part in rest.split('", '):
        name, _, value = part.partition("=")
        params[name.strip()] = value.strip().strip('"')
    return params


async def test_missing_token_gets_a_challenge_without_error_code() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        response = await http.post(server.mcp_url, json=rpc("tools/list"), headers={"Accept": SSE_ACCEPT})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == (
            f'Bearer scope="mcp", resource_metadata="{server.resource_metadata}"'
        )
        assert response.json()["resource_metadata"] == server.resource_metadata
        assert "error" not in response.json()

        # A scheme other than Bearer is no bearer credentials at all.
        basic = await http.get(server.mcp_url, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
        assert basic.status_code == 401
        assert "error=" not in basic.headers["www-authenticate"]


async def test_bad_tokens_are_invalid_token(caplog: pytest.LogCaptureFixture) -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        now = server.container.clock().now()
        revoked = await server.token(["mcp"])
        claims = await server.container.validator().validate(revoked)
        assert claims.grant_id is not None
        await server.container.tokens().revoke_grant(claims.grant_id)
        cases = {
            "garbage": "not-a-jwt",
            "expired": await server.token(["mcp"], issued_at=now - 3 * 3600),
            "revoked": revoked,
            "wrong_audience": await server.token(["mcp"], resource="https://elsewhere.example/mcp"),
        }
        caplog.set_level("INFO", logger="remotemcp.mcp.auth")
        for reason, token in cases.items():
            response = await http.post(
                server.mcp_url, json=rpc("tools/list"), headers=bearer(token, Accept=SSE_ACCEPT)
            )
            assert response.status_code == 401, reason
            params = challenge_params(response.headers["www-authenticate"])
            assert params["error"] == "invalid_token", reason
            assert params["resource_metadata"] == server.resource_metadata
            assert response.json()["error"] == "invalid_token"
        logged = caplog.text
        for reason in ("malformed", "expired", "revoked", "wrong_audience"):
            assert f"bearer token rejected: {reason}" in logged
        assert (
            "expired"
            in challenge_params(
                (
                    await http.get(
                        server.mcp_url, headers=bearer(cases["expired"], Accept="text/event-stream")
                    )
                ).headers["www-authenticate"]
            )["error_description"]
        )


# -- 403: insufficient scope (step-up) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("tools/call", {"name": "reset_everything", "arguments": {}}),
        ("resources/read", {"uri": "test://secret"}),
        ("prompts/get", {"name": "confess"}),
    ],
)
async def test_insufficient_scope_is_403_with_the_scopes_to_step_up_to(
    method: str, params: dict[str, Any]
) -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp", "profile"])
        response = await http.post(
            server.mcp_url, json=rpc(method, params), headers=bearer(token, Accept=SSE_ACCEPT)
        )
        assert response.status_code == 403
        challenge = challenge_params(response.headers["www-authenticate"])
        assert challenge["error"] == "insufficient_scope"
        assert challenge["scope"] == "admin mcp profile"
        assert challenge["resource_metadata"] == server.resource_metadata
        assert response.json()["error"] == "insufficient_scope"


async def test_scope_challenge_applies_to_the_modern_era_and_inside_sessions() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp"])
        modern = await http.post(
            server.mcp_url,
            json=rpc(
                "tools/call",
                {
                    "name": "reset_everything",
                    "arguments": {},
                    "_meta": {
                        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                        "io.modelcontextprotocol/clientCapabilities": {},
                    },
                },
            ),
            headers=bearer(
                token,
                Accept=SSE_ACCEPT,
                **{
                    "mcp-protocol-version": "2026-07-28",
                    "mcp-method": "tools/call",
                    "mcp-name": "reset_everything",
                },
            ),
        )
        assert modern.status_code == 403
        assert 'scope="admin mcp"' in modern.headers["www-authenticate"]

        session_id = await open_session(http, server, token)
        in_session = await http.post(
            server.mcp_url,
            json=rpc("tools/call", {"name": "reset_everything", "arguments": {}}, request_id=5),
            headers=session_headers(token, session_id),
        )
        assert in_session.status_code == 403


async def test_modern_requests_need_a_token_too() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        response = await http.post(
            server.mcp_url,
            json=rpc("server/discover", {}),
            headers={
                "Accept": SSE_ACCEPT,
                "mcp-protocol-version": "2026-07-28",
                "mcp-method": "server/discover",
            },
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer ")


# -- Host and Origin, CORS ----------------------------------------------------------------------


async def test_bad_host_and_bad_origin_are_refused_before_authentication() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp"])
        for headers in (bearer(token, Accept=SSE_ACCEPT), {"Accept": SSE_ACCEPT}):
            bad_host = await http.post(
                server.mcp_url, json=INITIALIZE_BODY, headers={**headers, "Host": "evil.example"}
            )
            assert bad_host.status_code == 421
            bad_origin = await http.post(
                server.mcp_url, json=INITIALIZE_BODY, headers={**headers, "Origin": "https://evil.example"}
            )
            assert bad_origin.status_code == 403
            assert "www-authenticate" not in bad_origin.headers

        # The public URL's own origin is fine.
        own = await http.post(
            server.mcp_url,
            json=INITIALIZE_BODY,
            headers=bearer(token, Accept=SSE_ACCEPT, Origin=server.base_url),
        )
        assert own.status_code == 200


INITIALIZE_BODY = rpc(
    "initialize",
    {"protocolVersion": LEGACY_VERSION, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
)


async def test_cors_preflight_and_configured_origins() -> None:
    app_origin = "https://app.example"
    async with running(allowed_origins=[app_origin]) as server, httpx2.AsyncClient(timeout=5) as http:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = await http.options(server.mcp_url, headers={"Origin": app_origin, **preflight})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == app_origin
        assert "Authorization" in allowed.headers["access-control-allow-headers"]

        refused = await http.options(server.mcp_url, headers={"Origin": "https://evil.example", **preflight})
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers

        # The configured origin passes the endpoint's Origin check, and a browser can read the challenge.
        unauthenticated = await http.post(
            server.mcp_url, json=INITIALIZE_BODY, headers={"Origin": app_origin, "Accept": SSE_ACCEPT}
        )
        assert unauthenticated.status_code == 401
        assert unauthenticated.headers["access-control-allow-origin"] == app_origin
        assert "WWW-Authenticate" in unauthenticated.headers["access-control-expose-headers"]

        token = await server.token(["mcp"])
        initialized = await http.post(
            server.mcp_url, json=INITIALIZE_BODY, headers=bearer(token, Origin=app_origin, Accept=SSE_ACCEPT)
        )
        assert initialized.status_code == 200
        assert "Mcp-Session-Id" in initialized.headers["access-control-expose-headers"]


# -- sessions --------------------------------------------------------------------------------------


async def test_delete_ends_the_session_and_sessions_belong_to_their_principal() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp"])
        session_id = await open_session(http, server, token)
        listing = rpc("tools/list", {}, request_id=2)

        # A token for another user cannot ride the session.
        mallory = await server.token(["mcp"], subject="mallory")
        hijack = await http.post(server.mcp_url, json=listing, headers=session_headers(mallory, session_id))
        assert hijack.status_code == 404

        # A refreshed token of the same principal can.
        again = await server.token(["mcp"])
        ok = await http.post(server.mcp_url, json=listing, headers=session_headers(again, session_id))
        assert ok.status_code == 200

        ended = await http.delete(server.mcp_url, headers=session_headers(token, session_id))
        assert ended.status_code == 200
        after = await http.post(server.mcp_url, json=listing, headers=session_headers(token, session_id))
        assert after.status_code == 404


async def test_oversized_body_is_413_and_the_path_is_exact() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp"])
        huge = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": "' + b"a" * (
            5 * 1024 * 1024
        )
        response = await http.post(
            server.mcp_url,
            content=huge + b'"}}',
            headers=bearer(token, Accept=SSE_ACCEPT, **{"Content-Type": "application/json"}),
        )
        assert response.status_code == 413

        # The endpoint is its exact path: no redirect to a trailing-slash twin.
        exact = await http.post(
            server.mcp_url, json=INITIALIZE_BODY, headers=bearer(token, Accept=SSE_ACCEPT)
        )
        assert exact.status_code == 200
        assert not exact.is_redirect
