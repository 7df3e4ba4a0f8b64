"""Edge behaviour of the assembled app: CORS on public documents, no Host-derived redirects,
bounded form bodies."""

from __future__ import annotations

import anyio
import httpx2

from remotemcp.app.factory import create_app
from remotemcp.app.settings import Settings
from tests.integration.harness import serve


def make_app(base_url: str) -> object:
    return create_app(Settings(public_url=base_url, allowed_origins=["https://app.example"]))


async def test_public_documents_are_readable_from_any_origin() -> None:
    async with serve(make_app) as base_url, httpx2.AsyncClient(base_url=base_url, timeout=10) as http:
        for path in (
            "/.well-known/oauth-authorization-server",
            "/.well-known/oauth-protected-resource/mcp",
            "/jwks",
        ):
            response = await http.get(path, headers={"Origin": "https://stranger.example"})
            assert response.status_code == 200
            assert response.headers["access-control-allow-origin"] == "*"
            preflight = await http.options(
                path, headers={"Origin": "https://stranger.example", "Access-Control-Request-Method": "GET"}
            )
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-origin"] == "*"
        # Without an Origin the answer still tells caches that it depends on one.
        plain = await http.get("/.well-known/oauth-authorization-server")
        assert "origin" in plain.headers["vary"].lower()


async def test_credentialed_endpoints_stay_restricted() -> None:
    async with serve(make_app) as base_url, httpx2.AsyncClient(base_url=base_url, timeout=10) as http:
        refused = await http.options(
            "/token", headers={"Origin": "https://stranger.example", "Access-Control-Request-Method": "POST"}
        )
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
        allowed = await http.options(
            "/token", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
        )
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        answer = await http.post("/token", data={}, headers={"Origin": "https://stranger.example"})
        assert "access-control-allow-origin" not in answer.headers
        assert "origin" in answer.headers["vary"].lower()


async def test_no_redirect_is_built_from_the_host_header() -> None:
    async with serve(make_app) as base_url, httpx2.AsyncClient(base_url=base_url, timeout=10) as http:
        for path in ("/mcp/", "/authorize/", "/token/"):
            response = await http.post(path, headers={"Host": "evil.example"})
            assert response.status_code in (404, 405, 421), (path, response.status_code)
            assert "location" not in response.headers


async def test_oversized_form_is_refused_before_it_is_read() -> None:
    async with serve(make_app) as base_url, httpx2.AsyncClient(base_url=base_url, timeout=10) as http:
        # A client announcing 200 MB is answered before it sends them (raw socket: HTTP clients
        # refuse to send less than they declare).
        port = int(base_url.rsplit(":", 1)[1])
        with anyio.fail_after(10):
            async with await anyio.connect_tcp("127.0.0.1", port) as stream:
                await stream.send(
                    b"POST /token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 209715200\r\n\r\ngrant_type=x" % port
                )
                head = b""
                while b"too large" not in head and len(head) < 65536:
                    try:
                        head += await stream.receive(65536)
                    except anyio.EndOfStream:
                        break
        assert head.startswith(b"HTTP/1.1 400"), head[:100]
        assert b"too large" in head

        async def endless() -> object:
            for _ in range(200):
                yield b"a=" + b"x" * 4096 + b"&"

        streamed = await http.post(
            "/token", content=endless(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert streamed.status_code == 400
        assert "too large" in streamed.json()["error_description"]


async def test_favicon_is_an_empty_answer() -> None:
    async with serve(make_app) as base_url, httpx2.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.get("/favicon.ico")
        assert response.status_code == 204
