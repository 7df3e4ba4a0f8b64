"""Client credentials as a request presents them (RFC 6749 §2.3.1): `Authorization: Basic`, or the
`client_id` / `client_secret` body parameters. Only decoding happens here; whether they prove
anything is the domain's `ClientAuthenticator`'s call."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from urllib.parse import unquote_plus

from starlette.requests import Request

from remotemcp.app.http.forms import single
from remotemcp.domain.errors import InvalidClient, InvalidRequest
from remotemcp.domain.oauth.client_authentication import ClientCredentials

MAX_AUTHORIZATION_LENGTH = 8 * 1024
"""Far above any real id:secret pair; bounds the decoding work a junk header costs."""


def parse_basic_credentials(value: str) -> tuple[str, str]:
    """The (client_id, client_secret) of an `Authorization: Basic` header value (scheme included).
    RFC 6749 §2.3.1 has clients form-url-encode both before base64, so `+` and `%XX` are decoded
    after splitting on the first colon. Anything malformed is `InvalidClient`: the client tried to
    authenticate and did not manage to."""
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic":
        raise InvalidClient("the Authorization header must use the Basic scheme at this endpoint")
    encoded = encoded.strip()
    if not encoded or len(encoded) > MAX_AUTHORIZATION_LENGTH:
        raise InvalidClient("the Basic credentials are empty or too long")
    try:
        decoded = base64.b64decode(encoded.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidClient("the Basic credentials are not base64 of UTF-8 text") from None
    raw_id, colon, raw_secret = decoded.partition(":")
    if not colon:
        raise InvalidClient("the Basic credentials must be client_id:client_secret")
    client_id, client_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if not client_id:
        raise InvalidClient("the Basic credentials name no client_id")
    return client_id, client_secret


def basic_authorization(request: Request) -> tuple[str, str] | None:
    """The request's Basic credentials, None without an Authorization header."""
    values = request.headers.getlist("authorization")
    if not values:
        return None
    if len(values) > 1:
        raise InvalidRequest("send one Authorization header")
    return parse_basic_credentials(values[0])


def client_credentials(request: Request, form: Mapping[str, Sequence[str]]) -> ClientCredentials:
    """Everything the request offers to identify its client, for `ClientAuthenticator.authenticate`."""
    return ClientCredentials(
        client_id=single(form, "client_id"),
        client_secret=single(form, "client_secret"),
        basic_auth=basic_authorization(request),
    )
