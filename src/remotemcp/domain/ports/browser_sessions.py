from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.browser_sessions import BrowserSession


class BrowserSessionRepository(Protocol):
    async def add(self, session: BrowserSession) -> None:
        """Raises `AlreadyExists` on a duplicate digest."""
        ...

    async def get(self, session_hash: str) -> BrowserSession | None: ...

    async def remove(self, session_hash: str) -> bool: ...

    async def remove_for(self, subject: str) -> int:
        """End every session of a user (password change, removal)."""
        ...

    async def purge_expired(self, now: int) -> int: ...
