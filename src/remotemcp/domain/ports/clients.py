from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.clients import Client


class ClientRepository(Protocol):
    async def add(self, client: Client) -> None:
        """Store a new client. Raises `AlreadyExists` if the client_id is taken."""
        ...

    async def save(self, client: Client) -> None:
        """Insert or replace (pre-registered clients from configuration, refreshed metadata documents)."""
        ...

    async def get(self, client_id: str) -> Client | None: ...

    async def remove(self, client_id: str) -> bool:
        """True if a client was removed."""
        ...

    async def list(self) -> list[Client]: ...
