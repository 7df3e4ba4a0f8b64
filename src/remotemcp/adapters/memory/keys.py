"""Signing keys generated in process memory: the `memory` profile, tests and demos.

Keys are parsed objects from the start (never PEM re-read per signature) and vanish on restart,
so every token signed before a restart stops verifying: fine for tests, wrong for production.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from remotemcp.adapters.crypto_keys import (
    PrivateKey,
    check_key_spec,
    generate_private_key,
    public_jwk,
    sign_with,
)
from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import NotFound
from remotemcp.domain.model.keys import KeyState, SigningKey


@dataclass(slots=True)
class _Held:
    record: SigningKey
    private_key: PrivateKey | None
    """Dropped when the key stops signing: a retiring key only needs its public half."""


class InMemoryKeyProvider:
    """`KeyProvider` holding `cryptography` key objects in memory."""

    def __init__(self, clock: Clock, alg: str = "RS256", rsa_key_size: int = 2048) -> None:
        check_key_spec(alg, rsa_key_size)
        self._clock = clock
        self._alg = alg
        self._rsa_key_size = rsa_key_size
        self._keys: list[_Held] = []
        self._active: _Held | None = None
        self._lock = threading.Lock()

    def _new_key(self, now: int) -> _Held:
        private_key = generate_private_key(self._alg, self._rsa_key_size)
        jwk = public_jwk(private_key.public_key(), self._alg)
        record = SigningKey(kid=jwk["kid"], alg=self._alg, created_at=now, public_jwk=jwk)
        return _Held(record=record, private_key=private_key)

    def _ensure_active_locked(self) -> _Held:
        if self._active is None:
            held = self._new_key(self._clock.now())
            self._keys.append(held)
            self._active = held
        return self._active

    @staticmethod
    def _state_at(record: SigningKey, now: int) -> KeyState:
        if record.state is KeyState.RETIRING and record.retire_at is not None and now >= record.retire_at:
            return KeyState.RETIRED
        return record.state

    @classmethod
    def _reported(cls, record: SigningKey, now: int) -> SigningKey:
        return dataclasses.replace(
            record, state=cls._state_at(record, now), public_jwk=copy.deepcopy(record.public_jwk)
        )

    async def active_key(self) -> SigningKey:
        with self._lock:
            held = self._ensure_active_locked()
            return self._reported(held.record, self._clock.now())

    async def sign(self, kid: str, signing_input: bytes) -> bytes:
        with self._lock:
            held = self._active
        if held is None or held.record.kid != kid or held.private_key is None:
            raise NotFound(f"no active signing key {kid!r}")
        return sign_with(held.private_key, held.record.alg, signing_input)

    async def public_jwks(self) -> dict[str, Any]:
        # Publishing creates the first key too: a verifier that caches an empty set before the
        # first token is signed would otherwise refuse that token until its next refresh.
        with self._lock:
            self._ensure_active_locked()
            now = self._clock.now()
            published = [
                copy.deepcopy(held.record.public_jwk)
                for held in self._keys
                if self._state_at(held.record, now) is not KeyState.RETIRED
            ]
        return {"keys": published}

    async def rotate(self, overlap_seconds: int) -> SigningKey:
        if overlap_seconds < 0:
            raise ValueError("overlap_seconds cannot be negative")
        with self._lock:
            now = self._clock.now()
            previous = self._active
            if previous is not None:
                previous.record = dataclasses.replace(
                    previous.record, state=KeyState.RETIRING, retire_at=now + overlap_seconds
                )
                previous.private_key = None
            held = self._new_key(now)
            self._keys.append(held)
            self._active = held
            return self._reported(held.record, now)

    async def list_keys(self) -> list[SigningKey]:
        with self._lock:
            now = self._clock.now()
            return [self._reported(held.record, now) for held in self._keys]
