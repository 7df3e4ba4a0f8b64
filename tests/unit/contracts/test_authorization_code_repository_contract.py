"""The AuthorizationCodeRepository contract: every adapter must pass these."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace

import pytest

from remotemcp.adapters.memory.codes import InMemoryAuthorizationCodeRepository
from remotemcp.domain.errors import AlreadyExists
from remotemcp.domain.model.codes import AuthorizationCode, CodeConsumption
from remotemcp.domain.ports.codes import AuthorizationCodeRepository

ADAPTERS: list[object] = [pytest.param(InMemoryAuthorizationCodeRepository, id="memory")]

NOW = 1_700_000_000


@pytest.fixture(params=ADAPTERS)
def repo(request: pytest.FixtureRequest) -> AuthorizationCodeRepository:
    factory: Callable[[], AuthorizationCodeRepository] = request.param
    return factory()


def make_code(code_hash: str = "h1", expires_at: int = NOW + 60, **changes: object) -> AuthorizationCode:
    code = AuthorizationCode(
        code_hash=code_hash,
        client_id="c1",
        redirect_uri="https://app.example/cb",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        resource="https://rs.example/mcp",
        scopes=frozenset({"mcp", "openid"}),
        subject="u1",
        auth_time=NOW - 5,
        issued_at=NOW,
        expires_at=expires_at,
        grant_id=f"grant-{code_hash}",
        nonce="n1",
        redirect_uri_in_request=False,
    )
    return replace(code, **changes)  # type: ignore[arg-type]


async def test_a_stored_code_comes_back_whole_on_first_consumption(repo: AuthorizationCodeRepository) -> None:
    code = make_code()
    await repo.add(code)
    assert await repo.consume("h1") == CodeConsumption(code=code, first_use=True)


async def test_optional_fields_survive_a_round_trip(repo: AuthorizationCodeRepository) -> None:
    code = make_code(nonce=None, redirect_uri_in_request=True, scopes=frozenset())
    await repo.add(code)
    consumed = await repo.consume("h1")
    assert consumed is not None
    assert consumed.code == code


async def test_later_consumptions_return_the_code_with_first_use_false(
    repo: AuthorizationCodeRepository,
) -> None:
    code = make_code()
    await repo.add(code)
    await repo.consume("h1")
    assert await repo.consume("h1") == CodeConsumption(code=code, first_use=False)
    assert await repo.consume("h1") == CodeConsumption(code=code, first_use=False)


async def test_an_unknown_digest_consumes_to_none(repo: AuthorizationCodeRepository) -> None:
    await repo.add(make_code())
    assert await repo.consume("h2") is None


async def test_codes_are_independent(repo: AuthorizationCodeRepository) -> None:
    await repo.add(make_code("h1"))
    await repo.add(make_code("h2"))
    first = await repo.consume("h1")
    second = await repo.consume("h2")
    assert first is not None
    assert second is not None
    assert (first.first_use, first.code.grant_id) == (True, "grant-h1")
    assert (second.first_use, second.code.grant_id) == (True, "grant-h2")


async def test_a_duplicate_digest_is_refused_and_changes_nothing(repo: AuthorizationCodeRepository) -> None:
    code = make_code()
    await repo.add(code)
    with pytest.raises(AlreadyExists):
        await repo.add(make_code(subject="someone else"))
    consumed = await repo.consume("h1")
    assert consumed is not None
    assert consumed.code.subject == "u1"


async def test_a_used_digest_cannot_be_added_again(repo: AuthorizationCodeRepository) -> None:
    await repo.add(make_code())
    await repo.consume("h1")
    with pytest.raises(AlreadyExists):
        await repo.add(make_code())
    consumed = await repo.consume("h1")
    assert consumed is not None
    assert consumed.first_use is False


async def test_concurrent_consumptions_have_exactly_one_first_use(repo: AuthorizationCodeRepository) -> None:
    await repo.add(make_code())
    results = await asyncio.gather(*(repo.consume("h1") for _ in range(50)))
    assert all(r is not None for r in results)
    assert sum(1 for r in results if r is not None and r.first_use) == 1


async def test_purge_drops_unused_codes_once_expired(repo: AuthorizationCodeRepository) -> None:
    await repo.add(make_code("h1", expires_at=NOW + 60))
    await repo.add(make_code("h2", expires_at=NOW + 120))
    assert await repo.purge_expired(NOW + 59, keep_used_for=600) == 0
    assert await repo.purge_expired(NOW + 61, keep_used_for=600) == 1
    assert await repo.consume("h1") is None
    consumed = await repo.consume("h2")
    assert consumed is not None
    assert consumed.first_use is True


async def test_purge_keeps_used_codes_longer_so_replays_stay_detectable(
    repo: AuthorizationCodeRepository,
) -> None:
    await repo.add(make_code("h1", expires_at=NOW + 60))
    await repo.consume("h1")
    assert await repo.purge_expired(NOW + 61, keep_used_for=600) == 0
    assert await repo.purge_expired(NOW + 659, keep_used_for=600) == 0
    replay = await repo.consume("h1")
    assert replay is not None
    assert replay.first_use is False
    assert await repo.purge_expired(NOW + 661, keep_used_for=600) == 1
    assert await repo.consume("h1") is None


async def test_purge_on_an_empty_repository_drops_nothing(repo: AuthorizationCodeRepository) -> None:
    assert await repo.purge_expired(NOW, keep_used_for=0) == 0


# The asyncio test above cannot interleave calls into an adapter that never awaits; this one races
# real threads into the in-memory adapter's lock. Thread-per-event-loop does not suit adapters
# bound to one loop (async database engines), hence memory only.
def test_memory_consume_is_atomic_across_threads() -> None:
    repo = InMemoryAuthorizationCodeRepository()
    asyncio.run(repo.add(make_code()))
    threads_count = 32
    barrier = threading.Barrier(threads_count)
    results: list[CodeConsumption | None] = []
    results_lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        result = asyncio.run(repo.consume("h1"))
        with results_lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == threads_count
    assert sum(1 for r in results if r is not None and r.first_use) == 1
