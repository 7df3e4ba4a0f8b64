"""A loopback HTTP/1.1 proxy that adds `Authorization: Bearer <token>` to every request and forwards
everything else byte for byte: request line, Host and Origin headers, bodies, and responses
(streamed as they arrive, so SSE passes through live).

The official conformance suite cannot send a bearer token; put this in front of RemoteMCP and point
the suite at the proxy. RemoteMCP's public URL must be the proxy's address, since Host is not
rewritten. Each client connection gets its own upstream connection, so keep-alive works without
pairing responses to requests: only request heads are parsed (to add the header and to find where
each body ends); responses are copied as raw bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Seen:
    method: str
    target: str
    host: str | None
    origin: str | None
    authorized: bool


@dataclass
class BearerProxy:
    upstream_host: str
    upstream_port: int
    token: str | None = None
    """None forwards requests untouched (e.g. while the token is still being obtained)."""
    seen: list[Seen] = field(default_factory=list)
    _open: set[asyncio.Task[None]] = field(default_factory=set)

    @contextlib.asynccontextmanager
    async def serving(self, sock: socket.socket) -> AsyncIterator[BearerProxy]:
        server = await asyncio.start_server(self._connection, sock=sock, limit=MAX_HEAD)
        try:
            yield self
        finally:
            server.close()
            # Connections the client left open (SSE streams) must not hold up shutdown.
            for task in list(self._open):
                task.cancel()
            await asyncio.gather(*self._open, return_exceptions=True)
            await server.wait_closed()

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._open.add(task)
        try:
            await self._relay(client_reader, client_writer)
        finally:
            self._open.discard(task)

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port, limit=MAX_HEAD
            )
        except OSError:
            client_writer.close()
            return
        requests = asyncio.ensure_future(self._pump_requests(client_reader, upstream_writer))
        responses = asyncio.ensure_future(_copy(upstream_reader, client_writer))
        try:
            # Whichever side ends first ends the exchange: HTTP clients do not half-close.
            await asyncio.wait({requests, responses}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (requests, responses):
                task.cancel()
            await asyncio.gather(requests, responses, return_exceptions=True)
            for writer in (upstream_writer, client_writer):
                writer.close()
                with contextlib.suppress(OSError, ConnectionError):
                    await writer.wait_closed()

    async def _pump_requests(self, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            upstream.write(self._with_token(head))
            await _copy_body(head, reader, upstream)
            await upstream.drain()

    def _with_token(self, head: bytes) -> bytes:
        lines = head[:-4].split(b"\r\n")
        request_line, header_lines = lines[0], lines[1:]
        headers: dict[bytes, str] = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers.setdefault(name.strip().lower(), value.strip().decode("latin-1"))
        method, _, rest = request_line.decode("latin-1").partition(" ")
        target = rest.rsplit(" ", 1)[0]
        authorized = b"authorization" in headers
        if self.token is not None and not authorized:
            header_lines = [*header_lines, b"Authorization: Bearer " + self.token.encode("ascii")]
            authorized = True
        self.seen.append(Seen(method, target, headers.get(b"host"), headers.get(b"origin"), authorized))
        return b"\r\n".join([request_line, *header_lines]) + b"\r\n\r\n"


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


async def _copy_body(head: bytes, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter) -> None:
    encoding = _header(head, b"transfer-encoding")
    if encoding is not None and encoding.lower().endswith(b"chunked"):
        await _copy_chunked(reader, upstream)
        return
    length = _header(head, b"content-length")
    remaining = int(length) if length is not None and length.isdigit() else 0
    while remaining:
        data = await reader.read(min(remaining, CHUNK))
        if not data:
            raise ConnectionError("the client closed mid-body")
        upstream.write(data)
        remaining -= len(data)


async def _copy_chunked(reader: asyncio.StreamReader, upstream: asyncio.StreamWriter) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        upstream.write(size_line)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            # Trailers, if any, then the empty line that ends the message.
            while True:
                line = await reader.readuntil(b"\r\n")
                upstream.write(line)
                if line == b"\r\n":
                    return
        upstream.write(await reader.readexactly(size + 2))


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
