"""The UserRepository contract: every adapter must pass these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from remotemcp.adapters.memory.users import InMemoryUserRepository
from remotemcp.domain.errors import AlreadyExists, NotFound
from remotemcp.domain.model.users import User
from remotemcp.domain.ports.users import UserRepository

ADAPTERS: list[object] = [pytest.param(InMemoryUserRepository, id="memory")]

NOW = 1_700_000_000


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> UserRepository:
    factory: Callable[[], UserRepository] = request.param
    return factory()


def make_user(user_id: str = "u1", username: str = "alice") -> User:
    return User(user_id=user_id, username=username, password_hash="$argon2id$hash", created_at=NOW)


def full_user() -> User:
    """Every field set away from its default, so an adapter that drops one fails the round trip."""
    return User(
        user_id="u-full",
        username="Zoë.Admin@example.com",
        password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
        created_at=NOW,
        email="zoe@example.com",
        email_verified=True,
        name="Zoë Ünïcode ✓",
        disabled=True,
    )


async def test_add_then_get_round_trips_every_field(repo: UserRepository) -> None:
    user = full_user()
    await repo.add(user)
    assert await repo.get("u-full") == user


async def test_get_unknown_is_none(repo: UserRepository) -> None:
    assert await repo.get("nope") is None
    assert await repo.get_by_username("nobody") is None


async def test_get_by_username_ignores_case(repo: UserRepository) -> None:
    await repo.add(make_user(username="Alice"))
    for spelling in ("Alice", "alice", "ALICE"):
        found = await repo.get_by_username(spelling)
        assert found is not None
        assert found.user_id == "u1"
        assert found.username == "Alice"  # the spelling given at creation is kept


async def test_add_refuses_a_taken_user_id(repo: UserRepository) -> None:
    await repo.add(make_user())
    with pytest.raises(AlreadyExists):
        await repo.add(make_user(username="bob"))
    found = await repo.get("u1")
    assert found is not None
    assert found.username == "alice"
    assert await repo.get_by_username("bob") is None


async def test_add_refuses_a_taken_username_in_any_case(repo: UserRepository) -> None:
    await repo.add(make_user(username="alice"))
    with pytest.raises(AlreadyExists):
        await repo.add(make_user("u2", "ALICE"))
    assert await repo.get("u2") is None


async def test_update_replaces_the_user(repo: UserRepository) -> None:
    await repo.add(make_user())
    changed = replace(make_user(), password_hash="new", disabled=True, email="a@example.com")
    await repo.update(changed)
    assert await repo.get("u1") == changed
    assert await repo.get_by_username("alice") == changed


async def test_update_can_rename_and_frees_the_old_name(repo: UserRepository) -> None:
    await repo.add(make_user())
    await repo.update(make_user(username="alicia"))
    assert await repo.get_by_username("alice") is None
    found = await repo.get_by_username("ALICIA")
    assert found is not None
    assert found.user_id == "u1"
    await repo.add(make_user("u2", "alice"))  # the old name is free again
    other = await repo.get_by_username("alice")
    assert other is not None
    assert other.user_id == "u2"


async def test_update_refuses_a_username_another_user_holds(repo: UserRepository) -> None:
    await repo.add(make_user("u1", "alice"))
    await repo.add(make_user("u2", "bob"))
    with pytest.raises(AlreadyExists):
        await repo.update(make_user("u2", "Alice"))
    found = await repo.get("u2")
    assert found is not None
    assert found.username == "bob"


async def test_update_can_change_only_the_case_of_its_own_name(repo: UserRepository) -> None:
    await repo.add(make_user(username="alice"))
    await repo.update(make_user(username="Alice"))
    found = await repo.get_by_username("alice")
    assert found is not None
    assert found.username == "Alice"


async def test_update_unknown_raises_not_found(repo: UserRepository) -> None:
    with pytest.raises(NotFound):
        await repo.update(make_user())
    assert await repo.get("u1") is None


async def test_remove(repo: UserRepository) -> None:
    await repo.add(make_user())
    assert await repo.remove("u1") is True
    assert await repo.get("u1") is None
    assert await repo.get_by_username("alice") is None
    assert await repo.remove("u1") is False
    await repo.add(make_user("u2", "alice"))  # the username is free again


async def test_list_returns_every_user(repo: UserRepository) -> None:
    assert await repo.list() == []
    await repo.add(make_user("u1", "alice"))
    await repo.add(make_user("u2", "bob"))
    users = await repo.list()
    assert sorted(user.user_id for user in users) == ["u1", "u2"]
