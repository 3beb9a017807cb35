"""Linking a shop to its TikTok shop (the connection flow and the demo), and unlinking it."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.clients.tiktok.errors import TikTokError
from connector.domain.entities import InstallState, Shop, TikTokConnection
from connector.listing.warehouses import sales_warehouses
from connector.observability import logger
from connector.tiktok_webhook_subscriptions import register as register_webhooks
from connector.values import replace
from connector.wiring import Ports


class TikTokShopHeldError(RuntimeError):
    """Another Shopify shop holds this TikTok shop: it must disconnect it first."""


def connect_tiktok(
    ports: Ports,
    shop: Shop,
    *,
    tiktok_shop_id: str,
    shop_cipher: str,
    access_token: str,
    refresh_token: str,
    access_token_expires_at: int,
    refresh_token_expires_at: int | None = None,
    region: str | None = None,
) -> Shop:
    """Store the shop's TikTok tokens encrypted and make its TikTok webhooks find it; keep its
    region and sales warehouses (Get Warehouse List), which every listing needs.

    A TikTok shop is linked to one Shopify shop at a time (a conditional write on its lookup): one
    that another installed shop holds raises ``TikTokShopHeldError`` and nothing is written. A shop
    re-linked to another TikTok shop lets go of the one it held."""
    _hold(ports, shop.domain, tiktok_shop_id)
    if shop.tiktok_shop_id and shop.tiktok_shop_id != tiktok_shop_id:
        ports.store.unlink_tiktok_shop(shop.domain, shop.tiktok_shop_id)
    cipher = ports.cipher
    connected = replace(
        shop,
        tiktok_shop_id=tiktok_shop_id,
        tiktok_shop_cipher=shop_cipher,
        tiktok_connection=TikTokConnection.CONNECTED,
        tiktok_access_token_ciphertext=cipher.encrypt(access_token, shop.domain),
        tiktok_refresh_token_ciphertext=cipher.encrypt(refresh_token, shop.domain),
        tiktok_access_token_expires_at=datetime.fromtimestamp(access_token_expires_at, UTC),
        tiktok_refresh_token_expires_at=(
            datetime.fromtimestamp(refresh_token_expires_at, UTC) if refresh_token_expires_at else None
        ),
        # A new authorization: the expiry TikTok warned of (type 7) was the old one's.
        tiktok_authorization_expires_at=None,
        tiktok_connected_at=int(ports.now().timestamp()),
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
    _save_tiktok_link(ports, connected)
    # TikTok sends the shop's events only where its webhooks point; a refusal keeps the connection.
    missing = register_webhooks(ports, connected)
    return replace(connected, tiktok_webhooks_missing=missing)


# The profile fields a connection writes: only these, so that a Shopify token refreshed meanwhile
# (connector.shopify_session) is not written over with the one read before.
_LINK_FIELDS = (
    "tiktok_shop_id",
    "tiktok_shop_cipher",
    "tiktok_connection",
    "tiktok_access_token_ciphertext",
    "tiktok_refresh_token_ciphertext",
    "tiktok_access_token_expires_at",
    "tiktok_refresh_token_expires_at",
    "tiktok_authorization_expires_at",
    "tiktok_connected_at",
    "orders_since",
    "tiktok_orders_polled_until",
    "tiktok_region",
    "tiktok_warehouses",
)


def _save_tiktok_link(ports: Ports, connected: Shop) -> None:
    fields = {name: getattr(connected, name) for name in _LINK_FIELDS}
    if not ports.store.update_shop(connected.domain, **fields):
        ports.store.save_shop(connected)  # a profile not stored yet (the demo's first seed)


def disconnect_tiktok(ports: Ports, shop: Shop) -> None:
    """Forget the shop's TikTok tokens and let go of its TikTok shop (guides/disconnecting-shops.md):
    its webhooks no longer lead here and work for TikTok waits until it connects again. The TikTok
    shop's id stays: its listings are still ours, and connecting it again takes them up."""
    if shop.tiktok_shop_id:
        ports.store.unlink_tiktok_shop(shop.domain, shop.tiktok_shop_id)
    ports.store.update_shop(
        shop.domain,
        tiktok_connection=TikTokConnection.NOT_CONNECTED,
        tiktok_access_token_ciphertext=None,
        tiktok_refresh_token_ciphertext=None,
    )


def _hold(ports: Ports, domain: str, tiktok_shop_id: str) -> None:
    """Take the TikTok shop's lookup for ``domain``; a holder whose hold lapsed (uninstalled, or
    linked to another TikTok shop since) gives way, an installed one that still holds it does not."""
    store = ports.store
    if store.link_tiktok_shop(domain, tiktok_shop_id):
        return
    holder = store.shop_for_tiktok(tiktok_shop_id)
    profile = store.get_shop(holder) if holder else None
    lapsed = (
        holder is None
        or profile is None
        or profile.install_state is InstallState.UNINSTALLED
        or profile.tiktok_shop_id != tiktok_shop_id
        or profile.tiktok_connection is TikTokConnection.NOT_CONNECTED
    )
    if not (lapsed and store.link_tiktok_shop(domain, tiktok_shop_id, taking_over_from=holder)):
        raise TikTokShopHeldError(f"TikTok shop {tiktok_shop_id} is linked to another Shopify shop")
