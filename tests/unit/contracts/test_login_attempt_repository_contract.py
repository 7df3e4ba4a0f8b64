"""The LoginAttemptRepository contract: every adapter must pass these."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from remotemcp.adapters.memory.users import InMemoryLoginAttemptRepository
from remotemcp.domain.model.users import LoginFailures
from remotemcp.domain.ports.users import LoginAttemptRepository

ADAPTERS: list[object] = [pytest.param(InMemoryLoginAttemptRepository, id="memory")]

NOW = 1_700_000_000
WINDOW = 900


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> LoginAttemptRepository:
    factory: Callable[[], LoginAttemptRepository] = request.param
    return factory()


async def test_unknown_key_is_none(repo: LoginAttemptRepository) -> None:
    assert await repo.get("account:alice") is None


async def test_first_failure_starts_a_count(repo: LoginAttemptRepository) -> None:
    failures = await repo.record_failure("account:alice", NOW, WINDOW)
    assert failures == LoginFailures(key="account:alice", count=1, first_failure_at=NOW)
    assert await repo.get("account:alice") == failures


async def test_failures_within_the_window_add_up(repo: LoginAttemptRepository) -> None:
    await repo.record_failure("k", NOW, WINDOW)
    await repo.record_failure("k", NOW + 10, WINDOW)
    failures = await repo.record_failure("k", NOW + WINDOW - 1, WINDOW)
    assert failures.count == 3
    assert failures.first_failure_at == NOW


async def test_a_failure_after_the_window_starts_again(repo: LoginAttemptRepository) -> None:
    await repo.record_failure("k", NOW, WINDOW)
    await repo.record_failure("k", NOW + 1, WINDOW)
    failures = await repo.record_failure("k", NOW + WINDOW, WINDOW)
    assert failures.count == 1
    assert failures.first_failure_at == NOW + WINDOW


async def test_keys_are_counted_apart(repo: LoginAttemptRepository) -> None:
    await repo.record_failure("account:alice", NOW, WINDOW)
    await repo.record_failure("account:alice", NOW, WINDOW)
    other = await repo.record_failure("address:192.0.2.1", NOW, WINDOW)
    assert other.count == 1
    alice = await repo.get("account:alice")
    assert alice is not None
    assert alice.count == 2


async def test_lock_sets_the_lock_and_streak_and_clears_the_count(repo: LoginAttemptRepository) -> None:
    for _ in range(5):
        await repo.record_failure("k", NOW, WINDOW)
    await repo.lock("k", NOW + 600, 2)
    failures = await repo.get("k")
    assert failures is not None
    assert failures.locked_until == NOW + 600
    assert failures.lockouts == 2
    assert failures.count == 0


async def test_lock_of_an_unseen_key_creates_it(repo: LoginAttemptRepository) -> None:
    await repo.lock("k", NOW + 60, 1)
    failures = await repo.get("k")
    assert failures is not None
    assert (failures.count, failures.locked_until, failures.lockouts) == (0, NOW + 60, 1)


async def test_a_failure_after_a_lock_starts_a_new_count_and_keeps_the_lock(
    repo: LoginAttemptRepository,
) -> None:
    await repo.record_failure("k", NOW, WINDOW)
    await repo.lock("k", NOW + 600, 1)
    failures = await repo.record_failure("k", NOW + 5, WINDOW)
    assert failures.count == 1
    assert failures.first_failure_at == NOW + 5
    assert failures.locked_until == NOW + 600
    assert failures.lockouts == 1


async def test_a_new_window_keeps_the_lockout_streak(repo: LoginAttemptRepository) -> None:
    await repo.record_failure("k", NOW, WINDOW)
    await repo.lock("k", NOW + 600, 3)
    failures = await repo.record_failure("k", NOW + 10 * WINDOW, WINDOW)
    assert failures.count == 1
    assert failures.lockouts == 3
    assert failures.locked_until == NOW + 600


async def test_reset_forgets_everything(repo: LoginAttemptRepository) -> None:
    await repo.record_failure("k", NOW, WINDOW)
    await repo.lock("k", NOW + 600, 1)
    await repo.record_failure("other", NOW, WINDOW)
    await repo.reset("k")
    assert await repo.get("k") is None
    assert await repo.get("other") is not None
    failures = await repo.record_failure("k", NOW + 1, WINDOW)
    assert (failures.count, failures.locked_until, failures.lockouts) == (1, 0, 0)
    await repo.reset("never-seen")  # resetting an unknown key is not an error


async def test_concurrent_failures_are_all_counted(repo: LoginAttemptRepository) -> None:
    await asyncio.gather(*(repo.record_failure("k", NOW, WINDOW) for _ in range(50)))
    failures = await repo.get("k")
    assert failures is not None
    assert failures.count == 50
