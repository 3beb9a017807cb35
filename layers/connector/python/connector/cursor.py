"""Opaque, tamper-evident pagination cursors.

A cursor carries DynamoDB's LastEvaluatedKey to the client and back. It is signed (HMAC-SHA256)
over the listing it belongs to (shop, kind, filter), so a client can neither edit it nor replay it
against another shop's listing: either way it is rejected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from connector.errors import AnsweredError


class InvalidCursorError(AnsweredError):
    """The cursor was not issued by us for this listing."""

    status, code = 400, "invalid_cursor"


def _mac(secret: bytes, scope: str, payload: bytes) -> bytes:
    return hmac.new(secret, scope.encode() + b"\n" + payload, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(last_key: dict[str, Any], *, secret: bytes, scope: str) -> str:
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, scope, payload))}"


def decode_cursor(cursor: str, *, secret: bytes, scope: str) -> dict[str, Any]:
    try:
        payload_text, mac_text = cursor.split(".", 1)
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except ValueError:
        raise InvalidCursorError("cursor is malformed") from None
    if not hmac.compare_digest(mac, _mac(secret, scope, payload)):
        raise InvalidCursorError("cursor was altered or belongs to another listing")
    try:
        last_key = json.loads(payload)
    except ValueError:
        raise InvalidCursorError("cursor is malformed") from None
    if not isinstance(last_key, dict):
        raise InvalidCursorError("cursor is malformed")
    return last_key
