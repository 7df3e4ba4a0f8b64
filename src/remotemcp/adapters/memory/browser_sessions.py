from __future__ import annotations

import threading

from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.browser_sessions import BrowserSession


class InMemoryBrowserSessionRepository:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, BrowserSession] = {}

    async def add(self, session: BrowserSession) -> None:
        with self._lock:
            if session.session_hash in self._sessions:
                raise AlreadyExists("browser session already exists")
            self._sessions[session.session_hash] = session

    async def get(self, session_hash: str) -> BrowserSession | None:
        with self._lock:
            return self._sessions.get(session_hash)

    async def remove(self, session_hash: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_hash, None) is not None

    async def remove_for(self, subject: str) -> int:
        with self._lock:
            doomed = [h for h, s in self._sessions.items() if s.subject == subject]
            for h in doomed:
                del self._sessions[h]
            return len(doomed)

    async def purge_expired(self, now: int) -> int:
        with self._lock:
            doomed = [h for h, s in self._sessions.items() if s.expires_at <= now]
            for h in doomed:
                del self._sessions[h]
            return len(doomed)
