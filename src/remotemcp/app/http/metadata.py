"""What the server publishes about itself: authorization server metadata (RFC 8414 and OpenID
Connect Discovery, one document for both), protected resource metadata (RFC 9728) and the JWKS.

Every URL in the documents derives from the configured public URL, never from the request's Host,
so that the issuer a client records is stable (credentials are bound to it). Clients probe several
well-known locations; each one answers with the same document."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from remotemcp.app.container import Container
from remotemcp.app.settings import Settings

AS_METADATA = "/.well-known/oauth-authorization-server"
OIDC_CONFIGURATION = "/.well-known/openid-configuration"
PROTECTED_RESOURCE = "/.well-known/oauth-protected-resource"

METADATA_CACHE = "public, max-age=600"
"""Short enough that a configuration change reaches clients within minutes."""
JWKS_CACHE = "public, max-age=300"
"""Well inside the rotation overlap, so a verifier never misses a new key for long."""

ENDPOINT_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
INTROSPECTION_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
"""Introspection answers only clients that prove who they are (RFC 7662 §2.1)."""
OFFLINE_ACCESS = "offline_access"
ID_TOKEN_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash")
USERINFO_CLAIMS = ("name", "preferred_username", "email", "email_verified")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def protected_resource_metadata_url(settings: Settings) -> str:
    """RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. The
    MCP endpoint names this URL in its `WWW-Authenticate: Bearer resource_metadata=...`."""
    return _origin(settings.resource) + PROTECTED_RESOURCE + _path(settings.resource)


def authorization_server_metadata(container: Container, settings: Settings) -> dict[str, Any]:
    """RFC 8414 §2 and OpenID Connect Discovery §3 in one document: clients that fetch either get
    the same endpoints, so nothing depends on which well-known URL they tried first."""
    issuer = settings.issuer
    document: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
    }
    if container.registration().enabled:
        document["registration_endpoint"] = f"{issuer}/register"
    document.update(
        {
            "revocation_endpoint": f"{issuer}/revoke",
            "introspection_endpoint": f"{issuer}/introspect",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            # offline_access stays here: a client may ask for it (MCP 2026-07-28 §Refresh tokens),
            # although refresh tokens come with the refresh_token grant whether it asks or not.
            "scopes_supported": list(settings.scopes_supported),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": list(ENDPOINT_AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(ENDPOINT_AUTH_METHODS),
            "introspection_endpoint_auth_methods_supported": list(INTROSPECTION_AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "client_id_metadata_document_supported": container.client_resolver().metadata_documents_enabled,
            "authorization_response_iss_parameter_supported": True,
            "protected_resources": [settings.resource],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [settings.signing_alg],
            "claims_supported": [*ID_TOKEN_CLAIMS, *USERINFO_CLAIMS],
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
    )
    return document


def protected_resource_metadata(settings: Settings) -> dict[str, Any]:
    """RFC 9728 §2. `offline_access` is left out: it concerns the authorization server, and MCP
    2026-07-28 says a protected resource should not advertise it."""
    return {
        "resource": settings.resource,
        "authorization_servers": [settings.issuer],
        "scopes_supported": [scope for scope in settings.scopes_supported if scope != OFFLINE_ACCESS],
        "bearer_methods_supported": ["header"],
        "resource_name": settings.server_name,
    }


def authorization_server_metadata_paths(settings: Settings) -> list[str]:
    """Where the AS metadata is answered, in the app's own path space. With an issuer path such as
    `/tenant`, RFC 8414 inserts it after the well-known segment, OIDC Discovery appends the
    well-known segment to it, and MCP clients try both plus the bare forms."""
    paths = [AS_METADATA, OIDC_CONFIGURATION]
    issuer_path = _path(settings.issuer)
    if issuer_path:
        paths += [
            AS_METADATA + issuer_path,
            OIDC_CONFIGURATION + issuer_path,
            issuer_path + OIDC_CONFIGURATION,
            issuer_path + AS_METADATA,
        ]
    return list(dict.fromkeys(paths))


def protected_resource_metadata_paths(settings: Settings) -> list[str]:
    """The root form, the RFC 9728 form for the resource's full path, and the MCP path alone (what
    the app sees when a proxy strips the public URL's path prefix)."""
    paths = [
        PROTECTED_RESOURCE,
        PROTECTED_RESOURCE + _path(settings.resource),
        PROTECTED_RESOURCE + settings.mcp_path,
    ]
    return list(dict.fromkeys(paths))


def routes(container: Container, settings: Settings) -> list[BaseRoute]:
    async def as_metadata(_: Request) -> Response:
        return JSONResponse(
            authorization_server_metadata(container, settings), headers={"Cache-Control": METADATA_CACHE}
        )

    async def resource_metadata(_: Request) -> Response:
        return JSONResponse(protected_resource_metadata(settings), headers={"Cache-Control": METADATA_CACHE})

    async def jwks(_: Request) -> Response:
        return JSONResponse(await container.keys().public_jwks(), headers={"Cache-Control": JWKS_CACHE})

    return [
        *(
            Route(path, as_metadata, methods=["GET"])
            for path in authorization_server_metadata_paths(settings)
        ),
        *(
            Route(path, resource_metadata, methods=["GET"])
            for path in protected_resource_metadata_paths(settings)
        ),
        Route("/jwks", jwks, methods=["GET"]),
    ]
