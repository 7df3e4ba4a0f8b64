"""`HttpsDocumentFetcher`: fetches Client ID Metadata Documents over HTTPS with httpx2, safely.

The host name is resolved once, every address it resolves to is vetted, and the connection is
made to a vetted address literally (the URL carries the IP; the Host header and the TLS SNI and
certificate check carry the name). A DNS answer that changes between the check and the connect
(DNS rebinding) therefore cannot steer the connection anywhere else. The peer address of the
connection is checked once more after connecting, in case a proxy or a future transport ever
stands in between.

Redirects are never followed, the whole fetch (resolution included) has one deadline, and the
body is read as a stream that stops at the size limit.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2

from remotemcp.adapters.address_policy import AddressPolicy, IPAddress, public_address_problem
from remotemcp.domain.errors import InvalidClient
from remotemcp.domain.oauth.metadata_document import DEFAULT_MAX_DOCUMENT_BYTES
from remotemcp.domain.ports.fetch import FetchedDocument

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Resolves a host name and port to the addresses to try, in order."""

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_ADDRESSES_TRIED = 4
USER_AGENT = "RemoteMCP (client-id-metadata-document fetcher)"


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: dict[IPAddress, None] = {}
    for _family, _type, _proto, _canonical, sockaddr in infos:
        addresses[ipaddress.ip_address(str(sockaddr[0]))] = None
    return list(addresses)


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    hostname: str
    port: int
    host_header: str
    path: str
    literal: IPAddress | None
    """The host when the URL names an IP address rather than a name."""

    def url_for(self, address: IPAddress) -> str:
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"https://{host}:{self.port}{self.path}"


def _refuse(url: str, reason: str) -> InvalidClient:
    return InvalidClient(f"client metadata document {url}: {reason}")


def _target(url: str) -> _Target:
    if not url.isascii():
        raise _refuse(url, "the URL must be ASCII (an IDNA-encoded host name)")
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise _refuse(url, "the URL is malformed") from None
    if parts.scheme != "https":
        raise _refuse(url, "only https URLs are fetched")
    if "@" in parts.netloc:
        raise _refuse(url, "the URL must not contain user information")
    if not parts.hostname:
        raise _refuse(url, "the URL has no host")
    try:
        literal: IPAddress | None = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(url, parts.hostname, port, parts.netloc, path, literal)


def max_age_from(headers: httpx2.Headers) -> int | None:
    """Seconds the response may be cached, from Cache-Control (`no-store`/`no-cache` count as 0,
    the caller's policy applies its floor), less its Age; None when the server said nothing."""
    directives = [
        directive.strip().lower()
        for value in headers.get_list("cache-control")
        for directive in value.split(",")
    ]
    if "no-store" in directives or "no-cache" in directives:
        return 0
    for directive in directives:
        name, _, value = directive.partition("=")
        if name.strip() == "max-age":
            try:
                max_age = int(value.strip().strip('"'))
            except ValueError:
                return None
            try:
                age = int(headers.get("age", "0"))
            except ValueError:
                age = 0
            return max(0, max_age - max(0, age))
    return None


class HttpsDocumentFetcher:
    """`DocumentFetcher` over HTTPS. The defaults are the production ones: public addresses
    only, the system's trust store, 5 s and 5 KiB. Tests inject an address policy, a resolver
    and an SSL context to serve documents from a loopback server with a self-signed certificate."""

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        address_policy: AddressPolicy = public_address_problem,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_bytes <= 0 or timeout <= 0:
            raise ValueError("max_bytes and timeout must be positive")
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._address_policy = address_policy
        self._resolver = resolver
        self._ssl_context = ssl_context

    async def fetch(self, url: str) -> FetchedDocument:
        target = _target(url)
        try:
            with anyio.fail_after(self._timeout):
                addresses = await self._vetted_addresses(target)
                return await self._fetch_from_any(target, addresses)
        except TimeoutError:
            raise _refuse(url, f"no complete answer within {self._timeout:g} s") from None

    async def _vetted_addresses(self, target: _Target) -> list[IPAddress]:
        if target.literal is not None:
            addresses: Sequence[IPAddress] = [target.literal]
        else:
            try:
                addresses = await self._resolver(target.hostname, target.port)
            except OSError as exc:
                raise _refuse(target.url, f"cannot resolve {target.hostname}: {exc}") from None
        if not addresses:
            raise _refuse(target.url, f"{target.hostname} resolves to no address")
        # One bad address refuses the whole name: a name that mixes public and internal
        # addresses is exactly what an attacker would publish.
        for address in addresses:
            problem = self._address_policy(address)
            if problem is not None:
                raise _refuse(target.url, f"{target.hostname} resolves to a refused address: {problem}")
        return list(addresses)[:MAX_ADDRESSES_TRIED]

    async def _fetch_from_any(self, target: _Target, addresses: list[IPAddress]) -> FetchedDocument:
        failures: list[str] = []
        for address in addresses:
            try:
                return await self._fetch_from(target, address)
            except httpx2.ConnectError as exc:
                failures.append(f"{address}: {exc or type(exc).__name__}")
        raise _refuse(target.url, "cannot connect: " + "; ".join(failures))

    async def _fetch_from(self, target: _Target, address: IPAddress) -> FetchedDocument:
        headers = {
            "Host": target.host_header,
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "User-Agent": USER_AGENT,
        }
        extensions: dict[str, Any] = {} if target.literal is not None else {"sni_hostname": target.hostname}
        if self._ssl_context is None:
            # Loading the trust store costs milliseconds: once per fetcher, not per fetch.
            # SSL_CERT_FILE / SSL_CERT_DIR are honoured; proxy variables are not (see the client).
            self._ssl_context = httpx2.create_ssl_context()
        try:
            async with (
                # trust_env=False: a proxy from HTTPS_PROXY would make the connection, and the
                # address check, somebody else's.
                httpx2.AsyncClient(
                    verify=self._ssl_context, trust_env=False, follow_redirects=False, timeout=self._timeout
                ) as client,
                client.stream(
                    "GET", target.url_for(address), headers=headers, extensions=extensions
                ) as response,
            ):
                self._check_peer(target, address, response)
                self._check_status(target, response)
                body = await self._read_body(target, response)
                return FetchedDocument(
                    url=target.url,
                    body=body,
                    content_type=response.headers.get("content-type"),
                    max_age=max_age_from(response.headers),
                )
        except httpx2.ConnectError:
            raise
        except httpx2.TimeoutException:
            raise _refuse(target.url, f"no complete answer within {self._timeout:g} s") from None
        except (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError) as exc:
            raise _refuse(target.url, f"fetch failed: {exc or type(exc).__name__}") from None

    def _check_peer(self, target: _Target, address: IPAddress, response: httpx2.Response) -> None:
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer is None:
            return
        try:
            connected = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        except ValueError:
            raise _refuse(target.url, f"connected to an unrecognised peer {peer!r}") from None
        if connected != address or self._address_policy(connected) is not None:
            raise _refuse(target.url, f"connected to {connected}, not the vetted {address}")

    @staticmethod
    def _check_status(target: _Target, response: httpx2.Response) -> None:
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("location", "nowhere")
            raise _refuse(
                target.url,
                f"the server redirected (HTTP {status} to {location}); "
                "metadata documents must be served at their URL and redirects are not followed",
            )
        if status != 200:
            raise _refuse(target.url, f"the server answered HTTP {status}")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise _refuse(target.url, f"content encoding {encoding!r} was not asked for")

    async def _read_body(self, target: _Target, response: httpx2.Response) -> bytes:
        too_large = _refuse(target.url, f"the document is larger than {self._max_bytes} bytes")
        declared = response.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self._max_bytes:
            raise too_large
        body = bytearray()
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > self._max_bytes:
                raise too_large
        return bytes(body)
