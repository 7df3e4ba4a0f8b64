"""PKCE (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from remotemcp.domain.errors import InvalidGrant, InvalidRequest
from remotemcp.domain.oauth.pkce import (
    s256_challenge,
    validate_code_challenge,
    validate_code_verifier,
    verify_code_verifier,
)

# RFC 7636 Appendix B: the verifier is the base64url of these 32 octets.
RFC_OCTETS = bytes(
    [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
     22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]
)  # fmt: skip
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

UNRESERVED = string.ascii_letters + string.digits + "-._~"

valid_verifiers = st.text(alphabet=UNRESERVED, min_size=43, max_size=128)
too_short = st.text(alphabet=UNRESERVED, max_size=42)
too_long = st.text(alphabet=UNRESERVED, min_size=129, max_size=400)
outside_alphabet = st.characters().filter(lambda ch: ch not in UNRESERVED)


@st.composite
def verifiers_with_a_bad_character(draw: st.DrawFn) -> str:
    base = draw(valid_verifiers)
    position = draw(st.integers(min_value=0, max_value=len(base) - 1))
    return base[:position] + draw(outside_alphabet) + base[position + 1 :]


invalid_verifiers = st.one_of(too_short, too_long, verifiers_with_a_bad_character())


# -- RFC 7636 Appendix B ------------------------------------------------------------------------


def test_rfc7636_appendix_b_verifier_is_the_base64url_of_its_octets() -> None:
    assert base64.urlsafe_b64encode(RFC_OCTETS).rstrip(b"=").decode() == RFC_VERIFIER


def test_rfc7636_appendix_b_challenge() -> None:
    assert s256_challenge(RFC_VERIFIER) == RFC_CHALLENGE
    assert verify_code_verifier(RFC_VERIFIER, RFC_CHALLENGE) is True
    assert validate_code_challenge(RFC_CHALLENGE, "S256") == RFC_CHALLENGE


def test_s256_is_base64url_of_sha256_without_padding() -> None:
    verifier = "a" * 43
    expected = base64.urlsafe_b64encode(hashlib.sha256(b"a" * 43).digest()).decode().rstrip("=")
    assert s256_challenge(verifier) == expected
    assert len(expected) == 43


# -- the challenge at /authorize ----------------------------------------------------------------


@pytest.mark.parametrize("challenge", [None, ""])
def test_missing_challenge_is_refused(challenge: str | None) -> None:
    with pytest.raises(InvalidRequest, match="code_challenge is required"):
        validate_code_challenge(challenge, "S256")


@pytest.mark.parametrize("method", [None, ""])
def test_missing_method_is_refused_because_the_rfc_default_is_plain(method: str | None) -> None:
    with pytest.raises(InvalidRequest, match="code_challenge_method is required") as info:
        validate_code_challenge(RFC_CHALLENGE, method)
    assert "plain" in info.value.description


def test_plain_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidRequest, match="plain is not allowed; use S256"):
        validate_code_challenge(RFC_VERIFIER, "plain")


@pytest.mark.parametrize("method", ["s256", "S384", "SHA256", "S256 "])
def test_other_methods_are_refused(method: str) -> None:
    with pytest.raises(InvalidRequest, match="only S256"):
        validate_code_challenge(RFC_CHALLENGE, method)


@pytest.mark.parametrize(
    "challenge",
    [
        RFC_CHALLENGE[:-1],  # 42 characters
        RFC_CHALLENGE + "A",  # 44 characters
        RFC_CHALLENGE + "=",  # padded
        RFC_CHALLENGE[:-1] + "+",  # base64, not base64url
        RFC_CHALLENGE[:-1] + "/",
        RFC_CHALLENGE[:-1] + ".",
        RFC_CHALLENGE[:-1] + "\n",
        RFC_VERIFIER[:-1] + "l",  # 43 base64url chars, but non-zero trailing bits: no digest is this
        "é" * 43,
    ],
)
def test_malformed_challenges_are_refused(challenge: str) -> None:
    with pytest.raises(InvalidRequest, match="43-character base64url"):
        validate_code_challenge(challenge, "S256")


@given(st.binary(min_size=32, max_size=32))
def test_every_base64url_digest_is_an_acceptable_challenge(digest: bytes) -> None:
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert validate_code_challenge(challenge, "S256") == challenge


# -- the verifier at /token ---------------------------------------------------------------------


@pytest.mark.parametrize("length", [43, 128])
def test_verifier_length_bounds_are_inclusive(length: int) -> None:
    verifier = ("A1-._~z" * 20)[:length]
    assert validate_code_verifier(verifier) == verifier
    assert verify_code_verifier(verifier, s256_challenge(verifier)) is True


@pytest.mark.parametrize(
    "verifier",
    ["A" * 42, "A" * 129, "", "A" * 42 + "+", "A" * 42 + " ", "A" * 42 + "/", "A" * 43 + "\n", "é" * 43],
)
def test_verifiers_outside_the_grammar_are_refused(verifier: str) -> None:
    with pytest.raises(InvalidGrant, match="43 to 128 characters"):
        validate_code_verifier(verifier)


def test_a_wrong_verifier_does_not_verify() -> None:
    assert verify_code_verifier("B" * 43, RFC_CHALLENGE) is False
    assert verify_code_verifier(RFC_VERIFIER, s256_challenge("B" * 43)) is False


def test_the_challenge_itself_is_not_a_verifier() -> None:
    # The `plain` method would accept this; S256 must not.
    assert verify_code_verifier(RFC_CHALLENGE, RFC_CHALLENGE) is False


def test_a_non_ascii_challenge_just_fails_to_verify() -> None:
    assert verify_code_verifier(RFC_VERIFIER, "é" * 43) is False


@given(valid_verifiers)
def test_any_valid_verifier_round_trips(verifier: str) -> None:
    assert validate_code_verifier(verifier) == verifier
    challenge = s256_challenge(verifier)
    assert validate_code_challenge(challenge, "S256") == challenge
    assert verify_code_verifier(verifier, challenge) is True


@given(invalid_verifiers)
def test_any_verifier_outside_the_grammar_or_length_is_refused(verifier: str) -> None:
    with pytest.raises(InvalidGrant):
        validate_code_verifier(verifier)
    # Even against its own digest (when it has one): an out-of-grammar verifier never verifies.
    if verifier.isascii():
        assert verify_code_verifier(verifier, s256_challenge(verifier)) is False


@given(valid_verifiers, valid_verifiers)
def test_a_different_verifier_never_verifies(verifier: str, other: str) -> None:
    assume(verifier != other)
    assert verify_code_verifier(other, s256_challenge(verifier)) is False
