from __future__ import annotations

import pytest

from remotemcp.domain.events.ids import (
    EVENT_ID_LENGTH,
    MAX_SEQUENCE,
    NONCE_BYTES,
    TAG_BYTES,
    EventTokens,
    ParsedEventId,
    format_event_id,
    parse_event_id,
)
from tests.unit.fakes import CountingRandom

TOKEN = "0123456789abcdef" * 4
ARABIC_ONE = "\u0661"
"""A digit to `int()` and to the regex `\\d`, but nothing an id may contain."""
KEY = b"k" * 32


def test_an_id_carries_its_sequence_and_token() -> None:
    event_id = format_event_id(42, TOKEN)

    assert event_id == f"000000000000002a-{TOKEN}"
    assert len(event_id) == EVENT_ID_LENGTH
    assert parse_event_id(event_id) == ParsedEventId(sequence=42, token=TOKEN)


def test_ids_sort_like_their_sequences() -> None:
    sequences = [1, 9, 10, 15, 16, 255, 256, 2**32, MAX_SEQUENCE]
    ids = [format_event_id(sequence, TOKEN) for sequence in reversed(sequences)]

    assert [parse_event_id(i) for i in sorted(ids)] == [ParsedEventId(s, TOKEN) for s in sequences]


def test_a_token_starts_with_128_bits_from_the_random_source() -> None:
    random_bits = CountingRandom("ids").token_bytes(NONCE_BYTES)

    token = EventTokens(KEY).new_token("s1", CountingRandom("ids"))

    assert NONCE_BYTES * 8 >= 128
    assert token.startswith(random_bits.hex())
    assert len(token) == 2 * (NONCE_BYTES + TAG_BYTES)


def test_a_token_is_recognised_for_its_own_session_only() -> None:
    tokens = EventTokens(KEY)
    token = tokens.new_token("s1", CountingRandom())

    assert tokens.issued_to("s1", token)
    assert not tokens.issued_to("s2", token)
    assert not tokens.issued_to("s1 ", token)
    assert not EventTokens(b"x" * 32).issued_to("s1", token)


def test_a_token_with_any_bit_changed_is_not_recognised() -> None:
    tokens = EventTokens(KEY)
    token = tokens.new_token("s1", CountingRandom())

    for position in range(len(token)):
        flipped = "1" if token[position] == "0" else "0"
        altered = token[:position] + flipped + token[position + 1 :]
        assert not tokens.issued_to("s1", altered), position


@pytest.mark.parametrize("token", ["", "zz", TOKEN.upper(), TOKEN[:-2], ARABIC_ONE * 64])
def test_a_malformed_token_is_not_recognised(token: str) -> None:
    assert not EventTokens(KEY).issued_to("s1", token)


def test_the_token_key_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EventTokens(b"k" * 31)


def test_an_id_is_safe_in_an_sse_id_field() -> None:
    event_id = format_event_id(MAX_SEQUENCE, EventTokens(KEY).new_token("s", CountingRandom()))

    assert event_id.isascii()
    assert set(event_id) <= set("0123456789abcdef-")


@pytest.mark.parametrize("sequence", [0, -1, MAX_SEQUENCE + 1])
def test_formatting_refuses_a_sequence_out_of_range(sequence: int) -> None:
    with pytest.raises(ValueError, match="sequence"):
        format_event_id(sequence, TOKEN)


@pytest.mark.parametrize("token", ["", "abc", TOKEN.upper(), TOKEN[:-1], TOKEN + "0", "g" * 64])
def test_formatting_refuses_a_malformed_token(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        format_event_id(1, token)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "not-an-event-id",
        f"000000000000002A-{TOKEN}",
        f"000000000000002a-{TOKEN.upper()}",
        f"000000000000002a_{TOKEN}",
        f"000000000000002a:{TOKEN}",
        f"000000000000002a-{TOKEN}\n",
        f"\n000000000000002a-{TOKEN[:-1]}",
        f"000000000000002a-{TOKEN}0",
        f"00000000000002a-{TOKEN}0",
        f"0000000000000000-{TOKEN}",
        f"8000000000000000-{TOKEN}",
        f"ffffffffffffffff-{TOKEN}",
        f"000000000000002a-{ARABIC_ONE * 64}",
        f"{ARABIC_ONE * 16}-{TOKEN}",
        "x" * 10_000,
    ],
)
def test_parsing_refuses_anything_format_could_not_produce(text: str) -> None:
    assert parse_event_id(text) is None
