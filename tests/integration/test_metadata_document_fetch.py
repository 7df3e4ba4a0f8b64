"""Client ID Metadata Documents fetched over real HTTPS from a loopback server with a self-signed
certificate. The production fetcher refuses loopback addresses; the tests build a test-only
fetcher with an address policy that admits the loopback server, a resolver that maps the test
host name to 127.0.0.1, and an SSL context that trusts the test certificate."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest
from anyio.abc import SocketAttribute
from anyio.streams.tls import TLSListener, TLSStream
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from remotemcp.adapters.address_policy import IPAddress
from remotemcp.adapters.http_fetch import HttpsDocumentFetcher
from remotemcp.adapters.memory.clients import InMemoryClientRepository
from remotemcp.app.container import Container
from remotemcp.app.settings import Settings
from remotemcp.domain.clock import SystemClock
from remotemcp.domain.errors import InvalidClient
from remotemcp.domain.model.clients import ClientOrigin
from remotemcp.domain.oauth.metadata_document import ClientResolver

HOST = "metadata.test"
LOOPBACK = ipaddress.ip_address("127.0.0.1")

# -- a certificate for the test server ---------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext
    sni_seen: list[str | None]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.DNSName("localhost"), x509.IPAddress(LOOPBACK)]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    directory: Path = tmp_path_factory.mktemp("tls")
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    sni_seen: list[str | None] = []
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    server.sni_callback = lambda _sock, server_name, _ctx: sni_seen.append(server_name)
    client = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return Tls(server=server, client=client, sni_seen=sni_seen)


# -- a small HTTPS server with canned answers --------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "application/json")])
    body: bytes = b""
    content_length: bool = True
    delay: float = 0.0
    """Seconds before anything is sent."""
    drip: float = 0.0
    """Seconds between body bytes (a server that never finishes)."""


@dataclass
class Seen:
    path: str
    host: str | None


@dataclass
class DocumentServer:
    port: int
    answers: dict[str, Answer]
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0

    def url(self, path: str, host: str = HOST) -> str:
        return f"https://{host}:{self.port}{path}"

    async def handle(self, stream: TLSStream) -> None:
        self.connections += 1
        with contextlib.suppress(
            anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError
        ):
            async with stream:
                data = b""
                with anyio.fail_after(5):
                    while b"\r\n\r\n" not in data:
                        data += await stream.receive()
                request_line, *lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                _, path, _ = request_line.split(" ")
                headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
                self.seen.append(Seen(path=path, host=headers.get("host")))
                await self._answer(stream, self.answers.get(path, Answer(status=404, body=b"not found")))

    @staticmethod
    async def _answer(stream: TLSStream, answer: Answer) -> None:
        await anyio.sleep(answer.delay)
        head = [f"HTTP/1.1 {answer.status} X", "Connection: close"]
        head += [f"{name}: {value}" for name, value in answer.headers]
        if answer.content_length:
            head.append(f"Content-Length: {len(answer.body)}")
        await stream.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if answer.drip:
            for byte in answer.body:
                await stream.send(bytes([byte]))
                await anyio.sleep(answer.drip)
        elif answer.body:
            await stream.send(answer.body)


@contextlib.asynccontextmanager
async def serving(tls: Tls, answers: dict[str, Answer]) -> AsyncIterator[DocumentServer]:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(SocketAttribute.local_port)  # noqa: S610 - anyio, not Django
    server = DocumentServer(port=port, answers=answers)
    tls_listener = TLSListener(listener, tls.server, standard_compatible=False)
    tls.sni_seen.clear()
    async with anyio.create_task_group() as tg:
        tg.start_soon(tls_listener.serve, server.handle)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()
    await tls_listener.aclose()


# -- the test-only fetcher ---------------------------------------------------------------------


def loopback_only(address: IPAddress) -> str | None:
    """The test-only address policy: the loopback test server and nothing else."""
    return None if address.is_loopback else f"{address} is not the loopback test server"


async def resolve_test_host(host: str, port: int) -> Sequence[IPAddress]:
    if host in (HOST, "other.test"):
        return [LOOPBACK]
    raise socket.gaierror(socket.EAI_NONAME, f"unknown test host {host}")


def loopback_fetcher(tls: Tls, *, timeout: float = 5.0, max_bytes: int = 5 * 1024) -> HttpsDocumentFetcher:
    return HttpsDocumentFetcher(
        address_policy=loopback_only,
        resolver=resolve_test_host,
        ssl_context=tls.client,
        timeout=timeout,
        max_bytes=max_bytes,
    )


def document(url: str, **extra: object) -> bytes:
    return json.dumps(
        {
            "client_id": url,
            "client_name": "Loopback Test Client",
            "redirect_uris": ["https://app.example.com/callback"],
            "token_endpoint_auth_method": "none",
            **extra,
        }
    ).encode()


def json_answer(body: bytes, *headers: tuple[str, str], **options: object) -> Answer:
    return Answer(headers=[("Content-Type", "application/json"), *headers], body=body, **options)  # type: ignore[arg-type]


# -- tests -------------------------------------------------------------------------------------


async def test_fetches_the_document_from_the_vetted_address_with_name_in_host_and_sni(tls: Tls) -> None:
    answers: dict[str, Answer] = {}
    async with serving(tls, answers) as server:
        url = server.url("/client.json")
        answers["/client.json"] = json_answer(document(url), ("Cache-Control", "public, max-age=600"))
        with anyio.fail_after(10):
            fetched = await loopback_fetcher(tls).fetch(url)
    assert fetched.url == url
    assert json.loads(fetched.body)["client_id"] == url
    assert fetched.content_type == "application/json"
    assert fetched.max_age == 600
    # Connected to 127.0.0.1, yet the server saw the name: in the Host header and in the SNI.
    assert [(s.path, s.host) for s in server.seen] == [("/client.json", f"{HOST}:{server.port}")]
    assert tls.sni_seen == [HOST]


async def test_the_client_resolver_turns_the_fetched_document_into_a_cached_client(tls: Tls) -> None:
    answers: dict[str, Answer] = {}
    clients = InMemoryClientRepository()
    async with serving(tls, answers) as server:
        url = server.url("/client.json")
        answers["/client.json"] = json_answer(document(url), ("Cache-Control", "max-age=900"))
        resolver = ClientResolver(clients, SystemClock(), loopback_fetcher(tls))
        with anyio.fail_after(10):
            client = await resolver.resolve(url)
            again = await resolver.resolve(url)
    assert client is not None
    assert client.client_id == url
    assert client.origin is ClientOrigin.METADATA_DOCUMENT
    assert client.redirect_uris == ("https://app.example.com/callback",)
    assert client.metadata_expires_at is not None
    assert abs(client.metadata_expires_at - (int(time.time()) + 900)) <= 5
    assert again == client
    assert len(server.seen) == 1, "the second resolve is served from the repository"
    assert await clients.get(url) == client


async def test_the_system_resolver_and_address_fallback_work_for_localhost(tls: Tls) -> None:
    answers: dict[str, Answer] = {}
    async with serving(tls, answers) as server:
        url = server.url("/client.json", host="localhost")
        answers["/client.json"] = json_answer(document(url))
        # localhost may also resolve to ::1, where nothing listens: the next address is tried.
        fetcher = HttpsDocumentFetcher(address_policy=loopback_only, ssl_context=tls.client)
        with anyio.fail_after(10):
            fetched = await fetcher.fetch(url)
    assert json.loads(fetched.body)["client_id"] == url
    assert fetched.max_age is None
    assert server.seen[-1].host == f"localhost:{server.port}"


async def test_a_document_declared_too_large_is_refused(tls: Tls) -> None:
    async with serving(tls, {"/big.json": json_answer(b"{" + b" " * 6000 + b"}")}) as server:
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await loopback_fetcher(tls).fetch(server.url("/big.json"))
    assert "the document is larger than 5120 bytes" in caught.value.description


async def test_a_streamed_document_is_cut_off_at_the_limit(tls: Tls) -> None:
    body = b"[" + b"1," * 500_000 + b"1]"
    answer = json_answer(body, content_length=False)
    async with serving(tls, {"/endless.json": answer}) as server:
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await loopback_fetcher(tls, max_bytes=2048).fetch(server.url("/endless.json"))
    assert "the document is larger than 2048 bytes" in caught.value.description


async def test_wrong_content_type_is_refused_by_the_resolver(tls: Tls) -> None:
    answers: dict[str, Answer] = {}
    clients = InMemoryClientRepository()
    async with serving(tls, answers) as server:
        url = server.url("/client.html")
        answers["/client.html"] = Answer(headers=[("Content-Type", "text/html")], body=document(url))
        resolver = ClientResolver(clients, SystemClock(), loopback_fetcher(tls))
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await resolver.resolve(url)
    assert "content type 'text/html' is not application/json" in caught.value.description
    assert await clients.list() == []


async def test_a_body_that_is_not_json_is_refused_by_the_resolver(tls: Tls) -> None:
    answers = {"/client.json": json_answer(b"<html>hello</html>")}
    clients = InMemoryClientRepository()
    async with serving(tls, answers) as server:
        resolver = ClientResolver(clients, SystemClock(), loopback_fetcher(tls))
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await resolver.resolve(server.url("/client.json"))
    assert "not valid UTF-8 JSON" in caught.value.description
    assert await clients.list() == []


async def test_redirects_are_not_followed(tls: Tls) -> None:
    answers: dict[str, Answer] = {}
    async with serving(tls, answers) as server:
        target = server.url("/elsewhere.json")
        answers["/client.json"] = Answer(status=302, headers=[("Location", target)])
        answers["/elsewhere.json"] = json_answer(document(target))
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await loopback_fetcher(tls).fetch(server.url("/client.json"))
    assert f"redirected (HTTP 302 to {target})" in caught.value.description
    assert [s.path for s in server.seen] == ["/client.json"]


async def test_error_statuses_and_unrequested_encodings_are_refused(tls: Tls) -> None:
    answers = {"/gzip.json": json_answer(b"\x1f\x8b...", ("Content-Encoding", "gzip"))}
    async with serving(tls, answers) as server:
        with anyio.fail_after(10):
            with pytest.raises(InvalidClient, match="answered HTTP 404"):
                await loopback_fetcher(tls).fetch(server.url("/missing.json"))
            with pytest.raises(InvalidClient, match="content encoding 'gzip' was not asked for"):
                await loopback_fetcher(tls).fetch(server.url("/gzip.json"))


async def test_a_server_that_does_not_answer_in_time_is_refused(tls: Tls) -> None:
    answers = {"/slow.json": json_answer(b"{}", delay=5)}
    async with serving(tls, answers) as server:
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await loopback_fetcher(tls, timeout=0.5).fetch(server.url("/slow.json"))
        elapsed = time.monotonic() - started
    assert "no complete answer within 0.5 s" in caught.value.description
    assert elapsed < 2


async def test_the_deadline_covers_the_whole_fetch_not_each_read(tls: Tls) -> None:
    # Every byte arrives well within any per-read timeout; the whole body would take 20 s.
    answers = {"/drip.json": json_answer(b"[" + b"0," * 100 + b"0]", drip=0.1)}
    async with serving(tls, answers) as server:
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await loopback_fetcher(tls, timeout=0.8).fetch(server.url("/drip.json"))
        elapsed = time.monotonic() - started
    assert "no complete answer within 0.8 s" in caught.value.description
    assert elapsed < 2.5


async def test_the_certificate_is_checked_against_the_name_not_the_address(tls: Tls) -> None:
    # other.test resolves to the same server, whose certificate does not name it.
    async with serving(tls, {"/client.json": json_answer(b"{}")}) as server:
        with anyio.fail_after(10), pytest.raises(InvalidClient) as caught:
            await loopback_fetcher(tls).fetch(server.url("/client.json", host="other.test"))
    assert "cannot connect" in caught.value.description
    assert "certificate" in caught.value.description.lower()
    assert server.seen == []


async def test_the_production_fetcher_refuses_the_loopback_server(tls: Tls) -> None:
    async with serving(tls, {"/client.json": json_answer(b"{}")}) as server:
        production = Container(settings=Settings()).document_fetcher()
        assert isinstance(production, HttpsDocumentFetcher)
        with anyio.fail_after(10):
            with pytest.raises(InvalidClient, match="is not a public address"):
                await production.fetch(server.url("/client.json", host="localhost"))
            with pytest.raises(InvalidClient, match=r"127\.0\.0\.1 is not a public address \(loopback\)"):
                await production.fetch(server.url("/client.json", host="127.0.0.1"))
            # Even with the test's resolver and trust, only the address policy differs.
            default_policy = HttpsDocumentFetcher(resolver=resolve_test_host, ssl_context=tls.client)
            with pytest.raises(InvalidClient, match=r"metadata\.test resolves to a refused address"):
                await default_policy.fetch(server.url("/client.json"))
    assert server.connections == 0
