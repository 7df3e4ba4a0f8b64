from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    url: str
    body: bytes
    content_type: str | None
    max_age: int | None
    """From Cache-Control, when the server gave one."""


class DocumentFetcher(Protocol):
    """Fetches a Client ID Metadata Document. Implementations enforce HTTPS, refuse private,
    loopback and link-local addresses, and bound size and time; they raise `InvalidClient` when
    the document cannot be had."""

    async def fetch(self, url: str) -> FetchedDocument: ...
