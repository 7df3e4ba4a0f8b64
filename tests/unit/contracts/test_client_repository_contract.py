"""The ClientRepository contract: every adapter must pass these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from remotemcp.adapters.memory.clients import InMemoryClientRepository
from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.clients import ApplicationType, Client, ClientOrigin, TokenEndpointAuthMethod
from remotemcp.domain.ports.clients import ClientRepository

ADAPTERS: list[object] = [pytest.param(InMemoryClientRepository, id="memory")]

NOW = 1_700_000_000


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> ClientRepository:
    factory: Callable[[], ClientRepository] = request.param
    return factory()


def make_client(client_id: str = "c1", **changes: object) -> Client:
    client = Client(
        client_id=client_id,
        redirect_uris=("https://app.example.com/cb", "http://127.0.0.1:3000/cb"),
        origin=ClientOrigin.DYNAMIC,
    )
    return replace(client, **changes)  # type: ignore[arg-type]


def full_client() -> Client:
    """Every field set away from its default, so an adapter that drops one fails the round trip."""
    return Client(
        client_id="https://app.example.com/client.json",
        redirect_uris=("cursor://app/cb", "https://app.example.com/cb"),
        origin=ClientOrigin.METADATA_DOCUMENT,
        token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_POST,
        grant_types=("authorization_code",),
        response_types=("code",),
        scopes=frozenset({"mcp", "openid"}),
        application_type=ApplicationType.NATIVE,
        client_name="Ünïcode client ✓",
        client_uri="https://app.example.com",
        logo_uri="https://app.example.com/logo.png",
        contacts=("a@example.com", "b@example.com"),
        software_id="sw-id",
        software_version="1.2.3",
        secret_hash="ab" * 32,
        client_id_issued_at=NOW,
        client_secret_expires_at=NOW + 3600,
        metadata_expires_at=NOW + 600,
    )


async def test_add_then_get_round_trips_every_field(repo: ClientRepository) -> None:
    client = full_client()
    await repo.add(client)
    stored = await repo.get(client.client_id)
    assert stored == client
    assert stored is not None
    assert stored.redirect_uris == ("cursor://app/cb", "https://app.example.com/cb")  # order kept


async def test_minimal_client_round_trips(repo: ClientRepository) -> None:
    client = make_client()
    await repo.add(client)
    assert await repo.get("c1") == client


async def test_get_unknown_is_none(repo: ClientRepository) -> None:
    assert await repo.get("nope") is None


async def test_add_refuses_a_taken_client_id(repo: ClientRepository) -> None:
    await repo.add(make_client())
    with pytest.raises(AlreadyExists):
        await repo.add(make_client(client_name="impostor"))
    stored = await repo.get("c1")
    assert stored is not None
    assert stored.client_name is None


async def test_save_inserts_and_replaces(repo: ClientRepository) -> None:
    await repo.save(make_client(client_name="first"))
    first = await repo.get("c1")
    assert first is not None
    assert first.client_name == "first"
    await repo.save(make_client(client_name="second", metadata_expires_at=NOW))
    second = await repo.get("c1")
    assert second == make_client(client_name="second", metadata_expires_at=NOW)
    assert len(await repo.list()) == 1


async def test_remove(repo: ClientRepository) -> None:
    await repo.add(make_client())
    assert await repo.remove("c1") is True
    assert await repo.get("c1") is None
    assert await repo.remove("c1") is False
    await repo.add(make_client())  # the id is free again
    assert await repo.get("c1") == make_client()


async def test_list_returns_every_client(repo: ClientRepository) -> None:
    assert await repo.list() == []
    clients = [make_client("c1"), make_client("c2", client_name="two"), full_client()]
    for client in clients:
        await repo.add(client)
    listed = await repo.list()
    assert sorted(listed, key=lambda c: c.client_id) == sorted(clients, key=lambda c: c.client_id)


async def test_client_ids_are_case_sensitive(repo: ClientRepository) -> None:
    await repo.add(make_client("Abc"))
    await repo.add(make_client("abc", client_name="lower"))
    upper, lower = await repo.get("Abc"), await repo.get("abc")
    assert upper is not None
    assert lower is not None
    assert upper.client_name is None
    assert lower.client_name == "lower"
