from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.consent import Consent


class ConsentRepository(Protocol):
    async def get(self, subject: str, client_id: str) -> Consent | None: ...

    async def save(self, consent: Consent) -> None:
        """Insert or replace the consent of (subject, client_id)."""
        ...

    async def revoke(self, subject: str, client_id: str) -> bool: ...

    async def list_for(self, subject: str) -> list[Consent]: ...
