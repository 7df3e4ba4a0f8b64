"""The authorization server's machine-facing endpoints over real HTTP: discovery documents, JWKS,
dynamic registration, the token endpoint, revocation, introspection and userinfo.

Codes are issued in-process through the domain (the browser pages are tested elsewhere), then
everything a client does with them goes over the wire to a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import anyio
import httpx2
import pytest
from dependency_injector import providers
from pydantic import SecretStr

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.app.container import Container
from remotemcp.app.factory import create_app
from remotemcp.app.http.metadata import protected_resource_metadata_url
from remotemcp.app.settings import PreregisteredClientSettings, Settings
from remotemcp.domain.model.users import User
from remotemcp.domain.oauth.authorization_request import validate_authorization_request
from tests.integration.harness import serve

PASSWORD = "correct horse battery staple"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
FULL_SCOPE = "openid profile email mcp"
NO_STORE = ("no-store", "no-cache")

# A pre-registered client whose id and secret need RFC 6749 §2.3.1 form-url-encoding in Basic.
ODD_CLIENT_ID = "tool:box+1"
ODD_CLIENT_SECRET = "s3cr:t+%/&=" + "x" * 32


@dataclass
class Env:
    base_url: str
    settings: Settings
    container: Container
    http: httpx2.AsyncClient
    user: User


@contextlib.asynccontextmanager
async def running(path: str = "", **overrides: Any) -> AsyncIterator[Env]:
    built: dict[str, Any] = {}

    def make_app(base_url: str) -> Any:
        settings = Settings(public_url=base_url + path, **overrides)
        container = Container(settings=settings)
        container.password_hasher.override(providers.Object(Argon2PasswordHasher.for_tests()))
        built.update(settings=settings, container=container)
        return create_app(settings, container=container)

    with anyio.fail_after(15):
        async with serve(make_app) as base_url:
            container: Container = built["container"]
            user = await container.users().create_user(
                "alice", PASSWORD, email="alice@example.com", name="Alice Liddell"
            )
            async with httpx2.AsyncClient(base_url=base_url, timeout=5, trust_env=False) as http:
                yield Env(base_url, built["settings"], container, http, user)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwt_part(token: str, index: int) -> dict[str, Any]:
    segment = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


def assert_no_store(response: httpx2.Response) -> None:
    assert response.headers.get("cache-control") == "no-store"
    assert response.headers.get("pragma") == "no-cache"


def assert_oauth_error(response: httpx2.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert body.get("error_description"), body
    assert_no_store(response)
    return body


async def register(env: Env, **metadata: Any) -> dict[str, Any]:
    body = {"redirect_uris": [REDIRECT_URI], "client_name": "Test Client", **metadata}
    response = await env.http.post("/register", json=body)
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def issue_code(env: Env, client_id: str, challenge: str, scope: str = FULL_SCOPE) -> str:
    client = await env.container.client_resolver().resolve(client_id)
    params = {
        "client_id": [client_id],
        "redirect_uri": [REDIRECT_URI],
        "response_type": ["code"],
        "code_challenge": [challenge],
        "code_challenge_method": ["S256"],
        "scope": [scope],
        "state": ["st"],
        "nonce": ["n-0S6"],
        "resource": [env.settings.resource],
    }
    request = validate_authorization_request(client, params, env.container.policy())
    return await env.container.codes().issue(request, env.user.user_id, env.container.clock().now())


def code_form(code: str, verifier: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        **extra,
    }


async def public_tokens(env: Env, scope: str = FULL_SCOPE) -> tuple[str, dict[str, Any]]:
    """A public client and the tokens of one code exchange."""
    client_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
    verifier, challenge = pkce_pair()
    code = await issue_code(env, client_id, challenge, scope)
    response = await env.http.post("/token", data=code_form(code, verifier, client_id=client_id))
    assert response.status_code == 200, response.text
    return client_id, response.json()


# -- discovery ------------------------------------------------------------------------------------


async def test_authorization_server_metadata_is_one_document_at_both_urls() -> None:
    async with running() as env:
        oauth = await env.http.get("/.well-known/oauth-authorization-server")
        oidc = await env.http.get("/.well-known/openid-configuration")
        assert oauth.status_code == oidc.status_code == 200
        assert oauth.json() == oidc.json()
        assert oauth.headers["content-type"] == "application/json"
        assert oauth.headers["cache-control"] == "public, max-age=600"
        doc = oauth.json()
        base = env.base_url
        assert doc["issuer"] == base
        assert doc["authorization_endpoint"] == f"{base}/authorize"
        assert doc["token_endpoint"] == f"{base}/token"
        assert doc["registration_endpoint"] == f"{base}/register"
        assert doc["revocation_endpoint"] == f"{base}/revoke"
        assert doc["introspection_endpoint"] == f"{base}/introspect"
        assert doc["userinfo_endpoint"] == f"{base}/userinfo"
        assert doc["jwks_uri"] == f"{base}/jwks"
        assert "end_session_endpoint" not in doc
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert doc["response_types_supported"] == ["code"]
        assert doc["response_modes_supported"] == ["query"]
        assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
        assert doc["token_endpoint_auth_methods_supported"] == [
            "none",
            "client_secret_basic",
            "client_secret_post",
        ]
        assert doc["revocation_endpoint_auth_methods_supported"] == [
            "none",
            "client_secret_basic",
            "client_secret_post",
        ]
        assert doc["introspection_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "client_secret_post",
        ]
        assert doc["authorization_response_iss_parameter_supported"] is True
        assert doc["client_id_metadata_document_supported"] is True
        assert set(doc["scopes_supported"]) == {"openid", "profile", "email", "offline_access", "mcp"}
        assert doc["subject_types_supported"] == ["public"]
        assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
        assert {"sub", "email", "preferred_username"} <= set(doc["claims_supported"])
        assert doc["request_parameter_supported"] is False
        assert doc["request_uri_parameter_supported"] is False
        assert doc["protected_resources"] == [f"{base}/mcp"]


async def test_metadata_follows_registration_and_metadata_document_settings() -> None:
    async with running(
        registration_enabled=False, metadata_documents_enabled=False, signing_alg="ES256"
    ) as env:
        doc = (await env.http.get("/.well-known/oauth-authorization-server")).json()
        assert "registration_endpoint" not in doc
        assert doc["client_id_metadata_document_supported"] is False
        assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
        jwks = (await env.http.get("/jwks")).json()
        assert [key["alg"] for key in jwks["keys"]] == ["ES256"]

        refused = await env.http.post("/register", json={"redirect_uris": [REDIRECT_URI]})
        assert_oauth_error(refused, 403, "access_denied")
        assert await env.container.clients().list() == []


async def test_discovery_with_an_issuer_path_answers_every_probed_url() -> None:
    async with running("/tenant") as env:
        issuer = f"{env.base_url}/tenant"
        probes = [
            "/.well-known/oauth-authorization-server/tenant",
            "/.well-known/openid-configuration/tenant",
            "/tenant/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ]
        documents = []
        for path in probes:
            response = await env.http.get(path)
            assert response.status_code == 200, path
            documents.append(response.json())
        assert all(doc == documents[0] for doc in documents)
        assert documents[0]["issuer"] == issuer
        assert documents[0]["token_endpoint"] == f"{issuer}/token"
        assert documents[0]["jwks_uri"] == f"{issuer}/jwks"

        prm_url = protected_resource_metadata_url(env.settings)
        assert prm_url == f"{env.base_url}/.well-known/oauth-protected-resource/tenant/mcp"
        prm = await env.http.get(prm_url)
        assert prm.status_code == 200
        assert prm.json()["resource"] == f"{issuer}/mcp"
        assert prm.json()["authorization_servers"] == [issuer]


async def test_protected_resource_metadata() -> None:
    async with running() as env:
        assert protected_resource_metadata_url(env.settings) == (
            f"{env.base_url}/.well-known/oauth-protected-resource/mcp"
        )
        suffixed = await env.http.get("/.well-known/oauth-protected-resource/mcp")
        root = await env.http.get("/.well-known/oauth-protected-resource")
        assert suffixed.status_code == root.status_code == 200
        assert suffixed.json() == root.json()
        assert suffixed.headers["cache-control"] == "public, max-age=600"
        prm = suffixed.json()
        assert prm["resource"] == f"{env.base_url}/mcp"
        assert prm["authorization_servers"] == [env.base_url]
        assert prm["bearer_methods_supported"] == ["header"]
        assert prm["resource_name"] == "remotemcp"
        assert set(prm["scopes_supported"]) == {"openid", "profile", "email", "mcp"}
        assert (await env.http.get("/.well-known/oauth-protected-resource/other")).status_code == 404


async def test_jwks_publishes_public_keys_only() -> None:
    async with running() as env:
        response = await env.http.get("/jwks")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "public, max-age=300"
        keys = response.json()["keys"]
        assert len(keys) == 1
        key = keys[0]
        assert key["kty"] == "RSA"
        assert key["alg"] == "RS256"
        assert key["use"] == "sig"
        assert key["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


async def test_wrong_methods_get_405_with_allow() -> None:
    async with running() as env:
        cases = {
            "/.well-known/oauth-authorization-server": ("post", "GET"),
            "/.well-known/oauth-protected-resource": ("delete", "GET"),
            "/jwks": ("put", "GET"),
            "/token": ("get", "POST"),
            "/register": ("get", "POST"),
            "/revoke": ("get", "POST"),
            "/introspect": ("get", "POST"),
            "/userinfo": ("delete", "GET"),
        }
        for path, (method, allowed) in cases.items():
            response = await env.http.request(method.upper(), path)
            assert response.status_code == 405, path
            assert allowed in response.headers["allow"], path


# -- dynamic client registration ------------------------------------------------------------------


async def test_register_public_client() -> None:
    async with running() as env:
        response = await env.http.post(
            "/register",
            json={
                "redirect_uris": [REDIRECT_URI],
                "client_name": "CLI",
                "token_endpoint_auth_method": "none",
                "scope": "mcp openid",
            },
        )
        assert response.status_code == 201, response.text
        assert_no_store(response)
        body = response.json()
        assert body["client_id"]
        assert "client_secret" not in body
        assert body["token_endpoint_auth_method"] == "none"
        assert body["redirect_uris"] == [REDIRECT_URI]
        assert body["grant_types"] == ["authorization_code", "refresh_token"]
        assert body["scope"] == "mcp openid"
        stored = await env.container.clients().get(body["client_id"])
        assert stored is not None and not stored.is_confidential


async def test_register_confidential_client_defaults_to_basic() -> None:
    async with running() as env:
        body = await register(env)
        assert body["token_endpoint_auth_method"] == "client_secret_basic"
        assert len(body["client_secret"]) >= 32
        assert body["client_secret_expires_at"] == 0
        stored = await env.container.clients().get(body["client_id"])
        assert stored is not None
        assert stored.secret_hash is not None and body["client_secret"] not in stored.secret_hash


async def test_register_refuses_bad_requests_and_stores_nothing() -> None:
    async with running() as env:
        good = {"redirect_uris": [REDIRECT_URI]}
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("form body", {"data": {"redirect_uris": REDIRECT_URI}}, "invalid_client_metadata"),
            (
                "text/plain",
                {"content": json.dumps(good), "headers": {"Content-Type": "text/plain"}},
                "invalid_client_metadata",
            ),
            (
                "not JSON",
                {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
                "invalid_client_metadata",
            ),
            ("array", {"json": [good]}, "invalid_client_metadata"),
            ("too large", {"json": {**good, "client_name": "x" * 70_000}}, "invalid_client_metadata"),
            ("no redirect_uris", {"json": {"client_name": "x"}}, "invalid_redirect_uri"),
            ("fragment", {"json": {"redirect_uris": ["https://a.example/cb#x"]}}, "invalid_redirect_uri"),
            ("javascript", {"json": {"redirect_uris": ["javascript:alert(1)"]}}, "invalid_redirect_uri"),
            ("grant", {"json": {**good, "grant_types": ["password"]}}, "invalid_client_metadata"),
            (
                "auth method",
                {"json": {**good, "token_endpoint_auth_method": "private_key_jwt"}},
                "invalid_client_metadata",
            ),
            ("scope", {"json": {**good, "scope": "admin"}}, "invalid_client_metadata"),
            (
                "client_uri",
                {"json": {**good, "client_uri": "http://evil.example"}},
                "invalid_client_metadata",
            ),
        ]
        for name, request, error in cases:
            response = await env.http.post("/register", **request)
            body = assert_oauth_error(response, 400, error)
            assert body["error_description"], name
        assert await env.container.clients().list() == []


# -- token endpoint: refusals ---------------------------------------------------------------------


async def test_token_endpoint_refuses_malformed_requests() -> None:
    async with running() as env:
        client_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
        as_json = await env.http.post(
            "/token", json={"grant_type": "authorization_code", "client_id": client_id}
        )
        assert_oauth_error(as_json, 400, "invalid_request")

        missing = await env.http.post("/token", data={"client_id": client_id, "code": "abc"})
        assert "grant_type" in assert_oauth_error(missing, 400, "invalid_request")["error_description"]

        for grant_type in ("client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code"):
            unsupported = await env.http.post(
                "/token", data={"client_id": client_id, "grant_type": grant_type}
            )
            assert_oauth_error(unsupported, 400, "unsupported_grant_type")

        no_code = await env.http.post(
            "/token", data={"client_id": client_id, "grant_type": "authorization_code"}
        )
        assert_oauth_error(no_code, 400, "invalid_request")
        no_refresh = await env.http.post(
            "/token", data={"client_id": client_id, "grant_type": "refresh_token"}
        )
        assert_oauth_error(no_refresh, 400, "invalid_request")

        invalid_code = await env.http.post(
            "/token", data=code_form("no-such-code", "v" * 43, client_id=client_id)
        )
        assert_oauth_error(invalid_code, 400, "invalid_grant")
        invalid_refresh = await env.http.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": "nope", "client_id": client_id}
        )
        assert_oauth_error(invalid_refresh, 400, "invalid_grant")


async def test_token_endpoint_refuses_repeated_parameters() -> None:
    async with running() as env:
        client_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
        verifier, challenge = pkce_pair()
        code = await issue_code(env, client_id, challenge)
        base = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
            ("client_id", client_id),
        ]
        headers = {"Content-Type": "application/x-www-form-urlencoded"}

        async def post(pairs: list[tuple[str, str]]) -> httpx2.Response:
            content = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
            return await env.http.post("/token", content=content, headers=headers)

        for name in ("grant_type", "code", "code_verifier", "client_id"):
            value = dict(base)[name]
            repeated = await post([*base, (name, value)])
            assert name in assert_oauth_error(repeated, 400, "invalid_request")["error_description"]
        # RFC 6749 §3.2 forbids repeating any parameter, even one this grant does not read.
        repeated_scope = await post([*base, ("scope", "mcp"), ("scope", "openid")])
        assert "scope" in assert_oauth_error(repeated_scope, 400, "invalid_request")["error_description"]

        two_resources = await post(
            [*base, ("resource", env.settings.resource), ("resource", "https://other.example/mcp")]
        )
        assert_oauth_error(two_resources, 400, "invalid_target")

        # None of the refusals above consumed the code: it still redeems once.
        same_resource_twice = await post(
            [*base, ("resource", env.settings.resource), ("resource", env.settings.resource + "/")]
        )
        assert same_resource_twice.status_code == 200, same_resource_twice.text


async def test_token_endpoint_client_authentication_failures() -> None:
    async with running() as env:
        confidential = await register(env)
        cid, secret = confidential["client_id"], confidential["client_secret"]
        post_client = await register(env, token_endpoint_auth_method="client_secret_post")
        form = {"grant_type": "refresh_token", "refresh_token": "whatever"}

        def assert_basic_challenge(response: httpx2.Response) -> None:
            assert_oauth_error(response, 401, "invalid_client")
            assert response.headers["www-authenticate"].startswith("Basic ")

        assert_basic_challenge(await env.http.post("/token", data=form, headers=basic(cid, "wrong-secret")))
        assert_basic_challenge(await env.http.post("/token", data=form, headers=basic("nobody", secret)))
        assert_basic_challenge(
            await env.http.post("/token", data=form, headers={"Authorization": "Basic !!not-base64!!"})
        )
        no_colon = base64.b64encode(cid.encode()).decode()
        assert_basic_challenge(
            await env.http.post("/token", data=form, headers={"Authorization": f"Basic {no_colon}"})
        )
        assert_basic_challenge(
            await env.http.post("/token", data=form, headers={"Authorization": f"Bearer {secret}"})
        )
        # Registered for Basic, but posts the secret in the body.
        assert_basic_challenge(
            await env.http.post("/token", data={**form, "client_id": cid, "client_secret": secret})
        )
        # A confidential client that presents no secret at all.
        assert_basic_challenge(await env.http.post("/token", data={**form, "client_id": cid}))
        # client_secret_post client with a wrong secret.
        assert_basic_challenge(
            await env.http.post(
                "/token", data={**form, "client_id": post_client["client_id"], "client_secret": "nope"}
            )
        )
        # No client identification at all.
        assert_basic_challenge(await env.http.post("/token", data=form))

        both = await env.http.post(
            "/token", data={**form, "client_secret": secret}, headers=basic(cid, secret)
        )
        assert_oauth_error(both, 400, "invalid_request")
        # Correct credentials get past authentication to the grant itself.
        authenticated = await env.http.post("/token", data=form, headers=basic(cid, secret))
        assert_oauth_error(authenticated, 400, "invalid_grant")


async def test_basic_credentials_are_form_url_decoded() -> None:
    odd = PreregisteredClientSettings(
        client_id=ODD_CLIENT_ID, client_secret=SecretStr(ODD_CLIENT_SECRET), redirect_uris=[REDIRECT_URI]
    )
    async with running(clients=[odd]) as env:
        verifier, challenge = pkce_pair()
        code = await issue_code(env, ODD_CLIENT_ID, challenge, scope="mcp")
        response = await env.http.post(
            "/token", data=code_form(code, verifier), headers=basic(ODD_CLIENT_ID, ODD_CLIENT_SECRET)
        )
        assert response.status_code == 200, response.text
        assert jwt_part(response.json()["access_token"], 1)["client_id"] == ODD_CLIENT_ID


# -- token endpoint: the grants -------------------------------------------------------------------


async def test_code_exchange_refresh_and_userinfo() -> None:
    async with running() as env:
        client_id, tokens = await public_tokens(env)
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 3600
        assert tokens["scope"] == "email mcp openid profile"
        assert tokens["refresh_token"]

        header = jwt_part(tokens["access_token"], 0)
        claims = jwt_part(tokens["access_token"], 1)
        assert header["typ"] == "at+jwt"
        jwks = (await env.http.get("/jwks")).json()
        assert header["kid"] in {key["kid"] for key in jwks["keys"]}
        assert claims["iss"] == env.base_url
        assert claims["aud"] == env.settings.resource
        assert claims["sub"] == env.user.user_id
        assert claims["client_id"] == client_id

        id_token = jwt_part(tokens["id_token"], 1)
        assert id_token["aud"] == client_id
        assert id_token["nonce"] == "n-0S6"

        expected = {
            "sub": env.user.user_id,
            "preferred_username": "alice",
            "name": "Alice Liddell",
            "email": "alice@example.com",
            "email_verified": False,
        }
        via_get = await env.http.get("/userinfo", headers=bearer(tokens["access_token"]))
        assert via_get.status_code == 200, via_get.text
        assert via_get.json() == expected
        assert_no_store(via_get)
        via_post = await env.http.post("/userinfo", headers=bearer(tokens["access_token"]))
        assert via_post.json() == expected

        refreshed = await env.http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": client_id,
                "scope": "mcp openid",
                "resource": env.settings.resource,
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        assert_no_store(refreshed)
        new = refreshed.json()
        assert new["scope"] == "mcp openid"
        assert new["refresh_token"] not in (None, tokens["refresh_token"])
        assert new["access_token"] != tokens["access_token"]
        narrowed = await env.http.get("/userinfo", headers=bearer(new["access_token"]))
        assert narrowed.json() == {"sub": env.user.user_id}

        widened = await env.http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": new["refresh_token"],
                "client_id": client_id,
                "scope": "mcp offline_access",
            },
        )
        assert_oauth_error(widened, 400, "invalid_scope")


async def test_code_replay_is_refused_and_revokes_what_it_issued() -> None:
    async with running() as env:
        client_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
        verifier, challenge = pkce_pair()
        code = await issue_code(env, client_id, challenge)
        form = code_form(code, verifier, client_id=client_id)
        first = await env.http.post("/token", data=form)
        assert first.status_code == 200, first.text
        tokens = first.json()
        assert (await env.http.get("/userinfo", headers=bearer(tokens["access_token"]))).status_code == 200

        replay = await env.http.post("/token", data=form)
        assert_oauth_error(replay, 400, "invalid_grant")

        refused = await env.http.get("/userinfo", headers=bearer(tokens["access_token"]))
        assert_oauth_error(refused, 401, "invalid_token")
        assert refused.headers["www-authenticate"].startswith(
            'Bearer realm="remotemcp", error="invalid_token"'
        )
        refresh = await env.http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": client_id,
            },
        )
        assert_oauth_error(refresh, 400, "invalid_grant")


async def test_wrong_verifier_burns_the_code() -> None:
    async with running() as env:
        client_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
        verifier, challenge = pkce_pair()
        code = await issue_code(env, client_id, challenge)
        wrong = await env.http.post("/token", data=code_form(code, pkce_pair()[0], client_id=client_id))
        assert_oauth_error(wrong, 400, "invalid_grant")
        right = await env.http.post("/token", data=code_form(code, verifier, client_id=client_id))
        assert_oauth_error(right, 400, "invalid_grant")


async def test_code_is_bound_to_client_redirect_uri_and_resource() -> None:
    async with running() as env:
        client_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
        other_id = (await register(env, token_endpoint_auth_method="none"))["client_id"]
        cases = [
            ({"client_id": other_id}, "invalid_grant"),
            ({"client_id": client_id, "redirect_uri": "http://127.0.0.1:8765/other"}, "invalid_grant"),
            ({"client_id": client_id, "resource": "https://elsewhere.example/mcp"}, "invalid_target"),
        ]
        for extra, error in cases:
            verifier, challenge = pkce_pair()
            code = await issue_code(env, client_id, challenge)
            response = await env.http.post("/token", data=code_form(code, verifier, **extra))
            assert_oauth_error(response, 400, error)


async def test_confidential_client_with_client_secret_post() -> None:
    async with running() as env:
        client = await register(env, token_endpoint_auth_method="client_secret_post")
        verifier, challenge = pkce_pair()
        code = await issue_code(env, client["client_id"], challenge, scope="mcp")
        response = await env.http.post(
            "/token",
            data=code_form(
                code, verifier, client_id=client["client_id"], client_secret=client["client_secret"]
            ),
        )
        assert response.status_code == 200, response.text
        assert "id_token" not in response.json()


# -- revocation and introspection -----------------------------------------------------------------


async def confidential_tokens(env: Env) -> tuple[dict[str, str], dict[str, Any]]:
    client = await register(env)
    auth = basic(client["client_id"], client["client_secret"])
    verifier, challenge = pkce_pair()
    code = await issue_code(env, client["client_id"], challenge)
    response = await env.http.post("/token", data=code_form(code, verifier), headers=auth)
    assert response.status_code == 200, response.text
    return auth, response.json()


async def test_revoke_access_then_refresh_token_and_introspect() -> None:
    async with running() as env:
        auth, tokens = await confidential_tokens(env)
        access, refresh = tokens["access_token"], tokens["refresh_token"]

        active = await env.http.post("/introspect", data={"token": access}, headers=auth)
        assert active.status_code == 200
        assert_no_store(active)
        info = active.json()
        assert info["active"] is True
        assert info["token_type"] == "Bearer"
        assert info["sub"] == env.user.user_id
        assert info["aud"] == env.settings.resource
        assert info["iss"] == env.base_url
        assert info["scope"] == "email mcp openid profile"
        refresh_info = await env.http.post(
            "/introspect", data={"token": refresh, "token_type_hint": "refresh_token"}, headers=auth
        )
        assert refresh_info.json()["active"] is True

        revoked = await env.http.post(
            "/revoke", data={"token": access, "token_type_hint": "access_token"}, headers=auth
        )
        assert revoked.status_code == 200
        assert revoked.content == b""
        assert_no_store(revoked)
        after = await env.http.post("/introspect", data={"token": access}, headers=auth)
        assert after.json() == {"active": False}
        assert (await env.http.get("/userinfo", headers=bearer(access))).status_code == 401
        # Revoking one access token leaves its refresh token alive.
        still = await env.http.post("/introspect", data={"token": refresh}, headers=auth)
        assert still.json()["active"] is True

        assert (await env.http.post("/revoke", data={"token": refresh}, headers=auth)).status_code == 200
        gone = await env.http.post("/introspect", data={"token": refresh}, headers=auth)
        assert gone.json() == {"active": False}
        refreshed = await env.http.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": refresh}, headers=auth
        )
        assert_oauth_error(refreshed, 400, "invalid_grant")


async def test_revoking_a_refresh_token_ends_its_access_tokens() -> None:
    async with running() as env:
        client_id, tokens = await public_tokens(env)
        response = await env.http.post(
            "/revoke", data={"token": tokens["refresh_token"], "client_id": client_id}
        )
        assert response.status_code == 200
        refused = await env.http.get("/userinfo", headers=bearer(tokens["access_token"]))
        assert_oauth_error(refused, 401, "invalid_token")


async def test_revocation_edge_cases() -> None:
    async with running() as env:
        auth, tokens = await confidential_tokens(env)
        unknown = await env.http.post("/revoke", data={"token": "never-issued"}, headers=auth)
        assert unknown.status_code == 200
        # An unknown hint is advice the server cannot use (RFC 7009 §2.1), not an error.
        odd_hint = await env.http.post(
            "/revoke", data={"token": "never-issued", "token_type_hint": "id_token"}, headers=auth
        )
        assert odd_hint.status_code == 200
        assert_oauth_error(await env.http.post("/revoke", data={}, headers=auth), 400, "invalid_request")
        no_client = await env.http.post("/revoke", data={"token": tokens["access_token"]})
        assert_oauth_error(no_client, 401, "invalid_client")
        as_json = await env.http.post("/revoke", json={"token": tokens["access_token"]}, headers=auth)
        assert_oauth_error(as_json, 400, "invalid_request")

        # Another client cannot revoke these tokens; the answer does not tell it so.
        other = await register(env)
        foreign = await env.http.post(
            "/revoke",
            data={"token": tokens["access_token"]},
            headers=basic(other["client_id"], other["client_secret"]),
        )
        assert foreign.status_code == 200
        ok = await env.http.get("/userinfo", headers=bearer(tokens["access_token"]))
        assert ok.status_code == 200


async def test_introspection_requires_a_confidential_client_and_hides_foreign_tokens() -> None:
    async with running() as env:
        auth, tokens = await confidential_tokens(env)
        public_id, public_tokens_ = await public_tokens(env)

        as_public = await env.http.post(
            "/introspect", data={"token": public_tokens_["access_token"], "client_id": public_id}
        )
        assert_oauth_error(as_public, 401, "invalid_client")
        anonymous = await env.http.post("/introspect", data={"token": tokens["access_token"]})
        assert_oauth_error(anonymous, 401, "invalid_client")

        foreign = await env.http.post(
            "/introspect", data={"token": public_tokens_["access_token"]}, headers=auth
        )
        assert foreign.json() == {"active": False}
        garbage = await env.http.post("/introspect", data={"token": "a.b.c"}, headers=auth)
        assert garbage.json() == {"active": False}
        missing = await env.http.post("/introspect", data={}, headers=auth)
        assert_oauth_error(missing, 400, "invalid_request")


# -- userinfo -------------------------------------------------------------------------------------


async def test_userinfo_refusals() -> None:
    async with running() as env:
        _, tokens = await public_tokens(env, scope="mcp")
        _, openid_tokens = await public_tokens(env, scope="openid mcp")

        missing = await env.http.get("/userinfo")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="remotemcp"'
        in_query = await env.http.get("/userinfo", params={"access_token": openid_tokens["access_token"]})
        assert in_query.status_code == 401
        assert "error=" not in in_query.headers["www-authenticate"]

        garbage = await env.http.get("/userinfo", headers=bearer("not-a-token"))
        assert_oauth_error(garbage, 401, "invalid_token")
        assert 'error="invalid_token"' in garbage.headers["www-authenticate"]

        malformed = await env.http.get("/userinfo", headers={"Authorization": "Bearer"})
        assert_oauth_error(malformed, 400, "invalid_request")

        no_openid = await env.http.get("/userinfo", headers=bearer(tokens["access_token"]))
        assert_oauth_error(no_openid, 403, "insufficient_scope")
        challenge = no_openid.headers["www-authenticate"]
        assert 'error="insufficient_scope"' in challenge
        assert 'scope="openid"' in challenge

        await env.container.users().set_disabled(env.user.user_id, True)
        disabled = await env.http.get("/userinfo", headers=bearer(openid_tokens["access_token"]))
        assert_oauth_error(disabled, 401, "invalid_token")


@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect"])
async def test_form_endpoints_refuse_other_content_types(path: str) -> None:
    async with running() as env:
        response = await env.http.post(path, content=b"token=x", headers={"Content-Type": "text/plain"})
        body = assert_oauth_error(response, 400, "invalid_request")
        assert "x-www-form-urlencoded" in body["error_description"]
