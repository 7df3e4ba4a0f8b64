"""The seed's import path: `from custom_server import CustomServerWithOauth2`. See `remotemcp.app.seed`."""

from remotemcp.app.seed import CustomServerWithOauth2

__all__ = ["CustomServerWithOauth2"]
