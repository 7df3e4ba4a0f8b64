"""Domain errors rendered once, here, as the protocols want them."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from remotemcp.domain.errors import DomainError, InvalidClient

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error_body(exc: DomainError) -> dict[str, Any]:
    """RFC 6749 §5.2 (and RFC 6750 §3, which reuses it): the error code, and a description when
    there is one."""
    body: dict[str, Any] = {"error": exc.error}
    if exc.description:
        body["error_description"] = exc.description
    return body


def oauth_error_response(exc: DomainError, *, basic_auth_used: bool = False) -> JSONResponse:
    """RFC 6749 §5.2 error response. `invalid_client` after a Basic attempt must carry a
    `WWW-Authenticate` challenge (RFC 6749 §5.2)."""
    headers = dict(NO_STORE)
    if isinstance(exc, InvalidClient) and basic_auth_used:
        headers["WWW-Authenticate"] = 'Basic realm="remotemcp"'
    return JSONResponse(oauth_error_body(exc), status_code=exc.status_code, headers=headers)


def json_no_store(body: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=dict(NO_STORE))
