"""Resumable SSE on a real socket (MCP 2025-11-25): a client that drops a tool call's stream and
comes back with `Last-Event-ID` gets exactly what it missed, and nothing of any other session."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
from starlette.applications import Starlette

from remotemcp.app.mcp.endpoint import McpEndpoint
from remotemcp.app.mcp.event_store import SessionEventStore
from tests.integration.mcp_endpoint_support import (
    ProgressGate,
    RunningServer,
    SseEvent,
    make_registry,
    open_session,
    rpc,
    running,
    session_headers,
    sse_events,
)

CALL_ID = 7
BEFORE, AFTER = 3, 2


def countdown_call() -> dict[str, Any]:
    return rpc(
        "tools/call",
        {
            "name": "countdown",
            "arguments": {"before": BEFORE, "after": AFTER},
            "_meta": {"progressToken": "tok"},
        },
        request_id=CALL_ID,
    )


def summary(event: SseEvent) -> tuple[str, Any]:
    message = event.message
    assert message is not None
    if "method" in message:
        params = message["params"]
        if message["method"] == "notifications/progress":
            return ("progress", params["progress"])
        return (message["method"], params.get("data"))
    return ("result", message["result"]["structuredContent"])


async def read_until_progress(response: httpx2.Response, step: int) -> list[SseEvent]:
    seen: list[SseEvent] = []
    async for event in sse_events(response):
        seen.append(event)
        if event.message and event.message.get("params", {}).get("progress") == step:
            return seen
    raise AssertionError(f"the stream ended before progress {step}")


async def read_until_result(response: httpx2.Response) -> list[SseEvent]:
    seen: list[SseEvent] = []
    async for event in sse_events(response):
        if not event.data:
            continue  # priming events carry no message
        seen.append(event)
        if event.message and event.message.get("id") == CALL_ID:
            return seen
    raise AssertionError("the stream ended before the call's result")


async def wait_for_stored(server: RunningServer, session_id: str, count: int) -> None:
    repository = server.container.event_repo()
    with anyio.fail_after(5):
        # The store is the server's; nothing in it can be awaited, so it is polled.
        while await repository.count(session_id) < count:  # noqa: ASYNC110
            await anyio.sleep(0.01)


async def test_dropped_stream_resumes_with_exactly_the_missed_events() -> None:
    gate = ProgressGate()
    async with running(make_registry(gate)) as server, httpx2.AsyncClient(timeout=5) as http:
        token = await server.token(["mcp"])
        session_id = await open_session(http, server, token)
        stored_before_call = await server.container.event_repo().count(session_id)

        with anyio.fail_after(5):
            async with http.stream(
                "POST", server.mcp_url, json=countdown_call(), headers=session_headers(token, session_id)
            ) as live:
                assert live.headers["content-type"].startswith("text/event-stream")
                received = await read_until_progress(live, BEFORE)
            # Leaving the block drops the connection mid-call.
        assert [summary(e) for e in received if e.data] == [("progress", 1), ("progress", 2), ("progress", 3)]
        last_event_id = received[-1].id
        assert last_event_id is not None

        gate.release.set()
        with anyio.fail_after(5):
            await gate.finished.wait()
        # priming + 3 progress + log + 2 progress + result, all stored while nobody listened.
        await wait_for_stored(server, session_id, stored_before_call + 1 + BEFORE + 1 + AFTER + 1)

        with anyio.fail_after(5):
            async with http.stream(
                "GET",
                server.mcp_url,
                headers=session_headers(token, session_id, **{"Last-Event-ID": last_event_id}),
            ) as resumed:
                assert resumed.status_code == 200
                replayed = await read_until_result(resumed)

        assert [summary(e) for e in replayed] == [
            ("notifications/message", "past the gate"),
            ("progress", 4),
            ("progress", 5),
            ("result", {"result": "lift-off"}),
        ]
        ids = [e.id for e in replayed]
        assert all(ids) and len(set(ids)) == len(ids)
        assert last_event_id not in ids


def refusal(message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}


UNKNOWN = refusal("unknown Last-Event-ID for this session")
EVICTED = refusal("events after this id are no longer available; re-issue the request")


async def resume(
    http: httpx2.AsyncClient, server: RunningServer, token: str, session_id: str, last_event_id: str
) -> httpx2.Response:
    with anyio.fail_after(5):
        return await http.get(
            server.mcp_url, headers=session_headers(token, session_id, **{"Last-Event-ID": last_event_id})
        )


async def finished_call(
    http: httpx2.AsyncClient, server: RunningServer, token: str, session_id: str
) -> list[str]:
    """The event ids of one finished countdown call in the session."""
    with anyio.fail_after(5):
        call = await http.post(
            server.mcp_url, json=countdown_call(), headers=session_headers(token, session_id)
        )
    ids = [e.id for e in _parse(call.text) if e.id]
    assert len(ids) >= 3
    return ids


async def test_a_last_event_id_foreign_forged_or_malformed_is_refused_as_unknown() -> None:
    gate = ProgressGate()
    gate.release.set()
    async with running(make_registry(gate)) as server, httpx2.AsyncClient(timeout=5) as http:
        alice = await server.token(["mcp"])
        alice_session = await open_session(http, server, alice)
        alice_ids = await finished_call(http, server, alice, alice_session)
        forged = alice_ids[0][:17] + "0" * (len(alice_ids[0]) - 17)
        unknown_ids = [forged, "garbage", alice_ids[0] + "0", f"{0:016x}-{'f' * 64}"]

        # Another session of the same user, and a session of another user: an id of alice's
        # session is unknown there, exactly as a forged or malformed one is.
        for token in (alice, await server.token(["mcp"], subject="bob")):
            other_session = await open_session(http, server, token)
            for last_event_id in (alice_ids[0], alice_ids[-1], *unknown_ids):
                replay = await resume(http, server, token, other_session, last_event_id)
                assert replay.status_code == 400, last_event_id
                assert replay.headers["content-type"] == "application/json"
                assert replay.json() == UNKNOWN

        for last_event_id in unknown_ids:
            replay = await resume(http, server, alice, alice_session, last_event_id)
            assert (replay.status_code, replay.json()) == (400, UNKNOWN)

        # Someone else's session answers as a session that does not exist, whatever the id.
        bob = await server.token(["mcp"], subject="bob")
        hijack = await resume(http, server, bob, alice_session, alice_ids[0])
        nowhere = await resume(http, server, bob, "0" * 32, alice_ids[0])
        assert hijack.status_code == nowhere.status_code == 404
        assert hijack.json() == nowhere.json() != UNKNOWN

        # The refusals harmed nothing: the valid id still replays the rest of its stream.
        with anyio.fail_after(5):
            async with http.stream(
                "GET",
                server.mcp_url,
                headers=session_headers(alice, alice_session, **{"Last-Event-ID": alice_ids[0]}),
            ) as resumed:
                assert resumed.status_code == 200
                replayed = await read_until_result(resumed)
        assert [e.id for e in replayed] == alice_ids[1:]


async def test_a_last_event_id_whose_events_were_dropped_is_gone() -> None:
    gate = ProgressGate()
    gate.release.set()
    async with running(make_registry(gate)) as server, httpx2.AsyncClient(timeout=5) as http:
        alice = await server.token(["mcp"])
        session_id = await open_session(http, server, alice)
        ids = await finished_call(http, server, alice, session_id)
        other_session = await open_session(http, server, alice)

        # What the age bound does to old events, done now.
        assert await server.container.event_repo().evict_older_than(2**62) > 0

        gone = await resume(http, server, alice, session_id, ids[1])
        assert gone.status_code == 410
        assert gone.json() == EVICTED
        # Only the session the id was issued to learns that it was evicted.
        assert (await resume(http, server, alice, other_session, ids[1])).json() == UNKNOWN

        # The session itself lives on.
        listing = await http.post(
            server.mcp_url,
            json=rpc("tools/list", {}, request_id=9),
            headers=session_headers(alice, session_id),
        )
        assert listing.status_code == 200


def _parse(body: str) -> list[SseEvent]:
    events: list[SseEvent] = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        event_id, data = None, []
        for line in block.split("\n"):
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if event_id is not None or any(data):
            events.append(SseEvent(event_id, "\n".join(data)))
    return events


# -- the seam: one event store per session --------------------------------------------------------


@contextlib.asynccontextmanager
async def running_endpoint(server_holder: list[McpEndpoint]) -> AsyncIterator[RunningServer]:
    """The endpoint alone, so the test can look at its session manager."""
    from remotemcp.app.container import Container
    from remotemcp.app.settings import Settings
    from tests.integration.harness import serve
    from tests.integration.mcp_endpoint_support import SCOPES_SUPPORTED

    built: list[RunningServer] = []

    def make(base_url: str) -> Starlette:
        settings = Settings(public_url=base_url, scopes_supported=SCOPES_SUPPORTED)
        container = Container(settings=settings)
        endpoint = McpEndpoint(container, settings, make_registry())
        server_holder.append(endpoint)

        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            async with endpoint.run():
                yield

        app = Starlette(routes=endpoint.routes(), lifespan=lifespan)
        app.state.container = container
        built.append(RunningServer(base_url, app, settings))
        return app

    async with serve(make):
        yield built[0]


async def test_every_session_gets_its_own_event_store_scope() -> None:
    """Fails loudly if the SDK stops reading `event_store` once per transport in `_admit_session`
    or renames the transport's `_event_store`: the two seams the per-session store relies on."""
    holder: list[McpEndpoint] = []
    async with running_endpoint(holder) as server, httpx2.AsyncClient(timeout=5) as http:
        manager = holder[0].session_manager
        token = await server.token(["mcp"])
        sessions = [await open_session(http, server, token) for _ in range(2)]

        stores = [manager._server_instances[s]._event_store for s in sessions]
        assert all(isinstance(store, SessionEventStore) for store in stores)
        assert [store.session_id for store in stores if isinstance(store, SessionEventStore)] == sessions
        assert stores[0] is not stores[1]

        # Each session's events are stored under its own id, and nowhere else.
        repository = server.container.event_repo()
        counts = [await repository.count(s) for s in sessions]
        assert all(count > 0 for count in counts)
        assert await repository.count() == sum(counts)

        # Ending a session forgets its events.
        ended = await http.delete(server.mcp_url, headers=session_headers(token, sessions[0]))
        assert ended.status_code == 200
        assert await repository.count(sessions[0]) == 0
        assert await repository.count(sessions[1]) == counts[1]
