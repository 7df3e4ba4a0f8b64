"""A real access token from RemoteMCP's own authorization flow, the way a public client gets one:
discovery (RFC 9728, then RFC 8414), dynamic registration (RFC 7591), the authorization code with
PKCE S256 and `resource` (the person played by browser_forms through the real login and consent
pages), and the code exchange at the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from tests.integration.browser_forms import sign_in_and_approve

CALLBACK = "http://127.0.0.1:53682/callback"


async def _json(response: httpx2.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.url}: {response.status_code} {response.text}"
    document: dict[str, Any] = response.json()
    return document


async def obtain_access_token(
    resource: str, username: str, password: str, *, scope: str = "mcp"
) -> tuple[str, dict[str, Any]]:
    """(access token, the token response) for `resource`, the MCP endpoint's URL."""
    parts = urlsplit(resource)
    origin = f"{parts.scheme}://{parts.netloc}"
    async with httpx2.AsyncClient(timeout=10, trust_env=False, follow_redirects=False) as http:
        protected = await _json(await http.get(f"{origin}/.well-known/oauth-protected-resource{parts.path}"))
        assert protected["resource"] == resource, protected
        issuer = protected["authorization_servers"][0]
        issuer_parts = urlsplit(issuer)
        metadata = await _json(
            await http.get(
                f"{issuer_parts.scheme}://{issuer_parts.netloc}/.well-known/oauth-authorization-server"
                f"{issuer_parts.path.rstrip('/')}"
            )
        )
        assert metadata["issuer"] == issuer
        assert "S256" in metadata["code_challenge_methods_supported"]

        client = await _json(
            await http.post(
                metadata["registration_endpoint"],
                json={
                    "redirect_uris": [CALLBACK],
                    "client_name": "conformance bearer proxy",
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                },
            ),
            status=201,
        )
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(16)
        query = {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": CALLBACK,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": scope,
            "state": state,
            "resource": resource,
        }
        location = await sign_in_and_approve(
            http, f"{metadata['authorization_endpoint']}?{urlencode(query)}", username, password
        )
        assert location.startswith(CALLBACK + "?"), location
        returned = parse_qs(urlsplit(location).query)
        assert returned["state"] == [state]
        assert returned["iss"] == [issuer]

        tokens = await _json(
            await http.post(
                metadata["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": returned["code"][0],
                    "redirect_uri": CALLBACK,
                    "code_verifier": verifier,
                    "client_id": client["client_id"],
                    "resource": resource,
                },
            )
        )
    assert tokens["token_type"].lower() == "bearer"
    return tokens["access_token"], tokens
