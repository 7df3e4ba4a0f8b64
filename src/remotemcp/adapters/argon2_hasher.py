"""`PasswordHasher` on argon2-cffi: argon2id, defaulting to RFC 9106's low-memory profile."""

from __future__ import annotations

import argon2
from argon2.exceptions import VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY


class Argon2PasswordHasher:
    def __init__(
        self,
        *,
        time_cost: int = RFC_9106_LOW_MEMORY.time_cost,
        memory_cost: int = RFC_9106_LOW_MEMORY.memory_cost,
        parallelism: int = RFC_9106_LOW_MEMORY.parallelism,
        hash_len: int = RFC_9106_LOW_MEMORY.hash_len,
        salt_len: int = RFC_9106_LOW_MEMORY.salt_len,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=hash_len,
            salt_len=salt_len,
            type=argon2.Type.ID,
        )

    @classmethod
    def for_tests(cls) -> Argon2PasswordHasher:
        """The cheapest parameters argon2 accepts: real argon2id hashes in microseconds.
        Never use them for stored passwords."""
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        # A corrupt or foreign hash surfaces as InvalidHashError (a ValueError), a UnicodeError
        # for non-ASCII text, or VerificationError from the C library; all of them mean "no".
        except (VerificationError, ValueError, TypeError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (ValueError, TypeError):
            # Not a hash these parameters could have produced: replacing it is always right.
            return True
