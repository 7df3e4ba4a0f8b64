"""In-memory `AuthorizationCodeRepository`."""

from __future__ import annotations

import threading

from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.codes import AuthorizationCode, CodeConsumption


class InMemoryAuthorizationCodeRepository:
    """Codes by digest. `AuthorizationCode` is frozen and holds no mutable container, so the stored
    value cannot be changed through a reference a caller holds and needs no copying.

    Used codes stay until purged so a replay is still recognised (and punished) after redemption."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._used: set[str] = set()

    async def add(self, code: AuthorizationCode) -> None:
        with self._lock:
            if code.code_hash in self._codes:
                raise AlreadyExists("authorization code already stored")
            self._codes[code.code_hash] = code

    async def consume(self, code_hash: str) -> CodeConsumption | None:
        with self._lock:
            code = self._codes.get(code_hash)
            if code is None:
                return None
            first_use = code_hash not in self._used
            self._used.add(code_hash)
            return CodeConsumption(code=code, first_use=first_use)

    async def purge_expired(self, now: int, keep_used_for: int) -> int:
        with self._lock:
            doomed = [
                code_hash
                for code_hash, code in self._codes.items()
                if code.expires_at + (keep_used_for if code_hash in self._used else 0) <= now
            ]
            for code_hash in doomed:
                del self._codes[code_hash]
                self._used.discard(code_hash)
            return len(doomed)
