from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import pytest

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.adapters.memory.users import InMemoryLoginAttemptRepository, InMemoryUserRepository
from remotemcp.domain.errors import AlreadyExists, InvalidCredentials, LoginThrottled, NotFound
from remotemcp.domain.ports.users import PasswordHasher
from remotemcp.domain.randomness import SystemRandom
from remotemcp.domain.users.accounts import BlockingRunner, UserService, run_inline
from remotemcp.domain.users.credentials import PasswordPolicy
from remotemcp.domain.users.errors import InvalidUserInput
from remotemcp.domain.users.lockout import LoginPolicy
from tests.unit.fakes import CountingRandom, FakeClock
from tests.unit.users.fake_hasher import FakePasswordHasher

PASSWORD = "correct horse battery"
ADDRESS = "192.0.2.7"
_T = TypeVar("_T")


@dataclasses.dataclass
class World:
    service: UserService
    users: InMemoryUserRepository
    attempts: InMemoryLoginAttemptRepository
    hasher: FakePasswordHasher
    clock: FakeClock


def make_world(
    policy: LoginPolicy | None = None,
    password_policy: PasswordPolicy | None = None,
    run_blocking: BlockingRunner = run_inline,
) -> World:
    users, attempts, clock = InMemoryUserRepository(), InMemoryLoginAttemptRepository(), FakeClock()
    hasher = FakePasswordHasher()
    service = UserService(
        users,
        hasher,
        attempts,
        clock,
        CountingRandom(),
        policy=policy,
        password_policy=password_policy,
        run_blocking=run_blocking,
    )
    return World(service, users, attempts, hasher, clock)


@pytest.fixture
def world() -> World:
    return make_world()


async def refused(world: World, username: str, password: str, address: str | None = None) -> Exception:
    with pytest.raises((InvalidCredentials, LoginThrottled)) as raised:
        await world.service.authenticate(username, password, address)
    return raised.value


# --- creating users -------------------------------------------------------------------------


async def test_create_user_stores_the_account(world: World) -> None:
    user = await world.service.create_user("Alice", PASSWORD, email="alice@example.com", name="Alice A.")
    assert user.username == "Alice"
    assert user.email == "alice@example.com"
    assert user.name == "Alice A."
    assert user.created_at == world.clock.now()
    assert user.disabled is False
    assert user.email_verified is False
    assert user.password_hash != PASSWORD
    assert world.hasher.verify(user.password_hash, PASSWORD)
    assert await world.users.get(user.user_id) == user


async def test_user_ids_are_random_and_opaque(world: World) -> None:
    first = await world.service.create_user("alice", PASSWORD)
    second = await world.service.create_user("bob", PASSWORD)
    assert first.user_id != second.user_id
    assert len(first.user_id) >= 22  # 128 bits, base64url
    assert "alice" not in first.user_id.lower()


async def test_duplicate_username_in_any_case_is_refused(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    with pytest.raises(AlreadyExists):
        await world.service.create_user("ALICE", PASSWORD)
    assert len(await world.service.list()) == 1


@pytest.mark.parametrize(
    "username",
    ["a", "A", "alice.smith_1-2", "alice+mcp@example.com", "x" * 64, "0day"],
)
async def test_valid_usernames(world: World, username: str) -> None:
    user = await world.service.create_user(username, PASSWORD)
    assert user.username == username


@pytest.mark.parametrize(
    "username",
    [
        "",
        "x" * 65,
        "al ice",
        " alice",
        "alice\n",
        "älice",
        "аlice",
        "-alice",
        ".alice",
        "a:b",
        "a/b",
        "a\x00",
    ],
)
async def test_invalid_usernames_are_refused(world: World, username: str) -> None:
    with pytest.raises(InvalidUserInput) as raised:
        await world.service.create_user(username, PASSWORD)
    assert raised.value.field == "username"
    assert raised.value.error == "invalid_user_input"
    assert await world.service.list() == []


@pytest.mark.parametrize("password", ["", "short", "seven77", "x" * 1025, "Alice1234", "alice1234"])
async def test_weak_or_oversized_passwords_are_refused(world: World, password: str) -> None:
    with pytest.raises(InvalidUserInput) as raised:
        await world.service.create_user("alice1234", password)
    assert raised.value.field == "password"
    assert world.hasher.hashed == []
    assert await world.service.list() == []


@pytest.mark.parametrize(
    "password", ["eight888", "x" * 1024, "пароль!!", "with spaces in it", "🔑🔑🔑🔑🔑🔑🔑🔑"]
)
async def test_acceptable_passwords(world: World, password: str) -> None:
    user = await world.service.create_user("alice", password)
    assert await world.service.authenticate("alice", password) == user


def test_password_policy_cannot_go_below_eight() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        PasswordPolicy(min_length=7)
    with pytest.raises(ValueError, match="below the minimum"):
        PasswordPolicy(min_length=20, max_length=10)


async def test_a_stricter_password_policy_applies() -> None:
    world = make_world(password_policy=PasswordPolicy(min_length=12))
    with pytest.raises(InvalidUserInput):
        await world.service.create_user("alice", "elevenchars")
    await world.service.create_user("alice", "twelve chars")


@pytest.mark.parametrize(
    "email", ["", "alice", "@example.com", "alice@", "a lice@example.com", "a@b\n", "x" * 250 + "@a.io"]
)
async def test_invalid_emails_are_refused(world: World, email: str) -> None:
    with pytest.raises(InvalidUserInput) as raised:
        await world.service.create_user("alice", PASSWORD, email=email)
    assert raised.value.field == "email"


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "line\nbreak"])
async def test_invalid_names_are_refused(world: World, name: str) -> None:
    with pytest.raises(InvalidUserInput) as raised:
        await world.service.create_user("alice", PASSWORD, name=name)
    assert raised.value.field == "name"


# --- logging in -----------------------------------------------------------------------------


async def test_authenticate_returns_the_user(world: World) -> None:
    user = await world.service.create_user("Alice", PASSWORD)
    assert await world.service.authenticate("Alice", PASSWORD, ADDRESS) == user
    assert await world.service.authenticate("aLiCe", PASSWORD) == user


async def test_passwords_are_unicode_normalised(world: World) -> None:
    composed = unicodedata.normalize("NFC", "café-crème")
    decomposed = unicodedata.normalize("NFD", "café-crème")
    assert composed != decomposed
    user = await world.service.create_user("alice", composed)
    assert await world.service.authenticate("alice", decomposed) == user
    await world.service.create_user("bob", "ｐａｓｓｗｏｒｄ１２")  # full-width
    bob = await world.service.authenticate("bob", "password12")
    assert bob.username == "bob"


async def test_every_failure_looks_the_same(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    disabled = await world.service.create_user("mallory", PASSWORD)
    await world.service.set_disabled(disabled.user_id, True)
    failures = [
        await refused(world, "alice", "wrong password"),
        await refused(world, "nobody", PASSWORD),
        await refused(world, "mallory", PASSWORD),
        await refused(world, "x" * 500, PASSWORD),
    ]
    assert all(type(failure) is InvalidCredentials for failure in failures)
    assert {str(failure) for failure in failures} == {"invalid username or password"}


async def test_unknown_user_still_verifies_against_a_dummy_hash(world: World) -> None:
    await refused(world, "nobody", PASSWORD)
    await refused(world, "nobody-else", "another password")
    assert len(world.hasher.verified) == 2
    dummies = {password_hash for password_hash, _ in world.hasher.verified}
    assert len(dummies) == 1  # computed once, then reused
    assert len(world.hasher.hashed) == 1
    assert world.hasher.verified[1][1] == "another password"


async def test_warm_up_computes_the_dummy_hash_ahead(world: World) -> None:
    await world.service.warm_up()
    assert len(world.hasher.hashed) == 1
    await refused(world, "nobody", PASSWORD)
    assert len(world.hasher.hashed) == 1  # the first unknown-user login hashes nothing more
    assert len(world.hasher.verified) == 1


async def test_malformed_username_still_verifies(world: World) -> None:
    await refused(world, "not a username!", PASSWORD)
    assert len(world.hasher.verified) == 1


async def test_oversized_password_costs_one_bounded_verification(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    await refused(world, "alice", "x" * 100_000)
    assert len(world.hasher.verified) == 1
    assert len(world.hasher.verified[0][1]) == 1024


async def test_real_argon2_end_to_end() -> None:
    users, attempts, clock = InMemoryUserRepository(), InMemoryLoginAttemptRepository(), FakeClock()
    hasher: PasswordHasher = Argon2PasswordHasher.for_tests()
    service = UserService(users, hasher, attempts, clock, SystemRandom())
    user = await service.create_user("alice", PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert await service.authenticate("ALICE", PASSWORD) == user
    with pytest.raises(InvalidCredentials):
        await service.authenticate("alice", "wrong password")
    with pytest.raises(InvalidCredentials):
        await service.authenticate("nobody", PASSWORD)


async def test_login_rehashes_an_outdated_hash(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    world.hasher.version = 2
    logged_in = await world.service.authenticate("alice", PASSWORD)
    assert logged_in.password_hash != user.password_hash
    assert logged_in.password_hash.startswith("fake$v2$")
    assert await world.users.get(user.user_id) == logged_in
    assert await world.service.authenticate("alice", PASSWORD) == logged_in  # no second rehash


async def test_failed_login_does_not_rehash(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    world.hasher.version = 2
    await refused(world, "alice", "wrong password")
    assert await world.users.get(user.user_id) == user


async def test_hashing_goes_through_the_blocking_runner() -> None:
    calls: list[str] = []

    async def runner(func: Callable[[], _T], /) -> _T:
        calls.append(getattr(func, "func", func).__name__)
        return func()

    world = make_world(run_blocking=runner)
    await world.service.create_user("alice", PASSWORD)
    await world.service.authenticate("alice", PASSWORD)
    await refused(world, "nobody", PASSWORD)
    assert calls == ["hash", "verify", "hash", "verify"]


# --- throttling -----------------------------------------------------------------------------


async def test_fifth_failure_locks_and_even_the_right_password_waits(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    for _ in range(4):
        assert type(await refused(world, "alice", "wrong password")) is InvalidCredentials
    fifth = await refused(world, "alice", "wrong password")
    assert isinstance(fifth, LoginThrottled)
    assert fifth.retry_after == 900
    verifications = len(world.hasher.verified)
    locked = await refused(world, "alice", PASSWORD)
    assert isinstance(locked, LoginThrottled)
    assert len(world.hasher.verified) == verifications  # a locked login is not even checked
    world.clock.advance(900)
    user = await world.service.authenticate("alice", PASSWORD)
    assert user.username == "alice"


async def test_unknown_usernames_lock_the_same_way(world: World) -> None:
    for _ in range(4):
        assert type(await refused(world, "nobody", "wrong password")) is InvalidCredentials
    fifth = await refused(world, "nobody", "wrong password")
    assert isinstance(fifth, LoginThrottled)
    assert fifth.retry_after == 900


async def test_usernames_lock_case_insensitively(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    for spelling in ("alice", "ALICE", "Alice", "aLice", "alicE"):
        await refused(world, spelling, "wrong password")
    assert isinstance(await refused(world, "alice", PASSWORD), LoginThrottled)


async def test_success_resets_the_account_count(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    for _ in range(4):
        await refused(world, "alice", "wrong password")
    await world.service.authenticate("alice", PASSWORD)
    for _ in range(4):
        assert type(await refused(world, "alice", "wrong password")) is InvalidCredentials
    assert (await world.service.authenticate("alice", PASSWORD)).username == "alice"


async def test_disabled_account_failures_count_too(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    await world.service.set_disabled(user.user_id, True)
    for _ in range(4):
        await refused(world, "alice", PASSWORD)
    assert isinstance(await refused(world, "alice", PASSWORD), LoginThrottled)


async def test_an_address_spraying_many_accounts_is_locked(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    for index in range(19):
        assert type(await refused(world, f"user{index}", "guess", ADDRESS)) is InvalidCredentials
    assert isinstance(await refused(world, "user19", "guess", ADDRESS), LoginThrottled)
    assert isinstance(await refused(world, "alice", PASSWORD, ADDRESS), LoginThrottled)
    user = await world.service.authenticate("alice", PASSWORD, "198.51.100.1")
    assert user.username == "alice"


async def test_login_policy_is_honoured() -> None:
    world = make_world(policy=LoginPolicy(max_account_failures=2, lockout=30))
    await world.service.create_user("alice", PASSWORD)
    await refused(world, "alice", "wrong password")
    throttled = await refused(world, "alice", "wrong password")
    assert isinstance(throttled, LoginThrottled)
    assert throttled.retry_after == 30


async def test_unlock_lets_the_user_back_in(world: World) -> None:
    await world.service.create_user("alice", PASSWORD)
    for _ in range(5):
        await refused(world, "alice", "wrong password")
    await world.service.unlock("ALICE")
    assert (await world.service.authenticate("alice", PASSWORD)).username == "alice"


# --- administration -------------------------------------------------------------------------


async def test_change_password(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    changed = await world.service.change_password(user.user_id, "a brand new password")
    assert changed.password_hash != user.password_hash
    assert await world.users.get(user.user_id) == changed
    await refused(world, "alice", PASSWORD)
    assert await world.service.authenticate("alice", "a brand new password") == changed


async def test_change_password_enforces_the_policy(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    with pytest.raises(InvalidUserInput):
        await world.service.change_password(user.user_id, "short")
    assert await world.users.get(user.user_id) == user


async def test_set_disabled_round_trip(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    disabled = await world.service.set_disabled(user.user_id, True)
    assert disabled.disabled is True
    assert (await world.service.get(user.user_id)).disabled is True
    await refused(world, "alice", PASSWORD)
    await world.service.set_disabled(user.user_id, False)
    assert (await world.service.authenticate("alice", PASSWORD)).disabled is False


async def test_get_and_get_by_username(world: World) -> None:
    user = await world.service.create_user("Alice", PASSWORD)
    assert await world.service.get(user.user_id) == user
    assert await world.service.get_by_username("alice") == user
    with pytest.raises(NotFound):
        await world.service.get("nope")
    with pytest.raises(NotFound):
        await world.service.get_by_username("nobody")
    with pytest.raises(NotFound):
        await world.service.get_by_username("not a username")


async def test_remove(world: World) -> None:
    user = await world.service.create_user("alice", PASSWORD)
    await world.service.remove(user.user_id)
    with pytest.raises(NotFound):
        await world.service.get(user.user_id)
    await refused(world, "alice", PASSWORD)
    with pytest.raises(NotFound):
        await world.service.remove(user.user_id)


async def test_unknown_ids_raise_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.service.change_password("nope", PASSWORD)
    with pytest.raises(NotFound):
        await world.service.set_disabled("nope", True)


async def test_list_is_sorted_by_username(world: World) -> None:
    for username in ("carol", "Bob", "alice"):
        await world.service.create_user(username, PASSWORD)
    assert [user.username for user in await world.service.list()] == ["alice", "Bob", "carol"]
