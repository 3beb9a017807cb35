"""The OAuth ``state`` of the TikTok connection flow: signed, expiring, single-use, and bound to the
merchant's session.

It carries the shop that asked to connect and the staff member who asked (the session token's
``sub``). TikTok's redirect lands on our callback, which has no session: it only parks the auth code
beside the issued state and sends the browser back to the embedded app. The link is made there, by
``consume``, inside a session of the same shop (and the same person, when Shopify names one). So an
authorize link forwarded to someone else cannot link their TikTok shop to the store: whoever
approves it is sent to a Shopify Admin they cannot open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time

from connector.dal.store import Store
from connector.errors import AnsweredError
from connector.session_tokens import Caller
from connector.values import Value

LIFETIME_SECONDS = 600


class InvalidStateError(AnsweredError):
    """Not a state we issued, expired, or already used."""

    status, code = 400, "invalid_state"


class StateOfAnotherSessionError(AnsweredError):
    """A state issued to another shop or another person than the caller."""

    status, code = 403, "forbidden"


class IssuedState(Value, frozen=True):
    value: str
    expires_at: int


class StateClaims(Value, frozen=True):
    shop: str
    nonce: str
    expires_at: int
    user: str | None


def _mac(key: str, payload: bytes) -> str:
    return hmac.new(key.encode(), b"oauth-state\n" + payload, hashlib.sha256).hexdigest()


def issue(store: Store, caller: Caller, key: str, now: float | None = None) -> IssuedState:
    expires_at = int((now or time.time()) + LIFETIME_SECONDS)
    nonce = secrets.token_urlsafe(16)
    claims = {"shop": caller.shop, "nonce": nonce, "exp": expires_at, "sub": caller.user}
    payload = json.dumps(claims, separators=(",", ":")).encode()
    store.save_oauth_state(caller.shop, nonce, expires_at)
    value = base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _mac(key, payload)
    return IssuedState(value, expires_at)


def verify(value: str, key: str, now: float | None = None) -> StateClaims:
    """The claims of a state we issued and that has not expired (whether it was used is the store's)."""
    if not value.isascii():  # hmac.compare_digest refuses non-ASCII text: a 400, not a 500
        raise InvalidStateError("state is malformed")
    try:
        encoded, mac = value.split(".", 1)
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (ValueError, binascii.Error):
        raise InvalidStateError("state is malformed") from None
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise InvalidStateError("state was not issued by this app")
    claims = json.loads(payload)
    if int(claims["exp"]) < (now or time.time()):
        raise InvalidStateError("state has expired: start the connection again")
    user = claims.get("sub")
    return StateClaims(str(claims["shop"]), str(claims["nonce"]), int(claims["exp"]), user)


def park_code(store: Store, value: str, code_ciphertext: str, key: str, now: float | None = None) -> str:
    """TikTok's redirect: keep its (encrypted) auth code beside the issued state, once; the shop the
    state names, whose embedded app will finish the link."""
    claims = verify(value, key, now)
    if not store.attach_oauth_code(claims.shop, claims.nonce, code_ciphertext):
        raise InvalidStateError("state was already used: start the connection again")
    return claims.shop


def consume(store: Store, value: str, caller: Caller, key: str, now: float | None = None) -> str:
    """The (encrypted) auth code TikTok sent for a state the caller's session issued; the state
    cannot be used again. Refused for another shop's or another person's state, before anything is
    consumed."""
    claims = verify(value, key, now)
    if claims.shop != caller.shop or (claims.user and caller.user and claims.user != caller.user):
        raise StateOfAnotherSessionError("this TikTok authorization was started from another session")
    code = store.consume_oauth_code(claims.shop, claims.nonce)
    if code is None:
        raise InvalidStateError("state was already used or TikTok sent no code: start the connection again")
    return code


def restore(store: Store, value: str, parked_ciphertext: str, key: str, now: float | None = None) -> None:
    """Put a consumed state back with what it parks (the code, or the grant traded for it), so the
    merchant's session can finish the link once a partner outage that stopped it is over."""
    claims = verify(value, key, now)
    store.save_oauth_state(claims.shop, claims.nonce, claims.expires_at)
    store.attach_oauth_code(claims.shop, claims.nonce, parked_ciphertext)
