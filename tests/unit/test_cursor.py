from __future__ import annotations

import pytest

from connector.cursor import InvalidCursorError, decode_cursor, encode_cursor

KEY = {"pk": {"S": "SHOP#a.myshopify.com"}, "sk": {"S": "PRODUCT#1"}}
SECRET = b"cursor-secret"


def test_cursor_round_trips_the_page_key() -> None:
    cursor = encode_cursor(KEY, secret=SECRET, scope="a|PRODUCT|live")
    assert decode_cursor(cursor, secret=SECRET, scope="a|PRODUCT|live") == KEY


@pytest.mark.parametrize("tamper", [lambda c: c[:-2] + "AA", lambda c: "x" + c, lambda c: c.replace(".", "")])
def test_an_altered_cursor_is_rejected(tamper) -> None:  # type: ignore[no-untyped-def]
    cursor = encode_cursor(KEY, secret=SECRET, scope="s")
    with pytest.raises(InvalidCursorError):
        decode_cursor(tamper(cursor), secret=SECRET, scope="s")


def test_a_cursor_of_another_listing_is_rejected() -> None:
    cursor = encode_cursor(KEY, secret=SECRET, scope="a.myshopify.com|PRODUCT|live")
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor, secret=SECRET, scope="b.myshopify.com|PRODUCT|live")
