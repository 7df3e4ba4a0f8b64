"""Revoked token and grant identifiers held in process memory."""

from __future__ import annotations

import threading


class InMemoryRevocationList:
    """`RevocationList` as a dict of identifier -> the instant its entry lapses."""

    def __init__(self) -> None:
        self._until: dict[str, int] = {}
        self._lock = threading.Lock()

    async def revoke(self, identifier: str, until: int) -> None:
        with self._lock:
            # Never shorten an entry: a second revocation with an earlier `until` (a shorter-lived
            # token of the same grant) must not let the longer-lived one back in.
            self._until[identifier] = max(until, self._until.get(identifier, until))

    async def is_revoked(self, identifiers: tuple[str, ...], now: int) -> bool:
        with self._lock:
            return any(self._until.get(identifier, now) > now for identifier in identifiers)

    async def purge_expired(self, now: int) -> int:
        with self._lock:
            lapsed = [identifier for identifier, until in self._until.items() if until <= now]
            for identifier in lapsed:
                del self._until[identifier]
            return len(lapsed)
