"""Shopify fulfilled a TikTok order: tell TikTok it shipped, with the carrier and tracking number."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from connector.activities.automatic import tallied
from connector.activities.order_lines import variants_of
from connector.clients.tiktok.models import ShippingProvider, TikTokLineItem, TikTokOrder
from connector.domain.entities import ActivityType, Shop
from connector.jobs import Job
from connector.wiring import Ports

NOT_SHIPPED = frozenset({"AWAITING_SHIPMENT", "UNPAID", ""})  # a line item's display_status


def run_ship_package(job: Job, ports: Ports) -> None:
    shop = ports.shop(job.shop)
    for shipment in job.params["shipments"]:
        order_id = ports.store.order_for_shopify(shop.domain, str(shipment["shopify_order_id"]))
        if order_id is None:
            continue  # a Shopify order from another sales channel
        item = f"{order_id}:{shipment['fulfillment_id']}"
        if shipment.get("update"):  # the same fulfilment, its tracking added or changed
            item += f":{shipment.get('tracking_number') or ''}"
        tallied(job, ports, ActivityType.SHIPMENT_SYNC, item, partial(_ship, ports, shop, order_id, shipment))


def _ship(ports: Ports, shop: Shop, order_id: str, shipment: Mapping[str, Any]) -> str | None:
    """Ship on TikTok what this Shopify fulfilment shipped, with its own tracking number: the
    packages of its line items (Ship Package, 202309, ``self_shipment``), or, in markets whose
    orders have no package before shipping, its line items (Mark Package As Shipped). A tracking
    number added later to a shipped fulfilment updates the order's shipping info. The carrier must
    be one of the order's delivery option's providers; "already shipped" answers count as done."""
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
    items = _items_shipped(ports, shop, order, shipment.get("line_items") or ())
    waiting = [item for item in items if item.display_status.upper() in NOT_SHIPPED]
    if shipment.get("update") and items and not waiting:
        api.update_shipping_info(order_id, tracking_number, provider.provider_id)
        return None
    unpackaged = [item.line_item_id for item in waiting if not item.package_id]
    if unpackaged:
        api.mark_package_as_shipped(order_id, unpackaged, tracking_number, provider.provider_id)
    for package_id in dict.fromkeys(item.package_id for item in waiting if item.package_id):
        api.ship_package(
            package_id, tracking_number=tracking_number, shipping_provider_id=provider.provider_id
        )
    return None


def _items_shipped(
    ports: Ports, shop: Shop, order: TikTokOrder, fulfilled: Sequence[Mapping[str, Any]]
) -> list[TikTokLineItem]:
    """The TikTok line items (one per unit) a Shopify fulfilment covers: for each variant it ships,
    that many units of the variant, those not shipped first; all of them when it names none."""
    if not fulfilled:
        return list(order.line_items)
    variants = variants_of(ports, shop, order.line_items)
    by_variant: dict[str, list[TikTokLineItem]] = {}
    for item in sorted(order.line_items, key=lambda i: i.display_status.upper() not in NOT_SHIPPED):
        variant = variants.get(item.sku_id)
        by_variant.setdefault(variant.variant_id if variant else "", []).append(item)
    chosen: list[TikTokLineItem] = []
    for line in fulfilled:
        units = by_variant.get(str(line.get("variant_id") or ""), [])
        count = int(line.get("quantity") or 0)
        chosen += units[:count]
        del units[:count]
    return chosen


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
