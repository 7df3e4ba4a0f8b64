"""Authorization request validation: what is accepted, what is refused, and whether a refusal is
shown on an error page (client / redirect URI not trusted) or redirected back to the client."""

from __future__ import annotations

from dataclasses import replace

import pytest

from remotemcp.domain.errors import (
    InvalidClient,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    OAuthError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from remotemcp.domain.model.clients import Client, ClientOrigin
from remotemcp.domain.oauth.authorization_request import (
    MAX_NONCE_LENGTH,
    MAX_STATE_LENGTH,
    AuthorizationRedirectError,
    AuthorizationRequest,
    Prompt,
    RequestNotSupported,
    RequestUriNotSupported,
    validate_authorization_request,
)
from remotemcp.domain.oauth.pkce import s256_challenge
from remotemcp.domain.policy import ServerPolicy

POLICY = ServerPolicy(issuer="https://as.example", resource="https://as.example/mcp")
REDIRECT = "https://app.example/callback"
OTHER_REDIRECT = "https://app.example/other"
VERIFIER = "v" * 43
CHALLENGE = s256_challenge(VERIFIER)
CLIENT = Client(client_id="client-1", redirect_uris=(REDIRECT,), origin=ClientOrigin.DYNAMIC)
TWO_REDIRECTS = replace(CLIENT, redirect_uris=(REDIRECT, OTHER_REDIRECT))

Params = dict[str, list[str]]


def params(**overrides: str | list[str] | None) -> Params:
    """A valid request, with parameters replaced (a list for repeated values) or removed (None)."""
    base: dict[str, str | list[str] | None] = {
        "client_id": "client-1",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "state": "xyz",
    }
    base.update(overrides)
    return {k: (v if isinstance(v, list) else [v]) for k, v in base.items() if v is not None}


def validate(request_params: Params, client: Client | None = CLIENT) -> AuthorizationRequest:
    return validate_authorization_request(client, request_params, POLICY)


def redirect_error(request_params: Params, client: Client | None = CLIENT) -> AuthorizationRedirectError:
    with pytest.raises(AuthorizationRedirectError) as info:
        validate(request_params, client)
    return info.value


# -- accepted -----------------------------------------------------------------------------------


def test_a_minimal_request_gets_the_defaults() -> None:
    request = validate(params(redirect_uri=None, state=None))
    assert request == AuthorizationRequest(
        client=CLIENT,
        redirect_uri=REDIRECT,
        redirect_uri_in_request=False,
        scopes=frozenset({"mcp"}),
        state=None,
        nonce=None,
        code_challenge=CHALLENGE,
        code_challenge_method="S256",
        resource=POLICY.resource,
        prompt=frozenset(),
        max_age=None,
        response_mode=None,
    )


def test_a_full_request_carries_every_parameter_through() -> None:
    request = validate(
        params(
            scope="openid mcp profile",
            nonce="n-0S6_WzA2Mj",
            resource=POLICY.resource,
            prompt="login consent",
            max_age="300",
            response_mode="query",
            login_hint="ignored, unknown parameters are ignored",
        )
    )
    assert request.redirect_uri == REDIRECT
    assert request.redirect_uri_in_request is True
    assert request.scopes == {"openid", "mcp", "profile"}
    assert request.state == "xyz"
    assert request.nonce == "n-0S6_WzA2Mj"
    assert request.resource == POLICY.resource
    assert request.prompt == {Prompt.LOGIN, Prompt.CONSENT}
    assert request.max_age == 300
    assert request.response_mode == "query"


def test_the_default_scopes_are_limited_to_what_the_client_may_have() -> None:
    policy = replace(POLICY, default_scopes=frozenset({"mcp", "openid"}))
    client = replace(CLIENT, scopes=frozenset({"openid", "email"}))
    request = validate_authorization_request(client, params(), policy)
    assert request.scopes == {"openid"}


def test_requested_scopes_within_the_clients_list_are_accepted() -> None:
    client = replace(CLIENT, scopes=frozenset({"mcp", "email"}))
    assert validate(params(scope="email"), client).scopes == {"email"}


@pytest.mark.parametrize("name", ["scope", "resource", "nonce", "prompt", "max_age", "state"])
def test_an_empty_parameter_counts_as_omitted(name: str) -> None:
    request = validate({**params(state=None), name: [""]})
    assert request.scopes == POLICY.default_scopes
    assert request.resource == POLICY.resource
    assert (request.nonce, request.prompt, request.max_age, request.state) == (None, frozenset(), None, None)


def test_an_empty_redirect_uri_counts_as_omitted() -> None:
    request = validate(params(redirect_uri=""))
    assert (request.redirect_uri, request.redirect_uri_in_request) == (REDIRECT, False)


@pytest.mark.parametrize(
    "resource",
    [
        "https://as.example/mcp",
        "https://as.example/mcp/",
        "HTTPS://AS.EXAMPLE/mcp",
        "https://As.Example/mcp/",
        ["https://as.example/mcp", "https://as.example/mcp"],
        ["https://as.example/mcp", "https://AS.example/mcp/"],
    ],
)
def test_the_canonical_resource_in_any_harmless_spelling_is_bound_canonically(
    resource: str | list[str],
) -> None:
    assert validate(params(resource=resource)).resource == POLICY.resource


def test_a_loopback_redirect_uri_matches_on_any_port() -> None:
    client = replace(CLIENT, redirect_uris=("http://127.0.0.1:3000/cb",))
    request = validate(params(redirect_uri="http://127.0.0.1:51234/cb"), client)
    assert request.redirect_uri == "http://127.0.0.1:51234/cb"


def test_state_and_nonce_at_the_length_limit_are_accepted() -> None:
    request = validate(params(state="s" * MAX_STATE_LENGTH, nonce="n" * MAX_NONCE_LENGTH))
    assert request.state == "s" * MAX_STATE_LENGTH
    assert request.nonce == "n" * MAX_NONCE_LENGTH


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("none", {Prompt.NONE}),
        ("login", {Prompt.LOGIN}),
        ("consent", {Prompt.CONSENT}),
        ("select_account", {Prompt.SELECT_ACCOUNT}),
        ("login  consent", {Prompt.LOGIN, Prompt.CONSENT}),
        ("none none", {Prompt.NONE}),
    ],
)
def test_prompt_values_are_parsed(prompt: str, expected: set[Prompt]) -> None:
    assert validate(params(prompt=prompt)).prompt == expected


def test_max_age_zero_is_valid() -> None:
    assert validate(params(max_age="0")).max_age == 0


# -- refused on an error page, never redirected -------------------------------------------------


@pytest.mark.parametrize(
    ("request_params", "client", "error", "message"),
    [
        pytest.param(
            params(client_id=None), CLIENT, InvalidClient, "client_id is required", id="no-client_id"
        ),
        pytest.param(
            params(client_id=""), CLIENT, InvalidClient, "client_id is required", id="empty-client_id"
        ),
        pytest.param(
            params(client_id=["client-1", "client-1"]),
            CLIENT,
            InvalidClient,
            "repeated",
            id="repeated-client_id",
        ),
        pytest.param(params(), None, InvalidClient, "unknown client_id", id="unknown-client"),
        pytest.param(
            params(client_id="client-2"), CLIENT, InvalidClient, "unknown client_id", id="client-mismatch"
        ),
        pytest.param(
            params(redirect_uri="https://evil.example/cb"),
            CLIENT,
            InvalidRedirectUri,
            "not registered",
            id="unregistered-redirect",
        ),
        pytest.param(
            params(redirect_uri=REDIRECT + "/"),
            CLIENT,
            InvalidRedirectUri,
            "not registered",
            id="redirect-not-exact",
        ),
        pytest.param(
            params(redirect_uri=None), TWO_REDIRECTS, InvalidRedirectUri, "several", id="redirect-needed"
        ),
        pytest.param(
            params(redirect_uri=[REDIRECT, REDIRECT]),
            CLIENT,
            InvalidRedirectUri,
            "repeated",
            id="repeated-redirect",
        ),
        pytest.param(
            params(redirect_uri=[REDIRECT, OTHER_REDIRECT]),
            TWO_REDIRECTS,
            InvalidRedirectUri,
            "repeated",
            id="two-redirects",
        ),
    ],
)
def test_client_and_redirect_uri_errors_are_shown_not_redirected(
    request_params: Params, client: Client | None, error: type[OAuthError], message: str
) -> None:
    with pytest.raises(OAuthError) as info:
        validate(request_params, client)
    # Exactly the error class: an AuthorizationRedirectError is not an OAuthError, so the edge
    # could not mistake one for the other.
    assert type(info.value) is error
    assert message in info.value.description


def test_an_untrusted_redirect_uri_wins_over_every_other_error() -> None:
    bad = params(
        redirect_uri="https://evil.example/cb", response_type="token", code_challenge=None, scope="nope"
    )
    with pytest.raises(InvalidRedirectUri):
        validate(bad)


def test_an_unknown_client_wins_over_a_bad_redirect_uri() -> None:
    with pytest.raises(InvalidClient):
        validate(params(redirect_uri="https://evil.example/cb"), None)


def test_the_redirect_error_is_not_an_oauth_error() -> None:
    # The edge renders any OAuthError on a page; a redirect error must never be caught that way.
    assert not issubclass(AuthorizationRedirectError, OAuthError)


# -- refused by redirecting back to the client --------------------------------------------------

LONG = "x" * (MAX_STATE_LENGTH + 1)

REDIRECTED = [
    # RFC 6749 §3.1: no parameter may repeat (except resource, RFC 8707).
    pytest.param(
        params(response_type=["code", "code"]), InvalidRequest, "repeated", id="repeated-response_type"
    ),
    pytest.param(params(scope=["mcp", "mcp"]), InvalidRequest, "repeated", id="repeated-scope"),
    pytest.param(
        params(code_challenge=[CHALLENGE, CHALLENGE]),
        InvalidRequest,
        "repeated",
        id="repeated-code_challenge",
    ),
    pytest.param(
        params(code_challenge_method=["S256", "S256"]), InvalidRequest, "repeated", id="repeated-method"
    ),
    pytest.param(params(nonce=["a", "b"]), InvalidRequest, "repeated", id="repeated-nonce"),
    pytest.param(params(prompt=["login", "consent"]), InvalidRequest, "repeated", id="repeated-prompt"),
    pytest.param(params(max_age=["1", "1"]), InvalidRequest, "repeated", id="repeated-max_age"),
    pytest.param(params(response_mode=["query", "query"]), InvalidRequest, "repeated", id="repeated-mode"),
    pytest.param(params(extra=["1", "2"]), InvalidRequest, "repeated", id="repeated-unknown"),
    # Request objects.
    pytest.param(params(request="eyJhbGciOi.x.y"), RequestNotSupported, "request objects", id="request"),
    pytest.param(
        params(request_uri="urn:ietf:params:oauth:request_uri:abc"),
        RequestUriNotSupported,
        "request_uri",
        id="request_uri",
    ),
    # response_type.
    pytest.param(
        params(response_type=None), InvalidRequest, "response_type is required", id="no-response_type"
    ),
    pytest.param(params(response_type="token"), UnsupportedResponseType, "code", id="token"),
    pytest.param(params(response_type="code id_token"), UnsupportedResponseType, "code", id="hybrid"),
    pytest.param(params(response_type="id_token"), UnsupportedResponseType, "code", id="id_token"),
    pytest.param(params(response_type="CODE"), UnsupportedResponseType, "code", id="upper-case"),
    # response_mode.
    pytest.param(params(response_mode="fragment"), InvalidRequest, "response_mode", id="fragment-mode"),
    pytest.param(params(response_mode="form_post"), InvalidRequest, "response_mode", id="form_post-mode"),
    # PKCE.
    pytest.param(
        params(code_challenge=None), InvalidRequest, "code_challenge is required", id="no-challenge"
    ),
    pytest.param(params(code_challenge_method=None), InvalidRequest, "must be S256", id="no-method"),
    pytest.param(
        params(code_challenge=VERIFIER, code_challenge_method="plain"),
        InvalidRequest,
        "plain is not allowed",
        id="plain",
    ),
    pytest.param(params(code_challenge_method="S512"), InvalidRequest, "only S256", id="unknown-method"),
    pytest.param(params(code_challenge="short"), InvalidRequest, "base64url", id="malformed-challenge"),
    # Scopes.
    pytest.param(params(scope="mcp admin"), InvalidScope, "unsupported scope: admin", id="unsupported-scope"),
    pytest.param(params(scope='mcp "quoted"'), InvalidScope, "malformed", id="malformed-scope"),
    # RFC 8707 resource.
    pytest.param(params(resource="/mcp"), InvalidTarget, "absolute", id="relative-resource"),
    pytest.param(
        params(resource="https://as.example/mcp#x"), InvalidTarget, "fragment", id="fragment-resource"
    ),
    pytest.param(params(resource="https://as.example/mcp#"), InvalidTarget, "fragment", id="empty-fragment"),
    pytest.param(
        params(resource="https://other.example/mcp"), InvalidTarget, "protected resource", id="other-resource"
    ),
    pytest.param(
        params(resource="https://as.example/mcp/tools"), InvalidTarget, "protected resource", id="sub-path"
    ),
    pytest.param(params(resource="http://as.example/mcp"), InvalidTarget, "protected resource", id="http"),
    pytest.param(
        params(resource="https://as.example:8443/mcp"), InvalidTarget, "protected resource", id="other-port"
    ),
    pytest.param(
        params(resource=["https://as.example/mcp", "https://other.example/mcp"]),
        InvalidTarget,
        "one resource",
        id="two-resources",
    ),
    pytest.param(
        params(resource=["https://other.example/mcp", "https://as.example/mcp"]),
        InvalidTarget,
        "one resource",
        id="two-resources-reversed",
    ),
    # state, nonce, prompt, max_age.
    pytest.param(params(nonce="n" * (MAX_NONCE_LENGTH + 1)), InvalidRequest, "nonce", id="long-nonce"),
    pytest.param(params(prompt="none login"), InvalidRequest, "prompt=none", id="prompt-none-login"),
    pytest.param(params(prompt="consent none"), InvalidRequest, "prompt=none", id="prompt-consent-none"),
    pytest.param(params(prompt="create"), InvalidRequest, "prompt", id="unknown-prompt"),
    pytest.param(params(max_age="-1"), InvalidRequest, "max_age", id="negative-max_age"),
    pytest.param(params(max_age="1.5"), InvalidRequest, "max_age", id="fractional-max_age"),
    pytest.param(params(max_age="abc"), InvalidRequest, "max_age", id="text-max_age"),
    pytest.param(params(max_age="\u0661\u0662"), InvalidRequest, "max_age", id="non-ascii-digits"),
    pytest.param(params(max_age="9" * 11), InvalidRequest, "max_age", id="huge-max_age"),
]


@pytest.mark.parametrize(("request_params", "error", "message"), REDIRECTED)
def test_other_errors_redirect_to_the_client_with_the_state(
    request_params: Params, error: type[OAuthError], message: str
) -> None:
    raised = redirect_error(request_params)
    assert type(raised.cause) is error
    assert message in raised.cause.description
    assert raised.redirect_uri == REDIRECT
    assert raised.state == "xyz"
    assert raised.__cause__ is raised.cause


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (replace(CLIENT, grant_types=("refresh_token",)), "authorization_code grant"),
        (replace(CLIENT, grant_types=("client_credentials",)), "authorization_code grant"),
        (replace(CLIENT, response_types=()), "authorization_code grant"),
    ],
)
def test_a_client_without_the_code_grant_is_unauthorized(client: Client, expected: str) -> None:
    raised = redirect_error(params(), client)
    assert type(raised.cause) is UnauthorizedClient
    assert expected in raised.cause.description


def test_a_scope_the_client_may_not_have_is_refused() -> None:
    client = replace(CLIENT, scopes=frozenset({"mcp"}))
    raised = redirect_error(params(scope="mcp email"), client)
    assert type(raised.cause) is InvalidScope
    assert raised.cause.description == "scope not allowed for this client: email"


def test_no_scope_and_no_allowed_default_is_refused() -> None:
    client = replace(CLIENT, scopes=frozenset({"email"}))
    raised = redirect_error(params(), client)
    assert type(raised.cause) is InvalidScope
    assert "no default scope" in raised.cause.description


def test_the_redirect_goes_to_the_presented_loopback_uri() -> None:
    client = replace(CLIENT, redirect_uris=("http://localhost:3000/cb",))
    raised = redirect_error(params(redirect_uri="http://localhost:7777/cb", response_type="token"), client)
    assert raised.redirect_uri == "http://localhost:7777/cb"


def test_the_redirect_goes_to_the_single_registered_uri_when_none_was_sent() -> None:
    raised = redirect_error(params(redirect_uri=None, response_type="token"))
    assert raised.redirect_uri == REDIRECT


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(["a", "b"], id="repeated"),
        pytest.param(["same", "same"], id="repeated-same"),
        pytest.param(LONG, id="too-long"),
    ],
)
def test_a_bad_state_is_refused_and_not_echoed(state: str | list[str]) -> None:
    raised = redirect_error(params(state=state))
    assert type(raised.cause) is InvalidRequest
    assert "state" in raised.cause.description
    assert raised.state is None


def test_an_absent_state_is_not_invented() -> None:
    assert redirect_error(params(state=None, response_type="token")).state is None


def test_the_first_failing_rule_is_reported() -> None:
    raised = redirect_error(params(response_type="token", code_challenge=None, scope="admin"))
    assert type(raised.cause) is UnsupportedResponseType


def test_response_parameters_carry_error_description_state_and_issuer() -> None:
    raised = redirect_error(params(response_type="token"))
    assert raised.response_parameters(POLICY.issuer) == {
        "error": "unsupported_response_type",
        "error_description": "only response_type=code is supported",
        "state": "xyz",
        "iss": "https://as.example",
    }


def test_response_parameters_leave_out_an_absent_state() -> None:
    raised = redirect_error(params(response_type="token", state=None))
    assert raised.response_parameters(POLICY.issuer) == {
        "error": "unsupported_response_type",
        "error_description": "only response_type=code is supported",
        "iss": "https://as.example",
    }
