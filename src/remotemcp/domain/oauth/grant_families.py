"""Ending a grant family: the stored grant and every access token issued from it."""

from __future__ import annotations

from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.grants import GrantRepository
from remotemcp.domain.ports.revocation import RevocationList


async def end_grant_family(
    grants: GrantRepository, revocations: RevocationList, policy: ServerPolicy, grant_id: str, now: int
) -> None:
    await grants.revoke_grant(grant_id, now)
    # Access tokens already issued carry the grant id (`gid`): keep refusing it until the
    # longest-lived of them has expired, leeway included.
    await revocations.revoke(grant_id, until=now + policy.access_token_ttl + policy.leeway_seconds)
