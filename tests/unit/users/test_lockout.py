from __future__ import annotations

import pytest

from remotemcp.adapters.memory.users import InMemoryLoginAttemptRepository
from remotemcp.domain.errors import LoginThrottled
from remotemcp.domain.users.lockout import LoginPolicy, LoginThrottle, account_key, address_key
from tests.unit.fakes import FakeClock

ADDRESS = "192.0.2.7"


def make_throttle(
    policy: LoginPolicy | None = None,
) -> tuple[LoginThrottle, InMemoryLoginAttemptRepository, FakeClock]:
    attempts = InMemoryLoginAttemptRepository()
    clock = FakeClock()
    return LoginThrottle(attempts, clock, policy or LoginPolicy()), attempts, clock


async def fail(
    throttle: LoginThrottle, times: int, username: str | None = "alice", address: str | None = None
) -> int | None:
    retry_after = None
    for _ in range(times):
        retry_after = await throttle.record_failure(username, address)
    return retry_after


def test_default_policy() -> None:
    policy = LoginPolicy()
    assert (policy.max_account_failures, policy.max_address_failures) == (5, 20)
    assert (policy.failure_window, policy.lockout) == (900, 900)
    assert [policy.lockout_for(streak) for streak in (1, 2, 10)] == [900, 900, 900]


def test_growing_lockout_doubles_up_to_the_cap() -> None:
    policy = LoginPolicy(lockout=60, lockout_growth=2.0, max_lockout=1000)
    assert [policy.lockout_for(streak) for streak in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 960, 1000]


def test_a_huge_streak_does_not_overflow() -> None:
    policy = LoginPolicy(lockout=60, lockout_growth=1e300, max_lockout=3600)
    assert policy.lockout_for(10_000) == 3600


def test_fractional_growth_rounds_up() -> None:
    assert LoginPolicy(lockout=10, lockout_growth=1.5).lockout_for(2) == 15
    assert LoginPolicy(lockout=11, lockout_growth=1.5).lockout_for(2) == 17


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_account_failures": 0}, "limits"),
        ({"max_address_failures": 0}, "limits"),
        ({"failure_window": 0}, "positive"),
        ({"lockout": 0}, "positive"),
        ({"lockout_growth": 0.5}, "shorter than the previous"),
        ({"lockout": 600, "max_lockout": 60}, "maximum lockout"),
        ({"lockout_memory": -1}, "memory"),
    ],
)
def test_policy_refuses_nonsense(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LoginPolicy(**changes)  # type: ignore[arg-type]


async def test_fifth_account_failure_locks_for_the_lockout() -> None:
    throttle, attempts, _ = make_throttle()
    assert await fail(throttle, 4) is None
    await throttle.check("alice", None)  # four failures: not locked yet
    assert await fail(throttle, 1) == 900
    with pytest.raises(LoginThrottled) as raised:
        await throttle.check("alice", None)
    assert raised.value.retry_after == 900
    record = await attempts.get(account_key("alice"))
    assert record is not None
    assert (record.count, record.lockouts) == (0, 1)


async def test_lock_counts_down_then_ends() -> None:
    throttle, _, clock = make_throttle()
    await fail(throttle, 5)
    clock.advance(600)
    with pytest.raises(LoginThrottled) as raised:
        await throttle.check("alice", None)
    assert raised.value.retry_after == 300
    clock.advance(300)
    await throttle.check("alice", None)


async def test_failures_outside_the_window_do_not_add_up() -> None:
    throttle, _, clock = make_throttle()
    await fail(throttle, 4)
    clock.advance(900)
    assert await fail(throttle, 4) is None
    await throttle.check("alice", None)


async def test_other_accounts_are_not_locked() -> None:
    throttle, _, _ = make_throttle()
    await fail(throttle, 5, "alice")
    await throttle.check("bob", None)


async def test_success_resets_the_account_count() -> None:
    throttle, attempts, _ = make_throttle()
    await fail(throttle, 4, address=ADDRESS)
    await throttle.record_success("alice")
    assert await attempts.get(account_key("alice")) is None
    assert await fail(throttle, 4, address=ADDRESS) is None
    address = await attempts.get(address_key(ADDRESS))
    assert address is not None
    assert address.count == 8  # the address keeps counting across the success


async def test_address_locks_after_twenty_failures_on_any_accounts() -> None:
    throttle, _, _ = make_throttle()
    for index in range(19):
        assert await throttle.record_failure(f"user{index}", ADDRESS) is None
    assert await throttle.record_failure("user19", ADDRESS) == 900
    with pytest.raises(LoginThrottled):
        await throttle.check("someone-else", ADDRESS)
    await throttle.check("someone-else", "198.51.100.1")  # other addresses are free
    await throttle.check("user0", None)


async def test_malformed_username_counts_only_the_address() -> None:
    throttle, attempts, _ = make_throttle()
    await throttle.record_failure(None, ADDRESS)
    address = await attempts.get(address_key(ADDRESS))
    assert address is not None
    assert address.count == 1
    assert await throttle.record_failure(None, None) is None  # nothing to count


async def test_the_longest_wait_is_reported() -> None:
    throttle, attempts, clock = make_throttle()
    await attempts.lock(account_key("alice"), clock.now() + 100, 1)
    await attempts.lock(address_key(ADDRESS), clock.now() + 700, 1)
    with pytest.raises(LoginThrottled) as raised:
        await throttle.check("alice", ADDRESS)
    assert raised.value.retry_after == 700


async def test_repeated_lockouts_grow() -> None:
    throttle, _, clock = make_throttle(LoginPolicy(lockout=60, lockout_growth=2.0))
    assert await fail(throttle, 5) == 60
    clock.advance(60)
    assert await fail(throttle, 5) == 120
    clock.advance(120)
    assert await fail(throttle, 5) == 240


async def test_the_lockout_streak_is_forgotten_after_the_memory() -> None:
    policy = LoginPolicy(lockout=60, lockout_growth=2.0, lockout_memory=3600)
    throttle, _, clock = make_throttle(policy)
    await fail(throttle, 5)
    clock.advance(60)
    assert await fail(throttle, 5) == 120
    clock.advance(120 + 3600)
    assert await fail(throttle, 5) == 60


async def test_unlock_lifts_the_lock_and_the_streak() -> None:
    throttle, attempts, _ = make_throttle()
    await fail(throttle, 5)
    await throttle.unlock("alice")
    await throttle.check("alice", None)
    assert await attempts.get(account_key("alice")) is None
