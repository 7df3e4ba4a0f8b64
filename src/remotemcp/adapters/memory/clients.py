from __future__ import annotations

import threading

from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.clients import Client


class InMemoryClientRepository:
    """Clients in a dictionary. `Client` is a frozen dataclass of immutable values (tuples,
    frozensets, strings), so storing and returning the same object shares nothing mutable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Client] = {}

    async def add(self, client: Client) -> None:
        with self._lock:
            if client.client_id in self._clients:
                raise AlreadyExists(f"client {client.client_id!r} already exists")
            self._clients[client.client_id] = client

    async def save(self, client: Client) -> None:
        with self._lock:
            self._clients[client.client_id] = client

    async def get(self, client_id: str) -> Client | None:
        with self._lock:
            return self._clients.get(client_id)

    async def remove(self, client_id: str) -> bool:
        with self._lock:
            return self._clients.pop(client_id, None) is not None

    async def list(self) -> list[Client]:
        with self._lock:
            return list(self._clients.values())
