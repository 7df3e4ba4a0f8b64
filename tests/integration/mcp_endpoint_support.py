"""What the MCP endpoint tests share: a registry exercising every kind of entry, a running server
with in-process token minting (no browser), and raw Streamable HTTP helpers (SSE parsing)."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

import anyio
import httpx2
from starlette.applications import Starlette

from remotemcp.app.container import Container
from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings
from remotemcp.domain.model.grants import Grant
from remotemcp.domain.policy import DEFAULT_SCOPES
from remotemcp.domain.tools import ToolContext, ToolRegistry
from tests.integration.harness import serve

SCOPES_SUPPORTED = sorted({*DEFAULT_SCOPES, "admin"})
LEGACY_VERSION = "2025-11-25"
SSE_ACCEPT = "application/json, text/event-stream"


class Forecast(TypedDict):
    city: str
    temperature: float
    sunny: bool


@dataclass
class ProgressGate:
    """Holds the `countdown` tool after its first steps until the test lets it go on."""

    release: anyio.Event = field(default_factory=anyio.Event)
    finished: anyio.Event = field(default_factory=anyio.Event)


def make_registry(gate: ProgressGate | None = None) -> ToolRegistry:
    gate = gate or ProgressGate()
    registry = ToolRegistry()

    @registry.tool
    def add(a: Annotated[int, "first addend"], b: Annotated[int, "second addend"]) -> int:
        """Add two integers."""
        return a + b

    @registry.tool
    async def forecast(city: str) -> Forecast:
        """Tomorrow's weather."""
        return Forecast(city=city, temperature=21.5, sunny=True)

    @registry.tool
    async def whoami(context: ToolContext) -> dict[str, Any]:
        """The caller as the server sees it."""
        principal = context.principal
        return {
            "subject": principal.subject,
            "client_id": principal.client_id,
            "scopes": sorted(principal.scopes),
        }

    @registry.tool
    def explode() -> str:
        """Always fails."""
        raise RuntimeError("the reactor is on fire")

    @registry.tool(scopes=["admin"])
    def reset_everything() -> str:
        """Needs the admin scope."""
        return "reset"

    @registry.tool
    async def countdown(before: int, after: int, context: ToolContext) -> str:
        """Reports progress, waits for the test's signal, reports more."""
        total = before + after
        for step in range(1, before + 1):
            await context.report_progress(step, total, f"step {step}")
        await gate.release.wait()
        await context.log("info", "past the gate")
        for step in range(before + 1, total + 1):
            await context.report_progress(step, total, f"step {step}")
        gate.finished.set()
        return "lift-off"

    @registry.resource("test://static", mime_type="text/plain")
    def static() -> str:
        """A fixed text."""
        return "static text"

    @registry.resource("test://items/{item_id}")
    def item(item_id: int) -> dict[str, Any]:
        """An item by number."""
        return {"id": item_id, "name": f"item {item_id}"}

    @registry.resource("test://secret", scopes=["admin"])
    def secret() -> str:
        return "the secret"

    @registry.prompt
    def greet(name: Annotated[str, "who to greet"]) -> str:
        """Greets someone."""
        return f"Hello, {name}!"

    @registry.prompt(scopes=["admin"])
    def confess() -> str:
        return "admin only"

    return registry


@dataclass
class RunningServer:
    base_url: str
    app: Starlette
    settings: Settings

    @property
    def mcp_url(self) -> str:
        return self.base_url + self.settings.mcp_path

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    @property
    def resource_metadata(self) -> str:
        return f"{self.base_url}/.well-known/oauth-protected-resource{self.settings.mcp_path}"

    async def token(
        self,
        scopes: Iterable[str] = ("mcp",),
        *,
        subject: str = "alice",
        client_id: str = "client-1",
        resource: str | None = None,
        issued_at: int | None = None,
    ) -> str:
        """A real access token from the server's own token service, as /token would issue it."""
        now = self.container.clock().now()
        granted = frozenset(scopes)
        grant = Grant(
            grant_id="grant-" + secrets.token_hex(8),
            client_id=client_id,
            subject=subject,
            scopes=granted,
            resource=resource or self.settings.resource,
            auth_time=now,
            created_at=now,
            expires_at=now + 3600,
        )
        token: str = await self.container.tokens().issue_access_token(
            grant, granted, issued_at if issued_at is not None else now
        )
        return token


@contextlib.asynccontextmanager
async def running(registry: ToolRegistry | None = None, **settings: Any) -> AsyncIterator[RunningServer]:
    built: list[RunningServer] = []

    def make(base_url: str) -> Starlette:
        options = {"scopes_supported": SCOPES_SUPPORTED, **settings}
        config = Settings(public_url=base_url, **options)
        app = create_app(config, registry if registry is not None else make_registry())
        built.append(RunningServer(base_url, app, config))
        return app

    async with serve(make):
        yield built[0]


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


# -- raw Streamable HTTP (2025-11-25) ---------------------------------------------------------


@dataclass
class SseEvent:
    id: str | None
    data: str

    @property
    def message(self) -> dict[str, Any] | None:
        return json.loads(self.data) if self.data else None


async def sse_events(response: httpx2.Response) -> AsyncIterator[SseEvent]:
    event_id: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if event_id is not None or data:
                yield SseEvent(event_id, "\n".join(data))
            event_id, data = None, []
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def rpc(method: str, params: dict[str, Any] | None = None, request_id: int | None = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    if request_id is not None:
        message["id"] = request_id
    return message


INITIALIZE = rpc(
    "initialize",
    {
        "protocolVersion": LEGACY_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "raw-test-client", "version": "1"},
    },
    request_id=0,
)


async def open_session(http: httpx2.AsyncClient, server: RunningServer, token: str) -> str:
    """The 2025-11-25 handshake by hand; returns the session id."""
    with anyio.fail_after(5):
        response = await http.post(server.mcp_url, json=INITIALIZE, headers=bearer(token, Accept=SSE_ACCEPT))
        assert response.status_code == 200, response.text
        session_id = response.headers["mcp-session-id"]
        initialized = await http.post(
            server.mcp_url,
            json=rpc("notifications/initialized", request_id=None),
            headers=session_headers(token, session_id),
        )
        assert initialized.status_code == 202, initialized.text
    return session_id


def session_headers(token: str, session_id: str, **extra: str) -> dict[str, str]:
    return bearer(
        token,
        Accept=SSE_ACCEPT,
        **{"mcp-session-id": session_id, "mcp-protocol-version": LEGACY_VERSION},
        **extra,
    )
