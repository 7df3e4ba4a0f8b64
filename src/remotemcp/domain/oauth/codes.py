"""Authorization codes (RFC 6749 §4.1.2, §4.1.3, §10.5): issued after consent, redeemed once at /token.

Only the digest of a code is stored. A code is bound to the client, redirect URI, PKCE challenge,
resource and scopes of its request, and lives at most `policy.code_ttl` seconds. A second
redemption is refused and revokes what the first one produced (RFC 6749 §4.1.2)."""

from __future__ import annotations

from remotemcp.domain.clock import Clock
from remotemcp.domain.errors import InvalidGrant, InvalidRequest, InvalidTarget
from remotemcp.domain.model.codes import AuthorizationCode
from remotemcp.domain.oauth.authorization_request import AuthorizationRequest
from remotemcp.domain.oauth.grant_families import end_grant_family
from remotemcp.domain.oauth.pkce import S256, validate_code_verifier, verify_code_verifier
from remotemcp.domain.oauth.resources import canonical_resource_matches, validate_resource_uri
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.codes import AuthorizationCodeRepository
from remotemcp.domain.ports.grants import GrantRepository
from remotemcp.domain.ports.revocation import RevocationList
from remotemcp.domain.randomness import RandomSource, SystemRandom, new_secret, secret_digest

CODE_BYTES = 32
GRANT_ID_BYTES = 16

_SYSTEM_RANDOM = SystemRandom()


class AuthorizationCodeService:
    # Collaborators are passed explicitly and positionally, like every domain service (PLR0913 is
    # ignored project-wide for the same reason).
    def __init__(
        self,
        codes: AuthorizationCodeRepository,
        grants: GrantRepository,
        revocations: RevocationList,
        policy: ServerPolicy,
        clock: Clock,
        random: RandomSource = _SYSTEM_RANDOM,
    ) -> None:
        self._codes = codes
        self._grants = grants
        self._revocations = revocations
        self._policy = policy
        self._clock = clock
        self._random = random

    async def issue(
        self,
        request: AuthorizationRequest,
        subject: str,
        auth_time: int,
        scopes: frozenset[str] | None = None,
    ) -> str:
        """Store a new code for `request`, approved by `subject`, and return the code itself.
        `scopes` is what the user approved when narrower than the request; a wider or empty set is
        a bug in the caller (consent denied is `access_denied`, not a code) and raises ValueError."""
        if scopes is None:
            scopes = request.scopes
        if not scopes:
            raise ValueError("an authorization code needs at least one approved scope")
        if not scopes <= request.scopes:
            raise ValueError("approved scopes must be among the requested ones")
        code = new_secret(self._random, CODE_BYTES)
        now = self._clock.now()
        await self._codes.add(
            AuthorizationCode(
                code_hash=secret_digest(code),
                client_id=request.client.client_id,
                redirect_uri=request.redirect_uri,
                code_challenge=request.code_challenge,
                code_challenge_method=request.code_challenge_method,
                resource=request.resource,
                scopes=frozenset(scopes),
                subject=subject,
                auth_time=auth_time,
                issued_at=now,
                expires_at=now + self._policy.code_ttl,
                grant_id=new_secret(self._random, GRANT_ID_BYTES),
                nonce=request.nonce,
                redirect_uri_in_request=request.redirect_uri_in_request,
            )
        )
        return code

    async def redeem(
        self,
        code: str,
        client_id: str,
        redirect_uri: str | None,
        code_verifier: str | None,
        resource: str | None,
    ) -> AuthorizationCode:
        """Exchange a code at /token (already authenticated as `client_id`). The code is consumed
        before anything is checked, so a failed attempt burns it too: an attacker holding a stolen
        code gets one guess at the verifier, not many."""
        if not code:
            raise InvalidRequest("code is required")
        consumption = await self._codes.consume(secret_digest(code))
        if consumption is None:
            raise InvalidGrant("authorization code is invalid")
        stored = consumption.code
        now = self._clock.now()
        if not consumption.first_use:
            await end_grant_family(self._grants, self._revocations, self._policy, stored.grant_id, now)
            raise InvalidGrant("authorization code was already used; tokens issued from it are revoked")
        if now >= stored.expires_at:
            raise InvalidGrant("authorization code has expired")
        if stored.client_id != client_id:
            raise InvalidGrant("authorization code was issued to another client")
        self._check_redirect_uri(stored, redirect_uri or None)
        self._check_verifier(stored, code_verifier or None)
        if resource:
            validate_resource_uri(resource)
            if not canonical_resource_matches(resource, stored.resource):
                raise InvalidTarget("resource differs from the one the code was issued for")
        return stored

    @staticmethod
    def _check_redirect_uri(stored: AuthorizationCode, presented: str | None) -> None:
        if presented is None:
            if stored.redirect_uri_in_request:
                raise InvalidGrant("redirect_uri is required: the authorization request included it")
            return
        if presented != stored.redirect_uri:
            raise InvalidGrant("redirect_uri differs from the authorization request's")

    @staticmethod
    def _check_verifier(stored: AuthorizationCode, verifier: str | None) -> None:
        if verifier is None:
            raise InvalidRequest("code_verifier is required")
        validate_code_verifier(verifier)
        if stored.code_challenge_method != S256 or not verify_code_verifier(verifier, stored.code_challenge):
            raise InvalidGrant("code_verifier does not match the code_challenge")
