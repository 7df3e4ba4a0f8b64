from __future__ import annotations

from starlette.routing import BaseRoute

from remotemcp.app.container import Container
from remotemcp.app.settings import Settings


def routes(container: Container, settings: Settings) -> list[BaseRoute]:
    return []
