"""A real browser through the login and consent pages: Debian's headless Chromium, driven by
playwright-core (tests/external/browser_walk.mjs), against RemoteMCP on real uvicorn.

The person types a wrong password, then an unknown username (both must show the same page), then
signs in, approves, and lands on the client's loopback callback (served here) with `code`, `state`
and `iss`; this test then redeems the code at /token. In a fresh browser context a page on another
loopback origin tries to frame the login page, which must stay blocked. Screenshots of the login,
failed-login and consent pages, and everything the browser reported (reports/browser-walk.json),
go to reports/ for CI to keep."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import secrets
import struct
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx2
from dependency_injector import providers

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.app.container import Container
from remotemcp.app.demo_tools import demo_registry
from remotemcp.app.factory import create_app
from remotemcp.app.http.browser import INVALID_CREDENTIALS_MESSAGE
from remotemcp.app.settings import Settings
from remotemcp.domain.oauth.presets import preregistered_client
from tests.integration.harness import serve

WALK = Path(__file__).resolve().parent / "browser_walk.mjs"
USERNAME = "alice"
PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "Tr0ub4dor&3"
UNKNOWN_USERNAME = "mallory"
CLIENT_ID = "chromium-walk"
CLIENT_NAME = "Chromium Walk <Test>"
"""Markup characters on purpose: the browser must show them as text."""
SCOPES = ["mcp", "openid", "profile"]
WALK_TIMEOUT = 50
SCREENSHOTS = ("login.png", "login-error.png", "consent.png")
"""Written by browser_walk.mjs into reports/ (kept by CI)."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Loopback:
    """The client's side on another loopback origin: the redirect URI, and a page that frames a URL."""

    base_url: str
    callbacks: list[dict[str, list[str]]] = field(default_factory=list)

    @property
    def callback_url(self) -> str:
        return self.base_url + "/callback"

    def framing_page_url(self, target: str, control: str) -> str:
        return self.base_url + "/frame?" + urlencode({"target": target, "control": control})


def _framing_page(target: str, control: str) -> bytes:
    # Each iframe fires `load` whether it rendered or was blocked; count them for the browser side.
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>framing attempt</title></head>
<body data-loaded="0">
<iframe name="target" src="{html.escape(target)}" width="600" height="400"></iframe>
<iframe name="control" src="{html.escape(control)}" width="600" height="400"></iframe>
<script>
for (const frame of document.querySelectorAll('iframe')) {{
  frame.addEventListener('load', () => {{ document.body.dataset.loaded = String(Number(document.body.dataset.loaded) + 1); }});
}}
</script>
</body></html>"""
    return page.encode("utf-8")


@contextlib.contextmanager
def loopback_client() -> Iterator[Loopback]:
    """A tiny HTTP server on 127.0.0.1 (own thread: the event loop is busy serving RemoteMCP)."""
    recorder: list[Loopback] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            if parts.path == "/callback":
                recorder[0].callbacks.append(query)
                self._send(b"<!doctype html><title>done</title><p>Back at the application.</p>")
            elif parts.path == "/frame":
                self._send(_framing_page(query["target"][0], query["control"][0]))
            else:
                self.send_error(404)

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.append(Loopback(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, name="loopback-client", daemon=True)
    thread.start()
    try:
        yield recorder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Running:
    base_url: str
    settings: Settings
    container: Container


@contextlib.asynccontextmanager
async def running_server(callback_url: str) -> AsyncIterator[Running]:
    built: list[tuple[Settings, Container]] = []

    def make_app(base_url: str) -> Any:
        settings = Settings(public_url=base_url)
        container = Container(settings=settings)
        container.password_hasher.override(providers.Object(Argon2PasswordHasher.for_tests()))
        built.append((settings, container))
        return create_app(settings, demo_registry(), container=container)

    async with serve(make_app) as base_url:
        settings, container = built[0]
        await container.users().create_user(USERNAME, PASSWORD)
        client = preregistered_client(
            CLIENT_ID, [callback_url], container.clock().now(), client_name=CLIENT_NAME
        )
        await container.clients().save(client)
        yield Running(base_url, settings, container)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(server: Running, loopback: Loopback, challenge: str, state: str) -> str:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": loopback.callback_url,
        "scope": " ".join(SCOPES),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": server.settings.resource,
    }
    return server.base_url + "/authorize?" + urlencode(params)


async def run_walk(
    node: Path, node_env: dict[str, str], config: dict[str, Any], report: Path
) -> dict[str, Any]:
    with anyio.fail_after(WALK_TIMEOUT):
        done = await anyio.run_process([str(node), str(WALK), json.dumps(config)], env=node_env, check=False)
    stdout = done.stdout.decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    lines = stdout.strip().splitlines()
    assert lines, f"browser_walk printed nothing (exit {done.returncode}):\n{stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    await anyio.Path(report).write_text(json.dumps(result, indent=2), encoding="utf-8")
    assert done.returncode == 0 and "error" not in result, (
        f"the browser walk stopped: {result.get('error')}\n{stderr[-3000:]}"
    )
    return result


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def is_favicon_miss(message: dict[str, Any]) -> bool:
    """Chromium asks every origin for /favicon.ico on its own; RemoteMCP serves none (a 404 the
    pages did not cause)."""
    text: str = message["text"]
    return urlsplit(message["url"]).path == "/favicon.ico" and text.startswith("Failed to load")


def console_problems(result: dict[str, Any], phases: set[str]) -> list[dict[str, Any]]:
    return [
        message
        for message in result["console"]
        if message["phase"] in phases
        and message["type"] in {"error", "warning"}
        and not is_favicon_miss(message)
    ]


async def test_chromium_walks_login_and_consent_to_the_loopback_callback(
    node: Path, node_env: dict[str, str], chromium: str, reports_dir: Path
) -> None:
    verifier, challenge = pkce_pair()
    state = "st-" + secrets.token_urlsafe(12)
    for name in SCREENSHOTS:
        await anyio.Path(reports_dir / name).unlink(missing_ok=True)

    with loopback_client() as loopback:
        async with running_server(loopback.callback_url) as server:
            authorize = authorization_url(server, loopback, challenge, state)
            # The framed login uses its own request, so nothing it does can touch the walk's.
            framed = authorization_url(server, loopback, pkce_pair()[1], "framed")
            control = server.base_url + "/.well-known/oauth-authorization-server"
            config = {
                "chromium": chromium,
                "reportsDir": str(reports_dir),
                "authorizeUrl": authorize,
                "loginUrl": server.base_url + "/login",
                "callbackUrl": loopback.callback_url,
                "username": USERNAME,
                "password": PASSWORD,
                "wrongPassword": WRONG_PASSWORD,
                "unknownUsername": UNKNOWN_USERNAME,
                "framingPageUrl": loopback.framing_page_url(framed, control),
                "framedLoginUrl": framed,
                "framedControlUrl": control,
            }
            result = await run_walk(node, node_env, config, reports_dir / "browser-walk.json")

            # Every request the browser made went to one of the two loopback origins.
            origins = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in result["requests"]}
            assert origins <= {server.base_url, loopback.base_url}, origins

            # The login page, styled (its nonce'd stylesheet applied) and refusing to be framed.
            login = result["login"]
            assert login["status"] == 200
            assert login["heading"] == "Sign in"
            assert CLIENT_NAME in login["mainText"]
            assert login["alert"] is None
            assert login["passwordFields"] == 1
            assert login["mainBorder"] == "solid"
            assert login["xFrameOptions"] == "DENY"
            assert "frame-ancestors 'none'" in login["contentSecurityPolicy"]

            # A wrong password and an unknown username look exactly alike.
            wrong, unknown = result["wrongPassword"], result["unknownUser"]
            assert wrong["status"] == unknown["status"] == 200
            assert wrong["alert"] == INVALID_CREDENTIALS_MESSAGE
            assert unknown["alert"] == wrong["alert"]
            assert unknown["mainText"] == wrong["mainText"]
            assert unknown["title"] == wrong["title"]
            assert wrong["usernameKept"] == USERNAME and unknown["usernameKept"] == UNKNOWN_USERNAME
            assert wrong["passwordKept"] == unknown["passwordKept"] == ""
            assert wrong["passwordFields"] == unknown["passwordFields"] == 1

            # The consent page names the client, where the answer goes, and each scope.
            consent = result["consent"]
            assert consent["status"] == 200
            assert consent["heading"] == f"Allow {CLIENT_NAME} access?"
            assert consent["passwordFields"] == 0
            assert consent["mainBorder"] == "solid"
            callback_host = urlsplit(loopback.callback_url).netloc
            assert consent["redirectHost"].startswith(callback_host), consent["redirectHost"]
            assert sorted(consent["scopes"]) == sorted(SCOPES)
            assert consent["buttons"] == ["Deny", "Approve"]
            assert consent["xFrameOptions"] == "DENY"

            # No CSP violation or other console error on the pages of the flow.
            assert console_problems(result, {"login", "wrong-password", "unknown-user", "consent"}) == []
            assert [v for v in result["violations"] if v["phase"] != "csp-probe"] == []
            assert result["pageErrors"] == []

            # The browser arrived at the callback with code, state and iss (RFC 9207), once.
            assert len(loopback.callbacks) == 1, loopback.callbacks
            received = loopback.callbacks[0]
            assert set(received) == {"code", "state", "iss"}, received
            assert received["state"] == [state]
            assert received["iss"] == [server.settings.issuer]
            assert parse_qs(urlsplit(result["callback"]["url"]).query) == received
            assert result["callback"]["text"] == "Back at the application."

            # The framed login page stayed blank, though the server answered it; a frameable
            # document of the same server rendered next to it, and Chromium said why it refused.
            framing = result["framing"]
            assert framing["targetStatus"] == 200
            assert framing["target"]["present"]
            assert framing["target"]["url"] != framed
            assert framing["target"]["passwordFields"] == 0
            assert "Sign in" not in framing["target"]["text"]
            assert framing["controlStatus"] == 200
            assert framing["control"]["url"] == control
            assert server.settings.issuer in framing["control"]["text"]
            refusals = [m["text"] for m in result["console"] if m["phase"] == "framing"]
            assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in refusals), refusals

            # Those detectors work: a stylesheet injected without the nonce was refused and reported.
            assert result["cspProbe"]["mainBorder"] == "solid"
            probe = [v for v in result["violations"] if v["phase"] == "csp-probe"]
            assert probe and probe[0]["directive"] == "style-src-elem", result["violations"]
            assert any(
                m["phase"] == "csp-probe" and m["type"] == "error" and "Content Security Policy" in m["text"]
                for m in result["console"]
            ), result["console"]

            # The code is good: the client redeems it (PKCE verifier, same redirect URI and resource).
            async with httpx2.AsyncClient(timeout=10, trust_env=False) as http:
                token = await http.post(
                    server.base_url + "/token",
                    data={
                        "grant_type": "authorization_code",
                        "client_id": CLIENT_ID,
                        "code": received["code"][0],
                        "redirect_uri": loopback.callback_url,
                        "code_verifier": verifier,
                        "resource": server.settings.resource,
                    },
                )
            assert token.status_code == 200, token.text
            body = token.json()
            assert body["token_type"].lower() == "bearer"
            assert set(body["scope"].split()) == set(SCOPES)
            claims = await server.container.validator().validate(body["access_token"])
            assert claims.audience == server.settings.resource
            assert claims.client_id == CLIENT_ID

    for name in SCREENSHOTS:
        width, height = png_size(reports_dir / name)
        assert width >= 600 and height >= 400, (name, width, height)
