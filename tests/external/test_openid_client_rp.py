"""A certified OpenID Connect relying party library, openid-client, against RemoteMCP
(tests/external/oidc_rp.mjs): discovery, registration (RFC 7591, or a client pre-registered in
settings), the authorization code flow with PKCE, `state`, `nonce` and `max_age` through the real
login and consent pages, id_token validation (by the library: signature against the JWKS, iss,
aud, azp, nonce, exp, iat, auth_time; by the script: at_hash, which the library leaves to the
relying party in the code flow), userinfo, refresh, and revocation (RFC 7009) shown effective."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest

from remotemcp.domain.errors import InvalidToken
from tests.external.node_flow import (
    CALLBACK,
    EMAIL,
    NAME,
    PASSWORD,
    USERNAME,
    RunningServer,
    node_script,
    running_server,
)
from tests.integration.browser_forms import sign_in_and_approve

SCRIPT = Path(__file__).with_name("oidc_rp.mjs")
PACKAGE = Path(__file__).with_name("node_modules") / "openid-client" / "package.json"
PREREGISTERED_ID = "oidc-rp:test/1"
"""A colon and a slash, and a secret with `+ / : % & =`: RFC 6749 §2.3.1 has the client
form-url-encode both inside `Authorization: Basic`, and the server decode them."""
AWKWARD_SECRET_TAIL = "+/:%&="


def library_version() -> str:
    version: str = json.loads(PACKAGE.read_text())["version"]
    return version


async def run_relying_party(
    server: RunningServer, options: dict[str, str], node: Path, node_env: dict[str, str], tmp_path: Path
) -> dict[str, Any]:
    arguments = {"issuer": server.settings.issuer, "redirect_uri": CALLBACK, **options}
    async with (
        httpx2.AsyncClient(timeout=10, follow_redirects=False) as browser,
        node_script(node, node_env, SCRIPT, [json.dumps(arguments)], tmp_path / "stderr.txt") as script,
    ):
        with anyio.fail_after(100):
            authorize = await script.expect("authorize")
            location = await sign_in_and_approve(browser, authorize["url"], USERNAME, PASSWORD)
            await script.send({"callback": location})
            return await script.expect("result")


def jwt_payload(token: str) -> dict[str, Any]:
    """Claims of a JWT read without verification (the server verified it; this only looks)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def token_requests(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in trace if entry["path"] == "/token"]


def assert_client_authenticated(entry: dict[str, Any], auth_method: str) -> None:
    """Each request to the token, revocation and introspection endpoints used the registered method."""
    if auth_method == "client_secret_basic":
        assert entry["auth_scheme"] == "Basic", entry
        assert "client_secret" not in entry["form"]
    elif auth_method == "client_secret_post":
        assert entry["auth_scheme"] is None, entry
        assert {"client_id", "client_secret"} <= set(entry["form"])
    else:
        assert entry["auth_scheme"] is None, entry
        assert "client_id" in entry["form"] and "client_secret" not in entry["form"]


CASES = [
    pytest.param("none", False, id="public-registered"),
    pytest.param("client_secret_basic", False, id="basic-registered"),
    pytest.param("client_secret_post", False, id="post-registered"),
    pytest.param("client_secret_basic", True, id="basic-preregistered"),
]


@pytest.mark.parametrize(("auth_method", "preregistered"), CASES)
async def test_openid_client_runs_code_flow_userinfo_refresh_and_revocation(
    auth_method: str, preregistered: bool, node: Path, node_env: dict[str, str], tmp_path: Path
) -> None:
    assert library_version() == "6.9.0"
    options = {"auth_method": auth_method}
    settings: dict[str, Any] = {}
    if preregistered:
        secret = secrets.token_urlsafe(32) + AWKWARD_SECRET_TAIL
        options |= {"client_id": PREREGISTERED_ID, "client_secret": secret}
        settings["clients"] = [
            {
                "client_id": PREREGISTERED_ID,
                "client_secret": secret,
                "redirect_uris": [CALLBACK],
                "token_endpoint_auth_method": auth_method,
            }
        ]
    async with running_server(**settings) as server:
        result = await run_relying_party(server, options, node, node_env, tmp_path)
        jwks = await server.container.keys().public_jwks()
        # The grant was revoked at the end of the run: the server itself now refuses its tokens.
        with pytest.raises(InvalidToken):
            await server.container.validator().validate(result["access_token"])

    issuer = server.settings.issuer
    trace = result["trace"]
    client_id = result["client"]["client_id"]

    # -- discovery (OIDC: the issuer's openid-configuration, issuer checked) and registration ------
    assert (trace[0]["method"], trace[0]["path"], trace[0]["status"]) == (
        "GET",
        "/.well-known/openid-configuration",
        200,
    )
    assert result["server"]["issuer"] == issuer
    assert result["server"]["authorization_response_iss_parameter_supported"] is True
    registrations = [entry for entry in trace if entry["path"] == "/register"]
    if preregistered:
        assert result["registration"] == "preregistered"
        assert registrations == []
        assert client_id == PREREGISTERED_ID
    else:
        assert result["registration"] == "dynamic"
        assert [entry["status"] for entry in registrations] == [201]
        assert result["client"]["token_endpoint_auth_method"] == auth_method
        assert result["client"]["has_client_secret"] is (auth_method != "none")

    # -- the authorization request: PKCE S256, state, nonce; the response carried iss (RFC 9207) ----
    query = parse_qs(urlsplit(result["authorization_url"]).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] == [result["nonce"]]
    assert query["state"][0]
    assert query["scope"] == ["openid profile email"]
    assert query["max_age"] == ["600"]
    assert result["callback_params"] == ["code", "iss", "state"]

    # -- the id_token: validated by the library (signature via the JWKS it fetched) ---------------
    assert any(e["path"] == "/jwks" and e["status"] == 200 for e in trace)
    assert result["jwks_cached"] is True
    id_token = result["id_token"]
    claims = id_token["claims"]
    assert claims["iss"] == issuer
    assert claims["aud"] == client_id
    assert claims["azp"] == client_id
    assert claims["sub"] == server.subject
    assert claims["nonce"] == result["nonce"]
    assert id_token["nonce_matches"] is True
    assert id_token["at_hash_matches"] is True
    assert claims["at_hash"] == id_token["at_hash_expected"]
    assert claims["exp"] > claims["iat"]
    assert claims["iat"] - 600 <= claims["auth_time"] <= claims["iat"]
    assert id_token["header"]["alg"] == "RS256"
    assert id_token["header"]["kid"] in {key["kid"] for key in jwks["keys"]}

    # The access token beside it: a bearer token for this server's one resource and this client.
    assert result["token_type"] == "bearer"
    assert set(result["token_scope"].split()) == {"openid", "profile", "email"}
    access_claims = jwt_payload(result["access_token"])
    assert access_claims["aud"] == server.mcp_url
    assert access_claims["client_id"] == client_id
    assert access_claims["sub"] == server.subject

    # -- userinfo: the claims the scopes release, for the same subject ------------------------------
    assert result["userinfo"] == {
        "sub": server.subject,
        "preferred_username": USERNAME,
        "name": NAME,
        "email": EMAIL,
        "email_verified": False,
    }

    # -- refresh: rotated refresh token, new access token, a new id_token for the same person -------
    refresh = result["refresh"]
    assert refresh["refresh_token_rotated"] is True
    assert refresh["access_token_changed"] is True
    renewed = refresh["id_token"]
    assert renewed is not None
    for claim in ("iss", "sub", "aud", "azp", "auth_time"):
        assert renewed["claims"][claim] == claims[claim], claim
    assert "nonce" not in renewed["claims"]
    assert renewed["at_hash_matches"] is True
    assert refresh["userinfo"]["sub"] == server.subject

    requests = token_requests(trace)
    assert [(e["grant_type"], e["status"]) for e in requests] == [
        ("authorization_code", 200),
        ("refresh_token", 200),
        ("refresh_token", 400),
    ]
    assert "code_verifier" in requests[0]["form"]
    for entry in [*requests, *(e for e in trace if e["path"] in {"/revoke", "/introspect"})]:
        assert_client_authenticated(entry, auth_method)

    # -- revocation ---------------------------------------------------------------------------------
    revocation = result["revocation"]
    assert [(e["token_type_hint"], e["status"]) for e in trace if e["path"] == "/revoke"] == [
        ("access_token", 200),
        ("refresh_token", 200),
    ]
    bearer_refusal = {
        "refused": True,
        "name": "WWWAuthenticateChallengeError",
        "code": "OAUTH_WWW_AUTHENTICATE_CHALLENGE",
        "error": "invalid_token",
        "status": 401,
        "scheme": "bearer",
    }
    # The revoked access token is refused at once; the grant's other access token lives on...
    assert revocation["revoked_access_token_userinfo"] == bearer_refusal
    assert revocation["sibling_access_token_before_refresh_revocation"] == {"refused": False}
    # ...until the refresh token is revoked, which ends the grant: no refresh, no access token.
    assert revocation["revoked_refresh_token_grant"] == {
        "refused": True,
        "name": "ResponseBodyError",
        "code": "OAUTH_RESPONSE_BODY_ERROR",
        "error": "invalid_grant",
        "status": 400,
        "scheme": None,
    }
    assert revocation["grant_access_token_after_refresh_revocation"] == bearer_refusal

    if auth_method == "none":
        # Introspection answers confidential clients only; a public one never asked.
        assert not any(e["path"] == "/introspect" for e in trace)
        assert revocation["introspect_before"] is None
    else:
        before = revocation["introspect_before"]
        assert before["active"] is True
        assert (before["client_id"], before["sub"], before["aud"], before["iss"]) == (
            client_id,
            server.subject,
            server.mcp_url,
            issuer,
        )
        assert revocation["introspect_revoked_access_token"] == {"active": False}
        assert revocation["introspect_revoked_refresh_token"] == {"active": False}
