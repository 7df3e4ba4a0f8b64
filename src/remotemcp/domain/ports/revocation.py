from __future__ import annotations

from typing import Protocol


class RevocationList(Protocol):
    """Identifiers (access-token `jti`s and grant ids) refused until the tokens naming them expire."""

    async def revoke(self, identifier: str, until: int) -> None:
        """Idempotent; a later `until` extends the entry."""
        ...

    async def is_revoked(self, identifiers: tuple[str, ...], now: int) -> bool:
        """True if any of the identifiers is revoked and its entry has not lapsed."""
        ...

    async def purge_expired(self, now: int) -> int: ...
