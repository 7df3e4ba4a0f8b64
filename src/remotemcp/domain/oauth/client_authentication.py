"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3,
OAuth 2.1 §2.4): who is calling, and did they prove it the way they registered to.

A client must use the method it registered: one registered for client_secret_basic is refused when
it posts its secret in the body, and vice versa. Accepting either would be harmless for the secret
itself, but a strict match makes a misconfigured client fail with a message naming the method
instead of working by accident against one server and not the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidClient, InvalidRequest
from remotemcp.domain.model.clients import Client, TokenEndpointAuthMethod
from remotemcp.domain.ports.clients import ClientRepository
from remotemcp.domain.randomness import constant_time_equal, secret_digest

AUTHENTICATION_FAILED = "client authentication failed"
"""Said for an unknown client and for a wrong secret alike, so the answer does not tell them apart."""

# Compared against when the client is unknown, so that path costs what a wrong secret costs.
_NO_SUCH_DIGEST = "0" * 64


@runtime_checkable
class ClientLookup(Protocol):
    """Anything that resolves client_ids, such as `ClientResolver` (which also reads metadata documents)."""

    async def resolve(self, client_id: str) -> Client | None: ...


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """What the edge found in the request, already decoded: the Authorization header's Basic
    credentials are base64-decoded and then form-url-decoded (RFC 6749 §2.3.1)."""

    client_id: str | None = None
    """The `client_id` form parameter."""
    client_secret: str | None = field(default=None, repr=False)
    """The `client_secret` form parameter."""
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    """(client_id, client_secret) from `Authorization: Basic`."""


@dataclass(frozen=True, slots=True)
class _Presented:
    client_id: str
    method: TokenEndpointAuthMethod
    secret: str | None


def _presented(credentials: ClientCredentials) -> _Presented:
    # An empty secret is no secret (RFC 6749 §2.3.1 lets an empty one be omitted), so Basic with an
    # empty password, which some libraries send for public clients, only identifies the client.
    body_secret = credentials.client_secret or None
    if credentials.basic_auth is not None:
        basic_id, basic_secret = credentials.basic_auth
        if body_secret is not None:
            raise InvalidRequest(
                "use one client authentication method: HTTP Basic or client_secret, not both"
            )
        if credentials.client_id is not None and credentials.client_id != basic_id:
            raise InvalidRequest("client_id in the body does not match the HTTP Basic client_id")
        if not basic_id:
            raise InvalidClient(AUTHENTICATION_FAILED)
        if not basic_secret:
            return _Presented(basic_id, TokenEndpointAuthMethod.NONE, None)
        return _Presented(basic_id, TokenEndpointAuthMethod.CLIENT_SECRET_BASIC, basic_secret)
    if not credentials.client_id:
        if body_secret is not None:
            raise InvalidRequest("client_secret was sent without client_id")
        raise InvalidClient(
            "client authentication is required: send client_id (and a secret if you have one)"
        )
    if body_secret is not None:
        return _Presented(credentials.client_id, TokenEndpointAuthMethod.CLIENT_SECRET_POST, body_secret)
    return _Presented(credentials.client_id, TokenEndpointAuthMethod.NONE, None)


class ClientAuthenticator:
    def __init__(self, clients: ClientLookup | ClientRepository, clock: Clock) -> None:
        self._resolve = clients.resolve if isinstance(clients, ClientLookup) else clients.get
        self._clock = clock

    async def authenticate(self, credentials: ClientCredentials) -> Client:
        """The authenticated client. Raises `InvalidRequest` for malformed credentials and
        `InvalidClient` (HTTP 401) when authentication fails."""
        presented = _presented(credentials)
        client = await self._resolve(presented.client_id)
        if client is None:
            constant_time_equal(secret_digest(presented.secret or ""), _NO_SUCH_DIGEST)
            raise InvalidClient(AUTHENTICATION_FAILED)
        registered = client.token_endpoint_auth_method
        if presented.method is not registered:
            raise InvalidClient(
                f"this client is registered for token_endpoint_auth_method {registered.value}, "
                f"but the request used {presented.method.value}"
            )
        if registered is TokenEndpointAuthMethod.NONE:
            return client
        if client.secret_hash is None or presented.secret is None:
            raise InvalidClient(AUTHENTICATION_FAILED)
        if not constant_time_equal(secret_digest(presented.secret), client.secret_hash):
            raise InvalidClient(AUTHENTICATION_FAILED)
        expires_at = client.client_secret_expires_at
        if expires_at != 0 and self._clock.now() >= expires_at:
            raise InvalidClient("the client secret has expired; register again or ask for a new secret")
        return client
