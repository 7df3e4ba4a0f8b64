"""Where the browser goes when an authorization request ends: the client's redirect URI with the
code or the error, `state`, and `iss` (RFC 6749 §4.1.2, RFC 9207)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from remotemcp.domain.errors import OAuthError
from remotemcp.domain.oauth.authorization_request import AuthorizationRedirectError, AuthorizationRequest


def append_query(uri: str, params: Mapping[str, str]) -> str:
    """`uri` with `params` added to its query. RFC 6749 §3.1.2: a query the redirect URI was
    registered with is kept, and the response parameters are appended to it."""
    parts = urlsplit(uri)
    added = urlencode(list(params.items()))
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def code_response_uri(request: AuthorizationRequest, code: str, issuer: str) -> str:
    params = {"code": code}
    if request.state is not None:
        params["state"] = request.state
    params["iss"] = issuer
    return append_query(request.redirect_uri, params)


def redirected_error_uri(error: AuthorizationRedirectError, issuer: str) -> str:
    return append_query(error.redirect_uri, error.response_parameters(issuer))


def error_response_uri(request: AuthorizationRequest, cause: OAuthError, issuer: str) -> str:
    """An error decided after validation (access_denied, login_required, consent_required)."""
    return redirected_error_uri(
        AuthorizationRedirectError(cause, request.redirect_uri, request.state), issuer
    )
