"""Stock to TikTok: a Shopify inventory change (inventory_sync), the stock held back while a listing
was not live (stock_push), and a listing taken off sale while every SKU is sold out, or put back."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from connector.activities.automatic import tallied
from connector.activities.writes import change_product
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import MAX_QUANTITY, InventoryLevel
from connector.domain.changes import LIVE_ON_TIKTOK, Change, product_status_from_tiktok_event
from connector.domain.entities import ActivityType, Product, Shop
from connector.domain.pricing import tiktok_quantity
from connector.domain.status import Verdict
from connector.jobs import Job
from connector.values import replace
from connector.wiring import Ports

if TYPE_CHECKING:  # the client loads requests: built by ports.tiktok_api when a push calls TikTok
    from connector.clients.tiktok.shop import ShopClient


def run_inventory_sync(job: Job, ports: Ports) -> None:
    """A Shopify stock change to TikTok. An inventory_levels/update names one location's level, so
    the product's stock is read again over the locations that sell online and sent whole (see
    ``push_stock``). Older levels never overwrite newer ones (Shopify's updated_at orders them)."""
    shop = ports.shop(job.shop)
    if "inventory" not in shop.settings.sync_fields:
        return
    item_id = str(job.params["inventory_item_id"])
    link = ports.store.inventory_link(shop.domain, item_id)
    if link is None:
        return  # not on TikTok Shop: nothing to send
    updated_at = int(job.params.get("updated_at") or 0)
    if updated_at and updated_at < int(link.inventory_updated_at):
        return  # older than a level sent; one of the same second is read again (levels are re-read)

    def send() -> str | None:
        product = ports.store.get_product(shop.domain, link.shopify_product_id)
        problem = push_stock(ports, shop, product) if product is not None else None
        if updated_at and problem is None:
            ports.store.note_inventory_sent(shop.domain, item_id, updated_at)
        return problem

    tallied(job, ports, ActivityType.INVENTORY_SYNC, f"{item_id}:{updated_at or job.idempotency_key}", send)


def run_stock_push(job: Job, ports: Ports) -> None:
    """A product went live on TikTok: the stock change held back while it was not live goes now
    (a product whose stock did not change since its upload gets no call)."""
    shop = ports.shop(job.shop)
    if "inventory" not in shop.settings.sync_fields:
        return
    product_id = str(job.params["shopify_product_id"])

    def push() -> str | None:
        product = ports.store.get_product(shop.domain, product_id)
        return push_stock(ports, shop, product) if product is not None else None

    tallied(job, ports, ActivityType.INVENTORY_SYNC, f"{product_id}:live:{job.idempotency_key}", push)


def push_stock(ports: Ports, shop: Shop, product: Product) -> str | None:
    """Every SKU's stock in each warehouse (the Shopify locations mapped to it, less the buffer) to
    a live listing, in one Update Inventory; TikTok's per-SKU errors are returned for the activity.
    A listing that is not live keeps its stock here until it goes live (Update Inventory takes
    ACTIVATE products only).

    Update Inventory's quantity runs from 1 to 99,999, so no level can be set to 0. When every SKU is
    sold out the listing is deactivated, as Deactivate Products' reference suggests for a product
    out of stock, and activated again once stock is back; a sold-out level among others keeps
    TikTok's count and is reported, so the merchant sees it."""
    if product.deleted or product.tiktok_product_id is None:
        return None
    items = [v.inventory_item_id for v in product.variants if v.inventory_item_id]
    links = ports.store.inventory_links(shop.domain, items)
    skus = {
        item: link.tiktok_sku_id
        for item, link in links.items()
        if link.tiktok_product_id == product.tiktok_product_id
    }
    live = product.tiktok_status == LIVE_ON_TIKTOK
    if not skus:
        return None
    if not live and not product.paused_for_stock:
        # Held until it goes live (the audit's webhook queues a STOCK_PUSH); gone live meanwhile,
        # as the held write finds, it is sent now.
        now = _hold_stock(ports, shop, product, held=True)
        return (
            push_stock(ports, shop, now) if now is not None and now.tiktok_status == LIVE_ON_TIKTOK else None
        )
    stock = ports.listing_facts.warehouse_stock(ports.shopify_admin(shop), shop, list(skus))
    held = ports.store.held_stock(shop.domain)
    stock = {item: _less(levels, held.get(item, 0)) for item, levels in stock.items()}
    levels = [
        InventoryLevel(sku_id, min(MAX_QUANTITY, tiktok_quantity(available, shop.settings)), warehouse)
        for item, sku_id in skus.items()
        for warehouse, available in stock.get(item, {}).items()
    ]
    in_stock = [level for level in levels if level.quantity > 0]
    api = ports.tiktok_api(shop)
    if not live:  # paused by us: back on sale once anything is in stock (its stock follows then)
        if in_stock:
            set_on_sale(ports, shop, api, product, on_sale=True, reason=PauseReason.STOCK)
        return None
    if not in_stock:
        set_on_sale(ports, shop, api, product, on_sale=False, reason=PauseReason.STOCK)
        return None
    errors = api.update_inventory(product.tiktok_product_id, in_stock)
    if product.stock_held:
        _hold_stock(ports, shop, product, held=False)
    problems = [f"SKU {e.sku_id}: {e.message} (code {e.code})" for e in errors]
    problems += [
        f"SKU {level.sku_id}: sold out in Shopify for warehouse {level.warehouse_id}, and TikTok Shop "
        "takes no stock below 1 (its count there stays)"
        for level in levels
        if level.quantity == 0
    ]
    return "; ".join(problems) or None


def _less(levels: dict[str, int], units: int) -> dict[str, int]:
    """Warehouse levels less ``units`` that TikTok sold and Shopify's stock does not show yet (a
    held order's), taken from the warehouses in turn, none below zero."""
    left = dict(levels)
    for warehouse, available in left.items():
        taken = min(available, units)
        left[warehouse], units = available - taken, units - taken
    return left


def _hold_stock(ports: Ports, shop: Shop, product: Product, *, held: bool) -> Product | None:
    """Mark (or clear) a stock change held for when the listing goes live; the product as stored."""

    def decide(current: Product | None) -> Change[Product]:
        live = current is not None and current.tiktok_status == LIVE_ON_TIKTOK
        if current is None or current.stock_held == held or (held and live):
            return Change(Verdict.DUPLICATE)
        return Change(Verdict.APPLY, replace(current, stock_held=held))

    return change_product(ports, shop.domain, product.shopify_product_id, decide, first_read=product)


class PauseReason(StrEnum):
    """Why we took a listing off sale on TikTok (the merchant's own deactivations are theirs)."""

    STOCK = "paused_for_stock"  # every variant sold out
    SHOPIFY = "paused_in_shopify"  # the product is not active in Shopify


# Deactivate Products takes these; a product deactivated already needs nothing.
ON_SALE_OR_UNDER_AUDIT = frozenset({LIVE_ON_TIKTOK, "PENDING"})


def set_on_sale(
    ports: Ports, shop: Shop, api: ShopClient, product: Product, *, on_sale: bool, reason: PauseReason
) -> None:
    """Take a listing off sale on TikTok for ``reason``, or put it back once the reason is gone
    (and no other of ours holds it off), and hold the status TikTok then reports."""
    assert product.tiktok_product_id is not None
    others_hold = any(getattr(product, r.value) for r in PauseReason if r is not reason)
    act = None if on_sale and others_hold else api.activate_products if on_sale else api.deactivate_products
    if act is not None:
        failures = act([product.tiktok_product_id])
        if failures:
            raise TikTokApiError(failures[0].code, failures[0].message)
    now = api.get_product(product.tiktok_product_id) if act is not None else None

    def decide(current: Product | None) -> Change[Product]:
        if current is None:
            return Change(Verdict.STALE)
        flagged = (
            replace(current, paused_for_stock=not on_sale)
            if reason is PauseReason.STOCK
            else replace(current, paused_in_shopify=not on_sale)
        )
        if now is not None and on_sale:  # its stock goes to TikTok once it is live again
            flagged = replace(flagged, stock_held=True)
        if now is None:
            return Change(Verdict.APPLY, flagged) if flagged != current else Change(Verdict.DUPLICATE)
        reasons = "; ".join(now.audit_failed_reasons) or None
        at = max(now.update_time, current.status_time)
        change = product_status_from_tiktok_event(flagged, now.status, reasons, at)
        if not change.applies and flagged != current:
            return Change(Verdict.APPLY, flagged)
        return change

    change_product(ports, shop.domain, product.shopify_product_id, decide, first_read=product)
