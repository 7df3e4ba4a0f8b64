from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Consent:
    subject: str
    client_id: str
    scopes: frozenset[str]
    granted_at: int
