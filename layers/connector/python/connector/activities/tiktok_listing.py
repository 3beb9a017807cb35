"""Upload to TikTok Shop: a merchant's selection in chunks, "upload all", and automatic uploads."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from connector.activities.activation import not_active_in_shopify
from connector.activities.automatic import tallied
from connector.activities.sku_links import link_skus
from connector.activities.writes import NotYetWrittenError, change_product
from connector.clients.tiktok.errors import TikTokApiError
from connector.domain.changes import Change, product_status_from_tiktok_event
from connector.domain.entities import ActivityType, Product, Shop
from connector.domain.plans import QuotaKind, limit_of
from connector.domain.status import ProductStatus, Verdict
from connector.jobs import Job, JobKind
from connector.listing.build import ListingIncompleteError
from connector.listing.maker import ListingMaker
from connector.values import replace
from connector.wiring import Ports

UPLOAD_CHUNK = 20
PLAN_LIMIT_REACHED = "plan product limit reached"


def idempotency_key(shop: Shop, product: Product) -> str:
    # A retried chunk sends the same key, so TikTok cannot create the product twice; the status
    # time is in it so that a product deleted on TikTok since then can be listed anew.
    return f"{shop.domain}:{product.shopify_product_id}:{product.status_time}"


def run_upload(job: Job, ports: Ports) -> None:
    """Upload one chunk of a fixed selection; the rest of it is the next job."""
    shop = ports.shop(job.shop)
    if "activity_id" not in job.params:
        _auto_upload(job, ports, shop)
        return
    activity_id = job.params["activity_id"]
    if job.params.get("all_not_uploaded"):
        _fan_out(job, ports, shop)
        return
    offset = int(job.params.get("offset", 0))
    selection: list[str] = job.params["shopify_product_ids"]
    ids = selection[offset : offset + UPLOAD_CHUNK]
    found, limit = ports.store.get_products(shop.domain, ids), _product_limit(ports, shop)
    maker = _maker(ports, shop, found.values()) if ids else None
    uploaded = []
    for product_id in ids:
        assert maker is not None
        succeeded, error = _upload_one(ports, maker, product_id, found.get(product_id), limit)
        if succeeded:
            uploaded.append(product_id)
        else:
            ports.store.activities.record_activity_item(shop.domain, activity_id, product_id, False, error)
    # The chunk's successes are counted together; after a crash midway its retry finds the
    # products already on TikTok and counts them then (once: the item markers see to that).
    ports.store.activities.record_activity_successes(shop.domain, activity_id, uploaded)
    if offset + UPLOAD_CHUNK < len(selection):
        following = {**job.params, "offset": offset + UPLOAD_CHUNK}
        key = f"{activity_id}:{selection[0]}:{offset + UPLOAD_CHUNK}"
        ports.enqueue_job(Job(kind=JobKind.UPLOAD, shop=shop.domain, idempotency_key=key, params=following))
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())


def _auto_upload(job: Job, ports: Ports, shop: Shop) -> None:
    """Auto-upload of new Shopify products: counted in the hour's upload activity."""
    ids = job.params["shopify_product_ids"]
    found, limit = ports.store.get_products(shop.domain, ids), _product_limit(ports, shop)
    maker = _maker(ports, shop, found.values())
    for product_id in ids:
        product = found.get(product_id)
        if product is None:
            raise NotYetWrittenError(f"product {product_id} is not written yet")
        tallied(
            job,
            ports,
            ActivityType.UPLOAD,
            product_id,
            partial(_upload_outcome, ports, maker, product_id, product, limit),
        )


def _maker(ports: Ports, shop: Shop, products: Iterable[Product]) -> ListingMaker:
    """The chunk's listing maker, with what its products share read ahead."""
    maker = ListingMaker(ports, shop, ports.tiktok_api(shop))
    waiting = [p for p in products if not p.deleted and p.tiktok_product_id is None]
    if waiting:
        maker.read_ahead(waiting)
    return maker


def _fan_out(job: Job, ports: Ports, shop: Shop) -> None:
    """ "Upload all not uploaded": fix the selection first (the listing moves as products upload),
    count it once, and queue it in chunks. A retried fan-out counts nothing again, and re-queues
    only what is still waiting, which the per-item markers keep from being counted twice."""
    activity_id = job.params["activity_id"]
    waiting: list[str] = []
    cursor = None
    while True:
        page = ports.store.list_products(shop.domain, ProductStatus.NOT_UPLOADED, 100, cursor)
        waiting += [p.shopify_product_id for p in page.items if p.sells_in_shopify]
        cursor = page.next_key
        if cursor is None:
            break
    ports.store.activities.grow_activity(
        shop.domain, activity_id, "selection", len(waiting), final=True, resume_cursor=None
    )
    for start in range(0, len(waiting), UPLOAD_CHUNK):
        chunk = waiting[start : start + UPLOAD_CHUNK]
        params = {"activity_id": activity_id, "shopify_product_ids": chunk}
        key = f"{activity_id}:{chunk[0]}"
        ports.enqueue_job(Job(kind=JobKind.UPLOAD, shop=shop.domain, idempotency_key=key, params=params))
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())


def _product_limit(ports: Ports, shop: Shop) -> int:
    """The plan's product limit, read once per chunk (taking a slot checks it atomically anyway)."""
    plan = ports.store.get_plan(shop.domain)
    return limit_of(plan, QuotaKind.PRODUCTS) if plan is not None else 0


def _upload_outcome(
    ports: Ports, maker: ListingMaker, product_id: str, product: Product | None, limit: int
) -> str | None:
    """An automatic upload's outcome: None when done, else why not."""
    return _upload_one(ports, maker, product_id, product, limit)[1]


def _upload_one(
    ports: Ports, maker: ListingMaker, product_id: str, product: Product | None, limit: int
) -> tuple[bool, str | None]:
    """Upload one product, as read with its chunk: what TikTok would refuse is found and named
    first (no quota taken, no create call), then the plan slot is taken and the product created."""
    shop = maker.shop
    if product is None or product.deleted:
        return False, "the product is no longer in the Shopify catalog"
    if product.tiktok_product_id is not None:
        return True, None  # uploaded by an earlier try of this chunk
    if not product.sells_in_shopify:
        return False, not_active_in_shopify(product)
    try:
        listing = maker.listing(product, idempotency_key(shop, product))
    except ListingIncompleteError as refused:
        reason = f"TikTok Shop needs: {'; '.join(refused.missing)}"
        _set_status(
            ports,
            shop.domain,
            product_id,
            "FAILED",
            reason,
            category_id=refused.category_id,
            missing=refused.missing,
        )
        return False, reason
    at = int(ports.now().timestamp())
    if not ports.store.take_quota(shop.domain, QuotaKind.PRODUCTS, product_id, limit, at):
        _note(ports, shop.domain, product_id, failure_reason=PLAN_LIMIT_REACHED)
        return False, PLAN_LIMIT_REACHED
    try:
        created = ports.tiktok_api(shop).create_product(listing)
    except TikTokApiError as refused:  # TikTok's own reason, kept for the merchant
        if not refused.refusal:
            raise  # busy or unavailable: the chunk is retried
        ports.store.give_back_quota(shop.domain, QuotaKind.PRODUCTS, product_id)
        reason = f"TikTok refused the listing: {refused.message} (code {refused.code})"
        _set_status(ports, shop.domain, product_id, "FAILED", reason, category_id=listing.category_id)
        return False, reason
    tiktok_skus = link_skus(ports, shop.domain, product, created.product_id, created.skus)
    now = _set_status(
        ports,
        shop.domain,
        product_id,
        "PENDING",
        None,
        tiktok_product_id=created.product_id,
        read=product,
        category_id=listing.category_id,
        tiktok_skus=tiktok_skus,
    )
    if now is not None and now.shopify_updated_at > product.shopify_updated_at:
        # Shopify changed it while it was listed from the earlier read (the update's own sync
        # found it not on TikTok yet): this listing follows it now.
        key = f"{shop.domain}:{product_id}:{now.shopify_updated_at}:after-upload"
        params = {"shopify_product_id": product_id, "shopify_updated_at": now.shopify_updated_at}
        sync = Job(kind=JobKind.PRODUCT_SYNC, shop=shop.domain, idempotency_key=key, params=params)
        ports.enqueue_job(sync)
    return True, None


def _set_status(
    ports: Ports,
    shop: str,
    product_id: str,
    raw: str,
    reason: str | None,
    tiktok_product_id: str | None = None,
    read: Product | None = None,
    category_id: str | None = None,
    missing: tuple[str, ...] = (),
    tiktok_skus: tuple[tuple[str, str], ...] = (),
) -> Product | None:
    """Record what the upload learned; the product as written. ``read`` is the product as read
    before calling TikTok: a status recorded since then can only be TikTok's audit of this new
    listing (its webhook follows the link written before this), which is newer than "pending"
    whatever the clocks say, so it stays and only the TikTok id is added. Otherwise the status
    applies at our time, after any it replaces."""

    def decide(current: Product | None) -> Change[Product]:
        if current is None:
            return Change(Verdict.STALE)
        base = replace(
            current,
            tiktok_product_id=tiktok_product_id or current.tiktok_product_id,
            tiktok_category_id=category_id or current.tiktok_category_id,
            tiktok_skus=tiktok_skus or current.tiktok_skus,
            missing=missing,
        )
        if read is not None and current.status_time > read.status_time:
            return Change(Verdict.APPLY, base) if base != current else Change(Verdict.DUPLICATE)
        at = max(int(ports.now().timestamp()), current.status_time + 1)
        change = product_status_from_tiktok_event(base, raw, reason, at)
        if not change.applies and base != current:
            return Change(Verdict.APPLY, base)
        return change

    return change_product(ports, shop, product_id, decide, first_read=read)


def _note(ports: Ports, shop: str, product_id: str, failure_reason: str) -> None:
    def decide(current: Product | None) -> Change[Product]:
        if current is None or current.failure_reason == failure_reason:
            return Change(Verdict.DUPLICATE)
        return Change(Verdict.APPLY, replace(current, failure_reason=failure_reason))

    change_product(ports, shop, product_id, decide)
