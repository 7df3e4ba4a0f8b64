"""User accounts: creation, password login, and the administration an operator needs."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol, TypeVar

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidCredentials, LoginThrottled, NotFound
from remotemcp.domain.model.users import User
from remotemcp.domain.ports.users import LoginAttemptRepository, PasswordHasher, UserRepository
from remotemcp.domain.randomness import RandomSource, new_secret
from remotemcp.domain.users.credentials import (
    PasswordPolicy,
    normalise_password,
    normalise_username,
    require_email,
    require_name,
    require_username,
)
from remotemcp.domain.users.lockout import LoginPolicy, LoginThrottle

_T = TypeVar("_T")


class BlockingRunner(Protocol):
    """Runs a slow synchronous call (password hashing) and awaits its result; the composition
    root passes one that uses a worker thread so the event loop keeps serving."""

    def __call__(self, func: Callable[[], _T], /) -> Awaitable[_T]: ...


async def run_inline(func: Callable[[], _T], /) -> _T:
    return func()


class UserService:
    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        attempts: LoginAttemptRepository,
        clock: Clock,
        random: RandomSource,
        *,
        policy: LoginPolicy | None = None,
        password_policy: PasswordPolicy | None = None,
        run_blocking: BlockingRunner = run_inline,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._clock = clock
        self._random = random
        self._passwords = password_policy or PasswordPolicy()
        self._throttle = LoginThrottle(attempts, clock, policy or LoginPolicy())
        self._run = run_blocking
        self._dummy_hash: str | None = None

    async def warm_up(self) -> None:
        """Compute the dummy hash now (at start-up) rather than on the first unknown-user login,
        whose answer would otherwise take one extra hashing time."""
        await self._dummy()

    async def create_user(
        self, username: str, password: str, email: str | None = None, name: str | None = None
    ) -> User:
        """Raises `InvalidUserInput` for a rule broken, `AlreadyExists` for a taken username."""
        require_username(username)
        secret = self._passwords.require(password, username)
        user = User(
            user_id=new_secret(self._random, 16),
            username=username,
            password_hash=await self._run(partial(self._hasher.hash, secret)),
            created_at=self._clock.now(),
            email=require_email(email),
            name=require_name(name),
        )
        await self._users.add(user)
        return user

    async def authenticate(self, username: str, password: str, client_address: str | None = None) -> User:
        """The user, or `InvalidCredentials` (one message for an unknown user, a wrong password and
        a disabled account), or `LoginThrottled` while the account or the address is locked."""
        key = normalise_username(username)
        await self._throttle.check(key, client_address)
        user = await self._users.get_by_username(key) if key is not None else None
        secret = normalise_password(password)
        if user is None or len(secret) > self._passwords.max_length:
            # Spend what a real verification costs, so the answer's timing does not tell
            # whether the account exists.
            dummy = await self._dummy()
            await self._run(partial(self._hasher.verify, dummy, secret[: self._passwords.max_length]))
            verified = False
        else:
            verified = await self._run(partial(self._hasher.verify, user.password_hash, secret))
        if key is None or user is None or not verified or user.disabled:
            retry_after = await self._throttle.record_failure(key, client_address)
            if retry_after is not None:
                raise LoginThrottled(retry_after)
            raise InvalidCredentials()
        await self._throttle.record_success(key)
        if self._hasher.needs_rehash(user.password_hash):
            try:
                user = await self._store_password(user, secret)
            except NotFound:
                # Removed while logging in: the account no longer exists to log into.
                raise InvalidCredentials() from None
        return user

    async def change_password(self, user_id: str, new_password: str) -> User:
        user = await self.get(user_id)
        return await self._store_password(user, self._passwords.require(new_password, user.username))

    async def set_disabled(self, user_id: str, disabled: bool) -> User:
        user = dataclasses.replace(await self.get(user_id), disabled=disabled)
        await self._users.update(user)
        return user

    async def unlock(self, username: str) -> None:
        """Lift an account's login lock and forget its failures (the operator's way out of a
        lockout; see domain/users/lockout.py)."""
        await self._throttle.unlock(require_username(username))

    async def get(self, user_id: str) -> User:
        user = await self._users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def get_by_username(self, username: str) -> User:
        key = normalise_username(username)
        user = await self._users.get_by_username(key) if key is not None else None
        if user is None:
            raise NotFound("no such user")
        return user

    async def remove(self, user_id: str) -> None:
        if not await self._users.remove(user_id):
            raise NotFound("no such user")

    async def list(self) -> list[User]:
        return sorted(await self._users.list(), key=lambda user: user.username.lower())

    async def _store_password(self, user: User, secret: str) -> User:
        updated = dataclasses.replace(user, password_hash=await self._run(partial(self._hasher.hash, secret)))
        await self._users.update(updated)
        return updated

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._run(partial(self._hasher.hash, new_secret(self._random)))
        return self._dummy_hash
