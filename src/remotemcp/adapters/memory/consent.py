from __future__ import annotations

import threading

from remotemcp.domain.model.consent import Consent


class InMemoryConsentRepository:
    """Consents keyed by (subject, client_id). `Consent` is frozen and its scopes a frozenset,
    so storing and returning the same object shares nothing mutable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._consents: dict[tuple[str, str], Consent] = {}

    async def get(self, subject: str, client_id: str) -> Consent | None:
        with self._lock:
            return self._consents.get((subject, client_id))

    async def save(self, consent: Consent) -> None:
        with self._lock:
            self._consents[(consent.subject, consent.client_id)] = consent

    async def revoke(self, subject: str, client_id: str) -> bool:
        with self._lock:
            return self._consents.pop((subject, client_id), None) is not None

    async def list_for(self, subject: str) -> list[Consent]:
        with self._lock:
            return [consent for (owner, _), consent in self._consents.items() if owner == subject]
