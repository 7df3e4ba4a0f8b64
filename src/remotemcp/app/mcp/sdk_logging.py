"""The SDK logs every session at INFO, which costs throughput under load (DESIGN §6b) and says
nothing an operator needs. Its loggers start at WARNING unless the operator set a level."""

from __future__ import annotations

import logging

SDK_LOGGERS = ("mcp", "sse_starlette")


def quiet_sdk_loggers(level: int = logging.WARNING) -> None:
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)
