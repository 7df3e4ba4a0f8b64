"""Who is calling, as the bearer middleware records it in the ASGI scope and as tool code reads it.

Two records travel with every authenticated request: the SDK's `AuthenticatedUser` in
`scope["user"]` (the session manager binds a 2025-11-25 session to the principal it names, so a
stolen `Mcp-Session-Id` is useless with another token) and RemoteMCP's own verified claims, from
which tool code gets its typed `AuthPrincipal`.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.authentication import AuthCredentials

from remotemcp.domain.model.access_token_claims import AccessTokenClaims
from remotemcp.domain.tools.context import AuthPrincipal

CLAIMS_SCOPE_KEY = "remotemcp.access_token_claims"

ANONYMOUS = AuthPrincipal(subject="", client_id="")
"""What tool code sees when the server is reached without the bearer middleware (in-process, stdio):
no subject, no client, no scopes."""


def sdk_access_token(token: str, claims: AccessTokenClaims) -> AccessToken:
    return AccessToken(
        token=token,
        client_id=claims.client_id,
        scopes=sorted(claims.scopes),
        expires_at=claims.expires_at,
        resource=claims.audience,
        subject=claims.subject,
        # The issuer completes the (client, issuer, subject) triple the SDK compares sessions on.
        claims={"iss": claims.issuer},
    )


def attach(scope: MutableMapping[str, Any], token: str, claims: AccessTokenClaims) -> None:
    scope["user"] = AuthenticatedUser(sdk_access_token(token, claims))
    scope["auth"] = AuthCredentials(sorted(claims.scopes))
    scope[CLAIMS_SCOPE_KEY] = claims


def claims_in(scope: Mapping[str, Any]) -> AccessTokenClaims | None:
    claims = scope.get(CLAIMS_SCOPE_KEY)
    return claims if isinstance(claims, AccessTokenClaims) else None


def principal_in(scope: Mapping[str, Any]) -> AuthPrincipal | None:
    """The principal of a request that went through RemoteMCP's bearer middleware, or through any
    middleware that sets the SDK's `AuthenticatedUser`; None for an unauthenticated request."""
    claims = claims_in(scope)
    if claims is not None:
        return AuthPrincipal(
            subject=claims.subject, client_id=claims.client_id, scopes=claims.scopes, claims=claims.claims
        )
    user = scope.get("user")
    if isinstance(user, AuthenticatedUser):
        token = user.access_token
        return AuthPrincipal(
            subject=token.subject or "",
            client_id=token.client_id,
            scopes=frozenset(token.scopes),
            claims=dict(token.claims or {}),
        )
    return None
