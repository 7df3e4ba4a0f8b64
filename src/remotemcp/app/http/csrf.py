"""Cross-site request forgery defence for the login, consent and logout forms.

Signed double submit: a random pre-session cookie identifies the browser, and each form carries
HMAC(key, purpose, cookie). A cross-site page can make the browser send the cookie but can neither
read it nor compute the token. Over HTTPS the cookie has the `__Host-` prefix, so a sibling
subdomain cannot plant a cookie whose token it knows. Needing no server-side state, it works before
sign-in (login CSRF) and across replicas that share `csrf_secret`.

Headers are checked too, before the body is read: a present Origin must be the public URL's origin,
and a `Sec-Fetch-Site` other than same-origin (or none: typed by the user) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

from remotemcp.app.http.browser_sessions import CookiePolicy
from remotemcp.domain.randomness import RandomSource, b64url, new_secret

CSRF_COOKIE = "remotemcp_csrf"
CSRF_FIELD = "csrf_token"
BROWSER_ID_BYTES = 32
_LABEL = b"remotemcp csrf v1\x00"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ACCEPTED_FETCH_SITES = frozenset({"same-origin", "none"})


def origin_of(url: str) -> str | None:
    """The ASCII serialisation of a URL's origin (scheme://host[:port], default port omitted),
    or None when the URL has no usable origin."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def cross_site_refusal(headers: Mapping[str, str], public_origin: str) -> str | None:
    """Why a form POST looks cross-site, or None.

    `Origin: null` is not refused: our pages send `Referrer-Policy: no-referrer`, and the Fetch
    standard then serialises the Origin of their own form posts as `null`. Such a request still
    needs a valid token, and a browser that sends `null` also sends `Sec-Fetch-Site`."""
    origin = headers.get("origin")
    if origin is not None and origin.strip() != "null" and origin_of(origin) != public_origin:
        return "the form was sent from another site"
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() not in _ACCEPTED_FETCH_SITES:
        return "the form was sent from another site"
    return None


class CsrfProtection:
    def __init__(self, key: bytes, cookies: CookiePolicy, random: RandomSource) -> None:
        if len(key) < 32:
            raise ValueError("the CSRF key must be at least 32 bytes")
        self._key = key
        self._cookies = cookies
        self._random = random

    def browser_id(self, cookies: Mapping[str, str]) -> tuple[str, str | None]:
        """The browser's pre-session id, and the `Set-Cookie` header to send when it is new."""
        existing = self._cookies.read(cookies, CSRF_COOKIE)
        if existing is not None:
            return existing, None
        value = new_secret(self._random, BROWSER_ID_BYTES)
        # No Max-Age: it ends with the browser session; any page with a form mints a new one.
        return value, self._cookies.set_cookie(CSRF_COOKIE, value)

    def token(self, browser_id: str, purpose: str) -> str:
        """The token a form for `purpose` (login, consent, logout) must send back."""
        message = _LABEL + purpose.encode("ascii") + b"\x00" + browser_id.encode("utf-8")
        return b64url(hmac.new(self._key, message, hashlib.sha256).digest())

    def verify(self, cookies: Mapping[str, str], purpose: str, presented: str | None) -> bool:
        browser_id = self._cookies.read(cookies, CSRF_COOKIE)
        if browser_id is None or not presented:
            return False
        expected = self.token(browser_id, purpose)
        return hmac.compare_digest(expected.encode("ascii"), presented.encode("utf-8"))
