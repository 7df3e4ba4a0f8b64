"""The whole product through its real interfaces: the official `mcp` SDK client with its
`OAuthClientProvider` discovers the authorization server, registers (RFC 7591), sends the
"browser" (this test, driving the real login and consent HTML forms) through PKCE + `resource`,
gets an audience-bound token, calls tools in both protocol eras, then refreshes and calls again."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest
from dependency_injector import providers
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.app.container import Container
from remotemcp.app.demo_tools import demo_registry
from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings
from tests.integration.browser_forms import sign_in_and_approve
from tests.integration.harness import serve

REPORTS = Path(__file__).resolve().parents[2] / "reports"
USERNAME = "alice"
PASSWORD = "correct horse battery staple"
CALLBACK = "http://127.0.0.1:53682/callback"


class MemoryTokenStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@dataclass
class Browser:
    """Plays the person: follows the authorization URL through the real pages."""

    http: httpx2.AsyncClient
    authorize_urls: list[str] = field(default_factory=list)
    location: str | None = None

    async def open(self, authorization_url: str) -> None:
        self.authorize_urls.append(authorization_url)
        self.location = await sign_in_and_approve(self.http, authorization_url, USERNAME, PASSWORD)

    async def callback(self) -> AuthorizationCodeResult:
        assert self.location is not None
        query = parse_qs(urlsplit(self.location).query)
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0], iss=query["iss"][0])


@dataclass
class Server:
    base_url: str
    container: Container

    @property
    def mcp_url(self) -> str:
        return self.base_url + "/mcp"


@contextlib.asynccontextmanager
async def running_server() -> AsyncIterator[Server]:
    containers: list[Container] = []

    def make_app(base_url: str) -> Any:
        settings = Settings(public_url=base_url)
        container = Container(settings=settings)
        container.password_hasher.override(providers.Object(Argon2PasswordHasher.for_tests()))
        containers.append(container)
        return create_app(settings, demo_registry(), container=container)

    async with serve(make_app) as base_url:
        container = containers[0]
        await container.users().create_user(USERNAME, PASSWORD)
        yield Server(base_url, container)


def oauth_provider(server: Server, browser: Browser, storage: MemoryTokenStorage) -> OAuthClientProvider:
    metadata = OAuthClientMetadata(
        redirect_uris=[CALLBACK],  # type: ignore[list-item]
        client_name="SDK integration test",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    return OAuthClientProvider(
        server_url=server.mcp_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )


@dataclass
class Exchange:
    """What went over the wire, in order: method, path and status of every request."""

    lines: list[str] = field(default_factory=list)

    async def record(self, response: httpx2.Response) -> None:
        request = response.request
        query = "?" + request.url.query.decode() if request.url.query else ""
        body = request.content.decode(errors="replace") if request.method == "POST" else ""
        method = ""
        if request.url.path.endswith("/mcp") and body.startswith("{"):
            method = " " + str(json.loads(body).get("method", "(response)"))
        self.lines.append(
            f"{request.method} {request.url.path}{query[:60]}{method} -> {response.status_code}"
        )


EXCHANGE = Exchange()


async def call_hello_and_time(server: Server, provider: OAuthClientProvider, mode: str) -> None:
    hooks = {"response": [EXCHANGE.record]}
    async with httpx2.AsyncClient(auth=provider, timeout=15, event_hooks=hooks) as http:
        transport = streamable_http_client(server.mcp_url, http_client=http)
        async with Client(transport, mode=mode) as client:
            tools = await client.list_tools()
            assert {t.name for t in tools.tools} >= {"hello", "get_time"}
            hello = await client.call_tool("hello", {})
            assert not hello.is_error
            assert "Привет от MCP сервера!" in hello.content[0].text  # type: ignore[union-attr]
            zone = await client.call_tool("get_time", {"timezone": "Europe/Moscow"})
            assert not zone.is_error
            assert "Europe/Moscow" in zone.content[0].text  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_runs_the_whole_flow_then_refreshes(mode: str) -> None:
    storage = MemoryTokenStorage()
    EXCHANGE.lines.clear()
    hooks = {"response": [EXCHANGE.record]}
    async with (
        running_server() as server,
        httpx2.AsyncClient(timeout=10, follow_redirects=False, event_hooks=hooks) as browser_http,
    ):
        browser = Browser(browser_http)
        provider = oauth_provider(server, browser, storage)
        with anyio.fail_after(60):
            await call_hello_and_time(server, provider, mode)

        # The client registered itself, went through the pages once, and holds an audience-bound token.
        assert len(browser.authorize_urls) == 1
        authorize = parse_qs(urlsplit(browser.authorize_urls[0]).query)
        assert authorize["code_challenge_method"] == ["S256"]
        assert authorize["resource"] == [server.mcp_url]
        assert storage.client_info is not None and storage.client_info.client_id
        assert storage.tokens is not None and storage.tokens.refresh_token
        claims = await server.container.validator().validate(storage.tokens.access_token)
        assert claims.audience == server.mcp_url
        assert claims.client_id == storage.client_info.client_id

        # Expire the access token on the client's side: it must refresh, not ask the person again.
        first_refresh_token = storage.tokens.refresh_token
        provider.context.token_expiry_time = time.time() - 1
        with anyio.fail_after(60):
            await call_hello_and_time(server, provider, mode)
        assert len(browser.authorize_urls) == 1
        assert storage.tokens.refresh_token != first_refresh_token

        # Presenting the rotated token again inside the grace window is a client's retry: it gets the
        # successor it already holds, and the family lives on.
        async with httpx2.AsyncClient(timeout=10) as http:
            reuse = await http.post(
                server.base_url + "/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": first_refresh_token,
                    "client_id": storage.client_info.client_id,
                },
            )
        assert reuse.status_code == 200, reuse.text
        assert reuse.json()["refresh_token"] == storage.tokens.refresh_token

    # Kept for the record (CI artifact): the exchange as the client and the browser saw it.
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"full-flow-{mode}.txt").write_text("\n".join(EXCHANGE.lines) + "\n", encoding="utf-8")
    assert any(line.startswith("POST /register") and line.endswith("201") for line in EXCHANGE.lines)
    assert any(line.startswith("POST /token") and line.endswith("200") for line in EXCHANGE.lines)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_seed_example_tools_through_the_full_flow(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """The owner's example as written (MCP_Tools + CustomServerWithOauth2, settings from the
    environment), reached by the SDK client through discovery, registration, login and consent."""
    from tests.integration.test_seed_api import seed_main

    def make(base_url: str) -> Any:
        monkeypatch.setenv("REMOTEMCP_PUBLIC_URL", base_url)
        monkeypatch.setenv("REMOTEMCP_ADMIN_USERNAME", USERNAME)
        monkeypatch.setenv("REMOTEMCP_ADMIN_PASSWORD", PASSWORD)
        server, _ = seed_main()  # type: ignore[no-untyped-call]
        return server

    storage = MemoryTokenStorage()
    async with (
        serve(make) as base_url,
        httpx2.AsyncClient(timeout=10, follow_redirects=False) as browser_http,
    ):
        browser = Browser(browser_http)
        seed = Server(base_url, Container(settings=Settings(public_url=base_url)))
        with anyio.fail_after(60):
            await call_hello_and_time(seed, oauth_provider(seed, browser, storage), mode)
    assert len(browser.authorize_urls) == 1
    assert storage.tokens is not None and "mcp" in (storage.tokens.scope or "").split()
