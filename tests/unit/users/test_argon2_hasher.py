from __future__ import annotations

import base64

import pytest

from remotemcp.adapters.argon2_hasher import Argon2PasswordHasher


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher.for_tests()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def test_hash_is_argon2id_with_the_test_parameters(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("correct horse battery staple")
    assert password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_right_password_verifies(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("correct horse battery staple")
    assert hasher.verify(password_hash, "correct horse battery staple") is True


def test_wrong_password_is_false(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("correct horse battery staple")
    assert hasher.verify(password_hash, "correct horse battery stapler") is False
    assert hasher.verify(password_hash, "") is False


def test_unicode_password_round_trips(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("пароль-ünïcode-✓")
    assert hasher.verify(password_hash, "пароль-ünïcode-✓") is True
    assert hasher.verify(password_hash, "пароль-unicode-✓") is False


def test_hashes_are_salted(hasher: Argon2PasswordHasher) -> None:
    first, second = hasher.hash("same password"), hasher.hash("same password")
    assert first != second
    assert hasher.verify(first, "same password")
    assert hasher.verify(second, "same password")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=8,t=1,p=1$xx$yy",
        "$argon2id$v=19$m=8,t=1,p=1$ééé$yy",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "\x00",
    ],
)
def test_garbage_hash_is_false_never_an_exception(hasher: Argon2PasswordHasher, garbage: str) -> None:
    assert hasher.verify(garbage, "password") is False


def test_truncated_hash_is_false(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("password")
    assert hasher.verify(password_hash[:-4], "password") is False


def test_own_hash_needs_no_rehash(hasher: Argon2PasswordHasher) -> None:
    assert hasher.needs_rehash(hasher.hash("password")) is False


def test_hash_with_other_parameters_needs_rehash(hasher: Argon2PasswordHasher) -> None:
    stronger = Argon2PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    old = hasher.hash("password")
    assert stronger.needs_rehash(old) is True
    assert stronger.verify(old, "password") is True  # old hashes still log in, then get rehashed


def test_garbage_hash_needs_rehash(hasher: Argon2PasswordHasher) -> None:
    assert hasher.needs_rehash("garbage") is True


def test_defaults_are_rfc_9106_low_memory() -> None:
    # Checked through needs_rehash, so the test does not spend 64 MiB hashing.
    default = Argon2PasswordHasher()
    low_memory = f"$argon2id$v=19$m=65536,t=3,p=4${_b64(b's' * 16)}${_b64(b'h' * 32)}"
    assert default.needs_rehash(low_memory) is False
    assert default.needs_rehash(low_memory.replace("t=3", "t=2")) is True
    assert default.needs_rehash(low_memory.replace("$argon2id$", "$argon2i$")) is True
