"""`make token [SHOP=...]`: a Shopify session token for a local shop, signed with the local client
secret, valid for an hour. Local use only: on AWS the secret is Shopify's and lives in Secrets
Manager, so nothing here can mint a token it accepts."""

from __future__ import annotations

import os
import sys

from local.dynamodb import LOCAL_APP_CONFIG
from local.events import DEMO_SHOP
from local.sandboxes.shopify_session import session_token


def mint(shop: str, lifetime: int = 3600) -> str:
    key = os.environ.get("SHOPIFY_API_KEY", LOCAL_APP_CONFIG["SHOPIFY_API_KEY"])
    secret = os.environ.get("SHOPIFY_API_SECRET", LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"])
    return session_token(shop, key, secret, lifetime, user_id="1")


if __name__ == "__main__":
    print(mint(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else DEMO_SHOP))
