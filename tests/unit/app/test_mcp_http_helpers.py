"""Pure helpers of the MCP endpoint: bearer challenges, the scopes a JSON-RPC body needs, the
Host/Origin allow-lists, the bounded body reader and the log-level mapping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Message

from remotemcp.app.mcp import challenges
from remotemcp.app.mcp.auth import bearer_token
from remotemcp.app.mcp.body import BodyTooLarge, ClientDisconnected, declared_length, read_body, replaying
from remotemcp.app.mcp.scope_requirements import required_scopes
from remotemcp.app.mcp.tool_context import SessionLogLevels, wire_level
from remotemcp.app.mcp.transport_security import public_authorities, security_settings
from remotemcp.app.settings import Settings
from remotemcp.domain.tools import ToolRegistry

SETTINGS = Settings(public_url="https://mcp.example.com", scopes_supported=["mcp", "admin", "openid"])
METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"


# -- challenges ----------------------------------------------------------------------------------


def test_resource_metadata_url_inserts_the_well_known_path_before_the_resource_path() -> None:
    assert challenges.resource_metadata_url(SETTINGS) == METADATA
    other = Settings(public_url="https://example.com/tenant", mcp_path="/api/mcp")
    assert challenges.resource_metadata_url(other) == (
        "https://example.com/.well-known/oauth-protected-resource/tenant/api/mcp"
    )


def test_missing_token_challenge_has_no_error_information() -> None:
    challenge = challenges.token_required(SETTINGS)
    assert challenge.status_code == 401
    assert challenge.header() == f'Bearer scope="mcp", resource_metadata="{METADATA}"'
    body = json.loads(challenge.body())
    assert "error" not in body
    assert body["resource_metadata"] == METADATA


def test_invalid_token_challenge_names_the_error_and_sanitises_the_description() -> None:
    challenge = challenges.invalid_token(SETTINGS, 'expired: "quoted"\r\nInjected: yes')
    header = challenge.header()
    assert header.startswith('Bearer error="invalid_token", error_description="expired: ')
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 6
    assert json.loads(challenge.body())["error"] == "invalid_token"


def test_insufficient_scope_names_required_and_granted_scopes() -> None:
    challenge = challenges.insufficient_scope(SETTINGS, frozenset({"admin"}), frozenset({"mcp", "openid"}))
    assert challenge.status_code == 403
    assert challenge.header() == (
        'Bearer error="insufficient_scope", error_description="this call needs the scopes: admin", '
        f'scope="admin mcp openid", resource_metadata="{METADATA}"'
    )
    response = challenge.response()
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer   abc ", "abc"),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", ""),
    ],
)
def test_bearer_token_reads_only_the_bearer_scheme(header: str | None, expected: str | None) -> None:
    headers = [] if header is None else [(b"authorization", header.encode())]
    assert bearer_token({"type": "http", "headers": headers}) == expected


# -- scope requirements --------------------------------------------------------------------------


def registry() -> ToolRegistry:
    reg = ToolRegistry()
    reg.add_tool(lambda: "ok", name="open")
    reg.add_tool(lambda: "ok", name="guarded", scopes=["admin"])
    reg.add_resource(lambda: "x", "test://secret", name="secret", scopes=["files"])
    reg.add_resource(lambda item: item, "test://items/{item}", name="items", scopes=["items"])
    reg.add_prompt(lambda: "p", name="confess", scopes=["admin", "audit"])
    return reg


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "guarded"}}, {"admin"}),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "open"}}, set()),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "unknown"}}, set()),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": 5}}, set()),
        ({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "guarded"}}, set()),
        (
            {"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "test://secret"}},
            {"files"},
        ),
        (
            {"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "test://items/3"}},
            {"items"},
        ),
        (
            {"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "confess"}},
            {"admin", "audit"},
        ),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, set()),
        (
            [
                {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "guarded"}},
                {"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "test://secret"}},
            ],
            {"admin", "files"},
        ),
        (None, set()),
        ("tools/call", set()),
    ],
)
def test_required_scopes_follow_the_targeted_entry(payload: Any, expected: set[str]) -> None:
    assert required_scopes(registry(), payload) == frozenset(expected)


# -- Host and Origin allow-lists -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://mcp.example.com", ["mcp.example.com", "mcp.example.com:443"]),
        ("https://mcp.example.com:443/base", ["mcp.example.com", "mcp.example.com:443"]),
        ("https://MCP.Example.com:8443", ["mcp.example.com:8443"]),
        ("http://127.0.0.1:8000", ["127.0.0.1:8000"]),
        ("http://[::1]:9000", ["[::1]:9000"]),
        ("http://localhost", ["localhost", "localhost:80"]),
    ],
)
def test_public_authorities_cover_every_spelling_a_client_sends(url: str, expected: list[str]) -> None:
    assert public_authorities(url) == expected


def test_security_settings_add_the_configured_hosts_and_origins() -> None:
    settings = Settings(
        public_url="https://mcp.example.com",
        allowed_hosts=["127.0.0.1:*"],
        allowed_origins=["https://app.example"],
    )
    security = security_settings(settings)
    assert security.enable_dns_rebinding_protection
    assert security.allowed_hosts == ["mcp.example.com", "mcp.example.com:443", "127.0.0.1:*"]
    assert security.allowed_origins == [
        "https://mcp.example.com",
        "https://mcp.example.com:443",
        "https://app.example",
    ]


# -- the bounded body ----------------------------------------------------------------------------


def messages(*items: Message) -> Any:
    queue = list(items)

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive


async def test_read_body_joins_chunks_and_replays_them_first() -> None:
    receive = messages(
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    )
    body = await read_body(receive, limit=10)
    assert body == b"abcd"
    again = replaying(body, receive)
    assert await again() == {"type": "http.request", "body": b"abcd", "more_body": False}
    assert await again() == {"type": "http.disconnect"}


async def test_read_body_stops_at_the_limit_and_on_disconnect() -> None:
    with pytest.raises(BodyTooLarge):
        await read_body(messages({"type": "http.request", "body": b"x" * 11, "more_body": True}), limit=10)
    with pytest.raises(ClientDisconnected):
        await read_body(messages(), limit=10)


def test_declared_length_ignores_garbage() -> None:
    def scope(value: bytes) -> dict[str, Any]:
        return {"type": "http", "headers": [(b"content-length", value)]}

    assert declared_length(scope(b"42")) == 42
    assert declared_length(scope(b"-1")) is None
    assert declared_length({"type": "http", "headers": []}) is None


# -- log levels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("info", "info"),
        ("WARNING", "warning"),
        ("warn", "warning"),
        ("fatal", "critical"),
        ("chatty", "info"),
    ],
)
def test_wire_level_maps_python_names(given: str, wire: str) -> None:
    assert wire_level(given) == wire


def test_session_log_levels_filter_per_session_and_stay_bounded() -> None:
    levels = SessionLogLevels(max_sessions=2)
    levels.set("a", "warning")
    assert not levels.allows("a", "info")
    assert levels.allows("a", "error")
    assert levels.allows("other", "debug")
    assert levels.allows(None, "debug")
    levels.set("b", "error")
    levels.set("c", "error")
    assert levels.allows("a", "info")  # the oldest choice was forgotten


def test_missing_token_challenge_names_the_endpoints_required_scopes() -> None:
    settings = SETTINGS.model_copy(update={"mcp_required_scopes": ["openid", "mcp"]})
    assert challenges.token_required(settings).scope == "mcp openid"
    # With no scope required, the challenge falls back to what an authorization gets by default.
    settings = SETTINGS.model_copy(update={"mcp_required_scopes": [], "default_scopes": ["openid"]})
    assert challenges.token_required(settings).scope == "openid"


# -- settings of the endpoint --------------------------------------------------------------------


def test_endpoint_settings_defaults() -> None:
    assert (SETTINGS.mcp_required_scopes, SETTINGS.max_sessions_per_principal) == (["mcp"], 32)
    assert SETTINGS.mcp_session_idle_timeout == 1800


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"mcp_required_scopes": ["mcp", "admin"]},
            "mcp_required_scopes must be a subset of scopes_supported",
        ),
        ({"max_sessions_per_principal": 0}, "max_sessions_per_principal"),
        ({"mcp_session_idle_timeout": 0}, "mcp_session_idle_timeout"),
    ],
)
def test_endpoint_settings_are_validated(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(public_url="https://mcp.example.com", scopes_supported=["mcp", "openid"], **options)
