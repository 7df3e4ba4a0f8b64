from __future__ import annotations

import dataclasses
import threading

from remotemcp.domain.errors import AlreadyExists, NotFound
from remotemcp.domain.model.users import LoginFailures, User


def _username_key(username: str) -> str:
    return username.casefold()


class InMemoryUserRepository:
    """Users in a dictionary, with a second index enforcing case-insensitive unique usernames.
    `User` is a frozen dataclass of immutable values, so storing and returning the same object
    shares nothing mutable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, User] = {}
        self._id_by_username: dict[str, str] = {}

    async def add(self, user: User) -> None:
        key = _username_key(user.username)
        with self._lock:
            if user.user_id in self._by_id:
                raise AlreadyExists(f"user id {user.user_id!r} is taken")
            if key in self._id_by_username:
                raise AlreadyExists(f"username {user.username!r} is taken")
            self._by_id[user.user_id] = user
            self._id_by_username[key] = user.user_id

    async def get(self, user_id: str) -> User | None:
        with self._lock:
            return self._by_id.get(user_id)

    async def get_by_username(self, username: str) -> User | None:
        with self._lock:
            user_id = self._id_by_username.get(_username_key(username))
            return self._by_id[user_id] if user_id is not None else None

    async def update(self, user: User) -> None:
        key = _username_key(user.username)
        with self._lock:
            current = self._by_id.get(user.user_id)
            if current is None:
                raise NotFound(f"no user {user.user_id!r}")
            holder = self._id_by_username.get(key)
            if holder is not None and holder != user.user_id:
                raise AlreadyExists(f"username {user.username!r} is taken")
            del self._id_by_username[_username_key(current.username)]
            self._id_by_username[key] = user.user_id
            self._by_id[user.user_id] = user

    async def remove(self, user_id: str) -> bool:
        with self._lock:
            user = self._by_id.pop(user_id, None)
            if user is None:
                return False
            del self._id_by_username[_username_key(user.username)]
            return True

    async def list(self) -> list[User]:
        with self._lock:
            return list(self._by_id.values())


class InMemoryLoginAttemptRepository:
    """Failure counters keyed by account or address; each update is a read-modify-write under
    one lock, so concurrent failures are never lost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, LoginFailures] = {}

    async def get(self, key: str) -> LoginFailures | None:
        with self._lock:
            return self._records.get(key)

    async def record_failure(self, key: str, now: int, window: int) -> LoginFailures:
        with self._lock:
            current = self._records.get(key)
            if current is None:
                updated = LoginFailures(key=key, count=1, first_failure_at=now)
            elif current.count == 0 or now - current.first_failure_at >= window:
                updated = dataclasses.replace(current, count=1, first_failure_at=now)
            else:
                updated = dataclasses.replace(current, count=current.count + 1)
            self._records[key] = updated
            return updated

    async def lock(self, key: str, until: int, lockouts: int) -> None:
        with self._lock:
            current = self._records.get(key) or LoginFailures(key=key, count=0, first_failure_at=0)
            self._records[key] = dataclasses.replace(current, count=0, locked_until=until, lockouts=lockouts)

    async def reset(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)
