"""RFC 7591 dynamic client registration: validate the metadata, mint the credentials, store the client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidClientMetadata, InvalidConfiguration, RegistrationDisabled
from remotemcp.domain.model.clients import Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.client_metadata import optional_string, parse_client_metadata
from remotemcp.domain.oauth.scopes import format_scope
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.clients import ClientRepository
from remotemcp.domain.randomness import RandomSource, new_secret, secret_digest

REGISTRATION_AUTH_METHODS = frozenset(
    {
        TokenEndpointAuthMethod.NONE,
        TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
        TokenEndpointAuthMethod.CLIENT_SECRET_POST,
    }
)
CLIENT_ID_BYTES = 16
"""128 bits: unguessable enough that client_ids can't be enumerated, short enough to paste."""


@dataclass(frozen=True, slots=True)
class RegistrationPolicy:
    enabled: bool = True
    allow_confidential: bool = True
    """False: only public clients (token_endpoint_auth_method `none`) may register."""
    max_redirect_uris: int = 10
    allowed_scopes: frozenset[str] | None = None
    """Scopes a registering client may name; None means every scope the server supports."""
    client_secret_ttl: int = 0
    """Seconds an issued client secret stays valid; 0 means it does not expire."""

    def __post_init__(self) -> None:
        if self.max_redirect_uris < 1:
            raise InvalidConfiguration("max_redirect_uris must be at least 1")
        if self.client_secret_ttl < 0:
            raise InvalidConfiguration("client_secret_ttl cannot be negative")


def registered_metadata(client: Client) -> dict[str, Any]:
    """The client's metadata as RFC 7591 §3.2.1 echoes it back: exactly what was registered,
    including values the server chose, without credentials."""
    body: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": client.client_id_issued_at,
        "redirect_uris": list(client.redirect_uris),
        "token_endpoint_auth_method": client.token_endpoint_auth_method.value,
        "grant_types": list(client.grant_types),
        "response_types": list(client.response_types),
        "application_type": client.application_type.value,
    }
    if client.scopes:
        body["scope"] = format_scope(client.scopes)
    optional = {
        "client_name": client.client_name,
        "client_uri": client.client_uri,
        "logo_uri": client.logo_uri,
        "software_id": client.software_id,
        "software_version": client.software_version,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    if client.contacts:
        body["contacts"] = list(client.contacts)
    return body


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    client: Client
    client_secret: str | None = field(default=None, repr=False)
    """The plaintext secret. It exists only in this value: the repository holds its digest."""

    def response(self) -> dict[str, Any]:
        """The RFC 7591 §3.2.1 response body (HTTP 201)."""
        body = registered_metadata(self.client)
        if self.client_secret is not None:
            body["client_secret"] = self.client_secret
            body["client_secret_expires_at"] = self.client.client_secret_expires_at
        return body


class ClientRegistrationService:
    def __init__(
        self,
        clients: ClientRepository,
        clock: Clock,
        random: RandomSource,
        policy: ServerPolicy,
        registration: RegistrationPolicy | None = None,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._random = random
        self._registration = registration or RegistrationPolicy()
        allowed = self._registration.allowed_scopes
        if allowed is not None and not allowed <= policy.scopes_supported:
            raise InvalidConfiguration("registration allowed_scopes must be among the supported scopes")
        self._allowed_scopes = policy.scopes_supported if allowed is None else allowed

    @property
    def enabled(self) -> bool:
        """Whether discovery should advertise a `registration_endpoint`."""
        return self._registration.enabled

    def _auth_method(self, metadata: Mapping[str, Any]) -> TokenEndpointAuthMethod:
        requested = optional_string(metadata, "token_endpoint_auth_method")
        if requested is None:
            # RFC 7591 §2 defaults to client_secret_basic. When confidential clients are off that
            # default could never be granted, and §3.2.1 lets the server substitute a value.
            if self._registration.allow_confidential:
                return TokenEndpointAuthMethod.CLIENT_SECRET_BASIC
            return TokenEndpointAuthMethod.NONE
        supported = sorted(m.value for m in REGISTRATION_AUTH_METHODS)
        if requested not in supported:
            raise InvalidClientMetadata(
                f"token_endpoint_auth_method {requested!r} is not supported; "
                f"supported: {', '.join(supported)}"
            )
        method = TokenEndpointAuthMethod(requested)
        if method is not TokenEndpointAuthMethod.NONE and not self._registration.allow_confidential:
            raise InvalidClientMetadata(
                "this server registers public clients only: use token_endpoint_auth_method 'none'"
            )
        return method

    async def register(self, metadata: Mapping[str, Any]) -> RegisteredClient:
        if not self._registration.enabled:
            raise RegistrationDisabled()
        # The edge hands over whatever JSON it parsed; an array or a string is a client error.
        if not isinstance(cast(object, metadata), Mapping):
            raise InvalidClientMetadata("the registration request body must be a JSON object")
        parsed = parse_client_metadata(
            metadata,
            max_redirect_uris=self._registration.max_redirect_uris,
            allowed_scopes=self._allowed_scopes,
        )
        method = self._auth_method(metadata)
        now = self._clock.now()
        client_id = new_secret(self._random, CLIENT_ID_BYTES)
        secret: str | None = None
        secret_hash: str | None = None
        secret_expires_at = 0
        if method is not TokenEndpointAuthMethod.NONE:
            secret = new_secret(self._random)
            secret_hash = secret_digest(secret)
            if self._registration.client_secret_ttl:
                secret_expires_at = now + self._registration.client_secret_ttl
        client = parsed.to_client(
            client_id=client_id,
            origin=ClientOrigin.DYNAMIC,
            token_endpoint_auth_method=method,
            issued_at=now,
            secret_hash=secret_hash,
            secret_expires_at=secret_expires_at,
        )
        await self._clients.add(client)
        return RegisteredClient(client=client, client_secret=secret)
