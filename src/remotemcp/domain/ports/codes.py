from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.codes import AuthorizationCode, CodeConsumption


class AuthorizationCodeRepository(Protocol):
    async def add(self, code: AuthorizationCode) -> None:
        """Raises `AlreadyExists` if the digest is already stored."""
        ...

    async def consume(self, code_hash: str) -> CodeConsumption | None:
        """Atomically mark the code used and return it. Exactly one caller ever gets
        `first_use=True`; later callers get the same code with `first_use=False` (so the replay can
        be punished). None when no such code is stored."""
        ...

    async def purge_expired(self, now: int, keep_used_for: int) -> int:
        """Drop codes that expired before `now` (used ones `keep_used_for` seconds later, so replays
        stay detectable a while). Returns how many were dropped."""
        ...
