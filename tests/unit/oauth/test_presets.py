"""Pre-registered clients from configuration, and the Claude preset."""

from __future__ import annotations

import pytest

from remotemcp.domain.errors import InvalidConfiguration
from remotemcp.domain.model.clients import ApplicationType, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.presets import (
    CLAUDE_REDIRECT_URIS,
    MIN_CLIENT_SECRET_LENGTH,
    claude_client,
    preregistered_client,
)
from remotemcp.domain.randomness import secret_digest

NOW = 1_700_000_000
SECRET = "s" * 24 + "-long-secret-from-config-0123456789"


def test_claude_preset() -> None:
    client = claude_client("claude-connector", SECRET, NOW)
    assert client.client_id == "claude-connector"
    assert client.redirect_uris == (
        "https://claude.ai/api/mcp/auth_callback",
        "https://claude.ai/oauth/callback",
    )
    assert client.redirect_uris == CLAUDE_REDIRECT_URIS
    assert client.origin is ClientOrigin.PRE_REGISTERED
    assert client.token_endpoint_auth_method is TokenEndpointAuthMethod.CLIENT_SECRET_POST
    assert client.is_confidential
    assert client.secret_hash == secret_digest(SECRET)
    assert SECRET not in repr(client)
    assert client.client_name == "Claude"
    assert client.grant_types == ("authorization_code", "refresh_token")
    assert client.client_id_issued_at == NOW
    assert client.client_secret_expires_at == 0


@pytest.mark.parametrize("secret", ["", "short", "x" * (MIN_CLIENT_SECRET_LENGTH - 1)])
def test_short_secrets_are_refused(secret: str) -> None:
    with pytest.raises(
        InvalidConfiguration, match=f"at least {MIN_CLIENT_SECRET_LENGTH} characters"
    ) as caught:
        claude_client("claude-connector", secret, NOW)
    assert isinstance(caught.value, ValueError)


def test_a_secret_of_exactly_the_minimum_length_is_accepted() -> None:
    secret = "x" * MIN_CLIENT_SECRET_LENGTH
    assert claude_client("claude-connector", secret, NOW).secret_hash == secret_digest(secret)


def test_a_secret_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(InvalidConfiguration, match="trailing newline"):
        claude_client("claude-connector", SECRET + "\n", NOW)


@pytest.mark.parametrize("client_id", ["", "has space", "tab\tid"])
def test_bad_client_ids_are_refused(client_id: str) -> None:
    with pytest.raises(InvalidConfiguration, match="client_id"):
        claude_client(client_id, SECRET, NOW)


def test_generic_public_client() -> None:
    client = preregistered_client(
        "cli-tool",
        ["http://127.0.0.1:8765/callback", "http://127.0.0.1:8765/callback"],
        NOW,
        client_name="CLI",
        application_type=ApplicationType.NATIVE,
        scopes=["mcp"],
        grant_types=["authorization_code"],
    )
    assert client.token_endpoint_auth_method is TokenEndpointAuthMethod.NONE
    assert client.secret_hash is None
    assert client.redirect_uris == ("http://127.0.0.1:8765/callback",)
    assert client.scopes == frozenset({"mcp"})
    assert client.grant_types == ("authorization_code",)
    assert client.application_type is ApplicationType.NATIVE
    assert client.origin is ClientOrigin.PRE_REGISTERED


def test_generic_confidential_client_defaults_to_basic() -> None:
    client = preregistered_client("svc", ["https://svc.example/cb"], NOW, secret=SECRET)
    assert client.token_endpoint_auth_method is TokenEndpointAuthMethod.CLIENT_SECRET_BASIC
    assert client.secret_hash == secret_digest(SECRET)


def test_secret_expiry_is_kept_for_confidential_clients() -> None:
    client = preregistered_client(
        "svc", ["https://svc.example/cb"], NOW, secret=SECRET, client_secret_expires_at=NOW + 10
    )
    assert client.client_secret_expires_at == NOW + 10


def test_method_and_secret_must_agree() -> None:
    with pytest.raises(InvalidConfiguration, match="has no secret"):
        preregistered_client(
            "svc",
            ["https://svc.example/cb"],
            NOW,
            token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST,
        )
    with pytest.raises(InvalidConfiguration, match="has a secret"):
        preregistered_client(
            "svc",
            ["https://svc.example/cb"],
            NOW,
            secret=SECRET,
            token_endpoint_auth_method=TokenEndpointAuthMethod.NONE,
        )


@pytest.mark.parametrize(
    ("redirect_uris", "reason"),
    [
        ([], "needs a list"),
        ("https://svc.example/cb", "needs a list"),
        (["http://svc.example/cb"], "only loopback"),
        (["https://svc.example/cb#f"], "fragment"),
    ],
)
def test_bad_redirect_uris_are_configuration_errors(redirect_uris: list[str] | str, reason: str) -> None:
    with pytest.raises(InvalidConfiguration, match=reason):
        preregistered_client("svc", redirect_uris, NOW)


@pytest.mark.parametrize("grant_types", [["refresh_token"], ["client_credentials", "authorization_code"]])
def test_bad_grant_types_are_configuration_errors(grant_types: list[str]) -> None:
    with pytest.raises(InvalidConfiguration, match="grant types"):
        preregistered_client("svc", ["https://svc.example/cb"], NOW, grant_types=grant_types)
