"""Import from Shopify, and the one way a product's new state is written from a job."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from connector.activities.ports import WorkPorts
from connector.clients.shopify import ShopifyProduct
from connector.dal.store import CommitOutcome, VersionedWrite
from connector.domain import changes
from connector.domain.changes import CatalogFacts, Change
from connector.domain.entities import Product, Variant
from connector.jobs import Job, JobKind

# 20 products with 10 variants and 10 images a page stays under Shopify's 1,000-point query limit
# (products with more variants get follow-up pages from the client).
IMPORT_PAGE = 20
IMPORT_VARIANTS = 10
MAX_ATTEMPTS = 8


class NotYetWrittenError(RuntimeError):
    """The job was queued just before the webhook's write and ran before it landed: retried later."""


def change_product(
    ports: WorkPorts,
    shop: str,
    product_id: str,
    decide: Callable[[Product | None], Change[Product]],
    first_read: Product | None = None,
) -> Product | None:
    """Read, decide, write with the version read; read again when another writer got there first.
    ``first_read``: the product as the caller just read it, decided on in the first try (the
    write is conditional on its version all the same). Returns the product as written, or as held
    when nothing applied."""
    for attempt in range(MAX_ATTEMPTS):
        fresh = attempt > 0 or first_read is None
        current = ports.store.get_product(shop, product_id) if fresh else first_read
        change = decide(current)
        if not change.applies or change.entity is None:
            return current
        if ports.store.commit_product(change.entity, change.counter_deltas) is CommitOutcome.APPLIED:
            return change.entity
    raise RuntimeError(f"product {product_id} kept changing")


def facts_of(shop: str, product: ShopifyProduct) -> CatalogFacts:
    return CatalogFacts(
        shop=shop,
        shopify_product_id=product.id,
        title=product.title,
        variants=tuple(
            Variant(
                v.id,
                sku=v.sku or "",
                price=v.price,
                inventory=v.inventory_quantity or 0,
                inventory_item_id=v.inventory_item_id,
            )
            for v in product.variants
        ),
        updated_at=int(product.updated_at.timestamp()),
        description=product.description,
        image_urls=tuple(image.url for image in product.images),
    )


def run_import(job: Job, ports: WorkPorts) -> None:
    """One page of the shop's Shopify catalog into ours; the next page is the next job, queued as
    soon as this page is counted so that pages are written side by side (pages are counted in
    order, so the total is final only once every page is in it)."""
    activity_id, cursor = job.params["activity_id"], job.params.get("cursor")
    shop = ports.shop(job.shop)
    admin = ports.shopify_admin(shop)
    products, next_cursor = admin.products_page(cursor, IMPORT_PAGE, variants_per_page=IMPORT_VARIANTS)
    counted_now = ports.store.grow_activity(
        shop.domain,
        activity_id,
        cursor or "first",
        len(products),
        final=next_cursor is None,
        resume_cursor=next_cursor,
    )
    # A retried page does not queue its successor again (the first try did); should a crash have
    # come between the count and the send, the stuck-activity sweep resumes from the cursor.
    if next_cursor is not None and counted_now:
        ports.enqueue_job(
            Job(
                kind=JobKind.IMPORT,
                shop=shop.domain,
                idempotency_key=f"{activity_id}:{next_cursor}",
                params={"activity_id": activity_id, "cursor": next_cursor},
            )
        )
    # One read and one transaction for the page; should another writer have changed one of its
    # products meanwhile, nothing is written and each product reads again and writes on its own.
    known = ports.store.get_products(shop.domain, [p.id for p in products])
    deciders = {p.id: partial(changes.product_from_shopify, facts=facts_of(shop.domain, p)) for p in products}
    decided = [decide(known.get(product_id)) for product_id, decide in deciders.items()]
    writes = [VersionedWrite(c.entity, c.counter_deltas) for c in decided if c.applies and c.entity]
    if writes and not ports.store.commit_together(writes):
        for product_id, decide in deciders.items():
            change_product(ports, shop.domain, product_id, decide)
    ports.store.record_activity_successes(shop.domain, activity_id, [p.id for p in products])
    ports.store.finish_activity_if_done(shop.domain, activity_id, ports.now())
