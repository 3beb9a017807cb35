"""Session token checks: every way a token can be wrong is a 401, one way is right."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from connector.session_tokens import Caller, InvalidSessionTokenError, bearer_token, verify
from tests.helpers import session_token

CLIENT_ID, SECRET = "client-id", "client-secret-of-the-app-0123456789"
SHOP = "demo-shop.myshopify.com"


def token(secret: str = SECRET, algorithm: str = "HS256", **overrides: Any) -> str:
    claims: dict[str, Any] = {"sub": "42", **overrides}
    return session_token(SHOP, client_id=CLIENT_ID, secret=secret, algorithm=algorithm, **claims)


def test_a_valid_token_names_its_shop() -> None:
    assert verify(token(), client_id=CLIENT_ID, client_secret=SECRET) == Caller(shop=SHOP, user="42")


def test_ten_seconds_of_skew_are_allowed() -> None:
    assert verify(token(exp=int(time.time()) - 5), client_id=CLIENT_ID, client_secret=SECRET).shop == SHOP


def _unsigned() -> str:
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    now = int(time.time())
    body = jwt.utils.base64url_encode(
        (
            f'{{"iss":"https://{SHOP}/admin","dest":"https://{SHOP}","aud":"{CLIENT_ID}",'
            f'"exp":{now + 60},"nbf":{now - 1}}}'
        ).encode()
    ).decode()
    return f"{header}.{body}."


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda: token(exp=int(time.time()) - 30),  # expired
        lambda: token(nbf=int(time.time()) + 30),  # not yet valid
        lambda: token(aud="another-app"),  # wrong audience
        lambda: token(secret="another-secret-of-the-same-length-00"),  # wrong secret
        lambda: _unsigned(),  # alg: none
        lambda: token(algorithm="HS512"),  # another algorithm
        lambda: token(iss="https://other-shop.myshopify.com/admin"),  # iss/dest mismatch
        lambda: token(dest="https://evil.example.com", iss="https://evil.example.com/admin"),  # not a shop
        lambda: token(dest=f"http://{SHOP}"),  # not https
        lambda: token(exp=None),  # a required claim missing
        lambda: "garbage",
        lambda: "",
    ],
)
def test_every_bad_token_is_refused(make_bad: Callable[[], str]) -> None:
    with pytest.raises(InvalidSessionTokenError):
        verify(make_bad(), client_id=CLIENT_ID, client_secret=SECRET)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_the_header_must_be_a_bearer_token(header: str | None) -> None:
    with pytest.raises(InvalidSessionTokenError):
        bearer_token(header)
    assert bearer_token("Bearer abc") == "abc"
