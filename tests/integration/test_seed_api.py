"""The seed's API as the owner wrote it (../shared/seed/remotemcp-seed.md): `MCP_Tools` with its
two decorators on a low-level `mcp` Server, and `CustomServerWithOauth2(logger, mcp_server)` as an
ASGI app under real uvicorn. The full OAuth flow through it is in test_full_oauth_flow.py."""

from __future__ import annotations

import logging
from typing import Annotated

import anyio
import httpx2
import pytest
import uvicorn
from mcp.server.lowlevel import Server

from remotemcp.app.settings import Settings
from tests.integration.harness import bind_loopback, serve


def seed_main():  # type: ignore[no-untyped-def]
    """main.py of the seed, verbatim apart from the bodies the seed leaves as `...`."""
    from custom_server import CustomServerWithOauth2
    from MCP_Tools import MCP_Tools

    logging.basicConfig(level=logging.INFO)
    logger = logging.getLogger(__name__)

    mcp_server = Server("my-mcp-server")
    server_app = mcp_server
    tools = MCP_Tools(server_app)

    @tools.register_tool("get_time", "Получить текущее время")
    def get_time(timezone: Annotated[str, "Временная зона (например, UTC, Europe/Moscow)"] = "UTC"):  # type: ignore[no-untyped-def]
        # Реализация
        return f"Текущее время в {timezone}: ..."

    @tools.register_simple_tool("hello", "Простое приветствие")
    def hello():  # type: ignore[no-untyped-def]
        return "Привет от MCP сервера!"

    server = CustomServerWithOauth2(logger, mcp_server)
    return server, mcp_server


async def test_the_seed_server_serves_metadata_and_guards_mcp(monkeypatch: pytest.MonkeyPatch) -> None:
    from remotemcp.app.seed import registry_for

    built: dict[str, object] = {}

    def make(base_url: str):  # type: ignore[no-untyped-def]
        # The seed passes no settings: the public URL comes from the environment.
        monkeypatch.setenv("REMOTEMCP_PUBLIC_URL", base_url)
        server, mcp_server = seed_main()  # type: ignore[no-untyped-call]
        built["server"], built["mcp_server"] = server, mcp_server
        return server

    async with serve(make) as base_url, httpx2.AsyncClient(base_url=base_url) as http:
        with anyio.fail_after(10):
            metadata = await http.get("/.well-known/oauth-protected-resource/mcp")
            unauthenticated = await http.post(
                "/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"Accept": "application/json, text/event-stream"},
            )
    assert metadata.status_code == 200
    assert metadata.json()["resource"] == f"{base_url}/mcp"
    assert metadata.json()["authorization_servers"] == [base_url]
    assert unauthenticated.status_code == 401
    challenge = unauthenticated.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{base_url}/.well-known/oauth-protected-resource' in challenge
    assert "error=" not in challenge

    registry = registry_for(built["mcp_server"])  # type: ignore[arg-type]
    assert [tool.name for tool in registry.list()] == ["get_time", "hello"]
    get_time = registry.get("get_time")
    assert get_time.description == "Получить текущее время"
    timezone = get_time.input_schema["properties"]["timezone"]
    assert timezone["description"] == "Временная зона (например, UTC, Europe/Moscow)"
    assert timezone["default"] == "UTC"
    assert (await registry.get("hello").call({})).text == "Привет от MCP сервера!"
    assert (await get_time.call({"timezone": "Europe/Moscow"})).text == "Текущее время в Europe/Moscow: ..."


async def test_settings_can_be_given_and_tools_registered_through_the_asgi_object() -> None:
    from custom_server import CustomServerWithOauth2
    from MCP_Tools import MCP_Tools

    mcp_server = Server("given-settings")

    def make(base_url: str) -> CustomServerWithOauth2:
        server = CustomServerWithOauth2(
            logging.getLogger("seed-test"), mcp_server, Settings(public_url=base_url, mcp_path="/tools")
        )
        tools = MCP_Tools(server)

        @tools.register_simple_tool("ping", "Ответить pong")
        def ping() -> str:
            return "pong"

        return server

    async with serve(make) as base_url, httpx2.AsyncClient(base_url=base_url) as http:
        with anyio.fail_after(10):
            metadata = await http.get("/.well-known/oauth-protected-resource/tools")
            unauthenticated = await http.post("/tools", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert metadata.json()["resource"] == f"{base_url}/tools"
    assert unauthenticated.status_code == 401
    assert (
        f'resource_metadata="{base_url}/.well-known/oauth-protected-resource'
        in (unauthenticated.headers["www-authenticate"])
    )
    from remotemcp.app.seed import registry_for

    assert [tool.name for tool in registry_for(mcp_server).list()] == ["ping"]
    with pytest.raises(TypeError, match=r"expected an mcp\.server\.lowlevel\.Server"):
        MCP_Tools(object())  # type: ignore[arg-type]


async def test_bad_settings_stop_the_seed_server_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from custom_server import CustomServerWithOauth2

    monkeypatch.setenv("REMOTEMCP_PUBLIC_URL", "ftp://not-a-web-server")
    app = CustomServerWithOauth2(logging.getLogger("seed-test"), Server("bad-settings"))
    sock = bind_loopback()
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="on"))
    try:
        with anyio.fail_after(10), pytest.raises(SystemExit) as exited:
            await server.serve([sock])
    finally:
        sock.close()
    assert exited.value.code == 3  # uvicorn's "application start-up failed"
    assert not server.started
