"""Shopify session tokens (App Bridge): who is calling the dashboard API, verified with PyJWT.

Per https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens: HS256 signed
with the app's client secret; ``aud`` is the client id; ``dest`` is ``https://{shop}``; ``iss`` is
``https://{shop}/admin``; one-minute lifetime. We allow 10 s of clock skew.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt

from connector.errors import AnsweredError
from connector.shop_domains import SHOP_DOMAIN
from connector.values import Value

LEEWAY_SECONDS = 10
REQUIRED_CLAIMS = ["exp", "nbf", "iss", "dest", "aud"]


class InvalidSessionTokenError(AnsweredError):
    """The bearer token does not prove a shop."""

    status, code = 401, "unauthenticated"


class Caller(Value, frozen=True):
    shop: str  # the myshopify.com domain from ``dest``: the only source of the shop
    user: str | None  # ``sub``: the staff member, when Shopify names one


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidSessionTokenError("Authorization must be 'Bearer <Shopify session token>'")
    return token.strip()


def verify(token: str, *, client_id: str, client_secret: str) -> Caller:
    try:
        claims = jwt.decode(
            token,
            client_secret,
            algorithms=["HS256"],  # never "none", never what the token's header asks for
            audience=client_id,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise InvalidSessionTokenError(f"session token rejected: {type(error).__name__}") from None
    shop = _host(claims["dest"])
    if not SHOP_DOMAIN.match(shop) or _host(claims["iss"]) != shop:
        raise InvalidSessionTokenError("session token iss and dest must name the same myshopify.com shop")
    sub = claims.get("sub")
    return Caller(shop=shop, user=str(sub) if sub is not None else None)


def _host(url: object) -> str:
    parts = urlsplit(str(url))
    return (parts.hostname or "").lower() if parts.scheme == "https" else ""
