"""What names a Shopify shop: its myshopify.com domain, checked before it reaches a URL or a key."""

from __future__ import annotations

import re

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


def check_shop(shop: str) -> str:
    """``shop`` itself when it is a myshopify.com domain; ValueError otherwise."""
    if not SHOP_DOMAIN.match(shop):
        raise ValueError("not a myshopify.com shop domain")
    return shop
