"""Domain errors. Each carries the protocol `error` code it maps to; the edge renders them once.

OAuth codes come from RFC 6749 §4.1.2.1/§5.2, RFC 6750 §3.1, RFC 7591 §3.2.2 and RFC 8707 §2.
`status_code` is the HTTP status the token/registration endpoints answer with.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 500

    def __init__(self, description: str = "") -> None:
        super().__init__(description or self.error)
        self.description = description

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r})"


class OAuthError(DomainError):
    """An error an OAuth endpoint reports as `{"error": ..., "error_description": ...}`."""

    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 400


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class InvalidTarget(OAuthError):
    """RFC 8707: the `resource` is not one this server issues tokens for."""

    error = "invalid_target"


class AccessDenied(OAuthError):
    error = "access_denied"
    status_code = 403


class LoginRequired(OAuthError):
    error = "login_required"


class ConsentRequired(OAuthError):
    error = "consent_required"


class InvalidRedirectUri(OAuthError):
    """RFC 7591 §3.2.2 at registration; at /authorize it means: show an error page, never redirect."""

    error = "invalid_redirect_uri"


class InvalidClientMetadata(OAuthError):
    error = "invalid_client_metadata"


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status_code = 503


class TokenRejection(StrEnum):
    """Why a bearer token was refused. Distinct values so the edge can log the cause; the client
    only ever sees `invalid_token`."""

    MALFORMED = "malformed"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING_CLAIM = "missing_claim"
    REVOKED = "revoked"


class InvalidToken(OAuthError):
    """RFC 6750 §3.1 `invalid_token`, with the internal reason kept for logs."""

    error = "invalid_token"
    status_code = 401

    def __init__(self, reason: TokenRejection, description: str = "") -> None:
        super().__init__(description or f"token rejected: {reason.value}")
        self.reason = reason


class InsufficientScope(OAuthError):
    """RFC 6750 §3.1: the token is fine but lacks scopes; `required` tells the client what to ask for."""

    error = "insufficient_scope"
    status_code = 403

    def __init__(self, required: frozenset[str], description: str = "") -> None:
        super().__init__(description or "the token lacks the scopes this call needs")
        self.required = required


class InvalidCredentials(DomainError):
    """Login failed. The same error whether or not the user exists."""

    error = "invalid_credentials"
    status_code = 401

    def __init__(self, description: str = "invalid username or password") -> None:
        super().__init__(description)


class LoginThrottled(DomainError):
    """Too many recent failures for this account or address."""

    error = "login_throttled"
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class AlreadyExists(DomainError):
    """A repository refused a second record under a unique key."""

    error = "already_exists"
    status_code = 409


class NotFound(DomainError):
    error = "not_found"
    status_code = 404


class InvalidArguments(DomainError):
    """Tool, prompt or resource arguments failed validation (JSON-RPC -32602 at the edge)."""

    error = "invalid_params"
    status_code = 400

    def __init__(self, description: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(description)
        self.problems = problems


class RegistrationDisabled(AccessDenied):
    """Dynamic client registration (RFC 7591) is switched off by configuration."""

    def __init__(self, description: str = "dynamic client registration is disabled on this server") -> None:
        super().__init__(description)


class InvalidConfiguration(DomainError, ValueError):
    """Settings the domain cannot run with (a short preset client secret, a bad redirect URI). Raised
    at start-up, so the operator sees it before any client does."""

    error = "invalid_configuration"
    status_code = 500
