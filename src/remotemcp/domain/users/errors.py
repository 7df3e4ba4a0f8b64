from __future__ import annotations

from remotemcp.domain.errors import DomainError


class InvalidUserInput(DomainError):
    """A username, password, email or display name broke the account rules; nothing was changed."""

    error = "invalid_user_input"
    status_code = 400

    def __init__(self, field: str, description: str) -> None:
        super().__init__(description)
        self.field = field
