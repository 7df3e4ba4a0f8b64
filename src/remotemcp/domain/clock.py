"""Time as a port: services ask a `Clock`, never the system, so tests can move time."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the epoch (integer: every timestamp the protocols carry is NumericDate)."""
        ...


class SystemClock:
    """The real clock. Lives here because it needs nothing but the standard library."""

    def now(self) -> int:
        return int(time.time())
