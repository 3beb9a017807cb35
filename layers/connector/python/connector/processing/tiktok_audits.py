"""TikTok's product audit topics: a product's audit events (type 5) and audit results (type 37),
and the plan slot a listed product holds."""

from __future__ import annotations

from collections.abc import Callable

from connector.domain import changes, plans
from connector.domain.changes import Change
from connector.domain.entities import Product
from connector.domain.status import ProductStatus
from connector.jobs import JobKind
from connector.processing.applier import Applier, Outcome, inventory_items, require
from connector.processing.follow_ups import job_of
from connector.webhooks.message import QueuedWebhook
from connector.webhooks.tiktok import ProductAuditData, ProductStatusData, data_of

# An audit webhook can overtake the upload that links the TikTok product to ours; it is retried
# from the queue this many times before it counts as a product made on TikTok, not through us.
LINK_WAIT_RECEIVES = 3
ON_TIKTOK = frozenset({ProductStatus.PENDING, ProductStatus.LIVE, ProductStatus.INACTIVE})
NO_LIMIT = 2**31


class ProductNotYetLinkedError(RuntimeError):
    """A TikTok product we may be about to link (its upload is finishing): retried from the queue."""


def product_status(applier: Applier, message: QueuedWebhook) -> Outcome:
    """Type 5: an audit event that names no status; TikTok is asked for it, unless a type-37
    audit webhook already told us this or a later status (no Get Product spent on it)."""
    data = data_of(message.body, ProductStatusData)
    shopify_id = _linked_product(applier, message, data.product_id)
    if shopify_id is None:
        return Outcome.IGNORED
    known = applier.product(message.shop, shopify_id)
    if known is not None and _audit_known(known, data.update_time):
        return Outcome.DUPLICATE
    decide = _product_state(applier, message, data, known)
    return _product_change(applier, message, shopify_id, data.product_id, decide)


def product_audit(applier: Applier, message: QueuedWebhook) -> Outcome:
    """Type 37: the audit result itself. Only a failure is read further (Get Product names its
    reasons, which the webhook does not carry, and tells a refused edit of a live product)."""
    data = data_of(message.body, ProductAuditData)
    shopify_id = _linked_product(applier, message, data.product_id)
    if shopify_id is None:
        return Outcome.IGNORED
    audit = data.audit.status.strip().upper()
    if audit == "FAILED":
        decide = _product_state(applier, message, data, applier.product(message.shop, shopify_id))
        return _product_change(applier, message, shopify_id, data.product_id, decide)
    return _product_change(
        applier,
        message,
        shopify_id,
        data.product_id,
        lambda current: changes.product_audit_from_tiktok(
            current, data.audit.status, data.audit.reasons, None, data.update_time
        ),
    )


def _linked_product(applier: Applier, message: QueuedWebhook, tiktok_product_id: str) -> str | None:
    shopify_id = applier.store.product_for_tiktok(message.shop, tiktok_product_id)
    if shopify_id is None and applier.receive_count < LINK_WAIT_RECEIVES:
        raise ProductNotYetLinkedError(f"TikTok product {tiktok_product_id} is not linked (yet)")
    return shopify_id  # None: a product the seller made on TikTok, not through us


def _audit_known(product: Product, update_time: int) -> bool:
    """TikTok told us the audit's outcome (webhook 37) as of ``update_time`` or later. Pending is no
    outcome: the upload records it at our own time, which TikTok's clock may match."""
    settled = product.tiktok_status not in (None, "PENDING")
    return settled and product.status_time >= update_time


def _product_change(
    applier: Applier,
    message: QueuedWebhook,
    shopify_id: str,
    tiktok_product_id: str,
    decide: Callable[[Product], Change[Product]],
) -> Outcome:
    before = applier.product(message.shop, shopify_id)

    def follow_up(after: Product) -> None:
        # Gone live: a stock change held back while it was not live goes to TikTok now (queued
        # before the write: a redelivery after a crash queues it again, it is safe twice).
        went_live = after.tiktok_status == changes.LIVE_ON_TIKTOK and (
            before is None or before.tiktok_status != changes.LIVE_ON_TIKTOK
        )
        if went_live and after.stock_held:
            applier.job(job_of(message, JobKind.STOCK_PUSH, {"shopify_product_id": shopify_id}))

    outcome = applier.change_product(message, shopify_id, require(decide), before_commit=follow_up)
    after = applier.known_product(message.shop, shopify_id)
    if after is not None:
        _settle_product_slot(applier, before, after, tiktok_product_id)
    return outcome


def _settle_product_slot(
    applier: Applier, before: Product | None, after: Product, tiktok_product_id: str
) -> None:
    """A product holds a plan slot while TikTok lists it (Pending, Live, Inactive). A deletion
    or a failed audit there gives the slot back; also on a redelivery, since a crash after the
    status write must not keep it taken (giving back is once per product). A failed product
    that TikTok lists again (fixed in Seller Center) takes a slot again even past the limit:
    TikTok lists it whatever we count, and the plan then shows nothing remaining."""
    store = applier.store
    slot = (after.shop, plans.QuotaKind.PRODUCTS, after.shopify_product_id)
    if after.tiktok_status == changes.TIKTOK_DELETED and after.tiktok_product_id is None:
        store.unlink_tiktok_product(after.shop, tiktok_product_id, inventory_items(after))
        store.give_back_quota(*slot)
    elif after.status == ProductStatus.FAILED:
        store.give_back_quota(*slot)
    elif before is not None and before.status == ProductStatus.FAILED and after.status in ON_TIKTOK:
        store.take_quota(*slot, limit=NO_LIMIT, at=after.status_time)


def _product_state(
    applier: Applier,
    message: QueuedWebhook,
    data: ProductStatusData | ProductAuditData,
    held: Product | None,
) -> Callable[[Product], Change[Product]]:
    """What an audit event that does not carry the product's status means for it. A first
    audit's failure says so itself; otherwise TikTok is asked, and a failure of a product whose
    live version still sells is a refused edit (it stays Live), not a failed product."""
    at = data.update_time
    if isinstance(data, ProductStatusData):
        failed = data.status.upper() == "PRODUCT_AUDIT_FAILURE"
        if failed and (held is None or held.tiktok_status != changes.LIVE_ON_TIKTOK):
            reason = data.suspended_reason or None
            return lambda current: changes.product_status_from_tiktok_event(current, "FAILED", reason, at)
    else:
        failed = data.audit.status.strip().upper() == "FAILED"
    shop = applier.shop(message.shop)
    if shop is None:
        raise RuntimeError("cannot read the product's status from TikTok: the shop is gone")
    listed = applier.ports.tiktok_products.status_of(shop, data.product_id, at)
    if failed and listed.on_sale:
        return lambda current: changes.edit_rejected_on_tiktok(current, listed.reason, at)
    # Get Product answers for every status but FREEZE and DELETED (TikTok's Get Product docs).
    status = listed.status or "FREEZE"
    return lambda current: changes.product_status_from_tiktok_event(current, status, listed.reason, at)
