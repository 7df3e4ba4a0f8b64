"""Validation of an authorization request (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, RFC 7636, RFC 8707,
OpenID Connect Core §3.1.2.1).

Failures come in two kinds, and the edge must tell them apart:
- the client or the redirect URI cannot be trusted (`InvalidClient`, `InvalidRedirectUri`): the edge
  shows an error page and never redirects (RFC 6749 §4.1.2.1);
- everything else is wrapped in `AuthorizationRedirectError`, which carries the verified redirect
  URI and the state, so the edge redirects back with `error`, `error_description`, `state` and `iss`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from remotemcp.domain.errors import (
    InvalidClient,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    OAuthError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from remotemcp.domain.model.clients import Client
from remotemcp.domain.oauth.pkce import S256, validate_code_challenge
from remotemcp.domain.oauth.redirect_uris import select_redirect_uri
from remotemcp.domain.oauth.resources import canonical_resource_matches, validate_resource_uri
from remotemcp.domain.oauth.scopes import parse_scope
from remotemcp.domain.policy import ServerPolicy

MAX_STATE_LENGTH = 2048
MAX_NONCE_LENGTH = 2048
SUPPORTED_RESPONSE_MODES = frozenset({"query"})
"""Response modes this server can deliver a code with; `fragment` is never right for a code."""

# RFC 8707 §2 lets `resource` repeat; RFC 6749 §3.1 forbids repeating anything else.
_REPEATABLE = frozenset({"resource"})


class RequestNotSupported(OAuthError):
    """OpenID Connect Core §3.1.2.6: request objects (`request`) are not supported."""

    error = "request_not_supported"


class RequestUriNotSupported(OAuthError):
    """OpenID Connect Core §3.1.2.6: request objects by reference (`request_uri`) are not supported."""

    error = "request_uri_not_supported"


class AuthorizationRedirectError(Exception):
    """An authorization request failed after the client and redirect URI were verified: the edge
    sends the user agent back to `redirect_uri` with the error (RFC 6749 §4.1.2.1, RFC 9207)."""

    def __init__(self, cause: OAuthError, redirect_uri: str, state: str | None) -> None:
        super().__init__(f"{cause.error}: {cause.description or cause.error}")
        self.cause = cause
        self.redirect_uri = redirect_uri
        self.state = state

    def response_parameters(self, issuer: str) -> dict[str, str]:
        """The query parameters of the error redirect."""
        params = {"error": self.cause.error}
        if self.cause.description:
            params["error_description"] = self.cause.description
        if self.state is not None:
            params["state"] = self.state
        params["iss"] = issuer
        return params


class Prompt(StrEnum):
    """OpenID Connect Core §3.1.2.1 `prompt` values."""

    NONE = "none"
    LOGIN = "login"
    CONSENT = "consent"
    SELECT_ACCOUNT = "select_account"


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A validated authorization request, ready for login and consent."""

    client: Client
    redirect_uri: str
    redirect_uri_in_request: bool
    """Whether the client sent redirect_uri; if so /token must repeat it (RFC 6749 §4.1.3)."""
    scopes: frozenset[str]
    state: str | None
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    resource: str
    """Always the canonical resource: the one this server serves, whatever spelling the client used."""
    prompt: frozenset[Prompt]
    max_age: int | None = None
    response_mode: str | None = None


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The one value of a parameter; None when absent or empty (RFC 6749 §3.1: a parameter sent
    without a value is treated as omitted). Callers have already refused repetition."""
    values = params.get(name) or ()
    if not values:
        return None
    return values[0] or None


def validate_authorization_request(
    client: Client | None, params: Mapping[str, Sequence[str]], policy: ServerPolicy
) -> AuthorizationRequest:
    """Validate the parameters of /authorize for `client` (looked up by the edge from `client_id`;
    None when unknown). `params` holds every value of every query or form parameter."""
    client_ids = params.get("client_id") or ()
    if len(client_ids) > 1:
        raise InvalidClient("client_id must not be repeated")
    client_id = _single(params, "client_id")
    if client_id is None:
        raise InvalidClient("client_id is required")
    if client is None or client.client_id != client_id:
        raise InvalidClient("unknown client_id")

    if len(params.get("redirect_uri") or ()) > 1:
        raise InvalidRedirectUri("redirect_uri must not be repeated")
    presented_redirect = _single(params, "redirect_uri")
    redirect_uri = select_redirect_uri(client.redirect_uris, presented_redirect)

    state = _echoable_state(params)
    try:
        return _validate_after_redirect(client, redirect_uri, presented_redirect is not None, params, policy)
    except OAuthError as exc:
        raise AuthorizationRedirectError(exc, redirect_uri, state) from exc


def _echoable_state(params: Mapping[str, Sequence[str]]) -> str | None:
    # A repeated or oversized state is itself the error; echoing either would be guessing.
    values = params.get("state") or ()
    if len(values) != 1 or not values[0] or len(values[0]) > MAX_STATE_LENGTH:
        return None
    return values[0]


def _validate_after_redirect(
    client: Client,
    redirect_uri: str,
    redirect_uri_in_request: bool,
    params: Mapping[str, Sequence[str]],
    policy: ServerPolicy,
) -> AuthorizationRequest:
    for name, values in params.items():
        if name not in _REPEATABLE and len(values) > 1:
            raise InvalidRequest(f"parameter {name} must not be repeated")
    if _single(params, "request") is not None:
        raise RequestNotSupported("request objects are not supported; send the parameters directly")
    if _single(params, "request_uri") is not None:
        raise RequestUriNotSupported("request_uri is not supported; send the parameters directly")

    response_type = _single(params, "response_type")
    if response_type is None:
        raise InvalidRequest("response_type is required")
    if response_type != "code":
        raise UnsupportedResponseType("only response_type=code is supported")
    if "authorization_code" not in client.grant_types or "code" not in client.response_types:
        raise UnauthorizedClient("this client is not registered for the authorization_code grant")

    response_mode = _single(params, "response_mode")
    if response_mode is not None and response_mode not in SUPPORTED_RESPONSE_MODES:
        raise InvalidRequest("unsupported response_mode; only query is supported")

    code_challenge = validate_code_challenge(
        _single(params, "code_challenge"), _single(params, "code_challenge_method")
    )

    state = _single(params, "state")
    if state is not None and len(state) > MAX_STATE_LENGTH:
        raise InvalidRequest(f"state must not exceed {MAX_STATE_LENGTH} characters")
    nonce = _single(params, "nonce")
    if nonce is not None and len(nonce) > MAX_NONCE_LENGTH:
        raise InvalidRequest(f"nonce must not exceed {MAX_NONCE_LENGTH} characters")

    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        redirect_uri_in_request=redirect_uri_in_request,
        scopes=_requested_scopes(client, _single(params, "scope"), policy),
        state=state,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method=S256,
        resource=_requested_resource(params, policy),
        prompt=_parse_prompt(_single(params, "prompt")),
        max_age=_parse_max_age(_single(params, "max_age")),
        response_mode=response_mode,
    )


def _requested_scopes(client: Client, scope: str | None, policy: ServerPolicy) -> frozenset[str]:
    requested = parse_scope(scope)
    if not requested:
        # RFC 6749 §3.3: no scope means the pre-defined default, within what the client may have.
        defaults = policy.default_scopes & client.scopes if client.scopes else policy.default_scopes
        if not defaults:
            raise InvalidScope("no scope requested and no default scope is allowed for this client")
        return defaults
    unsupported = requested - policy.scopes_supported
    if unsupported:
        raise InvalidScope(f"unsupported scope: {' '.join(sorted(unsupported))}")
    if client.scopes:
        forbidden = requested - client.scopes
        if forbidden:
            raise InvalidScope(f"scope not allowed for this client: {' '.join(sorted(forbidden))}")
    return requested


def _requested_resource(params: Mapping[str, Sequence[str]], policy: ServerPolicy) -> str:
    values = [value for value in params.get("resource") or () if value]
    for value in values:
        validate_resource_uri(value)
    # Several spellings of the one resource are fine; several resources are not, since this
    # server can only issue tokens for its own.
    for value in values:
        if not canonical_resource_matches(value, policy.resource):
            if len(set(values)) > 1:
                raise InvalidTarget("this server serves one resource; request only that one")
            raise InvalidTarget("resource must be this server's protected resource")
    # An omitted resource binds the code to the one resource served: real clients omit it.
    return policy.resource


def _parse_prompt(value: str | None) -> frozenset[Prompt]:
    if value is None:
        return frozenset()
    prompts: set[Prompt] = set()
    for token in value.split(" "):
        if not token:
            continue
        try:
            prompts.add(Prompt(token))
        except ValueError:
            raise InvalidRequest("unsupported prompt value") from None
    if Prompt.NONE in prompts and len(prompts) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other prompt values")
    return frozenset(prompts)


def _parse_max_age(value: str | None) -> int | None:
    if value is None:
        return None
    # A bound on the digits keeps int() cheap and the value a plausible number of seconds.
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        raise InvalidRequest("max_age must be a non-negative integer number of seconds")
    return int(value)
