"""TikTok orders into Shopify: each paid order becomes exactly one Shopify order, within the plan's
monthly order quota (orders beyond it are kept and shown as held)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from connector.activities.automatic import tallied
from connector.activities.order_lines import variants_of
from connector.clients.shopify.errors import ShopifyOrderRejectedError
from connector.clients.tiktok.errors import MissingTikTokAuthorizationError, TikTokApiError, TikTokError
from connector.clients.tiktok.models import TikTokLineItem, TikTokOrder
from connector.dal.store import CommitOutcome
from connector.domain.changes import PAID, cancellation_change
from connector.domain.entities import ActivityType, Order, Sale, Shop, Variant
from connector.domain.plans import QuotaKind, limit_of
from connector.domain.sales import sale_of
from connector.domain.shopify_order import shopify_order_input
from connector.domain.status import OrderStatus
from connector.jobs import Job, JobKind
from connector.values import replace
from connector.wiring import Ports

MAX_ATTEMPTS = 8


class OrderSyncOutcomeUnknownError(RuntimeError):
    """A claimed creation left no Shopify id: it may exist in Shopify (source identifier = the TikTok
    order id). Never retried blindly; it goes to the dead-letter queue for a person to check."""


HELD = "held: the plan's monthly order limit is reached; it syncs when quota returns"


def run_order_sync(job: Job, ports: Ports) -> None:
    shop, order_id = ports.shop(job.shop), str(job.params["order_id"])
    if "activity_id" in job.params:  # the merchant's retry: counted in its own activity
        activity_id = job.params["activity_id"]
        held = not sync_order(ports, shop, order_id)
        order = ports.store.get_order(shop.domain, order_id)
        problem = HELD if held else (order.sync_problem if order is not None else "no such order")
        ports.store.activities.record_activity_item(
            shop.domain, activity_id, order_id, problem is None, problem
        )
        ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())
        return
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
    """Create the order in Shopify unless it is there, or never goes there; False when it is held
    for quota.

    Claimed first (one creation per TikTok order, however often it is queued); then TikTok's
    detail is read and the Shopify order built, and what cannot go to Shopify is told apart before
    any quota is taken: an order TikTok fulfils, one created before the sync's start, one whose
    detail has no line items. The quota unit is taken only then, and given back when Shopify
    refuses the order (its userErrors: a known outcome, nothing created); only a lost answer leaves
    the claim without a Shopify id, for a person."""
    order = ports.store.get_order(shop.domain, order_id)
    if order is None or order.shopify_order_id is not None or order.customer_redacted:
        return True
    if order.fulfilled_by_tiktok or order.sync_problem is not None:
        return True  # shown, not created; a refused one waits for the merchant's retry
    if order.status not in PAID:  # cancelled meanwhile (a held one included): never created
        if order.held_for_quota:
            record_order(ports, shop, order_id, held_for_quota=False)
            ports.store.release_stock(shop.domain, order_id)  # TikTok put its units back
        _keep_cancelled_sale(ports, shop, order)
        return True
    if order.held_for_quota and not releasing:
        return False
    if not ports.store.claim_order_sync(shop.domain, order_id, int(ports.now().timestamp())):
        if _synced(ports, shop, order_id):
            return True
        raise OrderSyncOutcomeUnknownError(f"order {order_id}: claimed before, no Shopify id recorded")
    try:
        detail = ports.tiktok_api(shop).get_order(order_id)
    except (TikTokError, MissingTikTokAuthorizationError):
        # Nothing was created: the claim goes back so that the retry (or the job parked until
        # the shop reconnects) can claim it again.
        ports.store.release_order_sync(shop.domain, order_id)
        raise
    outcome = _not_for_shopify(shop, order_id, detail)
    sold = None if detail is None or not detail.line_items else _sale_kept(ports, shop, detail)
    if outcome is not None:
        ports.store.release_order_sync(shop.domain, order_id)
        record_order(ports, shop, order_id, sold, held_for_quota=False, **outcome)
        return True
    assert detail is not None
    variants = variants_of(ports, shop, detail.line_items)
    draft = shopify_order_input(detail, {sku: variant.variant_id for sku, variant in variants.items()})
    plan = ports.store.get_plan(shop.domain)
    limit = limit_of(plan, QuotaKind.ORDERS) if plan is not None else 0
    frozen = plan is not None and plan.subscription_status == "FROZEN"  # Shopify paused billing
    at = int(ports.now().timestamp())
    if frozen or not ports.store.take_quota(shop.domain, QuotaKind.ORDERS, order_id, limit, at):
        # Kept and shown as held; released in arrival order when quota returns (or billing thaws).
        # TikTok took its units from its stock and Shopify has not: the stock sent to TikTok
        # leaves them out meanwhile (held before the order is marked, so no push misses them).
        ports.store.hold_stock(shop.domain, order_id, _units(detail.line_items, variants))
        record_order(ports, shop, order_id, sold, held_for_quota=True)
        ports.store.release_order_sync(shop.domain, order_id)
        return False
    try:
        shopify_order_id = ports.shopify_admin(shop).create_order_from(draft)
    except ShopifyOrderRejectedError as refused:  # nothing was created: the claim and unit go back
        ports.store.give_back_quota(shop.domain, QuotaKind.ORDERS, order_id)
        ports.store.release_order_sync(shop.domain, order_id)
        reason = f"Shopify refused the order: {'; '.join(refused.messages)}"
        record_order(ports, shop, order_id, sold, held_for_quota=False, sync_problem=reason)
        return True
    ports.store.link_shopify_order(shop.domain, shopify_order_id, order_id)  # for its fulfillments
    if order.held_for_quota:
        # Shopify's stock shows the sale now: the units held back from TikTok's count go, and the
        # count is sent again (a push that ran between the two may have left them out twice).
        ports.store.release_stock(shop.domain, order_id)
        _push_stock_again(ports, shop, order_id, detail.line_items)
    now = record_order(
        ports,
        shop,
        order_id,
        sold,
        shopify_order_id=shopify_order_id,
        held_for_quota=False,
        sync_problem=None,
        unmatched_skus=draft.unmapped,
    )
    if now is not None and now.status == OrderStatus.CANCELLED:
        from connector.activities.after_sale import cancel_in_shopify  # after_sale builds on this module

        cancel_in_shopify(ports, shop, now)  # TikTok cancelled it while it was being created
    return True


FULFILLED_BY_TIKTOK = "FULFILLMENT_BY_TIKTOK"


def _sale_kept(ports: Ports, shop: Shop, detail: TikTokOrder) -> Callable[[Order], Order]:
    return sale_kept(sale_of(detail, our_products(ports, shop, detail.line_items), shop.iana_timezone))


def our_products(ports: Ports, shop: Shop, items: Iterable[TikTokLineItem]) -> dict[str, str]:
    """TikTok product id -> our product id, for the line items' products we list."""
    found = {}
    for tiktok_product_id in dict.fromkeys(item.product_id for item in items):
        ours = ports.store.product_for_tiktok(shop.domain, tiktok_product_id)
        if ours is not None:
            found[tiktok_product_id] = ours
    return found


def _keep_cancelled_sale(ports: Ports, shop: Shop, order: Order) -> None:
    """An order paid, then cancelled before its sync read it, was still a sale: its amounts are
    read now, so that the cancelled sales and the cancellation rate count it (as cancelled)."""
    if order.sale is not None:
        return
    detail = ports.tiktok_api(shop).get_order(order.tiktok_order_id)
    if detail is not None and detail.paid_time and detail.line_items:
        record_order(ports, shop, order.tiktok_order_id, _sale_kept(ports, shop, detail))


def sale_kept(sale: Sale) -> Callable[[Order], Order]:
    """The order with this sale, unless it has one: a sale, once counted in its day's figures,
    never changes (the figures move with the order's state, never by new amounts)."""
    return lambda order: order if order.sale is not None else replace(order, sale=sale)


def _not_for_shopify(shop: Shop, order_id: str, detail: TikTokOrder | None) -> dict[str, Any] | None:
    """What keeps an order out of Shopify, as the fields recording it; None when it goes there."""
    if detail is None:
        return {"sync_problem": f"TikTok Shop returned no detail for order {order_id}"}
    if detail.fulfillment_type == FULFILLED_BY_TIKTOK:
        return {"fulfilled_by_tiktok": True}
    if not detail.line_items:
        return {"sync_problem": "TikTok Shop's order detail lists no items"}
    if shop.orders_since and detail.create_time < shop.orders_since:
        return {"sync_problem": "created before the order sync's start (Settings can start it earlier)"}
    return None


def _push_stock_again(ports: Ports, shop: Shop, order_id: str, items: Sequence[TikTokLineItem]) -> None:
    for tiktok_product_id in dict.fromkeys(item.product_id for item in items):
        product_id = ports.store.product_for_tiktok(shop.domain, tiktok_product_id)
        if product_id is not None:
            key = f"{order_id}:released:{product_id}"
            params = {"shopify_product_id": product_id}
            ports.enqueue_job(
                Job(kind=JobKind.STOCK_PUSH, shop=shop.domain, idempotency_key=key, params=params)
            )


def _units(items: Sequence[TikTokLineItem], variants: Mapping[str, Variant]) -> dict[str, int]:
    """Units sold per Shopify inventory item (TikTok lists one line item per unit)."""
    units: dict[str, int] = {}
    for item in items:
        variant = variants.get(item.sku_id)
        if variant is not None and variant.inventory_item_id:
            units[variant.inventory_item_id] = units.get(variant.inventory_item_id, 0) + 1
    return units


def _synced(ports: Ports, shop: Shop, order_id: str) -> bool:
    order = ports.store.get_order(shop.domain, order_id)
    return order is not None and (
        order.shopify_order_id is not None
        or order.held_for_quota
        or order.sync_problem is not None
        or order.fulfilled_by_tiktok
    )


def record_order(
    ports: Ports, shop: Shop, order_id: str, update: Callable[[Order], Order] | None = None, **fields: Any
) -> Order | None:
    """Set some fields of the order (or apply ``update`` to it as read); the order as written."""
    for _ in range(MAX_ATTEMPTS):
        order: Order | None = ports.store.get_order(shop.domain, order_id)
        if order is None:
            return None
        changed = replace(update(order) if update else order, **fields)
        if changed == order or ports.store.commit_order(changed, {}) is CommitOutcome.APPLIED:
            return changed
    raise RuntimeError(f"order {order_id} kept changing")


def run_cancel(job: Job, ports: Ports) -> None:
    activity_id, order_id = job.params["activity_id"], job.params["order_id"]
    shop = ports.shop(job.shop)
    try:
        cancellation = ports.tiktok_api(shop).cancel_order(order_id, job.params["reason"])
    except TikTokApiError as refused:
        ports.store.activities.record_activity_item(
            shop.domain, activity_id, order_id, False, refused.message
        )
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
        ports.store.activities.record_activity_item(shop.domain, activity_id, order_id, True)
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())
