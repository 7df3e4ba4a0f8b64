"""`create_app`: the whole server — authorization server, login pages and the MCP endpoint — as one
Starlette ASGI application."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from mcp.server.lowlevel import Server
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from remotemcp.app import bootstrap
from remotemcp.app.container import Container
from remotemcp.app.http import browser, metadata, oauth_endpoints
from remotemcp.app.http.cors import CorsMiddleware
from remotemcp.app.mcp.endpoint import McpEndpoint
from remotemcp.app.settings import Settings
from remotemcp.domain.tools.registry import ToolRegistry

log = logging.getLogger("remotemcp")


def create_app(
    settings: Settings | None = None,
    registry: ToolRegistry | None = None,
    *,
    container: Container | None = None,
    server: Server | None = None,
) -> Starlette:
    """Build the ASGI app. `registry` holds the tools, resources and prompts to serve; `server`
    lets a caller bring its own low-level `mcp` Server (the seed API does)."""
    settings = settings or Settings()
    container = container or Container(settings=settings)
    registry = registry if registry is not None else ToolRegistry()
    endpoint = McpEndpoint(container, settings, registry, server=server)

    routes: list[BaseRoute] = [
        *metadata.routes(container, settings),
        *oauth_endpoints.routes(container, settings),
        *browser.routes(container, settings),
        *endpoint.routes(),
        # Browsers ask for it on every page; an empty answer keeps their consoles clean.
        Route("/favicon.ico", _no_favicon, methods=["GET"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await bootstrap.register_configured_clients(container, settings)
        await bootstrap.ensure_first_user(container, settings)
        async with endpoint.run():
            log.info("RemoteMCP serving %s (issuer %s)", settings.resource, settings.issuer)
            yield

    app = Starlette(routes=routes, lifespan=lifespan)
    # Starlette would answer `/mcp/` with a redirect built from the request's Host header; a URL
    # RemoteMCP emits always comes from the configured public URL, so unknown paths are just 404.
    app.router.redirect_slashes = False
    app.state.container = container
    app.state.settings = settings
    app.state.registry = registry
    app.add_middleware(CorsMiddleware, settings=settings)
    return app


async def _no_favicon(_: Request) -> Response:
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})
