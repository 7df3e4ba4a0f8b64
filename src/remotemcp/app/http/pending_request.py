"""The authorization request travels with the login and consent forms as one hidden field holding
its parameters, and is validated again on every step. Nothing is trusted from the field that a
fresh request to /authorize could not say: a user who edits it has only made a new request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

from remotemcp.domain.errors import InvalidRequest

REQUEST_FIELD = "authorization_request"
MAX_PARAMETERS = 64


def encode_request(params: Mapping[str, Sequence[str]]) -> str:
    """The parameters as one urlencoded string; one field means no clash with the form's own
    fields, and repeated parameters stay repeated so validation still refuses them."""
    return urlencode([(name, value) for name, values in params.items() for value in values])


def decode_request(text: str | None) -> dict[str, list[str]]:
    if not text:
        raise InvalidRequest("the form does not carry the authorization request")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
    except ValueError:
        raise InvalidRequest("the authorization request in the form is malformed") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params
