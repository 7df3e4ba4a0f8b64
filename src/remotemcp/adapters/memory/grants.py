from __future__ import annotations

import threading
from dataclasses import replace

from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.grants import Grant, RefreshToken, RotationOutcome


class InMemoryGrantRepository:
    """Refresh-token families in dictionaries. Records are frozen dataclasses of immutable values,
    so storing and returning them shares nothing mutable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self._tokens: dict[str, RefreshToken] = {}

    async def add_grant(self, grant: Grant) -> None:
        with self._lock:
            if grant.grant_id in self._grants:
                raise AlreadyExists(f"grant {grant.grant_id!r} already exists")
            self._grants[grant.grant_id] = grant

    async def get_grant(self, grant_id: str) -> Grant | None:
        with self._lock:
            return self._grants.get(grant_id)

    async def revoke_grant(self, grant_id: str, now: int) -> bool:
        with self._lock:
            grant = self._grants.get(grant_id)
            if grant is None:
                return False
            if grant.revoked_at is None:
                self._grants[grant_id] = replace(grant, revoked_at=now)
            return True

    async def grants_for(self, subject: str, client_id: str | None = None) -> list[Grant]:
        with self._lock:
            return [
                g
                for g in self._grants.values()
                if g.subject == subject and (client_id is None or g.client_id == client_id)
            ]

    async def add_token(self, token: RefreshToken) -> None:
        with self._lock:
            if token.token_hash in self._tokens:
                raise AlreadyExists("refresh token digest already stored")
            self._tokens[token.token_hash] = token

    async def get_token(self, token_hash: str) -> RefreshToken | None:
        with self._lock:
            return self._tokens.get(token_hash)

    async def rotate(
        self, parent_hash: str, successor: RefreshToken, rotation_salt: str, now: int
    ) -> RotationOutcome | None:
        with self._lock:
            parent = self._tokens.get(parent_hash)
            if parent is None:
                return None
            if parent.rotated_at is not None:
                return RotationOutcome(parent=parent, rotated_now=False)
            if successor.token_hash in self._tokens:
                raise AlreadyExists("refresh token digest already stored")
            rotated = replace(
                parent, rotated_at=now, successor_hash=successor.token_hash, rotation_salt=rotation_salt
            )
            self._tokens[parent_hash] = rotated
            self._tokens[successor.token_hash] = successor
            return RotationOutcome(parent=rotated, rotated_now=True)

    async def purge_expired(self, now: int) -> int:
        with self._lock:
            dead_grants = {gid for gid, g in self._grants.items() if g.expires_at <= now}
            dead_tokens = [
                h for h, t in self._tokens.items() if t.expires_at <= now or t.grant_id in dead_grants
            ]
            for gid in dead_grants:
                del self._grants[gid]
            for h in dead_tokens:
                del self._tokens[h]
            return len(dead_grants) + len(dead_tokens)
