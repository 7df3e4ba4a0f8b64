"""What every `RevocationList` must do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from remotemcp.adapters.memory.revocation import InMemoryRevocationList
from remotemcp.domain.ports.revocation import RevocationList

RevocationListFactory = Callable[[], RevocationList]

# Durable adapters append their factories here.
FACTORIES = [pytest.param(InMemoryRevocationList, id="memory")]

NOW = 1_700_000_000


@pytest.fixture(params=FACTORIES)
def revocations(request: pytest.FixtureRequest) -> RevocationList:
    factory: RevocationListFactory = request.param
    return factory()


async def test_nothing_is_revoked_at_first(revocations: RevocationList) -> None:
    assert not await revocations.is_revoked(("jti-1",), NOW)
    assert not await revocations.is_revoked((), NOW)


async def test_a_revoked_identifier_is_revoked_until_its_entry_lapses(revocations: RevocationList) -> None:
    await revocations.revoke("jti-1", until=NOW + 60)

    assert await revocations.is_revoked(("jti-1",), NOW)
    assert await revocations.is_revoked(("jti-1",), NOW + 59)
    assert not await revocations.is_revoked(("jti-1",), NOW + 60)
    assert not await revocations.is_revoked(("jti-2",), NOW)


async def test_any_revoked_identifier_in_the_tuple_is_enough(revocations: RevocationList) -> None:
    await revocations.revoke("grant-1", until=NOW + 60)

    assert await revocations.is_revoked(("jti-1", "grant-1"), NOW)
    assert await revocations.is_revoked(("grant-1", "jti-1"), NOW)
    assert not await revocations.is_revoked(("jti-1", "grant-2"), NOW)


async def test_revoking_again_is_idempotent_and_a_later_until_extends(revocations: RevocationList) -> None:
    await revocations.revoke("jti-1", until=NOW + 60)
    await revocations.revoke("jti-1", until=NOW + 60)
    await revocations.revoke("jti-1", until=NOW + 600)

    assert await revocations.is_revoked(("jti-1",), NOW + 599)
    assert not await revocations.is_revoked(("jti-1",), NOW + 600)


async def test_an_earlier_until_never_shortens_an_entry(revocations: RevocationList) -> None:
    await revocations.revoke("grant-1", until=NOW + 600)
    await revocations.revoke("grant-1", until=NOW + 10)

    assert await revocations.is_revoked(("grant-1",), NOW + 300)


async def test_purge_removes_only_lapsed_entries_and_counts_them(revocations: RevocationList) -> None:
    await revocations.revoke("a", until=NOW + 10)
    await revocations.revoke("b", until=NOW + 20)
    await revocations.revoke("c", until=NOW + 30)

    assert await revocations.purge_expired(NOW + 20) == 2
    assert await revocations.purge_expired(NOW + 20) == 0
    assert await revocations.is_revoked(("c",), NOW + 20)
    assert await revocations.purge_expired(NOW + 30) == 1


async def test_purge_does_not_change_answers_about_live_entries(revocations: RevocationList) -> None:
    await revocations.revoke("live", until=NOW + 100)

    await revocations.purge_expired(NOW + 50)

    assert await revocations.is_revoked(("live",), NOW + 99)
