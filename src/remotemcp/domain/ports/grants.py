from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.grants import Grant, RefreshToken, RotationOutcome


class GrantRepository(Protocol):
    """Refresh-token families and their tokens."""

    async def add_grant(self, grant: Grant) -> None:
        """Raises `AlreadyExists` on a duplicate grant_id."""
        ...

    async def get_grant(self, grant_id: str) -> Grant | None: ...

    async def revoke_grant(self, grant_id: str, now: int) -> bool:
        """Mark the family revoked (idempotent). True if it exists."""
        ...

    async def grants_for(self, subject: str, client_id: str | None = None) -> list[Grant]: ...

    async def add_token(self, token: RefreshToken) -> None:
        """Raises `AlreadyExists` on a duplicate digest."""
        ...

    async def get_token(self, token_hash: str) -> RefreshToken | None: ...

    async def rotate(
        self, parent_hash: str, successor: RefreshToken, rotation_salt: str, now: int
    ) -> RotationOutcome | None:
        """Atomically: if the parent was never rotated, mark it rotated at `now` with the
        successor's digest and the salt, store the successor, and return `rotated_now=True`.
        If it was already rotated, store nothing and return the stored parent with
        `rotated_now=False`. None if the parent does not exist."""
        ...

    async def purge_expired(self, now: int) -> int: ...
