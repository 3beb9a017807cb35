"""TikTok orders into Shopify: each paid order becomes exactly one Shopify order, within the plan's
monthly order quota (orders beyond it are kept and shown as held)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from connector.activities.automatic import tallied
from connector.clients.shopify.models import OrderLine
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import TikTokLineItem
from connector.dal.store import CommitOutcome
from connector.domain.changes import cancellation_change
from connector.domain.entities import ActivityType, Order, Product, Shop, Variant
from connector.domain.plans import QuotaKind, catalogue, limit_of
from connector.jobs import Job
from connector.wiring import Ports

MAX_ATTEMPTS = 8


class OrderSyncOutcomeUnknownError(RuntimeError):
    """A claimed creation left no Shopify id: it may exist in Shopify (source identifier = the TikTok
    order id). Never retried blindly; it goes to the dead-letter queue for a person to check."""


HELD = "held: the plan's monthly order limit is reached; it syncs when quota returns"


def run_order_sync(job: Job, ports: Ports) -> None:
    shop, order_id = ports.shop(job.shop), str(job.params["order_id"])
    tallied(
        job,
        ports,
        ActivityType.ORDER_SYNC,
        order_id,
        lambda: None if sync_order(ports, shop, order_id) else HELD,
    )


def run_release_held_orders(job: Job, ports: Ports) -> None:
    """Quota came back (an upgrade, a new cycle): sync held orders in the order they arrived, until
    the quota runs out again. Each released order counts in the hour's order-sync activity."""
    shop = ports.shop(job.shop)
    for order in ports.store.held_orders(shop.domain):
        if not sync_order(ports, shop, order.tiktok_order_id, releasing=True):
            return
        tallied(job, ports, ActivityType.ORDER_SYNC, f"{order.tiktok_order_id}:released", lambda: None)


def sync_order(ports: Ports, shop: Shop, order_id: str, releasing: bool = False) -> bool:
    """Create the order in Shopify unless it is there; False when it is held for quota."""
    order = ports.store.get_order(shop.domain, order_id)
    if order is None or order.shopify_order_id is not None:
        return True
    if order.held_for_quota and not releasing:
        return False
    if not ports.store.claim_order_sync(shop.domain, order_id, int(ports.now().timestamp())):
        if _synced(ports, shop, order_id):
            return True
        raise OrderSyncOutcomeUnknownError(f"order {order_id}: claimed before, no Shopify id recorded")
    plan = ports.store.get_plan(shop.domain)
    limit = limit_of(plan, QuotaKind.ORDERS) if plan is not None else 0
    frozen = plan is not None and plan.subscription_status == "FROZEN"  # Shopify paused billing
    if frozen or not ports.store.take_quota(
        shop.domain, QuotaKind.ORDERS, order_id, limit, int(ports.now().timestamp())
    ):
        # Kept and shown as held; released in arrival order when quota returns (or billing thaws).
        _record(ports, shop, order_id, held_for_quota=True)
        ports.store.release_order_sync(shop.domain, order_id)
        return False
    _record(ports, shop, order_id, held_for_quota=False)
    detail = ports.tiktok_api(shop).get_order(order_id)
    lines = _lines(ports, shop, detail.line_items if detail else ())
    admin = ports.shopify_admin(shop)
    currency = (detail.currency if detail else "") or catalogue().currency
    shopify_order_id = admin.create_order(
        lines, currency=currency, source_identifier=order_id, tags=("TikTok Shop",)
    )
    ports.store.link_shopify_order(shop.domain, shopify_order_id, order_id)  # for its fulfillments
    _record(ports, shop, order_id, shopify_order_id=shopify_order_id, held_for_quota=False)
    return True


def _synced(ports: Ports, shop: Shop, order_id: str) -> bool:
    order = ports.store.get_order(shop.domain, order_id)
    return order is not None and (order.shopify_order_id is not None or order.held_for_quota)


def _variant_sold(product: Product, item: TikTokLineItem) -> Variant | None:
    """The variant a TikTok line sold: by the SKU id TikTok made for it (its SKU text may have
    changed since), else by the SKU text (listings made before SKU ids were kept)."""
    by_sku_id = {sku_id: variant_id for variant_id, sku_id in product.tiktok_skus}
    wanted = by_sku_id.get(item.sku_id)
    for variant in product.variants:
        if variant.variant_id == wanted or (wanted is None and item.seller_sku == variant.sku):
            return variant
    return None


def _lines(ports: Ports, shop: Shop, items: Sequence[TikTokLineItem]) -> list[OrderLine]:
    """TikTok lists one line item per unit; Shopify takes a quantity per variant."""
    units: Counter[tuple[str, str]] = Counter()
    for item in items:
        product_id = ports.store.product_for_tiktok(shop.domain, item.product_id)
        product = ports.store.get_product(shop.domain, product_id) if product_id else None
        variant = _variant_sold(product, item) if product else None
        if variant is None:
            raise LookupError(f"TikTok SKU {item.seller_sku!r} matches no Shopify variant of ours")
        units[(variant.variant_id, item.sale_price)] += 1
    return [
        OrderLine(variant_id, quantity, Decimal(price or "0"))
        for (variant_id, price), quantity in units.items()
    ]


def _record(ports: Ports, shop: Shop, order_id: str, **changes: Any) -> None:
    for _ in range(MAX_ATTEMPTS):
        order: Order | None = ports.store.get_order(shop.domain, order_id)
        if order is None:
            return
        if ports.store.commit_order(replace(order, **changes), {}) is CommitOutcome.APPLIED:
            return
    raise RuntimeError(f"order {order_id} kept changing")


def run_cancel(job: Job, ports: Ports) -> None:
    activity_id, order_id = job.params["activity_id"], job.params["order_id"]
    shop = ports.shop(job.shop)
    try:
        cancellation = ports.tiktok_api(shop).cancel_order(order_id, job.params["reason"])
    except TikTokApiError as refused:
        ports.store.record_activity_item(shop.domain, activity_id, order_id, False, refused.message)
    else:
        order = ports.store.get_order(shop.domain, order_id)
        if order is not None:
            change = cancellation_change(
                order,
                cancellation.cancel_status or "CANCELLATION_REQUEST_PENDING",
                int(ports.now().timestamp()),
            )
            if change.applies and change.entity is not None:
                ports.store.commit_order(change.entity, change.counter_deltas)
        ports.store.record_activity_item(shop.domain, activity_id, order_id, True)
    ports.store.finish_activity_if_done(shop.domain, activity_id, ports.now())
