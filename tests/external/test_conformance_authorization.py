"""The pre-release `authorization` command of the official MCP conformance suite
(`@modelcontextprotocol/conformance` 0.2.0-alpha.12, installed as `conformance-alpha`) against
RemoteMCP as an authorization server: `authorization-server-metadata-endpoint` and
`authorization-code-grant`.

The suite acts as a pre-registered client. For the code grant it starts a callback server on
127.0.0.1:<port>, prints the authorization URL and waits for the browser to come back. This test is
the browser: it opens the printed URL, signs in and approves on RemoteMCP's real pages
(tests/integration/browser_forms.py), and follows the final redirect to the suite's callback with a
plain GET. The suite then redeems the code at the token endpoint itself and writes its verdict to
`<output>/authorization-server-<scenario>-<timestamp>/checks.json`, which is read back here: both
scenarios ran (none skipped) and no check is a FAILURE or a WARNING.

Only a public (PKCE, `none`) client is run to success. The suite picks `none` whenever the server
advertises it, even when given a client secret (`!clientSecret || methods.includes("none")`), so a
confidential client would exchange its code without authenticating. RemoteMCP advertises `none`
(MCP clients are mostly public) and must refuse that exchange (RFC 6749 §4.1.3: require client
authentication for confidential clients); the last test pins that refusal."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream
from pydantic import SecretStr

from remotemcp.app.http.metadata import authorization_server_metadata
from remotemcp.app.settings import PreregisteredClientSettings
from tests.external.conftest import NODE_MODULES
from tests.external.node_flow import PASSWORD, USERNAME, RunningServer, running_server
from tests.integration.browser_forms import sign_in_and_approve

SUITE = NODE_MODULES / "conformance-alpha" / "dist" / "index.js"
SUITE_VERSION = "0.2.0-alpha.12"
SCENARIOS = ("authorization-server-metadata-endpoint", "authorization-code-grant")
EXPECTED_CHECKS = {
    "authorization-server-metadata-endpoint": {
        "authorization-server-metadata",
        "authorization-server-metadata-cimd",
    },
    "authorization-code-grant": {"authorization-code-grant"},
}
SUITE_TIMEOUT = 60
"""The suite itself would wait five minutes for the browser; nothing here takes more than seconds."""
PUBLIC_CLIENT = "conformance-public"
CONFIDENTIAL_CLIENT = "conformance-confidential"
CONFIDENTIAL_SECRET = "conformance-secret-0123456789abcdefghijklmnopqrstuvwxyz"
RESULT_DIR = re.compile(r"^authorization-server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")

Check = dict[str, Any]


def free_loopback_port() -> int:
    """A port for the suite's callback server; the suite binds it itself a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def suite_version() -> str:
    package = SUITE.parent.parent / "package.json"
    version: str = json.loads(package.read_text())["version"]
    return version


@dataclass
class SuiteProcess:
    """The running suite: its stdout read line by line (and kept), and its exit."""

    process: Process
    lines: list[str] = field(default_factory=list)
    ended: anyio.Event = field(default_factory=anyio.Event)
    _seen: anyio.Event = field(default_factory=anyio.Event)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def read(self) -> None:
        assert self.process.stdout is not None
        stdout = BufferedByteReceiveStream(self.process.stdout)
        try:
            while True:
                line = await stdout.receive_until(b"\n", 1024 * 1024)
                self.lines.append(line.decode(errors="replace"))
                self._seen.set()
                self._seen = anyio.Event()
        except (anyio.EndOfStream, anyio.IncompleteRead):
            pass
        finally:
            self.ended.set()
            self._seen.set()

    async def wait_for_line(self, starts_with: str) -> str:
        """The first line of output starting with `starts_with` (the suite prints it once)."""
        while True:
            for line in self.lines:
                if line.startswith(starts_with):
                    return line.strip()
            if self.ended.is_set():
                raise AssertionError(f"the suite ended without printing {starts_with!r}:\n{self.output}")
            await self._seen.wait()

    async def wait(self) -> int:
        await self.ended.wait()
        return await self.process.wait()


@contextlib.asynccontextmanager
async def suite(node: Path, env: dict[str, str], args: list[str]) -> AsyncIterator[SuiteProcess]:
    process = await anyio.open_process(
        [str(node), str(SUITE), "authorization", *args], env=env, stderr=subprocess.STDOUT, cwd=SUITE.parent
    )
    async with process, anyio.create_task_group() as tg:
        running = SuiteProcess(process)
        tg.start_soon(running.read)
        try:
            yield running
        finally:
            if process.returncode is None:
                process.terminate()
            with anyio.move_on_after(5):
                await process.wait()
            tg.cancel_scope.cancel()


async def play_browser(suite_run: SuiteProcess, server: RunningServer, port: int) -> dict[str, Any]:
    """Open the authorization URL the suite printed, sign in and approve on RemoteMCP's pages,
    and deliver the final redirect to the suite's callback server. Returns what was seen."""
    authorize_url = await suite_run.wait_for_line(f"{server.settings.issuer}/authorize?")
    async with httpx2.AsyncClient(timeout=10, follow_redirects=False) as browser:
        location = await sign_in_and_approve(browser, authorize_url, USERNAME, PASSWORD)
        assert location.startswith(f"http://127.0.0.1:{port}/callback?"), location
        # The suite prints the URL before its callback server has finished binding.
        for _ in range(50):
            try:
                delivered = await browser.get(location)
                break
            except httpx2.ConnectError:
                await anyio.sleep(0.1)
        else:
            raise AssertionError(f"the suite's callback server never listened on port {port}")
    assert delivered.status_code == 200, delivered.text
    return {"authorize_url": authorize_url, "location": location}


def read_results(output: Path) -> dict[str, list[Check]]:
    """scenario -> its checks, from `<output>/authorization-server-<scenario>-<timestamp>/checks.json`."""
    results: dict[str, list[Check]] = {}
    for checks_file in sorted(output.glob("authorization-server-*/checks.json")):
        matched = RESULT_DIR.match(checks_file.parent.name)
        assert matched, checks_file
        name = matched.group(1)
        assert name not in results, f"{name} ran twice"
        results[name] = json.loads(checks_file.read_text())
    return results


def fresh_directory(output: Path) -> Path:
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    return output


def summary(results: dict[str, list[Check]]) -> dict[str, Any]:
    return {
        name: dict(sorted(Counter(check["status"] for check in checks).items()))
        for name, checks in sorted(results.items())
    }


async def run_authorization_suite(
    node: Path,
    env: dict[str, str],
    server: RunningServer,
    output: Path,
    port: int,
    extra_args: list[str],
) -> tuple[int, str, dict[str, list[Check]], dict[str, Any]]:
    """Both scenarios in one invocation (the code grant reads the metadata the first one fetched)."""
    args = ["--url", server.settings.issuer, "--port", str(port), "-o", str(output), *extra_args]
    with anyio.fail_after(SUITE_TIMEOUT):
        async with suite(node, env, args) as suite_run:
            try:
                browser = await play_browser(suite_run, server, port)
                returncode = await suite_run.wait()
            finally:
                (output / "suite-output.txt").write_text(suite_run.output)
    return returncode, suite_run.output, read_results(output), browser


def preregistered(port: int) -> list[PreregisteredClientSettings]:
    callback = f"http://127.0.0.1:{port}/callback"
    return [
        PreregisteredClientSettings(
            client_id=PUBLIC_CLIENT,
            client_name="MCP conformance suite (public)",
            redirect_uris=[callback],
            token_endpoint_auth_method="none",
        ),
        PreregisteredClientSettings(
            client_id=CONFIDENTIAL_CLIENT,
            client_name="MCP conformance suite (confidential)",
            redirect_uris=[callback],
            client_secret=SecretStr(CONFIDENTIAL_SECRET),
            token_endpoint_auth_method="client_secret_basic",
        ),
    ]


def problems_with(results: dict[str, list[Check]]) -> list[str]:
    problems = []
    if sorted(results) != sorted(SCENARIOS):
        problems.append(f"scenarios run: {sorted(results)}, expected {sorted(SCENARIOS)}")
    for name, checks in results.items():
        for check in checks:
            if check["status"] != "SUCCESS":
                problems.append(f"{name}/{check['id']}: {check['status']} {check.get('errorMessage', '')}")
        ids = {check["id"] for check in checks}
        if ids != EXPECTED_CHECKS.get(name, set()):
            problems.append(f"{name}: checks {sorted(ids)}, expected {sorted(EXPECTED_CHECKS.get(name, ()))}")
    return problems


@pytest.mark.parametrize("send_resource", [True, False], ids=["with-resource", "without-resource"])
async def test_authorization_suite_passes_for_a_public_client(
    send_resource: bool, node: Path, node_env: dict[str, str], reports_dir: Path
) -> None:
    assert suite_version() == SUITE_VERSION
    port = free_loopback_port()
    variant = "public-with-resource" if send_resource else "public-without-resource"
    output = fresh_directory(reports_dir / "conformance-authorization" / variant)
    async with running_server(clients=preregistered(port)) as server:
        extra = ["--client-id", PUBLIC_CLIENT]
        if send_resource:
            extra += ["--resource", server.mcp_url]
        returncode, text, results, browser = await run_authorization_suite(
            node, node_env, server, output, port, extra
        )

        print(f"conformance {SUITE_VERSION} authorization ({variant}):", json.dumps(summary(results)))
        problems = problems_with(results)
        assert not problems, "\n".join(problems) + "\n" + text[-3000:]
        assert returncode == 0, text[-3000:]

        # The suite asked for what a PKCE client asks for, and RemoteMCP answered with iss (RFC 9207).
        asked = parse_qs(urlsplit(browser["authorize_url"]).query)
        assert asked["client_id"] == [PUBLIC_CLIENT]
        assert asked["code_challenge_method"] == ["S256"]
        assert asked.get("resource") == ([server.mcp_url] if send_resource else None)
        answered = parse_qs(urlsplit(browser["location"]).query)
        assert answered["iss"] == [server.settings.issuer]
        assert answered["state"] == asked["state"]

        # What the suite judged is what RemoteMCP published and issued.
        (metadata,) = [c for c in results[SCENARIOS[0]] if c["id"] == "authorization-server-metadata"]
        assert metadata["details"]["body"] == authorization_server_metadata(server.container, server.settings)
        assert metadata["details"]["body"]["issuer"] == server.settings.issuer
        (grant,) = results[SCENARIOS[1]]
        assert grant["details"]["authorizationResponseUrl"] == browser["location"]
        body = grant["details"]["body"]
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "mcp"


async def test_suite_cannot_redeem_a_confidential_clients_code_without_its_secret(
    node: Path, node_env: dict[str, str], reports_dir: Path
) -> None:
    """Pins the suite's choice of `none` for a client given a secret (see the module docstring):
    RemoteMCP must refuse the unauthenticated exchange. When a later suite authenticates with the
    secret it was given, this test fails and the confidential client joins the passing ones."""
    port = free_loopback_port()
    output = fresh_directory(reports_dir / "conformance-authorization" / "confidential")
    async with running_server(clients=preregistered(port)) as server:
        extra = [
            "--client-id",
            CONFIDENTIAL_CLIENT,
            "--client-secret",
            CONFIDENTIAL_SECRET,
            "--resource",
            server.mcp_url,
        ]
        returncode, text, results, _ = await run_authorization_suite(
            node, node_env, server, output, port, extra
        )

    print(f"conformance {SUITE_VERSION} authorization (confidential):", json.dumps(summary(results)))
    assert all(c["status"] == "SUCCESS" for c in results[SCENARIOS[0]]), text[-3000:]
    (grant,) = results[SCENARIOS[1]]
    assert grant["status"] == "FAILURE"
    assert grant["errorMessage"] == "Invalid status code: 401", grant
    assert returncode == 1
