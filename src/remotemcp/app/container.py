"""The composition root: one dependency-injector container that picks adapters by profile and
builds the domain services on top of them. Tests swap one adapter with `override_providers`."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from dependency_injector import containers, providers

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher
from remotemcp.adapters.http_fetch import HttpsDocumentFetcher
from remotemcp.adapters.memory.browser_sessions import InMemoryBrowserSessionRepository
from remotemcp.adapters.memory.clients import InMemoryClientRepository
from remotemcp.adapters.memory.codes import InMemoryAuthorizationCodeRepository
from remotemcp.adapters.memory.consent import InMemoryConsentRepository
from remotemcp.adapters.memory.events import InMemoryEventRepository
from remotemcp.adapters.memory.grants import InMemoryGrantRepository
from remotemcp.adapters.memory.keys import InMemoryKeyProvider
from remotemcp.adapters.memory.revocation import InMemoryRevocationList
from remotemcp.adapters.memory.users import InMemoryLoginAttemptRepository, InMemoryUserRepository
from remotemcp.app.settings import Settings
from remotemcp.domain.clock import SystemClock
from remotemcp.domain.consent import ConsentService
from remotemcp.domain.events.replay import EventReplayService
from remotemcp.domain.oauth.access_token_validation import AccessTokenValidator
from remotemcp.domain.oauth.client_authentication import ClientAuthenticator
from remotemcp.domain.oauth.client_registration import ClientRegistrationService, RegistrationPolicy
from remotemcp.domain.oauth.codes import AuthorizationCodeService
from remotemcp.domain.oauth.introspection import IntrospectionService
from remotemcp.domain.oauth.metadata_document import ClientResolver, MetadataDocumentPolicy
from remotemcp.domain.oauth.token_revocation import RevocationService
from remotemcp.domain.oauth.tokens import TokenService
from remotemcp.domain.policy import ServerPolicy
from remotemcp.domain.ports.fetch import DocumentFetcher
from remotemcp.domain.randomness import SystemRandom
from remotemcp.domain.users.accounts import UserService
from remotemcp.domain.users.lockout import LoginPolicy


def server_policy(settings: Settings) -> ServerPolicy:
    return ServerPolicy(
        issuer=settings.issuer,
        resource=settings.resource,
        scopes_supported=frozenset(settings.scopes_supported),
        default_scopes=frozenset(settings.default_scopes),
        access_token_ttl=settings.access_token_ttl,
        id_token_ttl=settings.access_token_ttl,
        refresh_token_ttl=settings.refresh_token_ttl,
        refresh_family_max_lifetime=settings.refresh_family_max_lifetime,
        refresh_grace_seconds=settings.refresh_grace_seconds,
        signing_algorithms=(settings.signing_alg,),
    )


async def run_in_worker_thread(func: Any, /) -> Any:
    """Password hashing is deliberately slow; keep it off the event loop."""
    return await anyio.to_thread.run_sync(func)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    policy = providers.Singleton(server_policy, settings)
    clock = providers.Singleton(SystemClock)
    random = providers.Singleton(SystemRandom)
    profile = providers.Callable(lambda s: s.profile, settings)

    # -- adapters, chosen by profile ------------------------------------------------------------
    clients = providers.Selector(profile, memory=providers.Singleton(InMemoryClientRepository))
    codes_repo = providers.Selector(profile, memory=providers.Singleton(InMemoryAuthorizationCodeRepository))
    grants = providers.Selector(profile, memory=providers.Singleton(InMemoryGrantRepository))
    revocations = providers.Selector(profile, memory=providers.Singleton(InMemoryRevocationList))
    users_repo = providers.Selector(profile, memory=providers.Singleton(InMemoryUserRepository))
    login_attempts = providers.Selector(profile, memory=providers.Singleton(InMemoryLoginAttemptRepository))
    consents = providers.Selector(profile, memory=providers.Singleton(InMemoryConsentRepository))
    browser_sessions = providers.Selector(
        profile, memory=providers.Singleton(InMemoryBrowserSessionRepository)
    )
    event_repo = providers.Selector(profile, memory=providers.Singleton(InMemoryEventRepository))
    keys = providers.Selector(
        profile,
        memory=providers.Singleton(
            InMemoryKeyProvider, clock, alg=providers.Callable(lambda s: s.signing_alg, settings)
        ),
    )
    password_hasher = providers.Singleton(Argon2PasswordHasher)
    document_fetcher: providers.Provider[DocumentFetcher | None] = providers.Singleton(HttpsDocumentFetcher)
    """Public HTTPS addresses only; `metadata_documents_enabled=False` stops the resolver using it."""

    # -- domain services ------------------------------------------------------------------------
    metadata_policy = providers.Singleton(
        MetadataDocumentPolicy, enabled=providers.Callable(lambda s: s.metadata_documents_enabled, settings)
    )
    client_resolver = providers.Singleton(ClientResolver, clients, clock, document_fetcher, metadata_policy)
    client_authenticator = providers.Singleton(ClientAuthenticator, client_resolver, clock)
    registration_policy = providers.Singleton(
        RegistrationPolicy,
        enabled=providers.Callable(lambda s: s.registration_enabled, settings),
        allow_confidential=providers.Callable(lambda s: s.registration_allow_confidential, settings),
    )
    registration = providers.Singleton(
        ClientRegistrationService, clients, clock, random, policy, registration_policy
    )
    codes = providers.Singleton(
        AuthorizationCodeService, codes_repo, grants, revocations, policy, clock, random
    )
    tokens = providers.Singleton(
        TokenService, codes, grants, revocations, keys, policy, clock, random, users=users_repo
    )
    # The key provider is in-process: re-reading its JWKS is cheap, so a rotation is seen at once.
    validator = providers.Singleton(
        AccessTokenValidator, keys, revocations, policy, clock, min_refresh_interval=0, max_age=1
    )
    revocation = providers.Singleton(RevocationService, tokens, grants, revocations, validator, policy, clock)
    introspection = providers.Singleton(IntrospectionService, grants, revocations, validator, policy, clock)
    login_policy = providers.Singleton(
        LoginPolicy,
        max_account_failures=providers.Callable(lambda s: s.login_max_failures, settings),
        lockout=providers.Callable(lambda s: s.login_lockout_seconds, settings),
    )
    users = providers.Singleton(
        UserService,
        users_repo,
        password_hasher,
        login_attempts,
        clock,
        random,
        policy=login_policy,
        run_blocking=providers.Object(run_in_worker_thread),
    )
    consent = providers.Singleton(ConsentService, consents, clock)
    events = providers.Singleton(EventReplayService, event_repo, clock, random)
