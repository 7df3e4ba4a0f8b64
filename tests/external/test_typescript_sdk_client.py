"""A second MCP client implementation: the official TypeScript SDK (@modelcontextprotocol/sdk) with
its OAuth client provider runs the whole flow against RemoteMCP (tests/external/ts_sdk_client.mjs):
401 → protected resource metadata → authorization server metadata → dynamic registration → PKCE +
`resource` → login and consent (played here through the real pages) → token → tools; then the
server's clock passes the access token's expiry, and the SDK must refresh on the 401 it meets and
carry on in the same session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest

from tests.external.node_flow import CALLBACK, PASSWORD, USERNAME, node_script, running_server
from tests.integration.browser_forms import sign_in_and_approve

SCRIPT = Path(__file__).with_name("ts_sdk_client.mjs")
SDK_PACKAGE = Path(__file__).with_name("node_modules") / "@modelcontextprotocol" / "sdk" / "package.json"


def sdk_version() -> str:
    version: str = json.loads(SDK_PACKAGE.read_text())["version"]
    return version


def calls(trace: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(entry["method"], entry["path"], entry["status"]) for entry in trace]


@pytest.mark.parametrize("auth_method", ["none", "client_secret_basic"])
async def test_typescript_sdk_client_authorizes_calls_tools_and_refreshes(
    auth_method: str, node: Path, node_env: dict[str, str], tmp_path: Path
) -> None:
    assert sdk_version() == "1.32.2"
    async with (
        running_server() as server,
        httpx2.AsyncClient(timeout=10, follow_redirects=False) as browser,
        node_script(
            node, node_env, SCRIPT, [server.mcp_url, CALLBACK, auth_method], tmp_path / "stderr.txt"
        ) as script,
    ):
        with anyio.fail_after(100):
            authorize = await script.expect("authorize")
            location = await sign_in_and_approve(browser, authorize["url"], USERNAME, PASSWORD)
            await script.send({"callback": location})

            await script.expect("expire_access_token")
            server.clock.advance(server.settings.access_token_ttl + 60)
            await script.send({"expired": True})
            result = await script.expect("result")

        # -- discovery and registration, as the SDK did them ----------------------------------------
        trace = result["trace"]
        steps = calls(trace)
        # 401 → RFC 9728 metadata named by the challenge → RFC 8414 metadata → RFC 7591 → code.
        assert steps[:5] == [
            ("POST", "/mcp", 401),
            ("GET", "/.well-known/oauth-protected-resource/mcp", 200),
            ("GET", "/.well-known/oauth-authorization-server", 200),
            ("POST", "/register", 201),
            ("POST", "/token", 200),
        ], steps
        assert 'resource_metadata="' in trace[0]["www_authenticate"]
        assert result["discovery"] == {
            "authorization_server": server.settings.issuer,
            "issuer": server.settings.issuer,
            "resource": server.mcp_url,
        }
        assert result["first_connect_error"] == "UnauthorizedError"
        info = result["client_information"]
        assert info["token_endpoint_auth_method"] == auth_method
        assert info["has_client_secret"] is (auth_method != "none")
        registered = await server.container.clients().get(info["client_id"])
        assert registered is not None

        # -- the person was asked once: PKCE S256, the resource, a state, and `iss` came back -------
        assert len(result["authorization_urls"]) == 1
        query = parse_qs(urlsplit(result["authorization_urls"][0]).query)
        assert query["response_type"] == ["code"]
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["code_challenge"][0]) == 43
        assert query["resource"] == [server.mcp_url]
        assert query["redirect_uri"] == [CALLBACK]
        assert query["state"][0]
        # SEP-835: the scope named by the 401's challenge, the same one asked at registration.
        challenge_scope = trace[0]["www_authenticate"].split('scope="')[1].split('"')[0]
        assert query["scope"] == [challenge_scope]
        assert result["callback_iss"] == server.settings.issuer

        # -- token requests: code with verifier and resource, then one refresh on the 401 ---------
        token_requests = result["token_requests"]
        assert [(r["form"]["grant_type"], r["status"]) for r in token_requests] == [
            ("authorization_code", 200),
            ("refresh_token", 200),
        ]
        code_request, refresh_request = token_requests
        assert code_request["form"]["has_code_verifier"] is True
        assert code_request["form"]["resource"] == server.mcp_url
        assert code_request["form"]["redirect_uri"] == CALLBACK
        assert refresh_request["form"]["resource"] == server.mcp_url
        expected_scheme = "Basic" if auth_method == "client_secret_basic" else None
        assert code_request["auth_scheme"] == refresh_request["auth_scheme"] == expected_scheme

        # -- tools worked before and after the refresh -----------------------------------------------
        for phase in ("before_refresh", "after_refresh"):
            used = result[phase]
            assert {"hello", "get_time"} <= set(used["tools"]), used
            assert used["hello"] == {"is_error": False, "text": ["Привет от MCP сервера!"]}
            assert used["get_time"]["is_error"] is False
            assert "Europe/Moscow" in used["get_time"]["text"][0]

        # The expired token met a 401 naming invalid_token; the SDK refreshed (not a second visit
        # to the pages) and replayed the request with the new token.
        refresh_index = trace.index(refresh_request)
        refused = trace[refresh_index - 1]
        assert (refused["method"], refused["path"], refused["status"]) == ("POST", "/mcp", 401)
        assert 'error="invalid_token"' in refused["www_authenticate"]
        replayed = trace[refresh_index + 1]
        assert (replayed["method"], replayed["path"], replayed["status"]) == ("POST", "/mcp", 200)
        assert result["refreshed"] is True
        assert result["refresh_token_changed"] is True
        assert result["access_token_changed"] is True
        assert result["tokens_saved"] == 2
        # The refreshed token carried on the same MCP session (bound to the same user and client).
        assert result["session_id_before"]
        assert result["session_id_after"] == result["session_id_before"]

        # The token the SDK ended with is RemoteMCP's, bound to the MCP resource and this client.
        claims = await server.container.validator().validate(result["final_access_token"])
        assert claims.audience == server.mcp_url
        assert claims.client_id == info["client_id"]
        assert "mcp" in claims.scopes
