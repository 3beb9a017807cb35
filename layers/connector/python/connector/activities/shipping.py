"""Shopify fulfilled a TikTok order: tell TikTok it shipped, with the carrier and tracking number."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from connector.activities.automatic import tallied
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import ShippingProvider
from connector.domain.entities import ActivityType, Shop
from connector.jobs import Job
from connector.wiring import Ports

# TikTok's Ship Package error for a package that is already shipped (a retried call that went through).
ALREADY_SHIPPED = 21011040


def run_ship_package(job: Job, ports: Ports) -> None:
    shop = ports.shop(job.shop)
    for shipment in job.params["shipments"]:
        order_id = ports.store.order_for_shopify(shop.domain, str(shipment["shopify_order_id"]))
        if order_id is None:
            continue  # a Shopify order from another sales channel
        item = f"{order_id}:{shipment['fulfillment_id']}"
        tallied(job, ports, ActivityType.SHIPMENT_SYNC, item, partial(_ship, ports, shop, order_id, shipment))


def _ship(ports: Ports, shop: Shop, order_id: str, shipment: Mapping[str, Any]) -> str | None:
    """Ship every package of the order as a seller shipment (TikTok's Ship Package, 202309, with
    ``self_shipment``); the carrier must be one of the order's delivery option's providers."""
    api = ports.tiktok_api(shop)
    order = api.get_order(order_id)
    if order is None:
        return "TikTok no longer returns this order"
    if order.shipping_type == "TIKTOK":
        return "TikTok ships this order on its own label: arrange the pickup in TikTok Seller Center"
    tracking_number = str(shipment.get("tracking_number") or "")
    if not tracking_number:
        return "the Shopify fulfillment has no tracking number, which TikTok requires"
    company = str(shipment.get("tracking_company") or "")
    provider = matching_provider(api.get_shipping_providers(order.delivery_option_id), company)
    if provider is None:
        return f"no TikTok shipping provider matches the carrier {company or '(none)'!r}"
    for package_id in order.package_ids:
        try:
            api.ship_package(
                package_id, tracking_number=tracking_number, shipping_provider_id=provider.provider_id
            )
        except TikTokApiError as error:
            if error.code != ALREADY_SHIPPED:
                raise
    return None


def matching_provider(providers: Sequence[ShippingProvider], carrier: str) -> ShippingProvider | None:
    """Shopify's carrier name against TikTok's provider names, ignoring case, spaces and punctuation;
    an exact match first, then a provider whose name starts with the carrier's (UPS, "UPS Ground")."""
    wanted = _plain(carrier)
    if not wanted:
        return None
    exact = [p for p in providers if _plain(p.name) == wanted]
    prefixed = [
        p for p in providers if _plain(p.name).startswith(wanted) or wanted.startswith(_plain(p.name))
    ]
    matches = exact or prefixed
    return matches[0] if matches else None


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())
