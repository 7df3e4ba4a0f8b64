"""Event ids: `<sequence: 16 hex digits>-<token: 64 hex digits>`.

The fixed-width sequence makes ids sort in the order they were issued. The token is 128 random
bits followed by a 128-bit HMAC tag binding those bits to the session the event was sent in:
the random bits make the id unguessable, so it is no cursor into anyone else's stream, and the tag
still proves an id was issued to a session after its event has been evicted and the stored id
with it. Lower-case hex and one hyphen keep the id safe in an SSE `id:` field and in a
`Last-Event-ID` header.

The tag does not cover the sequence, which the repository assigns only once the token is made.
A client that edits the sequence of one of its own ids learns nothing by it: a sequence is looked
up only among its own session's events, and the full id must match the stored one to replay.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from remotemcp.domain.randomness import RandomSource

NONCE_BYTES = 16
TAG_BYTES = 16
MIN_KEY_BYTES = 32
MAX_SEQUENCE = 2**63 - 1
"""The largest value a signed 64-bit SQL identity column holds."""

_TOKEN_HEX = 2 * (NONCE_BYTES + TAG_BYTES)
_EVENT_ID = re.compile(rf"([0-9a-f]{{16}})-([0-9a-f]{{{_TOKEN_HEX}}})")
_TOKEN = re.compile(rf"[0-9a-f]{{{_TOKEN_HEX}}}")
EVENT_ID_LENGTH = 16 + 1 + _TOKEN_HEX


@dataclass(frozen=True, slots=True)
class ParsedEventId:
    sequence: int
    token: str


class EventTokens:
    """Makes and checks the token half of event ids with one secret key.

    Every process that must recognise another's evicted ids needs the same key; with different
    keys an evicted id is merely reported unknown, never misattributed."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"an event token key needs at least {MIN_KEY_BYTES} bytes")
        self._key = key

    def new_token(self, session_id: str, random: RandomSource) -> str:
        nonce = random.token_bytes(NONCE_BYTES)
        return (nonce + self._tag(session_id, nonce)).hex()

    def issued_to(self, session_id: str, token: str) -> bool:
        """True if this key made `token` for `session_id`. Constant time in the tag."""
        if _TOKEN.fullmatch(token) is None:
            return False
        raw = bytes.fromhex(token)
        nonce, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        return hmac.compare_digest(tag, self._tag(session_id, nonce))

    def _tag(self, session_id: str, nonce: bytes) -> bytes:
        # The nonce has a fixed length, so nonce + session id cannot collide with another pair.
        message = nonce + session_id.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()[:TAG_BYTES]


def format_event_id(sequence: int, token: str) -> str:
    if not 0 < sequence <= MAX_SEQUENCE:
        raise ValueError(f"event sequence out of range: {sequence}")
    if _TOKEN.fullmatch(token) is None:
        raise ValueError(f"an event token is {_TOKEN_HEX} lower-case hex digits")
    return f"{sequence:016x}-{token}"


def parse_event_id(text: str) -> ParsedEventId | None:
    """None for anything `format_event_id` could not have produced."""
    # The length check keeps a hostile header from costing more than one short regex match.
    if len(text) != EVENT_ID_LENGTH:
        return None
    match = _EVENT_ID.fullmatch(text)
    if match is None:
        return None
    sequence = int(match.group(1), 16)
    if not 0 < sequence <= MAX_SEQUENCE:
        return None
    return ParsedEventId(sequence=sequence, token=match.group(2))
