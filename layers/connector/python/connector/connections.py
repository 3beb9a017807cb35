"""Linking a shop to its TikTok shop: what the OAuth callback (and the demo) record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from connector.clients.tiktok.errors import TikTokError
from connector.domain.entities import Shop, TikTokConnection
from connector.listing.warehouses import sales_warehouses
from connector.observability import logger
from connector.tiktok_webhook_subscriptions import register as register_webhooks
from connector.wiring import Ports


def connect_tiktok(
    ports: Ports,
    shop: Shop,
    *,
    tiktok_shop_id: str,
    shop_cipher: str,
    access_token: str,
    refresh_token: str,
    access_token_expires_at: int,
    region: str | None = None,
) -> Shop:
    """Store the shop's TikTok tokens encrypted and make its TikTok webhooks find it; keep its
    region and sales warehouses (Get Warehouse List), which every listing needs."""
    cipher = ports.cipher
    connected = replace(
        shop,
        tiktok_shop_id=tiktok_shop_id,
        tiktok_shop_cipher=shop_cipher,
        tiktok_connection=TikTokConnection.CONNECTED,
        tiktok_access_token_ciphertext=cipher.encrypt(access_token, shop.domain),
        tiktok_refresh_token_ciphertext=cipher.encrypt(refresh_token, shop.domain),
        tiktok_access_token_expires_at=datetime.fromtimestamp(access_token_expires_at, UTC),
        tiktok_region=region or shop.tiktok_region,
    )
    if not shop.orders_since:
        # Orders from now on become Shopify orders: the shop's TikTok history (delivered ones
        # included) would otherwise arrive as new unfulfilled orders and use up the plan's quota.
        # The merchant may choose an earlier start in Settings.
        since = int(ports.now().timestamp())
        connected = replace(
            connected,
            orders_since=since,
            tiktok_orders_polled_until=max(shop.tiktok_orders_polled_until, since),
        )
    try:
        connected = replace(connected, tiktok_warehouses=sales_warehouses(ports.tiktok_api(connected)))
    except TikTokError:
        # Read again at the first upload (and by the daily schedule): connecting does not wait on it.
        logger.warning("tiktok warehouses not read at connection", extra={"shop": shop.domain})
    ports.store.save_shop(connected)
    ports.store.link_tiktok_shop(shop.domain, tiktok_shop_id)
    # TikTok sends the shop's events only where its webhooks point; a refusal keeps the connection.
    missing = register_webhooks(ports, connected)
    return replace(connected, tiktok_webhooks_missing=missing)
