"""The OAuth ``state`` of the TikTok connection flow: signed, expiring and single-use.

It carries the shop that asked to connect, so the callback (which has no session token) learns the
shop only from a value we signed; the nonce is stored and consumed, so a replayed state fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from connector.dal.store import Store
from connector.errors import AnsweredError

LIFETIME_SECONDS = 600


class InvalidStateError(AnsweredError):
    """Not a state we issued, expired, or already used."""

    status, code = 400, "invalid_state"


@dataclass(frozen=True)
class IssuedState:
    value: str
    expires_at: int


def _mac(key: str, payload: bytes) -> str:
    return hmac.new(key.encode(), b"oauth-state\n" + payload, hashlib.sha256).hexdigest()


def issue(store: Store, shop: str, key: str, now: float | None = None) -> IssuedState:
    expires_at = int((now or time.time()) + LIFETIME_SECONDS)
    nonce = secrets.token_urlsafe(16)
    payload = json.dumps({"shop": shop, "nonce": nonce, "exp": expires_at}, separators=(",", ":")).encode()
    store.save_oauth_state(shop, nonce, expires_at)
    value = base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _mac(key, payload)
    return IssuedState(value, expires_at)


def consume(store: Store, value: str, key: str, now: float | None = None) -> str:
    """The shop a state was issued for; the state cannot be used again."""
    try:
        encoded, mac = value.split(".", 1)
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        raise InvalidStateError("state is malformed") from None
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise InvalidStateError("state was not issued by this app")
    claims = json.loads(payload)
    if int(claims["exp"]) < (now or time.time()):
        raise InvalidStateError("state has expired: start the connection again")
    if not store.consume_oauth_state(claims["shop"], claims["nonce"]):
        raise InvalidStateError("state was already used: start the connection again")
    return str(claims["shop"])
