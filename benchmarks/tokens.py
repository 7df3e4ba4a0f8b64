"""Token issuance and validation costs, RS256 against ES256, measured in one run.

    python benchmarks/tokens.py [iterations]

Prints microseconds per operation and the ratios; the figures are only comparable within a run.
"""

from __future__ import annotations

import asyncio
import sys
import time

from remotemcp.adapters.memory.keys import InMemoryKeyProvider
from remotemcp.adapters.memory.revocation import InMemoryRevocationList
from remotemcp.domain.clock import SystemClock
from remotemcp.domain.model.grants import Grant
from remotemcp.domain.oauth.access_token_validation import AccessTokenValidator
from remotemcp.domain.oauth.pkce import s256_challenge, verify_code_verifier
from remotemcp.domain.oauth.tokens import TokenService
from remotemcp.domain.policy import ServerPolicy

ISSUER = "https://as.example"
RESOURCE = "https://as.example/mcp"


async def measure(alg: str, n: int) -> tuple[float, float]:
    clock = SystemClock()
    policy = ServerPolicy(issuer=ISSUER, resource=RESOURCE, signing_algorithms=(alg,))
    keys = InMemoryKeyProvider(clock, alg=alg)
    revocations = InMemoryRevocationList()
    tokens = TokenService(None, None, revocations, keys, policy, clock)  # type: ignore[arg-type]
    validator = AccessTokenValidator(keys, revocations, policy, clock, min_refresh_interval=0, max_age=60)
    now = clock.now()
    grant = Grant("g", "c", "u", frozenset({"mcp"}), RESOURCE, now, now, now + 3600)
    token = await tokens.issue_access_token(grant, grant.scopes, now)
    await validator.validate(token)

    start = time.perf_counter()
    for _ in range(n):
        await tokens.issue_access_token(grant, grant.scopes, now)
    issue = (time.perf_counter() - start) / n * 1e6

    start = time.perf_counter()
    for _ in range(n):
        await validator.validate(token)
    validate = (time.perf_counter() - start) / n * 1e6
    return issue, validate


def pkce_cost(n: int) -> float:
    verifier = "v" * 64
    challenge = s256_challenge(verifier)
    start = time.perf_counter()
    for _ in range(n):
        verify_code_verifier(verifier, challenge)
    return (time.perf_counter() - start) / n * 1e6


async def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rs_issue, rs_validate = await measure("RS256", n)
    es_issue, es_validate = await measure("ES256", n)
    print(f"iterations: {n}")
    print(f"RS256 issue    {rs_issue:8.1f} us   validate {rs_validate:8.1f} us")
    print(f"ES256 issue    {es_issue:8.1f} us   validate {es_validate:8.1f} us")
    print(f"ratios: RS256/ES256 issue {rs_issue / es_issue:.2f}x, validate {rs_validate / es_validate:.2f}x")
    pkce = pkce_cost(n * 10)
    print(f"PKCE S256 verify {pkce:.2f} us; RS256 validate / PKCE verify = {rs_validate / pkce:.0f}x")


if __name__ == "__main__":
    asyncio.run(main())
