"""A Shopify App Bridge session token: the claims Shopify puts in one for a shop's admin, signed
(HS256) with the app's client secret. The sandbox hands them out; `make token` mints one locally."""

from __future__ import annotations

import time
import uuid

import jwt


def session_token(shop: str, api_key: str, api_secret: str, lifetime: int, user_id: str) -> str:
    """Valid from now for ``lifetime`` seconds, for user ``user_id`` of ``shop``, audience ``api_key``."""
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user_id,
        "exp": now + lifetime,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": uuid.uuid4().hex,
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")
