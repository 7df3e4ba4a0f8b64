"""The GrantRepository contract: every adapter must pass these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import anyio
import pytest

from remotemcp.adapters.memory.grants import InMemoryGrantRepository
from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.grants import Grant, RefreshToken
from remotemcp.domain.ports.grants import GrantRepository

ADAPTERS: list[object] = [pytest.param(InMemoryGrantRepository, id="memory")]

NOW = 1_700_000_000


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> GrantRepository:
    factory: Callable[[], GrantRepository] = request.param
    return factory()


def make_grant(grant_id: str = "g1", subject: str = "u1", client_id: str = "c1") -> Grant:
    return Grant(
        grant_id=grant_id,
        client_id=client_id,
        subject=subject,
        scopes=frozenset({"mcp", "openid"}),
        resource="https://rs.example/mcp",
        auth_time=NOW - 5,
        created_at=NOW,
        expires_at=NOW + 1000,
    )


def make_token(token_hash: str, grant_id: str = "g1", expires_at: int = NOW + 500) -> RefreshToken:
    return RefreshToken(token_hash=token_hash, grant_id=grant_id, issued_at=NOW, expires_at=expires_at)


async def test_grant_round_trip_and_uniqueness(repo: GrantRepository) -> None:
    grant = make_grant()
    await repo.add_grant(grant)
    assert await repo.get_grant("g1") == grant
    assert await repo.get_grant("nope") is None
    with pytest.raises(AlreadyExists):
        await repo.add_grant(replace(grant, subject="someone else"))
    assert (await repo.get_grant("g1")) == grant


async def test_revoke_grant_is_idempotent_and_keeps_first_time(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant())
    assert await repo.revoke_grant("g1", NOW + 1)
    assert await repo.revoke_grant("g1", NOW + 9)
    stored = await repo.get_grant("g1")
    assert stored is not None and stored.revoked and stored.revoked_at == NOW + 1
    assert not await repo.revoke_grant("missing", NOW)


async def test_grants_for_subject_and_client(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant("g1", client_id="c1"))
    await repo.add_grant(make_grant("g2", client_id="c2"))
    await repo.add_grant(make_grant("g3", subject="u2"))
    assert {g.grant_id for g in await repo.grants_for("u1")} == {"g1", "g2"}
    assert [g.grant_id for g in await repo.grants_for("u1", "c2")] == ["g2"]
    assert await repo.grants_for("nobody") == []


async def test_token_round_trip_and_uniqueness(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant())
    token = make_token("h1")
    await repo.add_token(token)
    assert await repo.get_token("h1") == token
    assert await repo.get_token("h2") is None
    with pytest.raises(AlreadyExists):
        await repo.add_token(token)


async def test_rotate_marks_parent_and_stores_successor(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant())
    await repo.add_token(make_token("parent"))
    outcome = await repo.rotate("parent", make_token("child"), "salt", NOW + 3)
    assert outcome is not None and outcome.rotated_now
    assert outcome.parent.rotated_at == NOW + 3
    assert outcome.parent.successor_hash == "child"
    assert outcome.parent.rotation_salt == "salt"
    assert await repo.get_token("child") == make_token("child")
    assert await repo.get_token("parent") == outcome.parent


async def test_second_rotation_stores_nothing(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant())
    await repo.add_token(make_token("parent"))
    await repo.rotate("parent", make_token("child"), "salt", NOW + 3)
    again = await repo.rotate("parent", make_token("other"), "salt2", NOW + 4)
    assert again is not None and not again.rotated_now
    assert again.parent.successor_hash == "child" and again.parent.rotation_salt == "salt"
    assert await repo.get_token("other") is None


async def test_rotate_unknown_parent(repo: GrantRepository) -> None:
    assert await repo.rotate("ghost", make_token("child"), "salt", NOW) is None
    assert await repo.get_token("child") is None


async def test_concurrent_rotations_have_one_winner(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant())
    await repo.add_token(make_token("parent"))
    winners: list[str] = []

    async def attempt(i: int) -> None:
        outcome = await repo.rotate("parent", make_token(f"child-{i}"), f"salt-{i}", NOW + 1)
        if outcome is not None and outcome.rotated_now:
            winners.append(f"child-{i}")

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(attempt, i)
    assert len(winners) == 1
    parent = await repo.get_token("parent")
    assert parent is not None and parent.successor_hash == winners[0]


async def test_purge_expired(repo: GrantRepository) -> None:
    await repo.add_grant(make_grant("g1"))
    await repo.add_grant(replace(make_grant("g2"), expires_at=NOW + 10))
    await repo.add_token(make_token("live", "g1"))
    await repo.add_token(make_token("stale", "g1", expires_at=NOW + 5))
    await repo.add_token(make_token("orphan", "g2"))
    removed = await repo.purge_expired(NOW + 20)
    assert removed == 3
    assert await repo.get_token("live") is not None
    assert await repo.get_token("stale") is None
    assert await repo.get_token("orphan") is None
    assert await repo.get_grant("g2") is None
    assert await repo.get_grant("g1") is not None
