"""The sign-in of a person at the login and consent pages: a random cookie value in the browser,
only its digest in the store (domain/ports/browser_sessions.py), so a leaked store yields no cookie."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import NotFound
from remotemcp.domain.model.browser_sessions import BrowserSession
from remotemcp.domain.model.users import User
from remotemcp.domain.ports.browser_sessions import BrowserSessionRepository
from remotemcp.domain.randomness import RandomSource, new_secret, secret_digest
from remotemcp.domain.users.accounts import UserService

SESSION_COOKIE = "remotemcp_session"
SESSION_BYTES = 32
HOST_PREFIX = "__Host-"


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """How every cookie of the browser flow is named and scoped."""

    secure: bool
    """True when the public URL is HTTPS."""

    def name(self, base: str) -> str:
        # A `__Host-` cookie is only accepted with Secure, Path=/ and no Domain (RFC 6265bis
        # §4.1.3.2), so neither a sibling subdomain nor a plain-HTTP page can plant or overwrite it.
        return HOST_PREFIX + base if self.secure else base

    def set_cookie(self, base: str, value: str, max_age: int | None = None) -> str:
        """A `Set-Cookie` header value. Lax, not Strict: the browser arrives at /authorize by a
        cross-site top-level navigation from the client, and must bring the session along."""
        parts = [f"{self.name(base)}={value}", "Path=/"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        parts += ["HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    def clear_cookie(self, base: str) -> str:
        return self.set_cookie(base, "", max_age=0)

    def read(self, cookies: Mapping[str, str], base: str) -> str | None:
        value = cookies.get(self.name(base))
        return value or None


@dataclass(frozen=True, slots=True)
class SignedIn:
    session: BrowserSession
    user: User


class BrowserSessions:
    def __init__(
        self,
        repository: BrowserSessionRepository,
        users: UserService,
        clock: Clock,
        random: RandomSource,
        cookies: CookiePolicy,
        ttl: int,
    ) -> None:
        self._repository = repository
        self._users = users
        self._clock = clock
        self._random = random
        self._cookies = cookies
        self._ttl = ttl

    async def current(self, cookies: Mapping[str, str]) -> SignedIn | None:
        """The live session named by the cookie, with its user; None when there is no cookie, the
        session expired or ended, or the account was removed or disabled since."""
        value = self._cookies.read(cookies, SESSION_COOKIE)
        if value is None:
            return None
        session = await self._repository.get(secret_digest(value))
        if session is None or session.expires_at <= self._clock.now():
            return None
        try:
            user = await self._users.get(session.subject)
        except NotFound:
            return None
        if user.disabled:
            return None
        return SignedIn(session, user)

    async def start(self, cookies: Mapping[str, str], user: User) -> tuple[SignedIn, str]:
        """Sign `user` in; returns the session and the `Set-Cookie` header that carries it. Any
        session the browser held before is ended: a fresh value at every sign-in defeats session
        fixation."""
        await self._end_existing(cookies)
        now = self._clock.now()
        await self._repository.purge_expired(now)
        value = new_secret(self._random, SESSION_BYTES)
        session = BrowserSession(
            session_hash=secret_digest(value),
            subject=user.user_id,
            auth_time=now,
            created_at=now,
            expires_at=now + self._ttl,
        )
        await self._repository.add(session)
        return SignedIn(session, user), self._cookies.set_cookie(SESSION_COOKIE, value, max_age=self._ttl)

    async def end(self, cookies: Mapping[str, str]) -> str:
        """End the browser's session, if any, and return the `Set-Cookie` header that expires it."""
        await self._end_existing(cookies)
        return self._cookies.clear_cookie(SESSION_COOKIE)

    async def _end_existing(self, cookies: Mapping[str, str]) -> None:
        value = self._cookies.read(cookies, SESSION_COOKIE)
        if value is not None:
            await self._repository.remove(secret_digest(value))
