"""Hand-written fakes shared by the unit tests."""

from __future__ import annotations

import hashlib


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: int = 1_700_000_000) -> None:
        self._now = now

    def now(self) -> int:
        return self._now

    def advance(self, seconds: int) -> None:
        self._now += seconds


class CountingRandom:
    """Deterministic, distinct bytes: for tests that need reproducible secrets."""

    def __init__(self, seed: str = "remotemcp") -> None:
        self._seed = seed
        self._counter = 0

    def token_bytes(self, nbytes: int) -> bytes:
        out = b""
        while len(out) < nbytes:
            self._counter += 1
            out += hashlib.sha256(f"{self._seed}:{self._counter}".encode()).digest()
        return out[:nbytes]
