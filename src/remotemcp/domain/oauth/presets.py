"""Pre-registered clients built from configuration, and the preset for Claude's connector.

Secrets come from the operator's configuration; nothing here has a default secret. Authentication
accepts only the method a client registered (see client_authentication), so a preset's method must
match what the real client sends: Claude's connector sends its credentials in the request body
(client_secret_post) and does not fall back to HTTP Basic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from remotemcp.domain.errors import InvalidConfiguration, InvalidRedirectUri
from remotemcp.domain.model.clients import ApplicationType, Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.client_metadata import DEFAULT_GRANT_TYPES, GRANT_TYPES_SUPPORTED
from remotemcp.domain.oauth.redirect_uris import validate_redirect_uri
from remotemcp.domain.randomness import secret_digest

MIN_CLIENT_SECRET_LENGTH = 32
CLAUDE_CLIENT_NAME = "Claude"
CLAUDE_REDIRECT_URIS = (
    "https://claude.ai/api/mcp/auth_callback",
    "https://claude.ai/oauth/callback",
)


def _check_client_id(client_id: str) -> None:
    if not client_id or any(ch.isspace() or ord(ch) < 0x20 for ch in client_id):
        raise InvalidConfiguration("a pre-registered client_id must be non-empty, without whitespace")


def _check_secret(client_id: str, secret: str) -> None:
    if len(secret) < MIN_CLIENT_SECRET_LENGTH:
        raise InvalidConfiguration(
            f"the secret of pre-registered client {client_id!r} must be at least "
            f"{MIN_CLIENT_SECRET_LENGTH} characters; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    if any(ch.isspace() or ord(ch) < 0x20 for ch in secret):
        raise InvalidConfiguration(
            f"the secret of pre-registered client {client_id!r} contains whitespace or control "
            "characters (a trailing newline from a secrets file?)"
        )


def _redirect_uris(client_id: str, redirect_uris: Sequence[str]) -> tuple[str, ...]:
    if isinstance(redirect_uris, str) or not redirect_uris:
        raise InvalidConfiguration(f"pre-registered client {client_id!r} needs a list of redirect URIs")
    try:
        return tuple(dict.fromkeys(validate_redirect_uri(uri) for uri in redirect_uris))
    except InvalidRedirectUri as exc:
        raise InvalidConfiguration(f"pre-registered client {client_id!r}: {exc.description}") from exc


def _grant_types(client_id: str, grant_types: Sequence[str]) -> tuple[str, ...]:
    unknown = [g for g in grant_types if g not in GRANT_TYPES_SUPPORTED]
    if unknown or "authorization_code" not in grant_types:
        raise InvalidConfiguration(
            f"pre-registered client {client_id!r}: grant types must include authorization_code "
            f"and be among {', '.join(GRANT_TYPES_SUPPORTED)}"
        )
    return tuple(dict.fromkeys(grant_types))


def _auth_method(
    client_id: str, secret: str | None, requested: TokenEndpointAuthMethod | None
) -> TokenEndpointAuthMethod:
    if secret is None:
        if requested not in (None, TokenEndpointAuthMethod.NONE):
            raise InvalidConfiguration(
                f"pre-registered client {client_id!r} uses {requested} but has no secret"
            )
        return TokenEndpointAuthMethod.NONE
    if requested is TokenEndpointAuthMethod.NONE:
        raise InvalidConfiguration(
            f"pre-registered client {client_id!r} has a secret but token_endpoint_auth_method none"
        )
    return requested or TokenEndpointAuthMethod.CLIENT_SECRET_BASIC


def preregistered_client(
    client_id: str,
    redirect_uris: Sequence[str],
    now: int,
    *,
    secret: str | None = None,
    token_endpoint_auth_method: TokenEndpointAuthMethod | None = None,
    client_name: str | None = None,
    grant_types: Sequence[str] = DEFAULT_GRANT_TYPES,
    scopes: Iterable[str] = (),
    application_type: ApplicationType = ApplicationType.WEB,
    client_uri: str | None = None,
    logo_uri: str | None = None,
    client_secret_expires_at: int = 0,
) -> Client:
    """A client from configuration. With a secret it is confidential (client_secret_basic unless
    another method is named) and only the secret's digest is kept; without one it is public."""
    _check_client_id(client_id)
    if secret is not None:
        _check_secret(client_id, secret)
    method = _auth_method(client_id, secret, token_endpoint_auth_method)
    return Client(
        client_id=client_id,
        redirect_uris=_redirect_uris(client_id, redirect_uris),
        origin=ClientOrigin.PRE_REGISTERED,
        token_endpoint_auth_method=method,
        grant_types=_grant_types(client_id, grant_types),
        scopes=frozenset(scopes),
        application_type=application_type,
        client_name=client_name,
        client_uri=client_uri,
        logo_uri=logo_uri,
        secret_hash=None if secret is None else secret_digest(secret),
        client_id_issued_at=now,
        client_secret_expires_at=0 if secret is None else client_secret_expires_at,
    )


def claude_client(client_id: str, secret: str, now: int) -> Client:
    """The client for Claude's custom connector (claude.ai), with the client_id and secret the
    operator also enters in the connector's advanced settings."""
    return preregistered_client(
        client_id,
        CLAUDE_REDIRECT_URIS,
        now,
        secret=secret,
        token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST,
        client_name=CLAUDE_CLIENT_NAME,
    )
