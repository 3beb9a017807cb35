"""A changed price rule or stock buffer, sent to every live listing on TikTok Shop: one activity per
change (``connector.merchant.actions.start_reprice``), fanned out in chunks as "upload all" is.

When the rule changed, each listing is brought in step as the product sync does it (``sync_listing``:
the price with the rule applied, and whatever else differs over the synced fields); when the buffer
changed, its stock is sent again with the buffer applied (``push_stock``). Only what changed is
sent: a new rule costs no stock reads, a new buffer no listing builds. Every product reads the
settings as they are when its turn comes, so when a second change starts another activity while
this one runs, both run and the later settings win wherever either reaches."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from connector.activities.listing_sync import sync_listing
from connector.activities.stock import push_stock
from connector.clients.tiktok.errors import TikTokApiError
from connector.domain.entities import Product, Shop
from connector.domain.status import ProductStatus
from connector.jobs import Job, JobKind
from connector.listing.maker import ListingMaker
from connector.wiring import Ports

REPRICE_CHUNK = 20  # products per job, as an upload's chunk
SELECTION_PAGE = 100


def run_reprice(job: Job, ports: Ports) -> None:
    """The activity's first job fixes and counts the selection; the chunks it queues do the work."""
    if "shopify_product_ids" in job.params:
        _reprice_chunk(job, ports)
    else:
        _fan_out(job, ports)


def _fan_out(job: Job, ports: Ports) -> None:
    """Fix the selection first (a listing whose edit TikTok audits again leaves it meanwhile), count
    it once, and queue it in chunks. A retried fan-out counts nothing again and queues the chunks
    again: the per-item markers keep each product counted once, and a product done before is asked
    for nothing new (TikTok's prices are compared first; its stock is sent as it already is)."""
    shop = ports.shop(job.shop)
    activity_id = job.params["activity_id"]
    selection = _selection(ports, shop.domain)
    ports.store.activities.grow_activity(
        shop.domain, activity_id, "selection", len(selection), final=True, resume_cursor=None
    )
    for start in range(0, len(selection), REPRICE_CHUNK):
        chunk = selection[start : start + REPRICE_CHUNK]
        params = {**job.params, "shopify_product_ids": chunk}
        key = f"{activity_id}:{chunk[0]}"
        ports.enqueue_job(Job(kind=JobKind.REPRICE, shop=shop.domain, idempotency_key=key, params=params))
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())


def _selection(ports: Ports, shop: str) -> list[str]:
    """Every live listing and every listing under audit (its price edit is published at once, its
    stock is held until it is live), and the listings we took off sale ourselves and put back by
    ourselves (sold out, or no longer active in Shopify): they come back at the new price, and a
    smaller buffer may be what brings a sold-out one back. A listing the merchant deactivated stays
    as is."""
    ids: list[str] = []
    for status, wanted in (
        (ProductStatus.LIVE, _on_tiktok),
        (ProductStatus.PENDING, _on_tiktok),
        (ProductStatus.INACTIVE, _paused_by_us),
    ):
        cursor = None
        while True:
            page = ports.store.list_products(shop, status, SELECTION_PAGE, cursor)
            ids += [p.shopify_product_id for p in page.items if wanted(p)]
            cursor = page.next_key
            if cursor is None:
                break
    return list(dict.fromkeys(ids))  # one that went live while it was read is in it once


def _on_tiktok(product: Product) -> bool:
    return not product.deleted and product.tiktok_product_id is not None


def _paused_by_us(product: Product) -> bool:
    return _on_tiktok(product) and (product.paused_for_stock or product.paused_in_shopify)


def _reprice_chunk(job: Job, ports: Ports) -> None:
    """One chunk: each product in step with the settings as they are now. Failures are counted as
    they come, the chunk's successes together; a retried chunk counts each product once."""
    activity_id = job.params["activity_id"]
    reprice, restock = bool(job.params.get("reprice")), bool(job.params.get("restock"))
    ids: list[str] = job.params["shopify_product_ids"]
    shop = ports.shop(job.shop)
    found = ports.store.get_products(shop.domain, ids)
    api = ports.tiktok_api(shop)
    maker = ListingMaker(ports, shop, api) if reprice else None
    if maker is not None:
        # Stock is not part of an edit (sync_listing sends none; push_stock reads its own).
        maker.read_ahead([p for p in found.values() if not p.deleted], stock=False)
    done: list[str] = []
    for product_id in ids:
        product = found.get(product_id)
        # Read again for each product: a later change saved meanwhile is what this one gets.
        now = ports.shop(job.shop)
        if maker is not None and now.settings != maker.shop.settings:
            maker = ListingMaker(ports, now, api)
        problem = None if product is None else _in_step(ports, maker, now, product, restock)
        if problem is None:
            done.append(product_id)
        else:
            ports.store.activities.record_activity_item(shop.domain, activity_id, product_id, False, problem)
    ports.store.activities.record_activity_successes(shop.domain, activity_id, done)
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())


def _in_step(
    ports: Ports, maker: ListingMaker | None, shop: Shop, product: Product, restock: bool
) -> str | None:
    """The price first, while a listing that the new buffer leaves sold out is still live (its
    price then goes through Update Price, not an edit), then the stock. None when done, else why
    not, for the activity."""
    problems = []
    if maker is not None:
        problems.append(_attempt(partial(sync_listing, ports, maker, product)))
    if restock and "inventory" in shop.settings.sync_fields:
        problems.append(_attempt(partial(push_stock, ports, shop, product)))
    return "; ".join(problem for problem in problems if problem) or None


def _attempt(work: Callable[[], str | None]) -> str | None:
    """TikTok's refusal is the product's outcome; being busy or down retries the chunk."""
    try:
        return work()
    except TikTokApiError as refused:
        if not refused.refusal:
            raise
        return f"TikTok refused: {refused.message} (code {refused.code})"
