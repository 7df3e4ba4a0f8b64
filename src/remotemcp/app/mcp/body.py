"""Reading a request body in front of another ASGI app and handing it on unchanged.

The bearer middleware must see a POST's JSON-RPC method before the SDK does (a scope challenge is
an HTTP 403, which only the HTTP layer can send), so it reads the body — within a bound, since it
is read before the SDK's own limit applies — and gives the SDK a `receive` that yields the same
bytes first and then the client's later messages (the disconnect the SSE responses wait for).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope


class BodyTooLarge(Exception):
    pass


class ClientDisconnected(Exception):
    pass


def declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


async def read_body(receive: Receive, limit: int) -> bytes:
    buffer = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        if message["type"] != "http.request":
            continue
        buffer.extend(message.get("body", b""))
        if len(buffer) > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            return bytes(buffer)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` whose first message is the whole `body`; later calls go to the client."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_again() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return receive_again
