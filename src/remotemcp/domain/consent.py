"""What each user already approved for each client, so the consent screen is shown only when
a client asks for more than it was given."""

from __future__ import annotations

from collections.abc import Set

from remotemcp.domain.clock import Clock
from remotemcp.domain.model.consent import Consent
from remotemcp.domain.ports.consent import ConsentRepository


class ConsentService:
    def __init__(self, consents: ConsentRepository, clock: Clock) -> None:
        self._consents = consents
        self._clock = clock

    async def needs_consent(self, subject: str, client_id: str, requested_scopes: Set[str]) -> bool:
        """True when the user never approved this client, or the request reaches beyond what
        was approved. A request for fewer scopes than approved needs no new consent."""
        consent = await self._consents.get(subject, client_id)
        return consent is None or not frozenset(requested_scopes) <= consent.scopes

    async def grant(self, subject: str, client_id: str, scopes: Set[str]) -> Consent:
        """Add `scopes` to what the user approved for the client. Approval only grows here:
        approving a narrower request must not silently take back what was granted before."""
        existing = await self._consents.get(subject, client_id)
        approved = frozenset(scopes) | (existing.scopes if existing is not None else frozenset())
        consent = Consent(subject=subject, client_id=client_id, scopes=approved, granted_at=self._clock.now())
        await self._consents.save(consent)
        return consent

    async def revoke(self, subject: str, client_id: str) -> bool:
        return await self._consents.revoke(subject, client_id)

    async def list_for(self, subject: str) -> list[Consent]:
        return sorted(await self._consents.list_for(subject), key=lambda consent: consent.client_id)
