from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ClientOrigin(StrEnum):
    PRE_REGISTERED = "pre_registered"
    DYNAMIC = "dynamic"
    """Registered through RFC 7591 dynamic client registration."""
    METADATA_DOCUMENT = "metadata_document"
    """Known through a Client ID Metadata Document: the client_id is the document's HTTPS URL."""


class TokenEndpointAuthMethod(StrEnum):
    NONE = "none"
    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"


class ApplicationType(StrEnum):
    WEB = "web"
    NATIVE = "native"


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    redirect_uris: tuple[str, ...]
    origin: ClientOrigin
    token_endpoint_auth_method: TokenEndpointAuthMethod = TokenEndpointAuthMethod.NONE
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    response_types: tuple[str, ...] = ("code",)
    scopes: frozenset[str] = field(default_factory=frozenset)
    """Scopes this client may be granted; empty means every scope the server supports."""
    application_type: ApplicationType = ApplicationType.WEB
    client_name: str | None = None
    client_uri: str | None = None
    logo_uri: str | None = None
    contacts: tuple[str, ...] = ()
    software_id: str | None = None
    software_version: str | None = None
    secret_hash: str | None = None
    """Digest of the client secret; None for public clients."""
    client_id_issued_at: int = 0
    client_secret_expires_at: int = 0
    """0 means the secret does not expire (RFC 7591 §3.2.1)."""
    metadata_expires_at: int | None = None
    """For metadata-document clients: when the cached document must be fetched again."""

    @property
    def is_confidential(self) -> bool:
        return self.token_endpoint_auth_method is not TokenEndpointAuthMethod.NONE

    @property
    def display_name(self) -> str:
        return self.client_name or self.client_id
