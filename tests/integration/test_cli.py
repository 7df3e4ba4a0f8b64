"""The `remotemcp` command: `serve` as a real process on 127.0.0.1, and the administration
commands through `main(argv, container=...)` on one shared memory-profile container (each real
invocation of the memory profile would start from an empty store)."""

from __future__ import annotations

import io
import os
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest
from anyio.abc import Process
from dependency_injector import providers

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.app.cli import main
from remotemcp.app.container import Container
from remotemcp.app.settings import Settings
from remotemcp.domain.errors import InvalidCredentials
from remotemcp.domain.model.clients import Client
from remotemcp.domain.model.grants import Grant
from remotemcp.domain.model.keys import KeyState
from remotemcp.domain.randomness import secret_digest

MEMORY_WARNING = "profile 'memory': this command acts on a fresh in-memory store"

# -- serve -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("REMOTEMCP_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


async def read_until(process: Process, pattern: str, seen: list[str]) -> re.Match[str]:
    """Read the process's stdout until `pattern` matches one line; every line goes into `seen`."""
    assert process.stdout is not None
    buffer = ""
    while True:
        for line in seen:
            match = re.search(pattern, line)
            if match:
                return match
        chunk = await process.stdout.receive()
        buffer += chunk.decode()
        *lines, buffer = buffer.split("\n")
        seen.extend(lines)


async def wait_until_answering(base_url: str) -> httpx2.Response:
    async with httpx2.AsyncClient(base_url=base_url) as http:
        while True:
            try:
                return await http.get("/.well-known/oauth-protected-resource")
            except httpx2.TransportError:
                await anyio.sleep(0.05)


async def stop(process: Process) -> None:
    if process.returncode is None:
        process.terminate()
    with anyio.fail_after(10):
        await process.wait()


async def test_serve_starts_the_demo_server_and_prints_a_one_time_password(tmp_path: Path) -> None:
    port = free_port()
    stderr = (tmp_path / "stderr.log").open("wb")
    process = await anyio.open_process(
        [sys.executable, "-m", "remotemcp.app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=clean_env(),
        stderr=stderr,
    )
    lines: list[str] = []
    try:
        with anyio.fail_after(20):
            password = await read_until(
                process, r"created the first user 'admin' with the one-time password: (\S+)$", lines
            )
            endpoint = await read_until(process, r"MCP endpoint (\S+) ", lines)
            answer = await wait_until_answering(f"http://127.0.0.1:{port}")
    finally:
        await stop(process)
        stderr.close()
    log = (tmp_path / "stderr.log").read_text()
    assert len(password.group(1)) >= 20, lines
    assert sum("one-time password" in line for line in lines) == 1
    assert endpoint.group(1) == f"http://127.0.0.1:{port}/mcp"
    assert answer.status_code == 200, log
    assert answer.json()["resource"] == f"http://127.0.0.1:{port}/mcp"
    assert "profile 'memory'" in log
    assert "Traceback" not in log


async def test_serve_creates_the_configured_first_user_and_prints_no_password(tmp_path: Path) -> None:
    stderr = (tmp_path / "stderr.log").open("wb")
    process = await anyio.open_process(
        [sys.executable, "-m", "remotemcp.app.cli", "serve", "--port", "0"],
        env=clean_env(REMOTEMCP_ADMIN_USERNAME="owner", REMOTEMCP_ADMIN_PASSWORD="a long configured secret"),
        stderr=stderr,
    )
    lines: list[str] = []
    try:
        with anyio.fail_after(20):
            endpoint = await read_until(process, r"MCP endpoint http://127\.0\.0\.1:(\d+)/mcp ", lines)
            answer = await wait_until_answering(f"http://127.0.0.1:{endpoint.group(1)}")
    finally:
        await stop(process)
        stderr.close()
    log = (tmp_path / "stderr.log").read_text()
    assert answer.status_code == 200
    assert int(endpoint.group(1)) != 0  # --port 0 picked a port and the public URL names it
    assert not any("password" in line for line in lines), lines
    assert "created the first user 'owner'" in log


def test_serve_refuses_a_public_host_without_a_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    # Refused before anything is bound: no socket on all interfaces is ever opened.
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2  # noqa: S104
    err = capsys.readouterr().err
    assert "public_url must use https unless it is a loopback address" in err
    assert "--base-url https://" in err
    assert main(["serve", "--base-url", "ftp://example.com"]) == 2
    assert "public_url must be an absolute http(s) URL" in capsys.readouterr().err


# -- administration ----------------------------------------------------------------------------


@pytest.fixture
def container() -> Iterator[Container]:
    container = Container(settings=Settings())
    container.password_hasher.override(providers.Object(Argon2PasswordHasher.for_tests()))
    yield container
    container.password_hasher.reset_override()


def run(
    container: Container, capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None
) -> tuple[int, str, str]:
    capsys.readouterr()
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        status = main(list(argv), container=container)
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return status, out, err


def test_users_add_list_passwd_remove(
    container: Container, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(
        container,
        capsys,
        "users",
        "add",
        "alice",
        "--email",
        "alice@example.com",
        "--password-stdin",
        stdin="first password\n",
    )
    assert status == 0
    assert out.startswith("created user 'alice' (id ")
    assert MEMORY_WARNING in err

    status, out, _ = run(container, capsys, "users", "list")
    assert status == 0
    header, row = out.strip().splitlines()
    assert header.split()[:3] == ["USERNAME", "USER", "ID"]
    assert row.split()[0] == "alice"
    assert "active" in row
    assert "alice@example.com" in row

    prompts = iter(["second password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(prompts))
    status, out, _ = run(container, capsys, "users", "passwd", "alice")
    assert (status, out.strip()) == (0, "changed the password of 'alice'")

    async def check_passwords() -> None:
        users = container.users()
        assert (await users.authenticate("alice", "second password")).username == "alice"
        with pytest.raises(InvalidCredentials):
            await users.authenticate("alice", "first password")

    anyio.run(check_passwords)

    status, out, _ = run(container, capsys, "users", "remove", "alice")
    assert status == 0
    assert out.startswith("removed user 'alice'")
    status, out, _ = run(container, capsys, "users", "list")
    assert (status, out.strip()) == (0, "no users")


def test_users_remove_revokes_the_users_grants(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(container, capsys, "users", "add", "bob", "--password-stdin", stdin="bob's password\n")[0] == 0

    async def add_grant() -> str:
        user = await container.users().get_by_username("bob")
        grant = Grant("g1", "some-client", user.user_id, frozenset({"mcp"}), "http://r/mcp", 0, 0, 2**40)
        await container.grants().add_grant(grant)
        return user.user_id

    anyio.run(add_grant)
    status, out, _ = run(container, capsys, "users", "remove", "bob")
    assert (status, out.strip()) == (0, "removed user 'bob'; revoked 1 grant(s)")

    async def grant_revoked() -> bool:
        grant = await container.grants().get_grant("g1")
        return grant is not None and grant.revoked

    assert anyio.run(grant_revoked)


def test_users_bad_input_changes_nothing(
    container: Container, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        run(container, capsys, "users", "add", "carol", "--password-stdin", stdin="carol's password\n")[0]
        == 0
    )

    status, _, err = run(
        container, capsys, "users", "add", "Carol", "--password-stdin", stdin="another password\n"
    )
    assert status == 1
    assert "username 'Carol' is taken" in err

    status, _, err = run(container, capsys, "users", "add", "dave", "--password-stdin", stdin="short\n")
    assert status == 1
    assert "a password has 8 to 1024 characters" in err

    status, _, err = run(
        container, capsys, "users", "add", "bad name!", "--password-stdin", stdin="whatever password\n"
    )
    assert status == 1
    assert "a username has 1 to 64 characters" in err

    status, _, err = run(container, capsys, "users", "add", "erin", "--password-stdin", stdin="")
    assert status == 1
    assert "standard input is empty" in err

    prompts = iter(["one password", "another one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(prompts))
    status, _, err = run(container, capsys, "users", "passwd", "carol")
    assert status == 1
    assert "the passwords do not match" in err

    status, _, err = run(container, capsys, "users", "remove", "nobody")
    assert (status, "no such user" in err) == (1, True)

    status, _, err = run(container, capsys, "users", "add", "frank", "--password", "x", "--password-stdin")
    assert status == 2
    assert "not allowed with argument" in err

    status, out, _ = run(container, capsys, "users", "list")
    assert [line.split()[0] for line in out.strip().splitlines()[1:]] == ["carol"]

    async def carol_kept_her_password() -> None:
        await container.users().authenticate("carol", "carol's password")

    anyio.run(carol_kept_her_password)


def test_a_password_on_the_command_line_works_with_a_warning(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(container, capsys, "users", "add", "gina", "--password", "visible password")
    assert status == 0
    assert "created user 'gina'" in out
    assert "a password on the command line is visible to other users" in err


def test_clients_add_list_remove(container: Container, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        container,
        capsys,
        "clients",
        "add",
        "--client-id",
        "app1",
        "--name",
        "My App",
        "--redirect-uri",
        "https://app.example.com/callback",
        "--redirect-uri",
        "http://127.0.0.1/cb",
    )
    assert (status, out.strip()) == (0, "added client app1 (none)")

    status, out, _ = run(
        container,
        capsys,
        "clients",
        "add",
        "--client-id",
        "backend",
        "--confidential",
        "--auth-method",
        "client_secret_post",
        "--redirect-uri",
        "https://backend.example.com/cb",
    )
    assert status == 0
    secret = re.search(r"^client_secret: (\S+)$", out, re.MULTILINE)
    assert secret is not None

    async def stored_digest() -> str | None:
        client: Client | None = await container.clients().get("backend")
        assert client is not None
        assert client.token_endpoint_auth_method.value == "client_secret_post"
        return client.secret_hash

    assert anyio.run(stored_digest) == secret_digest(secret.group(1))

    status, out, _ = run(container, capsys, "clients", "list")
    assert status == 0
    rows = out.strip().splitlines()
    assert rows[0].split()[:2] == ["CLIENT", "ID"]
    assert [row.split()[0] for row in rows[1:]] == ["app1", "backend"]
    assert "https://app.example.com/callback http://127.0.0.1/cb" in rows[1]
    assert "pre_registered" in rows[1]
    assert "My App" in rows[1]

    status, out, _ = run(container, capsys, "clients", "remove", "app1")
    assert (status, out.strip()) == (0, "removed client app1")
    status, out, _ = run(container, capsys, "clients", "list")
    assert [row.split()[0] for row in out.strip().splitlines()[1:]] == ["backend"]


def test_clients_bad_input_changes_nothing(container: Container, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            container,
            capsys,
            "clients",
            "add",
            "--client-id",
            "dup",
            "--redirect-uri",
            "https://a.example/cb",
        )[0]
        == 0
    )

    status, _, err = run(
        container, capsys, "clients", "add", "--client-id", "dup", "--redirect-uri", "https://b.example/cb"
    )
    assert status == 1
    assert "already exists" in err

    status, _, err = run(
        container, capsys, "clients", "add", "--client-id", "evil", "--redirect-uri", "http://evil.example/cb"
    )
    assert status == 1
    assert "evil" in err

    status, _, err = run(
        container,
        capsys,
        "clients",
        "add",
        "--auth-method",
        "client_secret_basic",
        "--redirect-uri",
        "https://c.example/cb",
    )
    assert status == 1
    assert "--auth-method needs --confidential" in err

    status, _, err = run(container, capsys, "clients", "add", "--client-id", "x")
    assert status == 2
    assert "--redirect-uri" in err

    status, _, err = run(container, capsys, "clients", "remove", "ghost")
    assert (status, "no client 'ghost'" in err) == (1, True)

    status, out, _ = run(container, capsys, "clients", "list")
    assert [row.split()[0] for row in out.strip().splitlines()[1:]] == ["dup"]


def test_keys_list_and_rotate(container: Container, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(container, capsys, "keys", "list")
    assert status == 0
    assert out.startswith("no signing keys yet")

    status, out, _ = run(container, capsys, "keys", "rotate")
    assert status == 0
    first = re.search(
        r"^new active key (\S+) \(RS256\); the previous key stays published for 3600 s$", out.strip()
    )
    assert first is not None

    status, out, _ = run(container, capsys, "keys", "rotate", "--overlap", "600")
    second = re.search(r"^new active key (\S+) \(RS256\)", out)
    assert status == 0
    assert second is not None

    status, out, _ = run(container, capsys, "keys", "list")
    assert status == 0
    rows = [row.split() for row in out.strip().splitlines()]
    assert rows[0][:3] == ["KID", "ALG", "STATE"]
    assert [(row[0], row[2]) for row in rows[1:]] == [
        (first.group(1), KeyState.RETIRING.value),
        (second.group(1), KeyState.ACTIVE.value),
    ]

    async def published() -> list[str]:
        return [key["kid"] for key in (await container.keys().public_jwks())["keys"]]

    assert anyio.run(published) == [first.group(1), second.group(1)]

    status, _, err = run(container, capsys, "keys", "rotate", "--overlap", "-5")
    assert status == 2
    assert "must not be negative" in err


def test_help_says_what_the_memory_profile_means(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["users", "--help"], ["clients", "--help"], ["keys", "--help"]):
        assert main(argv) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "The 'memory' profile keeps nothing between runs" in out
    assert main(["nonsense"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["users"]) == 2
