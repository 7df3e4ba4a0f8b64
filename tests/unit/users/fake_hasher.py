"""A transparent PasswordHasher for service tests: records every call, hashes instantly, and can
be told its parameters changed so that old hashes need a rehash."""

from __future__ import annotations


class FakePasswordHasher:
    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.hashed: list[str] = []
        self.verified: list[tuple[str, str]] = []

    def hash(self, password: str) -> str:
        self.hashed.append(password)
        return f"fake$v{self.version}${len(self.hashed)}${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append((password_hash, password))
        parts = password_hash.split("$", 3)
        return len(parts) == 4 and parts[0] == "fake" and parts[3] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"fake$v{self.version}$")
