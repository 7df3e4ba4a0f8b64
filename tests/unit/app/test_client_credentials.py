"""Decoding of client credentials at the HTTP edge (RFC 6749 §2.3.1)."""

from __future__ import annotations

import base64

import pytest
from starlette.requests import Request

from remotemcp.app.http.client_credentials import client_credentials, parse_basic_credentials
from remotemcp.domain.errors import InvalidClient, InvalidRequest
from remotemcp.domain.oauth.client_authentication import ClientCredentials


def basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")


def request_with(*authorization: str) -> Request:
    headers = [(b"authorization", value.encode("latin-1")) for value in authorization]
    return Request({"type": "http", "method": "POST", "path": "/token", "headers": headers})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("client:secret", ("client", "secret")),
        ("tool%3Abox%2B1:s3cr%3At%2B%25", ("tool:box+1", "s3cr:t+%")),
        ("my+client:a+b", ("my client", "a b")),
        ("client:", ("client", "")),
        ("client:se:cret", ("client", "se:cret")),
        ("%C3%A9t%C3%A9:x", ("été", "x")),
    ],
)
def test_basic_credentials_are_form_url_decoded(raw: str, expected: tuple[str, str]) -> None:
    assert parse_basic_credentials(basic(raw)) == expected


def test_scheme_is_case_insensitive() -> None:
    value = basic("client:secret").replace("Basic", "bAsIc")
    assert parse_basic_credentials(value) == ("client", "secret")


@pytest.mark.parametrize(
    "value",
    [
        "Basic",
        "Basic ",
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":secret").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic " + "A" * 9000,
        "Bearer abc.def.ghi",
        "Digest username=x",
    ],
)
def test_malformed_basic_is_invalid_client(value: str) -> None:
    with pytest.raises(InvalidClient):
        parse_basic_credentials(value)


def test_client_credentials_gathers_header_and_body() -> None:
    form = {"client_id": ["body-id"], "client_secret": ["body-secret"], "grant_type": ["x"]}
    found = client_credentials(request_with(basic("id:secret")), form)
    assert found == ClientCredentials(
        client_id="body-id", client_secret="body-secret", basic_auth=("id", "secret")
    )
    assert client_credentials(request_with(), {}) == ClientCredentials()


def test_repeated_credentials_are_refused() -> None:
    with pytest.raises(InvalidRequest):
        client_credentials(request_with(basic("a:b"), basic("c:d")), {})
    with pytest.raises(InvalidRequest):
        client_credentials(request_with(), {"client_id": ["a", "b"]})
