"""OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client_id
that is an HTTPS URL names a JSON document holding the client's metadata. The server fetches it on
first sight, caches it for a bounded time, and fetches it again when the cache runs out."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import (
    DomainError,
    InvalidClient,
    InvalidClientMetadata,
    InvalidConfiguration,
    InvalidRedirectUri,
)
from remotemcp.domain.model.clients import Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.oauth.client_metadata import optional_string, parse_client_metadata
from remotemcp.domain.ports.clients import ClientRepository
from remotemcp.domain.ports.fetch import DocumentFetcher, FetchedDocument

DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024
MAX_CLIENT_ID_URL_LENGTH = 2000

_SHARED_SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})

log = logging.getLogger("remotemcp.client_metadata")


@dataclass(frozen=True, slots=True)
class MetadataDocumentPolicy:
    enabled: bool = True
    """False: URL client_ids are unknown clients, and cached documents stop being honoured."""
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    min_cache_seconds: int = 5 * 60
    """Floor on caching so a document served with `no-cache` cannot make every request a fetch."""
    max_cache_seconds: int = 24 * 3600
    """Ceiling so a withdrawn or changed document stops being trusted within a day."""
    default_cache_seconds: int = 3600
    max_redirect_uris: int = 10
    allowed_hosts: frozenset[str] | None = None
    """A trust policy (draft §6): when set, only documents on these hosts are accepted."""

    def __post_init__(self) -> None:
        if self.max_document_bytes <= 0:
            raise InvalidConfiguration("max_document_bytes must be positive")
        if not 0 < self.min_cache_seconds <= self.default_cache_seconds <= self.max_cache_seconds:
            raise InvalidConfiguration(
                "need 0 < min_cache_seconds <= default_cache_seconds <= max_cache_seconds"
            )
        if self.max_redirect_uris < 1:
            raise InvalidConfiguration("max_redirect_uris must be at least 1")


def _lexical_problem(client_id: str) -> str | None:
    if len(client_id) > MAX_CLIENT_ID_URL_LENGTH:
        return "the client_id URL is too long"
    if not client_id.isascii() or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in client_id):
        return "the client_id URL must be ASCII without whitespace or control characters"
    # Checked on the raw string: the draft compares the document's client_id to the URL as a plain
    # string, so `HTTPS://` is a different identifier, not a spelling of the same one.
    if not client_id.startswith("https://"):
        return "the client_id URL must use the https scheme"
    if "#" in client_id:
        return "the client_id URL must not contain a fragment"
    return None


def _structural_problem(parts: SplitResult) -> str | None:
    if "@" in parts.netloc:
        return "the client_id URL must not contain user information"
    if not parts.hostname:
        return "the client_id URL must have a host"
    if parts.path in ("", "/"):
        return "the client_id URL must contain a path, e.g. https://example.com/client.json"
    # Percent-encoded dots count: a server that decodes them would serve a different document.
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return "the client_id URL must not contain dot segments (. or ..)"
    return None


def metadata_document_url_problem(client_id: str) -> str | None:
    """Why `client_id` cannot be a metadata document URL (draft §3), or None if it can be."""
    problem = _lexical_problem(client_id)
    if problem is not None:
        return problem
    try:
        parts = urlsplit(client_id)
        _ = parts.port
    except ValueError:
        return "the client_id URL is malformed"
    return _structural_problem(parts)


def is_metadata_document_client_id(client_id: str) -> bool:
    """True when `client_id` is an HTTPS URL that may name a Client ID Metadata Document: https
    scheme, a host, a non-root path, no fragment, no user information, no dot segments."""
    return metadata_document_url_problem(client_id) is None


def cache_lifetime(max_age: int | None, policy: MetadataDocumentPolicy) -> int:
    """Seconds to keep a document: the server's max-age if it gave one, clamped to the policy's bounds."""
    if max_age is None:
        return policy.default_cache_seconds
    return max(policy.min_cache_seconds, min(max_age, policy.max_cache_seconds))


def is_json_content_type(content_type: str | None) -> bool:
    """`application/json` or `application/<something>+json` (draft §4), parameters allowed."""
    if content_type is None:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _refuse(url: str, reason: str) -> InvalidClient:
    return InvalidClient(f"client metadata document {url}: {reason}")


def _auth_method(url: str, document: dict[str, Any]) -> TokenEndpointAuthMethod:
    try:
        requested = optional_string(document, "token_endpoint_auth_method")
    except InvalidClientMetadata as exc:
        raise _refuse(url, exc.description) from exc
    # No secret can ever be established for a document client, so an omitted method means `none`
    # rather than RFC 7591's client_secret_basic.
    if requested is None or requested == TokenEndpointAuthMethod.NONE.value:
        return TokenEndpointAuthMethod.NONE
    if requested in _SHARED_SECRET_METHODS:
        raise _refuse(
            url,
            f"token_endpoint_auth_method {requested!r} is a shared-secret method, "
            "which metadata documents must not use",
        )
    if requested == "private_key_jwt":
        raise _refuse(
            url,
            "token_endpoint_auth_method 'private_key_jwt' is not supported by this server; "
            "use 'none' (a public client with PKCE)",
        )
    raise _refuse(url, f"token_endpoint_auth_method {requested!r} is not supported")


def parse_metadata_document(
    url: str,
    body: bytes,
    now: int,
    max_age: int | None,
    policy: MetadataDocumentPolicy | None = None,
) -> Client:
    """Validate a fetched document and turn it into a `Client` cached until `now` + the clamped
    max-age. Every problem is an `InvalidClient` saying what is wrong with which document."""
    policy = policy or MetadataDocumentPolicy()
    problem = metadata_document_url_problem(url)
    if problem is not None:
        raise _refuse(url, problem)
    if len(body) > policy.max_document_bytes:
        raise _refuse(url, f"the document is larger than {policy.max_document_bytes} bytes")
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refuse(url, "the document is not valid UTF-8 JSON") from exc
    if not isinstance(document, dict):
        raise _refuse(url, "the document must be a JSON object")
    if document.get("client_id") != url:
        raise _refuse(url, "the document's client_id must equal its URL exactly")
    for forbidden in ("client_secret", "client_secret_expires_at"):
        if forbidden in document:
            raise _refuse(url, f"{forbidden} must not appear in a metadata document")
    method = _auth_method(url, document)
    if document.get("client_name") is None:
        raise _refuse(url, "client_name is required")
    # The document is portable across authorization servers, so its scope names need not be ours:
    # it is not read, and consent decides what the client gets.
    without_scope = {name: value for name, value in document.items() if name != "scope"}
    try:
        metadata = parse_client_metadata(
            without_scope, max_redirect_uris=policy.max_redirect_uris, allowed_scopes=frozenset()
        )
    except (InvalidClientMetadata, InvalidRedirectUri) as exc:
        raise _refuse(url, exc.description) from exc
    # The document's scope was dropped above: documents are shared across servers whose scope
    # names differ, so `scopes` stays empty (every scope the server supports).
    return metadata.to_client(
        client_id=url,
        origin=ClientOrigin.METADATA_DOCUMENT,
        token_endpoint_auth_method=method,
        issued_at=now,
        metadata_expires_at=now + cache_lifetime(max_age, policy),
    )


class ClientResolver:
    """Finds the client behind a client_id: the repository first, then, for an HTTPS URL, its
    metadata document, fetched and cached in the repository."""

    def __init__(
        self,
        clients: ClientRepository,
        clock: Clock,
        fetcher: DocumentFetcher | None = None,
        policy: MetadataDocumentPolicy | None = None,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._fetcher = fetcher
        self._policy = policy or MetadataDocumentPolicy()

    @property
    def metadata_documents_enabled(self) -> bool:
        """Whether discovery should advertise `client_id_metadata_document_supported`."""
        return self._policy.enabled and self._fetcher is not None

    async def resolve(self, client_id: str) -> Client | None:
        """The client, or None when nothing is known under this client_id. Raises `InvalidClient`
        when the client_id names a metadata document that cannot be had or is not acceptable."""
        client = await self._clients.get(client_id)
        if client is not None and client.origin is not ClientOrigin.METADATA_DOCUMENT:
            return client
        if not self._policy.enabled or self._fetcher is None:
            return None
        if client is not None and (
            client.metadata_expires_at is None or self._clock.now() < client.metadata_expires_at
        ):
            return client
        if client is None and "://" not in client_id:
            return None
        return await self._load(self._fetcher, client_id)

    async def _load(self, fetcher: DocumentFetcher, url: str) -> Client:
        problem = metadata_document_url_problem(url)
        if problem is not None:
            raise InvalidClient(f"client_id {url!r} is not a usable metadata document URL: {problem}")
        hostname = urlsplit(url).hostname or ""
        allowed = self._policy.allowed_hosts
        if allowed is not None and hostname not in {host.lower() for host in allowed}:
            raise _refuse(url, f"documents from {hostname} are not trusted by this server")
        fetched = await self._fetch(fetcher, url)
        client = parse_metadata_document(url, fetched.body, self._clock.now(), fetched.max_age, self._policy)
        await self._clients.save(client)
        return client

    @staticmethod
    async def _fetch(fetcher: DocumentFetcher, url: str) -> FetchedDocument:
        try:
            fetched = await fetcher.fetch(url)
        except DomainError as exc:
            # How the host resolved, which address was refused or how the connection failed is for
            # the operator's log only: echoed to an unauthenticated caller it would make this
            # endpoint a probe of the server's network.
            log.info("metadata document %s not fetched: %s", url, exc.description or exc.error)
            raise _refuse(url, "could not be fetched") from exc
        # The draft forbids following redirects: a document served from elsewhere is not this one.
        if fetched.url != url:
            raise _refuse(url, "the fetch was redirected; metadata documents must be served at their URL")
        if not is_json_content_type(fetched.content_type):
            raise _refuse(url, f"content type {fetched.content_type!r} is not application/json")
        return fetched
