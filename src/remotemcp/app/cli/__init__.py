"""The `remotemcp` command: `serve`, and `users`, `clients`, `keys` administration.

`main(argv, container=...)` lets tests (and embedding programs) run commands against a container
they hold; without one, settings come from `REMOTEMCP_*` variables and the config file.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

import anyio
from pydantic import ValidationError

from remotemcp.app.cli import admin
from remotemcp.app.cli.console import CommandError, SettingsError, add_password_options, fail, warn
from remotemcp.app.cli.serve import bind, serve, url_host
from remotemcp.app.container import Container
from remotemcp.app.settings import PROFILES, Settings
from remotemcp.domain.errors import DomainError

MEMORY_PROFILE_NOTE = (
    "The administration commands act on the store of the configured profile. The 'memory' "
    "profile keeps nothing between runs: there they act on a fresh, empty store that is gone "
    "when the command exits and that no running server sees. They become useful with a durable "
    "profile (set REMOTEMCP_PROFILE or --profile)."
)


def _profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", choices=PROFILES, help="storage profile (default: REMOTEMCP_PROFILE or 'memory')"
    )


def _add_admin_parsers(commands: Any) -> None:
    users = commands.add_parser("users", help="user accounts", description=MEMORY_PROFILE_NOTE)
    users_commands = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = users_commands.add_parser("add", help="create a user (the password is prompted for)")
    add.add_argument("username")
    add.add_argument("--email")
    add.add_argument("--name", help="display name")
    add_password_options(add)
    add.set_defaults(command=admin.users_add)
    users_commands.add_parser("list", help="list users").set_defaults(command=admin.users_list)
    remove = users_commands.add_parser("remove", help="remove a user and revoke its grants")
    remove.add_argument("username")
    remove.set_defaults(command=admin.users_remove)
    passwd = users_commands.add_parser("passwd", help="set a user's password")
    passwd.add_argument("username")
    add_password_options(passwd)
    passwd.set_defaults(command=admin.users_passwd)

    clients = commands.add_parser(
        "clients", help="pre-registered OAuth clients", description=MEMORY_PROFILE_NOTE
    )
    clients_commands = clients.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = clients_commands.add_parser("add", help="pre-register a client")
    add.add_argument("--redirect-uri", action="append", required=True, help="repeat for several")
    add.add_argument("--client-id", help="default: generated")
    add.add_argument("--name", help="shown on the consent page")
    add.add_argument("--scope", action="append", help="a scope the client may get; repeat; default: all")
    add.add_argument(
        "--confidential", action="store_true", help="give the client a generated secret, shown once"
    )
    add.add_argument("--auth-method", choices=("client_secret_basic", "client_secret_post"))
    add.set_defaults(command=admin.clients_add)
    clients_commands.add_parser("list", help="list clients of every origin").set_defaults(
        command=admin.clients_list
    )
    remove = clients_commands.add_parser("remove", help="remove a client")
    remove.add_argument("client_id")
    remove.set_defaults(command=admin.clients_remove)

    keys = commands.add_parser("keys", help="token signing keys", description=MEMORY_PROFILE_NOTE)
    keys_commands = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    keys_commands.add_parser("list", help="list signing keys").set_defaults(command=admin.keys_list)
    rotate = keys_commands.add_parser("rotate", help="make a new active key")
    rotate.add_argument(
        "--overlap",
        type=admin.non_negative_int,
        help="seconds the previous key stays published (default: the longest token lifetime)",
    )
    rotate.set_defaults(command=admin.keys_rotate)
    for group in (users, clients, keys):
        _profile_option(group)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remotemcp",
        description="MCP tools behind an OAuth 2.1 / OpenID Connect authorization server.",
        epilog=MEMORY_PROFILE_NOTE,
    )
    commands = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve",
        help="run the server with the demo tools get_time and hello",
        description=(
            "Serve the demo tools. With no user yet and none configured "
            "(REMOTEMCP_ADMIN_USERNAME/PASSWORD), creates 'admin' and prints its password once."
        ),
    )
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve_parser.add_argument(
        "--base-url",
        help="public URL clients use (default: REMOTEMCP_PUBLIC_URL, else http://HOST:PORT)",
    )
    serve_parser.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )
    _profile_option(serve_parser)
    _add_admin_parsers(commands)
    return parser


def _settings(overrides: dict[str, Any]) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None


def _serve_settings(args: argparse.Namespace, port: int) -> Settings:
    """--base-url, else REMOTEMCP_PUBLIC_URL (or the config file), else http://HOST:PORT."""
    overrides: dict[str, Any] = {"profile": args.profile} if args.profile else {}
    if args.base_url is not None:
        overrides["public_url"] = args.base_url
    elif "public_url" not in _settings(overrides).model_fields_set:
        overrides["public_url"] = f"http://{url_host(args.host)}:{port}"
    try:
        return _settings(overrides)
    except SettingsError as exc:
        hint = "" if args.base_url else " (for a non-loopback --host, give --base-url https://...)"
        raise SettingsError(f"{exc}{hint}") from None


def _serve(args: argparse.Namespace, container: Container | None) -> None:
    # Settings are checked before binding, so a bad configuration never opens a socket.
    settings = container.settings() if container is not None else _serve_settings(args, args.port or 8000)
    sock = bind(args.host, args.port)
    try:
        if container is None:
            if args.port == 0:
                settings = _serve_settings(args, sock.getsockname()[1])
            container = Container(settings=settings)
        if settings.profile == "memory":
            warn("profile 'memory': users, clients, tokens and keys are lost when the server stops")
        logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
        if not anyio.run(partial(serve, container, settings, sock, args.log_level)):
            raise CommandError("the server did not start; see the messages above")
    finally:
        sock.close()


def _administer(args: argparse.Namespace, container: Container | None) -> None:
    if container is None:
        container = Container(settings=_settings({"profile": args.profile} if args.profile else {}))
    if container.settings().profile == "memory":
        warn(
            "profile 'memory': this command acts on a fresh in-memory store that vanishes when it "
            "exits; a running server does not see it. Use a durable profile to administer a server."
        )
    anyio.run(args.command, container, args)


def main(argv: Sequence[str] | None = None, *, container: Container | None = None) -> int:
    """Run one command. Exit status: 0 done, 1 refused (nothing changed), 2 bad usage or settings."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if args.group == "serve":
            _serve(args, container)
        else:
            _administer(args, container)
    except CommandError as exc:
        fail(str(exc))
        return exc.exit_status
    except DomainError as exc:
        fail(exc.description or exc.error)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


__all__ = ["build_parser", "main"]
