"""Start-up work: pre-registered clients from settings, and the first user."""

from __future__ import annotations

import logging

from remotemcp.app.container import Container
from remotemcp.app.settings import Settings
from remotemcp.domain.model.clients import TokenEndpointAuthMethod
from remotemcp.domain.oauth.presets import claude_client, preregistered_client

log = logging.getLogger("remotemcp")


async def register_configured_clients(container: Container, settings: Settings) -> None:
    clients = container.clients()
    now = container.clock().now()
    if settings.claude_client_secret is not None:
        await clients.save(
            claude_client(settings.claude_client_id, settings.claude_client_secret.get_secret_value(), now)
        )
    for entry in settings.clients:
        secret = entry.client_secret.get_secret_value() if entry.client_secret else None
        method = (
            TokenEndpointAuthMethod(entry.token_endpoint_auth_method)
            if entry.token_endpoint_auth_method
            else None
        )
        await clients.save(
            preregistered_client(
                entry.client_id,
                entry.redirect_uris,
                now,
                secret=secret,
                token_endpoint_auth_method=method,
                client_name=entry.client_name,
                scopes=entry.scopes,
            )
        )


async def ensure_first_user(container: Container, settings: Settings) -> None:
    """Create the configured admin user when the user store is empty."""
    users = container.users()
    if settings.admin_username is None or settings.admin_password is None:
        return
    if await users.list():
        return
    await users.create_user(settings.admin_username, settings.admin_password.get_secret_value())
    log.info("created the first user %r", settings.admin_username)
