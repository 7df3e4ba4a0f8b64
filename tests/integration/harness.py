"""Runs an ASGI app under real uvicorn on 127.0.0.1 with an ephemeral port."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Callable

import anyio
import uvicorn
from starlette.types import ASGIApp


def bind_loopback() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def serve(make_app: Callable[[str], ASGIApp]) -> AsyncIterator[str]:
    """Bind first so the app can be built knowing its own public URL, then serve it.
    Yields the base URL; stops the server on exit."""
    sock = bind_loopback()
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    app = make_app(base_url)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await anyio.sleep(0.01)
        try:
            yield base_url
        finally:
            server.should_exit = True
    sock.close()
