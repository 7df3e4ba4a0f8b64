"""`users`, `clients` and `keys`: administration through the ports the container wires, so the
same commands act on whatever store the profile names."""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Awaitable, Callable

from remotemcp.app.cli.console import CommandError, read_password, say, table, timestamp
from remotemcp.app.container import Container
from remotemcp.domain.errors import NotFound
from remotemcp.domain.model.clients import TokenEndpointAuthMethod
from remotemcp.domain.oauth.presets import preregistered_client
from remotemcp.domain.users.credentials import require_username

Command = Callable[[Container, argparse.Namespace], Awaitable[None]]


# -- users ---------------------------------------------------------------------------------------


async def users_add(container: Container, args: argparse.Namespace) -> None:
    require_username(args.username)  # before asking for a password that would be thrown away
    password = read_password(args)
    user = await container.users().create_user(args.username, password, email=args.email, name=args.name)
    say(f"created user {user.username!r} (id {user.user_id})")


async def users_list(container: Container, args: argparse.Namespace) -> None:
    users = await container.users().list()
    if not users:
        say("no users")
        return
    table(
        ("USERNAME", "USER ID", "CREATED", "STATUS", "EMAIL", "NAME"),
        [
            (
                user.username,
                user.user_id,
                timestamp(user.created_at),
                "disabled" if user.disabled else "active",
                user.email or "-",
                user.name or "-",
            )
            for user in users
        ],
    )


async def users_remove(container: Container, args: argparse.Namespace) -> None:
    service = container.users()
    user = await service.get_by_username(args.username)
    await service.remove(user.user_id)
    # The account is gone, so what it granted must stop working too: its refresh-token families
    # and, through their grant ids, the access tokens they issued.
    revoked = await container.tokens().revoke_grants_of(user.user_id)
    say(f"removed user {user.username!r}; revoked {revoked} grant(s)")


async def users_passwd(container: Container, args: argparse.Namespace) -> None:
    service = container.users()
    user = await service.get_by_username(args.username)
    password = read_password(args, prompt="New password")
    await service.change_password(user.user_id, password)
    say(f"changed the password of {user.username!r}")


# -- clients -------------------------------------------------------------------------------------


async def clients_add(container: Container, args: argparse.Namespace) -> None:
    if args.auth_method is not None and not args.confidential:
        raise CommandError("--auth-method needs --confidential (a public client has no secret)")
    client_id = args.client_id or secrets.token_urlsafe(16)
    secret = secrets.token_urlsafe(32) if args.confidential else None
    method = TokenEndpointAuthMethod(args.auth_method or "client_secret_basic") if args.confidential else None
    client = preregistered_client(
        client_id,
        args.redirect_uri,
        container.clock().now(),
        secret=secret,
        token_endpoint_auth_method=method,
        client_name=args.name,
        scopes=args.scope or (),
    )
    await container.clients().add(client)
    say(f"added client {client.client_id} ({client.token_endpoint_auth_method.value})")
    if secret is not None:
        say(f"client_secret: {secret}")
        say("The secret is shown only this once; only its digest is stored.")


async def clients_list(container: Container, args: argparse.Namespace) -> None:
    clients = sorted(await container.clients().list(), key=lambda client: client.client_id)
    if not clients:
        say("no clients")
        return
    table(
        ("CLIENT ID", "ORIGIN", "AUTH METHOD", "NAME", "REDIRECT URIS"),
        [
            (
                client.client_id,
                client.origin.value,
                client.token_endpoint_auth_method.value,
                client.client_name or "-",
                " ".join(client.redirect_uris),
            )
            for client in clients
        ],
    )


async def clients_remove(container: Container, args: argparse.Namespace) -> None:
    if not await container.clients().remove(args.client_id):
        raise NotFound(f"no client {args.client_id!r}")
    say(f"removed client {args.client_id}")


# -- keys ----------------------------------------------------------------------------------------


async def keys_list(container: Container, args: argparse.Namespace) -> None:
    keys = await container.keys().list_keys()
    if not keys:
        say("no signing keys yet (the server creates one when it first signs or publishes)")
        return
    table(
        ("KID", "ALG", "STATE", "CREATED", "RETIRES"),
        [
            (key.kid, key.alg, key.state.value, timestamp(key.created_at), timestamp(key.retire_at))
            for key in keys
        ],
    )


async def keys_rotate(container: Container, args: argparse.Namespace) -> None:
    policy = container.policy()
    # Until every token the old key signed has expired, its public half must stay published.
    overlap = args.overlap if args.overlap is not None else max(policy.access_token_ttl, policy.id_token_ttl)
    key = await container.keys().rotate(overlap)
    say(f"new active key {key.kid} ({key.alg}); the previous key stays published for {overlap} s")


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value
