"""Webhook signatures, checked over the raw body bytes in constant time.

- Shopify: ``X-Shopify-Hmac-Sha256`` is base64(HMAC-SHA256(client secret, raw body)).
  https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
- TikTok Shop: ``Authorization`` is lowercase hex HMAC-SHA256(app secret, app_key + raw body), the
  scheme TikTok's webhook configuration guide points to (partner.tiktokshop.com, "Configuration
  guide" of TikTok Shop webhooks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def shopify_signature(raw_body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def tiktok_signature(raw_body: bytes, app_key: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()


def shopify_signature_valid(raw_body: bytes, header: str | None, secret: str) -> bool:
    if not header or not secret:
        return False
    return hmac.compare_digest(shopify_signature(raw_body, secret).encode(), header.strip().encode())


def tiktok_signature_valid(raw_body: bytes, header: str | None, app_key: str, app_secret: str) -> bool:
    if not header or not app_secret:
        return False
    expected = tiktok_signature(raw_body, app_key, app_secret).encode()
    return hmac.compare_digest(expected, header.strip().lower().encode())
