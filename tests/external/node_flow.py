"""Shared by the tests that drive an independent OAuth client written for Node.js through RemoteMCP:
a RemoteMCP server on loopback (with a user, a clock the test can move, optional pre-registered
clients) and a Node script spoken to in JSON lines on its stdin and stdout.

The script does everything a client does by itself; when it needs the person (the login and
consent pages) it prints the authorization URL, and the test plays the browser through the real
pages (tests/integration/browser_forms.py) and answers with the URL the browser was sent back to."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream
from dependency_injector import providers

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.app.container import Container
from remotemcp.app.demo_tools import demo_registry
from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings
from tests.integration.harness import serve

USERNAME = "alice"
PASSWORD = "correct horse battery staple"
EMAIL = "alice@example.com"
NAME = "Alice Example"
CALLBACK = "http://127.0.0.1:53682/callback"
"""Never listened on: the browser stops at the redirect and hands its Location to the script."""
MAX_LINE_BYTES = 4 * 1024 * 1024


class ShiftedClock:
    """The system clock plus an offset the test moves forward, so that the server sees a token
    expire while the client (on the real clock) does not know it yet."""

    def __init__(self) -> None:
        self.offset = 0

    def now(self) -> int:
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> None:
        self.offset += seconds


@dataclass
class RunningServer:
    base_url: str
    settings: Settings
    container: Container
    clock: ShiftedClock
    subject: str
    """alice's `sub`."""

    @property
    def mcp_url(self) -> str:
        return self.settings.resource


@contextlib.asynccontextmanager
async def running_server(**settings_fields: Any) -> AsyncIterator[RunningServer]:
    """RemoteMCP with the demo tools and the user alice, on real uvicorn at 127.0.0.1.
    `settings_fields` go to `Settings` (e.g. `clients=[...]` to pre-register one)."""
    built: list[tuple[Settings, Container]] = []
    clock = ShiftedClock()

    def make_app(base_url: str) -> Any:
        settings = Settings(public_url=base_url, **settings_fields)
        container = Container(settings=settings)
        container.password_hasher.override(providers.Object(Argon2PasswordHasher.for_tests()))
        container.clock.override(providers.Object(clock))
        built.append((settings, container))
        return create_app(settings, demo_registry(), container=container)

    async with serve(make_app) as base_url:
        settings, container = built[0]
        user = await container.users().create_user(USERNAME, PASSWORD, email=EMAIL, name=NAME)
        yield RunningServer(base_url, settings, container, clock, user.user_id)


class ScriptFailed(AssertionError):
    pass


@dataclass
class NodeScript:
    process: Process
    stdout: BufferedByteReceiveStream
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]

    async def next_event(self) -> dict[str, Any]:
        try:
            line = await self.stdout.receive_until(b"\n", MAX_LINE_BYTES)
        except anyio.EndOfStream:
            raise ScriptFailed(f"the script ended without a result; stderr:\n{self.stderr()}") from None
        try:
            event: dict[str, Any] = json.loads(line)
        except ValueError:
            raise ScriptFailed(f"the script printed a line that is not JSON: {line[:500]!r}") from None
        if event.get("event") == "error":
            detail = json.dumps(event, indent=1, ensure_ascii=False)
            raise ScriptFailed(f"the script failed: {detail}\nstderr:\n{self.stderr()}")
        return event

    async def expect(self, name: str) -> dict[str, Any]:
        event = await self.next_event()
        assert event.get("event") == name, f"expected {name!r}, got {event}"
        return event

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(json.dumps(message).encode() + b"\n")


@contextlib.asynccontextmanager
async def node_script(
    node: Path, env: dict[str, str], script: Path, args: list[str], stderr_path: Path
) -> AsyncIterator[NodeScript]:
    with stderr_path.open("wb") as stderr:
        process = await anyio.open_process(
            [str(node), str(script), *args], env=env, cwd=script.parent, stderr=stderr
        )
        async with process:
            assert process.stdout is not None
            try:
                yield NodeScript(process, BufferedByteReceiveStream(process.stdout), stderr_path)
            finally:
                if process.returncode is None:
                    process.terminate()
                with anyio.move_on_after(5):
                    await process.wait()
