"""RFC 7591 §2 client metadata: the field checks that dynamic registration and Client ID Metadata
Documents share. Problems raise `InvalidClientMetadata` naming the field, or `InvalidRedirectUri`;
the metadata-document parser turns both into `InvalidClient`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from remotemcp.domain.errors import InvalidClientMetadata, InvalidRedirectUri, InvalidScope
from remotemcp.domain.model.clients import ApplicationType, Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.redirect_uris import validate_redirect_uri
from remotemcp.domain.oauth.scopes import parse_scope

GRANT_TYPES_SUPPORTED = ("authorization_code", "refresh_token")
RESPONSE_TYPES_SUPPORTED = ("code",)
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token")
"""RFC 7591 defaults `grant_types` to authorization_code alone. MCP clients that omit the field still
expect refresh tokens (a connector that must re-run the browser flow every hour is broken), so an
omitted `grant_types` registers both grants. A client that lists grant types gets exactly those."""
DEFAULT_RESPONSE_TYPES = ("code",)

MAX_TEXT_LENGTH = 200
MAX_URI_LENGTH = 2000
MAX_CONTACTS = 10
MAX_CONTACT_LENGTH = 320


@dataclass(frozen=True, slots=True)
class ClientMetadata:
    """Validated, normalised metadata; the token endpoint auth method is decided by each caller
    because registration and metadata documents allow different ones."""

    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...] = DEFAULT_GRANT_TYPES
    response_types: tuple[str, ...] = DEFAULT_RESPONSE_TYPES
    scopes: frozenset[str] = frozenset()
    application_type: ApplicationType = ApplicationType.WEB
    client_name: str | None = None
    client_uri: str | None = None
    logo_uri: str | None = None
    tos_uri: str | None = None
    policy_uri: str | None = None
    contacts: tuple[str, ...] = ()
    software_id: str | None = None
    software_version: str | None = None

    def to_client(
        self,
        *,
        client_id: str,
        origin: ClientOrigin,
        token_endpoint_auth_method: TokenEndpointAuthMethod,
        issued_at: int,
        secret_hash: str | None = None,
        secret_expires_at: int = 0,
        metadata_expires_at: int | None = None,
    ) -> Client:
        """The client these metadata describe. tos_uri and policy_uri are checked but not kept:
        `Client` has no place for them, and RFC 7591 §3.2.1 lets the server drop metadata."""
        return Client(
            client_id=client_id,
            redirect_uris=self.redirect_uris,
            origin=origin,
            token_endpoint_auth_method=token_endpoint_auth_method,
            grant_types=self.grant_types,
            response_types=self.response_types,
            scopes=self.scopes,
            application_type=self.application_type,
            client_name=self.client_name,
            client_uri=self.client_uri,
            logo_uri=self.logo_uri,
            contacts=self.contacts,
            software_id=self.software_id,
            software_version=self.software_version,
            secret_hash=secret_hash,
            client_id_issued_at=issued_at,
            client_secret_expires_at=secret_expires_at,
            metadata_expires_at=metadata_expires_at,
        )


def _present(metadata: Mapping[str, Any], name: str) -> Any:
    # JSON null is read as "not sent": client libraries serialise unset optional fields as null.
    return metadata.get(name)


def _has_control_characters(value: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)


def optional_string(metadata: Mapping[str, Any], name: str, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    """A string field, absent or null meaning None; wrong type, blank, control characters or excess
    length are refused naming the field."""
    value = _present(metadata, name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidClientMetadata(f"{name} must be a string")
    if not value.strip():
        raise InvalidClientMetadata(f"{name} must not be empty")
    if len(value) > max_length:
        raise InvalidClientMetadata(f"{name} must be at most {max_length} characters")
    if _has_control_characters(value):
        raise InvalidClientMetadata(f"{name} must not contain control characters")
    return value


def _string_list(metadata: Mapping[str, Any], name: str) -> list[str] | None:
    value = _present(metadata, name)
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidClientMetadata(f"{name} must be an array of strings")
    return list(value)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def optional_https_uri(metadata: Mapping[str, Any], name: str) -> str | None:
    """A URI shown to the user (client_uri, logo_uri, tos_uri, policy_uri): HTTPS with a host and no
    user information, so a consent page never loads mixed content or shows `https://claude.ai@evil`."""
    value = optional_string(metadata, name, MAX_URI_LENGTH)
    if value is None:
        return None
    if any(ch.isspace() for ch in value):
        raise InvalidClientMetadata(f"{name} must not contain whitespace")
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError as exc:
        raise InvalidClientMetadata(f"{name} is not a valid URI") from exc
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidClientMetadata(f"{name} must be an https URI with a host")
    if "@" in parts.netloc:
        raise InvalidClientMetadata(f"{name} must not contain user information")
    return value


def parse_redirect_uris(metadata: Mapping[str, Any], max_redirect_uris: int) -> tuple[str, ...]:
    """Required, non-empty, each valid for registration; duplicates dropped keeping the first."""
    value = _present(metadata, "redirect_uris")
    if value is None:
        raise InvalidRedirectUri("redirect_uris is required")
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidRedirectUri("redirect_uris must be an array of strings")
    uris = _unique([validate_redirect_uri(uri) for uri in value])
    if not uris:
        raise InvalidRedirectUri("redirect_uris must contain at least one URI")
    if len(uris) > max_redirect_uris:
        raise InvalidRedirectUri(f"at most {max_redirect_uris} redirect URIs may be registered")
    return uris


def _parse_grant_types(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    values = _string_list(metadata, "grant_types")
    if values is None:
        return DEFAULT_GRANT_TYPES
    for grant_type in values:
        if grant_type not in GRANT_TYPES_SUPPORTED:
            raise InvalidClientMetadata(
                f"grant type {grant_type!r} is not supported; supported: {', '.join(GRANT_TYPES_SUPPORTED)}"
            )
    grant_types = _unique(values)
    # refresh_token alone could never obtain a first token: the only way in is the code grant.
    if "authorization_code" not in grant_types:
        raise InvalidClientMetadata("grant_types must include authorization_code")
    return grant_types


def _parse_response_types(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    values = _string_list(metadata, "response_types")
    if values is None:
        return DEFAULT_RESPONSE_TYPES
    for response_type in values:
        if response_type not in RESPONSE_TYPES_SUPPORTED:
            raise InvalidClientMetadata(
                f"response type {response_type!r} is not supported; supported: "
                f"{', '.join(RESPONSE_TYPES_SUPPORTED)}"
            )
    return _unique(values)


def _check_consistency(grant_types: tuple[str, ...], response_types: tuple[str, ...]) -> None:
    # RFC 7591 §2.1: the code grant and the code response type come together.
    if ("authorization_code" in grant_types) != ("code" in response_types):
        raise InvalidClientMetadata(
            "grant_types and response_types disagree: authorization_code requires response type code "
            "and response type code requires authorization_code"
        )


def _parse_scopes(metadata: Mapping[str, Any], allowed_scopes: frozenset[str]) -> frozenset[str]:
    value = _present(metadata, "scope")
    if value is None:
        return frozenset()
    if not isinstance(value, str):
        raise InvalidClientMetadata("scope must be a space-separated string")
    try:
        scopes = parse_scope(value)
    except InvalidScope as exc:
        raise InvalidClientMetadata(f"scope: {exc.description}") from exc
    unknown = sorted(scopes - allowed_scopes)
    if unknown:
        raise InvalidClientMetadata(f"scope {' '.join(unknown)!r} is not supported by this server")
    return scopes


def _parse_application_type(metadata: Mapping[str, Any]) -> ApplicationType:
    value = _present(metadata, "application_type")
    if value is None:
        return ApplicationType.WEB
    if not isinstance(value, str):
        raise InvalidClientMetadata("application_type must be a string")
    try:
        return ApplicationType(value)
    except ValueError as exc:
        raise InvalidClientMetadata("application_type must be 'web' or 'native'") from exc


def _parse_contacts(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    values = _string_list(metadata, "contacts")
    if values is None:
        return ()
    if len(values) > MAX_CONTACTS:
        raise InvalidClientMetadata(f"contacts may list at most {MAX_CONTACTS} entries")
    for contact in values:
        if not contact.strip() or len(contact) > MAX_CONTACT_LENGTH or _has_control_characters(contact):
            raise InvalidClientMetadata(
                f"contacts entries must be non-empty strings of at most {MAX_CONTACT_LENGTH} characters"
            )
    return _unique(values)


def parse_client_metadata(
    metadata: Mapping[str, Any], *, max_redirect_uris: int, allowed_scopes: frozenset[str]
) -> ClientMetadata:
    """Validate the RFC 7591 fields this server understands; fields it does not know are ignored
    (RFC 7591 §2). `application_type` does not restrict redirect URIs: MCP desktop clients register
    loopback and private-use URIs without declaring `native`, and refusing them helps nobody."""
    redirect_uris = parse_redirect_uris(metadata, max_redirect_uris)
    grant_types = _parse_grant_types(metadata)
    response_types = _parse_response_types(metadata)
    _check_consistency(grant_types, response_types)
    return ClientMetadata(
        redirect_uris=redirect_uris,
        grant_types=grant_types,
        response_types=response_types,
        scopes=_parse_scopes(metadata, allowed_scopes),
        application_type=_parse_application_type(metadata),
        client_name=optional_string(metadata, "client_name"),
        client_uri=optional_https_uri(metadata, "client_uri"),
        logo_uri=optional_https_uri(metadata, "logo_uri"),
        tos_uri=optional_https_uri(metadata, "tos_uri"),
        policy_uri=optional_https_uri(metadata, "policy_uri"),
        contacts=_parse_contacts(metadata),
        software_id=optional_string(metadata, "software_id"),
        software_version=optional_string(metadata, "software_version"),
    )
