"""The rules an account's username, password, email and display name must follow."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from remotemcp.domain.users.errors import InvalidUserInput

USERNAME_MAX_LENGTH = 64
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 200

# ASCII only: look-alike letters from other scripts would let two accounts read the same.
# '@' and '+' are allowed so that an email address can serve as a username.
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@+-]*", re.ASCII)


def normalise_username(username: str) -> str | None:
    """The case-insensitive key of a valid username, or None when it could never be one."""
    if not 1 <= len(username) <= USERNAME_MAX_LENGTH or not username.isascii():
        return None
    key = username.lower()
    return key if _USERNAME.fullmatch(key) else None


def require_username(username: str) -> str:
    """The key of `username`, or `InvalidUserInput` explaining the rule it breaks."""
    key = normalise_username(username)
    if key is None:
        raise InvalidUserInput(
            "username",
            f"a username has 1 to {USERNAME_MAX_LENGTH} characters: ASCII letters, digits and "
            "'.', '_', '-', '@', '+', starting with a letter or digit",
        )
    return key


def normalise_password(password: str) -> str:
    """NFKC, as NIST SP 800-63B §5.1.1.2 advises, so that the same password typed on another
    keyboard or platform (composed vs decomposed accents, full-width digits) still matches."""
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Length is the only rule (NIST SP 800-63B): composition rules push people to weaker,
    predictable passwords. The upper bound keeps hashing cost bounded, not secrets short."""

    min_length: int = 8
    max_length: int = 1024

    def __post_init__(self) -> None:
        if self.min_length < 8:
            raise ValueError("passwords must be at least 8 characters long")
        if self.max_length < self.min_length:
            raise ValueError("the maximum password length is below the minimum")

    def require(self, password: str, username: str) -> str:
        """The normalised password to hash, or `InvalidUserInput`."""
        normalised = normalise_password(password)
        if not self.min_length <= len(normalised) <= self.max_length:
            raise InvalidUserInput(
                "password", f"a password has {self.min_length} to {self.max_length} characters"
            )
        if normalised.casefold() == username.casefold():
            raise InvalidUserInput("password", "the password cannot be the username")
        return normalised


def require_email(email: str | None) -> str | None:
    if email is None:
        return None
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or len(email) > EMAIL_MAX_LENGTH
        or any(ch.isspace() or not ch.isprintable() for ch in email)
    ):
        raise InvalidUserInput("email", "the email address is not valid")
    return email


def require_name(name: str | None) -> str | None:
    if name is None:
        return None
    if not name.strip() or len(name) > NAME_MAX_LENGTH or not name.isprintable():
        raise InvalidUserInput("name", f"a display name has 1 to {NAME_MAX_LENGTH} printable characters")
    return name
