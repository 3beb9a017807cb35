"""Import from Shopify: the shop's catalog read into ours, page by page or from a bulk operation."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from connector.activities.writes import change_product
from connector.clients.shopify.ids import numeric_id
from connector.dal.store import CommitOutcome, VersionedWrite
from connector.domain import changes
from connector.domain.changes import CatalogFacts
from connector.domain.entities import ProductImage, Shop, Variant
from connector.jobs import Job, JobKind
from connector.observability import logger
from connector.values import Value
from connector.wiring import Ports

if TYPE_CHECKING:  # the client (requests, its models) is built by the jobs that call Shopify
    from connector.clients.shopify.models import ShopifyProduct
    from connector.clients.shopify.shop import ShopifyShopClient

# 20 products with 10 variants and 10 images a page stays under Shopify's 1,000-point query limit
# (products with more variants get follow-up pages from the client).
IMPORT_PAGE = 20
IMPORT_VARIANTS = 10
IMPORT_IMAGES = 10
# Paged, a product costs about 14 points of the shop's bucket (restored at 100 points a second on
# standard plans, 1,000 on Plus): beyond a few hundred products the import would wait on Shopify's
# rate limit. A larger catalog is read with one bulk operation (one mutation, then a download).
BULK_IMPORT_ABOVE = 500
# Products a bulk chunk (one job) reads and writes: one BatchGetItem (100 keys at most) and one
# transaction of their rows and a counter shard (100 items at most).
BULK_CHUNK = 90
# Seconds between looks at a running bulk operation: soon at first, then every half minute, for
# about a day (Shopify itself lets one run for up to ten days, then fails it).
BULK_POLL_DELAYS = (1, 2, 4, 8, 15, 30)
MAX_BULK_POLLS = 2_880
PAGED_IMPORT = "paged"  # an import's recorded source when it reads pages, not a bulk operation


def facts_of(shop: str, product: ShopifyProduct) -> CatalogFacts:
    # A variant's image comes as a MediaImage, whose id is not the product image's: the file tells
    # which of the product's images it is.
    image_by_file = {_file_of(image.url): image.id for image in product.images}
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
                options=_option_values(product, v.selected_options),
                image_id=image_by_file.get(_file_of(v.image_url or ""), v.image_id) if v.image_url else None,
                weight_grams=v.weight_grams,
                compare_at_price=v.compare_at_price,
            )
            for v in product.variants
        ),
        updated_at=int(product.updated_at.timestamp()),
        description=product.description_html,
        images=tuple(ProductImage(image.id, image.url) for image in product.images),
        option_names=tuple(option.name for option in product.options),
        product_type=product.product_type,
        vendor=product.vendor,
        shopify_category=product.category,
        shopify_status=product.status.upper(),
    )


def _file_of(url: str) -> str:
    """An image URL without its query (Shopify versions its CDN URLs with ``?v=``)."""
    return url.split("?", 1)[0]


def _option_values(product: ShopifyProduct, selected: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """A variant's option values in the order of the product's options."""
    by_name = dict(selected)
    return tuple(by_name.get(option.name, "") for option in product.options)


def run_import(job: Job, ports: Ports) -> None:
    """One page of the shop's Shopify catalog into ours; the next page is the next job, queued as
    soon as this page is counted so that pages are written side by side (pages are counted in
    order, so the total is final only once every page is in it). A catalog of more than
    ``BULK_IMPORT_ABOVE`` products is read from one bulk operation instead of paged queries."""
    cursor = job.params.get("cursor")
    shop = ports.shop(job.shop)
    admin = ports.shopify_admin(shop)
    bulk = BulkCursor.parse(cursor)
    if cursor is None and not job.params.get("paged"):
        try:
            bulk = _bulk_to_read(ports, admin, shop, job.params["activity_id"])
        except LookupError:
            logger.info("import activity gone", shop=shop.domain)
            return
    if bulk is None:
        products, next_cursor = admin.products_page(
            cursor, IMPORT_PAGE, variants_per_page=IMPORT_VARIANTS, images_per_product=IMPORT_IMAGES
        )
        _import_page(job, ports, shop, cursor or "first", products, next_cursor)
        return
    operation = admin.bulk_operation(bulk.operation_id)
    if operation is not None and operation.running:
        _poll_later(job, ports, shop, bulk)
    elif operation is not None and operation.status == "COMPLETED":
        products, next_offset = (
            admin.bulk_products(operation.url, bulk.offset, BULK_CHUNK, images_per_product=IMPORT_IMAGES)
            if operation.url
            else ([], None)  # Shopify gives no file when the query found nothing
        )
        next_cursor = None if next_offset is None else BulkCursor(bulk.operation_id, next_offset).encode()
        _import_page(job, ports, shop, bulk.encode(), products, next_cursor)
    elif operation is not None and operation.status in ("FAILED", "CANCELED"):
        # It never gave a file, so nothing of it was counted: page through the catalog instead.
        logger.warning(
            "bulk operation ended without a file",
            shop=shop.domain,
            status=operation.status,
            error_code=operation.error_code,
        )
        paged = _import_job(job, shop, None, f"paged-after-{bulk.operation_id}", paged=True)
        ports.enqueue_job(paged)
    else:  # expired (7 days after it completed) or gone
        state = operation.status.lower() if operation else "gone"
        reason = f"Shopify's bulk operation {bulk.operation_id} is {state}: start the import again"
        ports.store.activities.fail_activity(shop.domain, job.params["activity_id"], reason, ports.now())


def _bulk_to_read(ports: Ports, admin: ShopifyShopClient, shop: Shop, activity_id: str) -> BulkCursor | None:
    """How an import reads Shopify from the start: the source recorded on its activity (a run
    repeated or resumed), else pages for up to ``BULK_IMPORT_ABOVE`` products and a new bulk
    operation beyond. The first recorded source wins, so that two runs that chose differently
    (or started two operations) still read and count one. None: read page by page."""
    source = ports.store.activities.import_source_of(shop.domain, activity_id)
    if source is None:
        many = admin.count_products(BULK_IMPORT_ABOVE + 1) > BULK_IMPORT_ABOVE
        chosen = numeric_id(admin.start_bulk_products().id) if many else PAGED_IMPORT
        source = ports.store.activities.claim_import_source(shop.domain, activity_id, chosen)
    return None if source == PAGED_IMPORT else BulkCursor(source, 0)


class BulkCursor(Value, frozen=True):
    """Where a bulk import stands: its operation, and the byte offset of the next product's line
    in the result file (the job cursor and the activity's resume cursor, as ``bulk:<id>:<offset>``)."""

    operation_id: str
    offset: int

    PREFIX: ClassVar[str] = "bulk:"

    def encode(self) -> str:
        return f"{self.PREFIX}{self.operation_id}:{self.offset}"

    @classmethod
    def parse(cls, cursor: str | None) -> BulkCursor | None:
        if not cursor or not cursor.startswith(cls.PREFIX):
            return None
        operation_id, offset = cursor.removeprefix(cls.PREFIX).split(":")
        return cls(operation_id, int(offset))


def _poll_later(job: Job, ports: Ports, shop: Shop, bulk: BulkCursor) -> None:
    """The bulk operation still runs: look again later, and keep the activity from looking stalled.
    Polls form a chain from the job that first saw the operation running; a repeated delivery of
    a poll queues no second follow-up, and an ended activity stops the chain."""
    activity_id = job.params["activity_id"]
    polls = int(job.params.get("polls", 0))
    chain = job.params.get("chain") or job.idempotency_key
    if polls >= MAX_BULK_POLLS:
        reason = "Shopify's bulk operation did not finish within a day: start the import again"
        ports.store.activities.fail_activity(shop.domain, activity_id, reason, ports.now())
        return
    if not ports.store.activities.note_bulk_poll(shop.domain, activity_id, f"{chain}#{polls}", bulk.encode()):
        return
    follow_up = _import_job(job, shop, bulk.encode(), f"poll{polls + 1}", polls=polls + 1, chain=chain)
    delay = BULK_POLL_DELAYS[min(polls, len(BULK_POLL_DELAYS) - 1)]
    ports.enqueue_job(follow_up.model_copy(update={"delay_seconds": delay}))


def _import_job(job: Job, shop: Shop, cursor: str | None, key: str, **more: Any) -> Job:
    activity_id = job.params["activity_id"]
    return Job(
        kind=JobKind.IMPORT,
        shop=shop.domain,
        idempotency_key=":".join(part for part in (activity_id, cursor or "first", key) if part),
        params={"activity_id": activity_id, "cursor": cursor, **more},
    )


def _import_page(
    job: Job,
    ports: Ports,
    shop: Shop,
    page_key: str,
    products: list[ShopifyProduct],
    next_cursor: str | None,
) -> None:
    """Count a page's products in the activity, queue the next page, write the page."""
    activity_id = job.params["activity_id"]
    counted_now = ports.store.activities.grow_activity(
        shop.domain,
        activity_id,
        page_key,
        len(products),
        final=next_cursor is None,
        resume_cursor=next_cursor,
    )
    # A retried page does not queue its successor again (the first try did); should a crash have
    # come between the count and the send, the stuck-activity sweep resumes from the cursor.
    if next_cursor is not None and counted_now:
        ports.enqueue_job(_import_job(job, shop, next_cursor, ""))
    # One read and one write each for the page (new products in one transaction); a write that did
    # not land (another writer changed one of its products meanwhile) goes alone, and only one that
    # lost reads again and decides anew.
    known = ports.store.get_products(shop.domain, [p.id for p in products])
    deciders = {p.id: partial(changes.product_from_shopify, facts=facts_of(shop.domain, p)) for p in products}
    decided = {product_id: decide(known.get(product_id)) for product_id, decide in deciders.items()}
    writes = {
        product_id: VersionedWrite(change.entity, change.counter_deltas)
        for product_id, change in decided.items()
        if change.applies and change.entity
    }
    landed = ports.store.commit_together(list(writes.values())) if writes else []
    for (product_id, write), landed_one in zip(writes.items(), landed, strict=True):
        if not landed_one and ports.store.commit(write) is CommitOutcome.CONFLICT:
            change_product(ports, shop.domain, product_id, deciders[product_id])
    ports.store.activities.record_activity_successes(shop.domain, activity_id, [p.id for p in products])
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())
