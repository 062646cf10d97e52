"""Page cursors: opaque, round-trip, and refused with the record's words when forged."""

from __future__ import annotations

import pytest

from timeline.errors import InvalidInputError
from timeline.queries import decode_cursor, encode_cursor


@pytest.mark.parametrize(("position", "offset"), [(0, 0), (37, 100), (2**62, 10_000)])
def test_a_cursor_gives_back_its_position_and_offset(position: int, offset: int) -> None:
    cursor = encode_cursor(position, offset)
    assert "=" not in cursor  # safe in a query string as it is
    assert decode_cursor(cursor) == (position, offset)


@pytest.mark.parametrize("cursor", ["zzz", "", "LTE6MA", "MToxOjE", "bm90IGEgY3Vyc29y"])
def test_a_cursor_the_record_did_not_give_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInputError, match="not a cursor this record gave"):
        decode_cursor(cursor)
