"""Login throttling: failures are counted per account and per client address within a window;
too many lock the key for a while.

A locked account refuses even the right password until the lock ends. That lets an attacker
lock a real user out for a while (denial of service), and we accept it: if the right password
still got in during a lock, the lock would stop nothing — the attacker would keep guessing, and
the one answer that differs would tell them which guess was right. The per-address limit and the
bounded lock duration keep that nuisance short; an operator can lift a lock by hand.

Unknown usernames are counted and locked exactly like real ones, so the throttle's answers do
not tell a prober which accounts exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import LoginThrottled
from remotemcp.domain.model.users import LoginFailures
from remotemcp.domain.ports.users import LoginAttemptRepository


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_account_failures: int = 5
    max_address_failures: int = 20
    """Higher than the account limit: many users can share one address behind a NAT or proxy."""
    failure_window: int = 15 * 60
    """Failures older than this (seconds) no longer count."""
    lockout: int = 15 * 60
    """How long (seconds) the first lockout lasts."""
    lockout_growth: float = 1.0
    """Each consecutive lockout lasts this many times longer than the previous one; 1.0 keeps it fixed."""
    max_lockout: int = 24 * 3600
    lockout_memory: int = 24 * 3600
    """A lockout streak is forgotten once this long (seconds) has passed since its last lock ended."""

    def __post_init__(self) -> None:
        if self.max_account_failures < 1 or self.max_address_failures < 1:
            raise ValueError("failure limits must be at least 1")
        if self.failure_window <= 0 or self.lockout <= 0:
            raise ValueError("the failure window and the lockout must be positive")
        if self.lockout_memory < 0:
            raise ValueError("the lockout memory cannot be negative")
        if self.lockout_growth < 1.0:
            raise ValueError("a repeated lockout cannot be shorter than the previous one")
        if self.max_lockout < self.lockout:
            raise ValueError("the maximum lockout is shorter than the first lockout")

    def lockout_for(self, streak: int) -> int:
        """Seconds the `streak`-th consecutive lockout (1 = first) lasts."""
        if self.lockout_growth == 1.0:
            return self.lockout
        duration = float(self.lockout)
        # Multiplying step by step stops at the cap instead of overflowing a float power.
        for _ in range(streak - 1):
            duration *= self.lockout_growth
            if duration >= self.max_lockout:
                return self.max_lockout
        return math.ceil(duration)


def account_key(username_key: str) -> str:
    return f"account:{username_key}"


def address_key(client_address: str) -> str:
    return f"address:{client_address}"


class LoginThrottle:
    def __init__(self, attempts: LoginAttemptRepository, clock: Clock, policy: LoginPolicy) -> None:
        self._attempts = attempts
        self._clock = clock
        self._policy = policy

    async def check(self, username_key: str | None, client_address: str | None) -> None:
        """Raise `LoginThrottled` while the account or the address is locked."""
        now = self._clock.now()
        waits = []
        for key, _ in self._keys(username_key, client_address):
            failures = await self._attempts.get(key)
            if failures is not None and failures.locked_until > now:
                waits.append(failures.locked_until - now)
        if waits:
            raise LoginThrottled(max(waits))

    async def record_failure(self, username_key: str | None, client_address: str | None) -> int | None:
        """Count a failed login; when it reaches a limit, lock that key and return the seconds
        until the login can be retried (None when nothing was locked)."""
        now = self._clock.now()
        retry_after: int | None = None
        for key, limit in self._keys(username_key, client_address):
            failures = await self._attempts.record_failure(key, now, self._policy.failure_window)
            if failures.count >= limit:
                streak = self._previous_streak(failures, now) + 1
                until = now + self._policy.lockout_for(streak)
                await self._attempts.lock(key, until, streak)
                retry_after = max(retry_after or 0, until - now)
        return retry_after

    async def record_success(self, username_key: str) -> None:
        # Only the account starts afresh: one good login from a shared address must not wipe
        # the failures an attacker piled up from it against other accounts.
        await self._attempts.reset(account_key(username_key))

    async def unlock(self, username_key: str) -> None:
        await self._attempts.reset(account_key(username_key))

    def _previous_streak(self, failures: LoginFailures, now: int) -> int:
        if failures.lockouts and failures.locked_until + self._policy.lockout_memory > now:
            return failures.lockouts
        return 0

    def _keys(self, username_key: str | None, client_address: str | None) -> list[tuple[str, int]]:
        keys = []
        # A malformed username can name no account, so only its address is counted; this also
        # keeps arbitrary attacker-sized strings out of the attempt store.
        if username_key is not None:
            keys.append((account_key(username_key), self._policy.max_account_failures))
        if client_address:
            keys.append((address_key(client_address), self._policy.max_address_failures))
        return keys
