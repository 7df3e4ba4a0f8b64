"""Reading OAuth request parameters: every value kept, so repeated parameters can be refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl

from starlette.requests import Request

from remotemcp.domain.errors import DomainError, InvalidRequest

MAX_FORM_BYTES = 64 * 1024


def media_type(request: Request) -> str:
    """The request's Content-Type without its parameters, lower-cased ("" when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_form(request: Request) -> dict[str, list[str]]:
    """The urlencoded body as name -> values. Anything but `application/x-www-form-urlencoded` is
    refused, as RFC 6749 §3.2 requires for the token endpoint and RFC 7009/7662 for theirs."""
    if media_type(request) != "application/x-www-form-urlencoded":
        raise InvalidRequest("the request body must be application/x-www-form-urlencoded")
    body = await read_limited_body(request, MAX_FORM_BYTES, InvalidRequest("the request body is too large"))
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the request body is not valid UTF-8") from exc
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


async def read_limited_body(request: Request, limit: int, too_large: DomainError) -> bytes:
    """The body, refused with `too_large` as soon as it is known to exceed `limit`: first by its
    declared length, then while streaming, so an oversized request never sits in memory."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def query_params(request: Request) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        values.setdefault(name, []).append(value)
    return values


def single(params: Mapping[str, Sequence[str]], name: str, *, required: bool = False) -> str | None:
    """One parameter's value. RFC 6749 §3.1: parameters must not repeat; an empty value counts as
    omitted."""
    values = params.get(name, ())
    if len(values) > 1:
        raise InvalidRequest(f"parameter {name!r} is repeated")
    value = values[0] if values else ""
    if value == "":
        if required:
            raise InvalidRequest(f"missing required parameter {name!r}")
        return None
    return value
