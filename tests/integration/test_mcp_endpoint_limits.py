"""The MCP endpoint's limits on a real socket: the base scope every request needs, the share of
sessions one principal may hold, and failures that name no discarded session."""

from __future__ import annotations

from typing import Any

import anyio
import httpx2

from tests.integration.mcp_endpoint_support import (
    INITIALIZE,
    SSE_ACCEPT,
    RunningServer,
    bearer,
    open_session,
    rpc,
    running,
    session_headers,
)

MODERN = "2026-07-28"


def modern_discover(token: str) -> dict[str, Any]:
    return {
        "json": rpc(
            "server/discover",
            {
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": MODERN,
                    "io.modelcontextprotocol/clientCapabilities": {},
                }
            },
        ),
        "headers": bearer(
            token, Accept=SSE_ACCEPT, **{"mcp-protocol-version": MODERN, "mcp-method": "server/discover"}
        ),
    }


async def initialize(http: httpx2.AsyncClient, server: RunningServer, token: str) -> httpx2.Response:
    with anyio.fail_after(5):
        return await http.post(server.mcp_url, json=INITIALIZE, headers=bearer(token, Accept=SSE_ACCEPT))


# -- the base scope ------------------------------------------------------------------------------


async def test_a_valid_token_without_the_base_scope_is_refused_before_the_sdk() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        openid_only = await server.token(["openid"])
        mcp_token = await server.token(["mcp"])
        session_id = await open_session(http, server, mcp_token)
        stored = await server.container.event_repo().count()
        expected = (
            'Bearer error="insufficient_scope", error_description="this call needs the scopes: mcp", '
            f'scope="mcp openid", resource_metadata="{server.resource_metadata}"'
        )
        attempts: list[tuple[str, dict[str, Any]]] = [
            ("POST", {"json": INITIALIZE, "headers": bearer(openid_only, Accept=SSE_ACCEPT)}),
            ("POST", modern_discover(openid_only)),
            ("GET", {"headers": bearer(openid_only, Accept=SSE_ACCEPT)}),
            ("DELETE", {"headers": bearer(openid_only)}),
            ("PUT", {"headers": bearer(openid_only)}),
            # The same principal, in the session a token with the base scope opened.
            ("POST", {"json": rpc("tools/list", {}), "headers": session_headers(openid_only, session_id)}),
            ("GET", {"headers": session_headers(openid_only, session_id)}),
            ("DELETE", {"headers": session_headers(openid_only, session_id)}),
        ]
        for method, options in attempts:
            with anyio.fail_after(5):
                response = await http.request(method, server.mcp_url, **options)
            assert response.status_code == 403, (method, response.text)
            assert response.headers["www-authenticate"] == expected
            assert response.headers["content-type"] == "application/json"
            assert response.json() == {
                "error": "insufficient_scope",
                "error_description": "this call needs the scopes: mcp",
                "scope": "mcp openid",
                "resource_metadata": server.resource_metadata,
            }
            assert "mcp-session-id" not in response.headers

        # Nothing reached the SDK: no event was stored, the session was not ended.
        assert await server.container.event_repo().count() == stored
        listing = await http.post(
            server.mcp_url,
            json=rpc("tools/list", {}, request_id=3),
            headers=session_headers(mcp_token, session_id),
        )
        assert listing.status_code == 200
        assert (await http.post(server.mcp_url, **modern_discover(mcp_token))).status_code == 200


async def test_the_required_scopes_are_configurable_and_named_in_every_challenge() -> None:
    async with (
        running(mcp_required_scopes=["mcp", "profile"]) as server,
        httpx2.AsyncClient(timeout=5) as http,
    ):
        anonymous = await http.post(server.mcp_url, json=INITIALIZE, headers={"Accept": SSE_ACCEPT})
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == (
            f'Bearer scope="mcp profile", resource_metadata="{server.resource_metadata}"'
        )

        short = await initialize(http, server, await server.token(["mcp", "email"]))
        assert short.status_code == 403
        assert 'scope="email mcp profile"' in short.headers["www-authenticate"]
        assert short.json()["error_description"] == "this call needs the scopes: profile"

        enough = await initialize(http, server, await server.token(["mcp", "profile"]))
        assert enough.status_code == 200


# -- sessions per principal ----------------------------------------------------------------------


async def test_one_principal_holds_at_most_its_share_of_sessions() -> None:
    async with running(max_sessions_per_principal=2) as server, httpx2.AsyncClient(timeout=5) as http:
        alice = await server.token(["mcp"])
        first = await open_session(http, server, alice)
        await open_session(http, server, await server.token(["mcp"]))  # a refreshed token: same principal

        refused = await initialize(http, server, alice)
        assert refused.status_code == 429
        assert "mcp-session-id" not in refused.headers
        body = refused.json()
        assert (body["jsonrpc"], body["id"], body["error"]["code"]) == ("2.0", None, -32600)
        assert body["error"]["message"].startswith("Too many open sessions for this principal (at most 2)")

        # Other principals, the open sessions and the sessionless era go on.
        await open_session(http, server, await server.token(["mcp"], subject="bob"))
        await open_session(http, server, await server.token(["mcp"], client_id="client-2"))
        listing = await http.post(
            server.mcp_url, json=rpc("tools/list", {}, request_id=2), headers=session_headers(alice, first)
        )
        assert listing.status_code == 200
        assert (await http.post(server.mcp_url, **modern_discover(alice))).status_code == 200

        # Ending a session frees its slot, and only one.
        ended = await http.delete(server.mcp_url, headers=session_headers(alice, first))
        assert ended.status_code == 200
        await open_session(http, server, alice)
        assert (await initialize(http, server, alice)).status_code == 429


async def test_failed_opening_requests_hold_no_slot() -> None:
    async with running(max_sessions_per_principal=1) as server, httpx2.AsyncClient(timeout=5) as http:
        alice = await server.token(["mcp"])
        for _ in range(3):
            assert (await http.put(server.mcp_url, headers=bearer(alice))).status_code == 405
            assert (
                await http.get(server.mcp_url, headers=bearer(alice, Accept=SSE_ACCEPT))
            ).status_code == 400
            listing = await http.post(
                server.mcp_url, json=rpc("tools/list"), headers=bearer(alice, Accept=SSE_ACCEPT)
            )
            assert listing.status_code == 400
        await open_session(http, server, alice)


async def test_idle_sessions_expire_after_the_configured_timeout_and_free_their_slot() -> None:
    async with (
        running(max_sessions_per_principal=1, mcp_session_idle_timeout=1) as server,
        httpx2.AsyncClient(timeout=5) as http,
    ):
        alice = await server.token(["mcp"])
        idle = await open_session(http, server, alice)
        assert (await initialize(http, server, alice)).status_code == 429

        with anyio.fail_after(5):
            # The server's idle timer cannot be awaited from here, so the slot is polled.
            while (reopened := await initialize(http, server, alice)).status_code == 429:  # noqa: ASYNC110
                await anyio.sleep(0.1)
        assert reopened.status_code == 200
        gone = await http.post(
            server.mcp_url, json=rpc("tools/list", {}), headers=session_headers(alice, idle)
        )
        assert gone.status_code == 404


# -- failures without a session ------------------------------------------------------------------


async def test_failures_without_a_session_name_no_session() -> None:
    async with running() as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp"])
        failures = {
            "PUT": await http.put(server.mcp_url, headers=bearer(token)),
            "GET": await http.get(server.mcp_url, headers=bearer(token, Accept=SSE_ACCEPT)),
            "DELETE": await http.delete(server.mcp_url, headers=bearer(token)),
            "notification": await http.post(
                server.mcp_url,
                json=rpc("notifications/initialized", request_id=None),
                headers=bearer(token, Accept=SSE_ACCEPT),
            ),
            "request": await http.post(
                server.mcp_url, json=rpc("tools/list"), headers=bearer(token, Accept=SSE_ACCEPT)
            ),
        }
        assert {name: r.status_code for name, r in failures.items()} == {
            "PUT": 405,
            "GET": 400,
            "DELETE": 400,
            "notification": 400,
            "request": 400,
        }
        for name, response in failures.items():
            assert "mcp-session-id" not in response.headers, name

        # A successful opening request names its session; a failure inside a session keeps the
        # SDK's answer, session id included.
        session_id = await open_session(http, server, token)
        in_session = await http.put(server.mcp_url, headers=session_headers(token, session_id))
        assert in_session.status_code == 405
        assert in_session.headers["mcp-session-id"] == session_id
