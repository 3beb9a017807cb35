"""After the sale, into Shopify: an order TikTok cancels is cancelled there (its units restocked, no
refund: TikTok refunds the buyer, the customer not notified by Shopify), and the units of a
completed TikTok return go back to Shopify's stock (a refund of nothing but the restock). Each
exactly once, however often TikTok's webhooks and polls report it."""

from __future__ import annotations

from collections import Counter
from functools import partial

from connector.activities.automatic import tallied
from connector.activities.order_lines import variants_of
from connector.activities.orders import OrderSyncOutcomeUnknownError, our_products, record_order
from connector.clients.tiktok.models import TikTokReturn
from connector.clients.tiktok.shop import ShopClient
from connector.domain.changes import RETURN_COMPLETE
from connector.domain.entities import ActivityType, Order, Shop
from connector.domain.sales import returned_lines
from connector.domain.status import OrderStatus
from connector.jobs import Job
from connector.values import replace
from connector.wiring import Ports

CANCELLED_ON_TIKTOK = "CANCELLED"
GOODS_COME_BACK = frozenset({"RETURN_AND_REFUND"})  # a REFUND alone leaves the goods with the buyer


def run_cancel_in_shopify(job: Job, ports: Ports) -> None:
    shop, order_id = ports.shop(job.shop), str(job.params["order_id"])

    def cancel() -> str | None:
        order = ports.store.get_order(shop.domain, order_id)
        if order is None or order.shopify_order_id is None or order.cancelled_in_shopify:
            return None
        if order.status != OrderStatus.CANCELLED:
            # A cancellation request's webhook can come before the order's status: TikTok decides.
            detail = ports.tiktok_api(shop).get_order(order_id)
            if detail is None or detail.status.upper() != CANCELLED_ON_TIKTOK:
                return None  # not (or only partly) cancelled: the Shopify order stays
        cancel_in_shopify(ports, shop, order)
        return None

    tallied(job, ports, ActivityType.ORDER_SYNC, f"{order_id}:cancelled", cancel)


def cancel_in_shopify(ports: Ports, shop: Shop, order: Order) -> None:
    """Cancel the order's Shopify order, restocking its units. Shopify refuses a second cancel (the
    client answers False then), so a repeat after a crash changes nothing."""
    assert order.shopify_order_id is not None
    ports.shopify_admin(shop).cancel_order(order.shopify_order_id, restock=True, notify_customer=False)
    record_order(ports, shop, order.tiktok_order_id, cancelled_in_shopify=True)


def run_restock_return(job: Job, ports: Ports) -> None:
    shop, order_id = ports.shop(job.shop), str(job.params["order_id"])
    item = f"{order_id}:return:{job.idempotency_key}"
    tallied(job, ports, ActivityType.ORDER_SYNC, item, lambda: restock(ports, shop, order_id))


def restock(ports: Ports, shop: Shop, order_id: str) -> str | None:
    """Count what the order's completed returns took back in its sales, and put their units back in
    Shopify's stock, one Shopify refund (no money) per TikTok return. Each return is claimed before
    its refund: a try that finds the claim without the return recorded goes to a person, as an
    order's creation does."""
    order = ports.store.get_order(shop.domain, order_id)
    if order is None or (order.shopify_order_id is None and order.sale is None):
        return None
    api = ports.tiktok_api(shop)
    returns = _returns_of(api, order_id)
    due = [
        r
        for r in returns
        if r.return_status == RETURN_COMPLETE
        and r.return_type in GOODS_COME_BACK
        and r.return_id not in order.returns_restocked
    ]
    shopify_order_id = order.shopify_order_id  # None: not in Shopify, its stock never left there
    if order.sale is None and (shopify_order_id is None or not due):
        return None
    detail = api.get_order(order_id)  # read once: what the returns took back, and their SKUs
    if order.sale is not None and detail is not None:
        products = our_products(ports, shop, detail.line_items)
        taken = returned_lines(detail, returns, products)
        order = record_order(ports, shop, order_id, lambda now: replace(now, returned=taken)) or order
    if shopify_order_id is None or not due:
        return None
    admin = ports.shopify_admin(shop)
    variants = variants_of(ports, shop, detail.line_items if detail else ())
    lines = admin.order_line_items(shopify_order_id)
    online = sorted(ports.listing_facts.selling_locations(admin, shop.domain))
    if not online:
        return "no Shopify location fulfils online orders: the returned units have nowhere to go"
    problems = []
    for returned in due:
        claim = f"{order_id}:return:{returned.return_id}"
        if not ports.store.claim_order_sync(shop.domain, claim, int(ports.now().timestamp())):
            raise OrderSyncOutcomeUnknownError(f"return {returned.return_id}: claimed before, not recorded")
        wanted: Counter[str] = Counter()
        for sku_id, units in returned.quantities.items():
            if sku_id in variants:
                wanted[variants[sku_id].variant_id] += units
            else:
                problems.append(f"return {returned.return_id}: TikTok SKU {sku_id} is no product of ours")
        refund = []
        for line in lines:
            take = min(wanted[line.variant_id or ""], line.refundable_quantity)
            if take > 0:
                refund.append((line.id, take))
                wanted[line.variant_id or ""] -= take
        if refund:
            admin.refund_return(shopify_order_id, refund, online[0])
        order = (
            record_order(
                ports,
                shop,
                order_id,
                partial(_restocked, return_id=returned.return_id),
            )
            or order
        )
    return "; ".join(problems) or None


def _returns_of(api: ShopClient, order_id: str) -> list[TikTokReturn]:
    returns: list[TikTokReturn] = []
    token = None
    while True:
        page = api.search_returns(order_ids=[order_id], page_token=token)
        returns += page.returns
        token = page.next_page_token or None
        if token is None:
            return returns


def _restocked(order: Order, return_id: str) -> Order:
    return replace(order, returns_restocked=(*order.returns_restocked, return_id))
