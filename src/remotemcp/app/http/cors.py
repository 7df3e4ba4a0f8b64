"""CORS for browser-based MCP clients, only for the configured origins and only on the endpoints a
browser client calls directly (the MCP endpoint, token, registration, revocation and the metadata).
The login and consent pages are never opened to other origins."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from remotemcp.app.settings import Settings

ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, "
    "Last-Event-ID, Mcp-Method, Mcp-Name"
)
EXPOSED_HEADERS = "Mcp-Session-Id, WWW-Authenticate, Mcp-Protocol-Version"
MAX_AGE = "600"
_EXPOSED_HEADER = (b"access-control-expose-headers", EXPOSED_HEADERS.encode("latin-1"))
_VARY_ORIGIN = (b"vary", b"Origin")


class CorsMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.origins = frozenset(settings.allowed_origins)
        self.exact_paths = frozenset(
            {settings.mcp_path, "/token", "/register", "/revoke", "/jwks", "/userinfo"}
        )

    def _applies(self, path: str) -> bool:
        return path in self.exact_paths or self._is_public_document(path)

    @staticmethod
    def _is_public_document(path: str) -> bool:
        """Discovery documents and the JWKS are public and carry no credentials: any origin may
        read them, so browser-based clients can discover the server before anyone configures it."""
        return path == "/jwks" or "/.well-known/" in path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, self._vary_on_origin(send))
            return
        public = self._is_public_document(scope["path"])
        allowed = public or origin in self.origins
        is_preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        if is_preflight:
            if not allowed:
                response = PlainTextResponse(f"origin {origin} is not allowed", status_code=403)
            else:
                response = PlainTextResponse(
                    "",
                    status_code=204,
                    headers={
                        "Access-Control-Allow-Origin": "*" if public else origin,
                        "Access-Control-Allow-Methods": "GET, OPTIONS" if public else ALLOWED_METHODS,
                        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                        "Access-Control-Max-Age": MAX_AGE,
                        "Vary": "Origin",
                    },
                )
            await response(scope, receive, send)
            return
        if not allowed:
            # No CORS headers: the browser withholds the response from the page. The MCP endpoint
            # also refuses the request outright through its Origin check.
            await self.app(scope, receive, self._vary_on_origin(send))
            return
        allow_origin = "*" if public else origin

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                raw.append((b"access-control-allow-origin", allow_origin.encode("latin-1")))
                raw.append(_EXPOSED_HEADER)
                raw.append(_VARY_ORIGIN)
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _vary_on_origin(send: Send) -> Send:
        """Responses differ by Origin on these paths, so shared caches must key on it even when
        this response carries no CORS headers."""

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), _VARY_ORIGIN]}
            await send(message)

        return send_with_vary
