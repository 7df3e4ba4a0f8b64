"""`remotemcp serve`: the demo tools behind the whole server, under uvicorn."""

from __future__ import annotations

import secrets
import socket

import uvicorn

from remotemcp.app.cli.console import CommandError, say
from remotemcp.app.container import Container
from remotemcp.app.demo_tools import demo_registry
from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings

FIRST_USERNAME = "admin"


def bind(host: str, port: int) -> socket.socket:
    """Bind before building the app, so that `--port 0` still yields a correct public URL."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def create_first_user(container: Container, settings: Settings) -> str | None:
    """With no configured admin and no user at all, create `admin` with a generated password and
    return it. A configured admin is created by the app's own start-up (bootstrap)."""
    if settings.admin_username is not None:
        return None
    users = container.users()
    if await users.list():
        return None
    password = secrets.token_urlsafe(18)
    await users.create_user(FIRST_USERNAME, password)
    return password


async def serve(container: Container, settings: Settings, sock: socket.socket, log_level: str) -> bool:
    """Serve until stopped; False when the server could not start."""
    password = await create_first_user(container, settings)
    if password is not None:
        say(f"remotemcp: created the first user {FIRST_USERNAME!r} with the one-time password: {password}")
        say(
            "  It is shown only this once. To choose the first user yourself, set "
            "REMOTEMCP_ADMIN_USERNAME and REMOTEMCP_ADMIN_PASSWORD."
        )
    app = create_app(settings, demo_registry(), container=container)
    say(f"remotemcp: MCP endpoint {settings.resource} (issuer {settings.issuer}, profile {settings.profile})")
    config = uvicorn.Config(app, log_level=log_level, lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    try:
        await server.serve(sockets=[sock])
    except SystemExit:
        # uvicorn exits the process when the app's start-up fails; let the CLI report it instead.
        return False
    return server.started
