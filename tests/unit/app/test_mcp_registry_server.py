"""The low-level Server built from a registry, driven in process by the SDK client (no sockets)."""

from __future__ import annotations

import base64

import mcp_types as types
import pytest
from mcp.client import Client
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from remotemcp.app.mcp.endpoint import serving
from remotemcp.app.mcp.server_from_registry import build_server, install_registry, installed_registry
from remotemcp.app.settings import Settings
from remotemcp.domain.tools import ImageContent, TextContent, ToolContext, ToolRegistry

SETTINGS = Settings(public_url="http://127.0.0.1:8000")


def registry() -> ToolRegistry:
    reg = ToolRegistry()

    @reg.tool
    def picture() -> list[TextContent | ImageContent]:
        """A caption and a picture."""
        return [TextContent("a dot"), ImageContent(b"\x89PNG", "image/png")]

    @reg.tool
    def liar() -> int:
        return "not a number"  # type: ignore[return-value]

    @reg.tool(scopes=["admin"])
    def guarded() -> str:
        return "secret"

    @reg.tool
    async def who(context: ToolContext) -> str:
        return context.principal.subject or "anonymous"

    @reg.resource("test://blob", mime_type="application/octet-stream")
    def blob() -> bytes:
        return b"\x00\x01"

    return reg


async def test_content_blocks_become_protocol_content() -> None:
    async with Client(build_server(registry()), mode="legacy") as client:
        result = await client.call_tool("picture", {})
        assert not result.is_error
        assert isinstance(result.content[0], types.TextContent)
        assert result.content[0].text == "a dot"
        image = result.content[1]
        assert isinstance(image, types.ImageContent)
        assert (base64.b64decode(image.data), image.mime_type) == (b"\x89PNG", "image/png")

        blob = await client.read_resource("test://blob")
        contents = blob.contents[0]
        assert isinstance(contents, types.BlobResourceContents)
        assert base64.b64decode(contents.blob) == b"\x00\x01"


async def test_a_result_contradicting_the_output_schema_is_reported_without_details() -> None:
    async with Client(build_server(registry()), mode="legacy") as client:
        result = await client.call_tool("liar", {})
        assert result.is_error
        assert isinstance(result.content[0], types.TextContent)
        assert result.content[0].text == "tool 'liar' produced an invalid result"


async def test_without_the_bearer_middleware_scoped_entries_fail_closed() -> None:
    async with Client(build_server(registry()), mode="legacy") as client:
        with pytest.raises(MCPError) as refused:
            await client.call_tool("guarded", {})
        assert refused.value.code == types.INVALID_REQUEST
        anonymous = await client.call_tool("who", {})
        assert isinstance(anonymous.content[0], types.TextContent)
        assert anonymous.content[0].text == "anonymous"


async def test_registrations_after_installation_are_served() -> None:
    reg = ToolRegistry()
    server = build_server(reg)

    @reg.tool
    def late() -> str:
        return "here"

    async with Client(server, mode="legacy") as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["late"]
        assert client.server_capabilities.logging is not None


def test_serving_builds_installs_or_keeps_the_server_registry() -> None:
    reg = registry()
    built_registry, built = serving(reg, None, SETTINGS)
    assert built_registry is reg and installed_registry(built) is reg

    bare: Server = Server("bare")
    kept_registry, kept = serving(reg, bare, SETTINGS)
    assert kept is bare and kept_registry is reg and installed_registry(bare) is reg

    # A server that already serves a registry keeps it when the caller brings an empty one.
    assert serving(ToolRegistry(), bare, SETTINGS)[0] is reg
    with pytest.raises(ValueError, match="another tool registry"):
        serving(registry(), bare, SETTINGS)


async def test_a_server_with_its_own_handlers_is_left_alone_by_an_empty_registry() -> None:
    async def own_tools(ctx: object, params: object) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[types.Tool(name="own", input_schema={"type": "object"})])

    server: Server = Server("own", on_list_tools=own_tools)
    serving(ToolRegistry(), server, SETTINGS)
    assert installed_registry(server) is None
    async with Client(server, mode="legacy") as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["own"]


def test_install_registry_replaces_the_registry() -> None:
    server: Server = Server("s")
    first, second = ToolRegistry(), ToolRegistry()
    install_registry(server, first)
    install_registry(server, second)
    assert installed_registry(server) is second
