from __future__ import annotations

from typing import Protocol

from remotemcp.domain.model.users import LoginFailures, User


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises `AlreadyExists` if the user_id or the username (case-insensitively) is taken."""
        ...

    async def get(self, user_id: str) -> User | None: ...

    async def get_by_username(self, username: str) -> User | None:
        """Usernames are matched case-insensitively."""
        ...

    async def update(self, user: User) -> None:
        """Replace the stored user with the same user_id. Raises `NotFound` if absent."""
        ...

    async def remove(self, user_id: str) -> bool: ...

    async def list(self) -> list[User]: ...


class PasswordHasher(Protocol):
    """Password hashing is slow on purpose; implementations are synchronous and `UserService`
    calls them through its `run_blocking` hook, which the composition root points at a thread."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Constant-time comparison; False (never an exception) for a wrong password or bad hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class LoginAttemptRepository(Protocol):
    async def get(self, key: str) -> LoginFailures | None: ...

    async def record_failure(self, key: str, now: int, window: int) -> LoginFailures:
        """Atomically count one failure; a count that is 0 or whose first failure is `window`
        seconds old or more starts again at 1 (first_failure_at = now). `locked_until` and
        `lockouts` are kept."""
        ...

    async def lock(self, key: str, until: int, lockouts: int) -> None:
        """Lock `key` until `until`, record it as its `lockouts`-th consecutive lockout, and set
        the failure count to 0 so that the key starts afresh once the lock ends."""
        ...

    async def reset(self, key: str) -> None:
        """Forget everything about `key`: count, lock and lockout streak."""
        ...
