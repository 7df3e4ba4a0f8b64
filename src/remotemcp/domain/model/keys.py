from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class KeyState(StrEnum):
    ACTIVE = "active"
    """Signs new tokens and is published."""
    RETIRING = "retiring"
    """No longer signs; still published so tokens it signed verify until they expire."""
    RETIRED = "retired"
    """Neither signs nor is published."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """Public facts about one signing key. The private half stays inside the key provider."""

    kid: str
    alg: str
    created_at: int
    public_jwk: dict[str, Any] = field(hash=False, compare=False)
    state: KeyState = KeyState.ACTIVE
    retire_at: int | None = None
    """When a retiring key stops being published."""
