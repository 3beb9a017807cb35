"""`make token [SHOP=...]`: a Shopify session token for a local shop, signed with the local client
secret, valid for an hour. Local use only: on AWS the secret is Shopify's and lives in Secrets
Manager, so nothing here can mint a token it accepts."""

from __future__ import annotations

import os
import sys
import time
import uuid

import jwt

from local.dynamodb import LOCAL_APP_CONFIG
from local.events import DEMO_SHOP


def mint(shop: str, lifetime: int = 3600) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": os.environ.get("SHOPIFY_API_KEY", LOCAL_APP_CONFIG["SHOPIFY_API_KEY"]),
        "sub": "1",
        "exp": now + lifetime,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": uuid.uuid4().hex,
    }
    secret = os.environ.get("SHOPIFY_API_SECRET", LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"])
    return jwt.encode(claims, secret, algorithm="HS256")


if __name__ == "__main__":
    print(mint(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else DEMO_SHOP))
