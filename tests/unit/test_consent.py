from __future__ import annotations

import pytest

from remotemcp.adapters.memory.consent import InMemoryConsentRepository
from remotemcp.domain.consent import ConsentService
from remotemcp.domain.model.consent import Consent
from tests.unit.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(clock: FakeClock) -> ConsentService:
    return ConsentService(InMemoryConsentRepository(), clock)


async def test_a_new_client_needs_consent(service: ConsentService) -> None:
    assert await service.needs_consent("user-1", "client-a", {"mcp"}) is True
    assert await service.needs_consent("user-1", "client-a", frozenset()) is True


async def test_granted_scopes_need_no_new_consent(service: ConsentService, clock: FakeClock) -> None:
    consent = await service.grant("user-1", "client-a", {"mcp", "openid"})
    assert consent == Consent("user-1", "client-a", frozenset({"mcp", "openid"}), clock.now())
    assert await service.needs_consent("user-1", "client-a", {"mcp", "openid"}) is False
    assert await service.needs_consent("user-1", "client-a", {"mcp"}) is False
    assert await service.needs_consent("user-1", "client-a", set()) is False


async def test_asking_for_more_needs_consent_again(service: ConsentService) -> None:
    await service.grant("user-1", "client-a", {"mcp"})
    assert await service.needs_consent("user-1", "client-a", {"mcp", "offline_access"}) is True
    assert await service.needs_consent("user-1", "client-a", {"offline_access"}) is True


async def test_consent_is_per_user_and_per_client(service: ConsentService) -> None:
    await service.grant("user-1", "client-a", {"mcp"})
    assert await service.needs_consent("user-2", "client-a", {"mcp"}) is True
    assert await service.needs_consent("user-1", "client-b", {"mcp"}) is True


async def test_grant_adds_to_what_was_approved(service: ConsentService, clock: FakeClock) -> None:
    await service.grant("user-1", "client-a", {"mcp", "openid"})
    clock.advance(60)
    consent = await service.grant("user-1", "client-a", {"offline_access"})
    assert consent.scopes == frozenset({"mcp", "openid", "offline_access"})
    assert consent.granted_at == clock.now()
    assert await service.needs_consent("user-1", "client-a", {"mcp", "openid", "offline_access"}) is False
    assert await service.list_for("user-1") == [consent]


async def test_revoke_asks_again(service: ConsentService) -> None:
    await service.grant("user-1", "client-a", {"mcp"})
    assert await service.revoke("user-1", "client-a") is True
    assert await service.needs_consent("user-1", "client-a", {"mcp"}) is True
    assert await service.revoke("user-1", "client-a") is False
    assert await service.list_for("user-1") == []


async def test_list_for_is_sorted_by_client_and_per_user(service: ConsentService) -> None:
    await service.grant("user-1", "client-b", {"mcp"})
    await service.grant("user-1", "client-a", {"openid"})
    await service.grant("user-2", "client-c", {"mcp"})
    listed = await service.list_for("user-1")
    assert [consent.client_id for consent in listed] == ["client-a", "client-b"]
    assert listed[0].scopes == frozenset({"openid"})
