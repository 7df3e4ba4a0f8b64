"""OIDC UserInfo (OIDC Core §5.3): the claims the granted scopes release about the user."""

from __future__ import annotations

from typing import Any

from remotemcp.domain.errors import InsufficientScope, InvalidToken, TokenRejection
from remotemcp.domain.ports.users import UserRepository


async def userinfo_claims(users: UserRepository, subject: str, scopes: frozenset[str]) -> dict[str, Any]:
    """Raises `InsufficientScope` without `openid`, and `InvalidToken` when the user is gone or
    disabled (the token outlived the account)."""
    if "openid" not in scopes:
        raise InsufficientScope(frozenset({"openid"}), "userinfo needs the openid scope")
    user = await users.get(subject)
    if user is None or user.disabled:
        raise InvalidToken(TokenRejection.REVOKED, "the user of this token no longer exists")
    claims: dict[str, Any] = {"sub": user.user_id}
    if "profile" in scopes:
        claims["preferred_username"] = user.username
        if user.name:
            claims["name"] = user.name
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    return claims
