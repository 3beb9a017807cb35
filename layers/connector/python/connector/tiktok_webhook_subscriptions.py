"""A connected shop's TikTok webhooks: every event type the door takes, sent to our address.

TikTok sends a shop's events to the address set for each event type by Update Shop Webhook, and
lists them with Get Shop Webhooks (api/event/update-shop-webhook.spec.json,
get-shop-webhooks.spec.json, 202309). Connecting a shop registers them; the daily check registers
again what is missing and keeps on the profile what still is, for the dashboard's notice.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector import routes
from connector.clients.tiktok.errors import TikTokApiError, TikTokError
from connector.domain.entities import Shop, TikTokConnection
from connector.observability import logger
from connector.settings import Settings
from connector.webhooks.tiktok_delivery import EVENT_TYPES
from connector.wiring import Ports


def webhook_address(settings: Settings) -> str:
    """Where TikTok must send the shop's webhooks: our TikTok door."""
    return settings.tiktok_webhook_url or f"{settings.public_api_url}{routes.path_of('tiktok_webhook')}"


def missing_types(ports: Ports, shop: Shop) -> tuple[str, ...]:
    """The event types we handle that TikTok would not send us: none set, or set to another address
    (Get Shop Webhooks). Raises TikTokError when TikTok cannot be asked."""
    address = webhook_address(ports.settings)
    registered = {w.event_type for w in ports.tiktok_api(shop).get_shop_webhooks() if w.address == address}
    return tuple(event_type for event_type in EVENT_TYPES if event_type not in registered)


def register(ports: Ports, shop: Shop, event_types: Sequence[str] = EVENT_TYPES) -> tuple[str, ...]:
    """Point each of ``event_types`` at our address (Update Shop Webhook) and record on the profile
    the ones TikTok refused or could not be asked about; those are returned. A failure is logged,
    never raised: the connection stands, and the daily check tries again."""
    api, address = ports.tiktok_api(shop), webhook_address(ports.settings)
    missing = list(event_types)
    try:
        for event_type in event_types:
            api.update_shop_webhook(event_type, address)
            missing.remove(event_type)
    except TikTokError as error:
        # The code and TikTok's message name the refusal; no token or body goes in the log.
        code = error.code if isinstance(error, TikTokApiError) else None
        logger.warning(
            "tiktok webhooks not registered",
            extra={"shop": shop.domain, "event_types": missing, "code": code, "error": type(error).__name__},
        )
    ports.store.update_shop(shop.domain, tiktok_webhooks_missing=list(missing))
    return tuple(missing)


def check(ports: Ports, shop: Shop, now: int) -> int:
    """The daily check of a connected shop: register again what TikTok lacks (a seller or another app
    may have changed the shop's webhooks); how many types it registered."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    missing = missing_types(ports, shop)
    if not missing:
        if shop.tiktok_webhooks_missing:
            ports.store.update_shop(shop.domain, tiktok_webhooks_missing=[])
        return 0
    still_missing = register(ports, shop, missing)
    return len(missing) - len(still_missing)
