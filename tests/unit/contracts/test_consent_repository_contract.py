"""The ConsentRepository contract: every adapter must pass these."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from remotemcp.adapters.memory.consent import InMemoryConsentRepository
from remotemcp.domain.model.consent import Consent
from remotemcp.domain.ports.consent import ConsentRepository

ADAPTERS: list[object] = [pytest.param(InMemoryConsentRepository, id="memory")]

NOW = 1_700_000_000


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> ConsentRepository:
    factory: Callable[[], ConsentRepository] = request.param
    return factory()


def make_consent(
    subject: str = "user-1", client_id: str = "client-a", scopes: frozenset[str] = frozenset({"mcp"})
) -> Consent:
    return Consent(subject=subject, client_id=client_id, scopes=scopes, granted_at=NOW)


async def test_get_unknown_is_none(repo: ConsentRepository) -> None:
    assert await repo.get("user-1", "client-a") is None


async def test_save_then_get_round_trips(repo: ConsentRepository) -> None:
    consent = make_consent(scopes=frozenset({"mcp", "openid", "offline_access"}))
    await repo.save(consent)
    assert await repo.get("user-1", "client-a") == consent


async def test_empty_scopes_round_trip(repo: ConsentRepository) -> None:
    consent = make_consent(scopes=frozenset())
    await repo.save(consent)
    assert await repo.get("user-1", "client-a") == consent


async def test_save_replaces_the_same_pair(repo: ConsentRepository) -> None:
    await repo.save(make_consent(scopes=frozenset({"mcp"})))
    newer = Consent(subject="user-1", client_id="client-a", scopes=frozenset({"openid"}), granted_at=NOW + 5)
    await repo.save(newer)
    assert await repo.get("user-1", "client-a") == newer
    assert await repo.list_for("user-1") == [newer]


async def test_pairs_are_kept_apart(repo: ConsentRepository) -> None:
    await repo.save(make_consent("user-1", "client-a", frozenset({"a"})))
    await repo.save(make_consent("user-1", "client-b", frozenset({"b"})))
    await repo.save(make_consent("user-2", "client-a", frozenset({"c"})))
    first = await repo.get("user-1", "client-b")
    second = await repo.get("user-2", "client-a")
    assert first is not None
    assert first.scopes == frozenset({"b"})
    assert second is not None
    assert second.scopes == frozenset({"c"})


async def test_revoke(repo: ConsentRepository) -> None:
    await repo.save(make_consent("user-1", "client-a"))
    await repo.save(make_consent("user-1", "client-b"))
    assert await repo.revoke("user-1", "client-a") is True
    assert await repo.get("user-1", "client-a") is None
    assert await repo.get("user-1", "client-b") is not None
    assert await repo.revoke("user-1", "client-a") is False


async def test_list_for_returns_only_that_subject(repo: ConsentRepository) -> None:
    assert await repo.list_for("user-1") == []
    await repo.save(make_consent("user-1", "client-a"))
    await repo.save(make_consent("user-1", "client-b"))
    await repo.save(make_consent("user-2", "client-a"))
    listed = await repo.list_for("user-1")
    assert sorted(consent.client_id for consent in listed) == ["client-a", "client-b"]
    assert all(consent.subject == "user-1" for consent in listed)
