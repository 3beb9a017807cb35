"""How each kind of source event changes a product or an order: pure functions returning the new
state (or none) and the counter moves, built on the status rules of connector.domain.status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from connector.domain.entities import Order, Product, ProductImage, Variant
from connector.domain.status import (
    Decision,
    OrderStatus,
    ProductStatus,
    StatusAt,
    Verdict,
    decide_order_update,
    decide_product_status,
    order_status_from_tiktok,
    product_removal,
    product_status_from_tiktok,
)
from connector.values import Value, field, replace

E = TypeVar("E", Product, Order)


class Change(Value, Generic[E], frozen=True):
    """What to write: ``entity`` (None when nothing applies) and the counters it moves."""

    verdict: Verdict
    entity: E | None = None
    counter_deltas: Mapping[str, int] = field(default_factory=dict)

    @property
    def applies(self) -> bool:
        return self.verdict is Verdict.APPLY and self.entity is not None


def _apply(decision: Decision, entity: E) -> Change[E]:
    if not decision.applies:
        return Change(decision.verdict)
    return Change(Verdict.APPLY, entity, decision.counter_deltas)


# --- products ----------------------------------------------------------------------------------


class CatalogFacts(Value, frozen=True):
    """A product as Shopify describes it at ``updated_at`` (epoch seconds)."""

    shop: str
    shopify_product_id: str
    title: str
    variants: tuple[Variant, ...]
    updated_at: int
    description: str = ""  # HTML
    images: tuple[ProductImage, ...] = ()
    option_names: tuple[str, ...] = ()
    product_type: str = ""
    vendor: str = ""
    shopify_category: str = ""
    shopify_status: str = "ACTIVE"

    def held_by(self, product: Product) -> Product:
        """``product`` with every field Shopify gives taken from these facts."""
        return replace(
            product,
            title=self.title,
            variants=self.variants,
            description=self.description,
            images=self.images,
            option_names=self.option_names,
            product_type=self.product_type,
            vendor=self.vendor,
            shopify_category=self.shopify_category,
            shopify_status=self.shopify_status,
            shopify_updated_at=self.updated_at,
        )


def product_from_shopify(current: Product | None, facts: CatalogFacts) -> Change[Product]:
    """products/create or products/update: a new product is ``not_uploaded``; a known one takes
    Shopify's fields when they are newer than the ones it holds. A deleted product stays deleted."""
    if current is None:
        new = Product(
            shop=facts.shop,
            shopify_product_id=facts.shopify_product_id,
            title=facts.title,
            status=ProductStatus.NOT_UPLOADED,
            status_time=0,  # TikTok has reported nothing yet: any TikTok status is newer
            listed_at=facts.updated_at,
        )
        product = facts.held_by(new)
        return _apply(decide_product_status(None, StatusAt(product.status, product.status_time)), product)
    if current.deleted:
        return Change(Verdict.FINAL)
    if facts.updated_at < current.shopify_updated_at:
        return Change(Verdict.STALE)
    if facts.updated_at == current.shopify_updated_at:
        return Change(Verdict.DUPLICATE)
    return Change(Verdict.APPLY, facts.held_by(current))


def product_deleted_in_shopify(
    current: Product | None, shop: str, shopify_product_id: str
) -> Change[Product]:
    """products/delete: the product leaves the catalog and its count, and a tombstone stays so that a
    late create or update cannot bring it back (Shopify never reuses a product id). The tombstone
    keeps only ids (the TikTok id, to clean up there), whatever order the events came in."""
    tombstone = Product(shop, shopify_product_id, "", ProductStatus.NOT_UPLOADED, 0, deleted=True)
    if current is None:
        return Change(Verdict.APPLY, tombstone)
    if current.deleted:
        return Change(Verdict.DUPLICATE)
    removal = product_removal(StatusAt(current.status, current.status_time))
    kept = replace(tombstone, tiktok_product_id=current.tiktok_product_id, version=current.version)
    return _apply(removal, kept)


TIKTOK_DELETED = "DELETED"
LIVE_ON_TIKTOK = "ACTIVATE"  # the one TikTok status that sells (and takes stock updates)


class ListedStatus(Value, frozen=True):
    """A product's status as TikTok answers it now."""

    status: str | None  # None: TikTok knows no such product (frozen, or not ours)
    reason: str | None = None  # the audit's failure reasons
    # Its live version sells (product_status, apart from the audit): a refused edit leaves it so.
    on_sale: bool = False


# Webhook type 37's audit status -> the product status it implies (guides/webhooks/37): APPROVED is
# "listed on the platform"; PRE_APPROVED passed the audit but waits on the seller; NONE says nothing
# of an audit (a draft or deactivated product) and is left to type 5.
AUDIT_STATUS = {"AUDITING": "PENDING", "PRE_APPROVED": "PENDING", "APPROVED": "ACTIVATE", "FAILED": "FAILED"}
# pre_approved_reasons, as the merchant reads them.
PRE_APPROVED_REASONS = {
    "KYC_PENDING": "TikTok Shop is waiting for your seller verification (KYC) to complete",
    "RESTRICTED_CATEGORY_PENDING": (
        "the category is restricted: apply for it in Seller Center's Qualification Center"
    ),
}


def product_audit_from_tiktok(
    current: Product, audit_status: str, reasons: tuple[str, ...], failure: str | None, source_time: int
) -> Change[Product]:
    """Webhook type 37: TikTok's audit result, which carries the status itself (no Get Product)."""
    raw = AUDIT_STATUS.get(audit_status.strip().upper())
    if raw is None:
        return Change(Verdict.DUPLICATE)
    waiting = None
    if audit_status.strip().upper() == "PRE_APPROVED":
        waiting = "; ".join(PRE_APPROVED_REASONS.get(r, r) for r in reasons) or "waiting on the seller"
    return product_status_from_tiktok_event(current, raw, failure, source_time, waiting)


def edit_rejected_on_tiktok(current: Product, reason: str | None, source_time: int) -> Change[Product]:
    """TikTok's audit refused an edit of a product whose live version sells on: it stays Live (and
    keeps its plan slot) with the edit's reason shown (Partial Edit: "the existing product stays
    live and remains unchanged")."""
    if current.deleted:
        return Change(Verdict.FINAL)
    if source_time < current.status_time:
        return Change(Verdict.STALE)
    updated = replace(
        current,
        edit_rejected_reason=reason or "TikTok Shop's audit refused the edit",
        status_time=source_time,
    )
    if updated == current:
        return Change(Verdict.DUPLICATE)
    return Change(Verdict.APPLY, updated)


def product_status_from_tiktok_event(
    current: Product, raw_status: str, reason: str | None, source_time: int, waiting: str | None = None
) -> Change[Product]:
    """TikTok reports a product's status (from its audit webhooks or Get Product)."""
    if current.deleted:
        return Change(Verdict.FINAL)
    new = product_status_from_tiktok(raw_status)
    decision = decide_product_status(
        StatusAt(current.status, current.status_time), StatusAt(new, source_time)
    )
    raw = raw_status.strip().upper()
    updated = replace(
        current,
        status=new,
        status_time=source_time,
        tiktok_status=raw,
        failure_reason=(reason or "rejected by TikTok's audit") if new is ProductStatus.FAILED else None,
        waiting_reason=waiting,
        edit_rejected_reason=None,  # TikTok's newer word on the product supersedes a refused edit
        missing=() if new is not ProductStatus.FAILED else current.missing,
        # Deleted on TikTok: the product can be uploaded again, as a new TikTok product.
        tiktok_product_id=None if raw == TIKTOK_DELETED else current.tiktok_product_id,
    )
    return _apply(decision, updated)


# --- orders ------------------------------------------------------------------------------------


def order_status_change(
    current: Order | None, shop: str, tiktok_order_id: str, raw_status: str, update_time: int
) -> Change[Order]:
    """A TikTok order status update (webhook type 1 or a poll). The webhook does not carry the
    order's create_time; it stays 0 until the order's details are read from TikTok."""
    held = None if current is None else StatusAt(current.tiktok_status, current.update_time)
    decision = decide_order_update(held, StatusAt(raw_status, update_time))
    status = order_status_from_tiktok(raw_status)
    base = current or Order(shop, tiktok_order_id, status, raw_status, update_time, listed_at=update_time)
    updated = replace(base, status=status, tiktok_status=raw_status.strip().upper(), update_time=update_time)
    return _apply(decision, updated)


# TikTok cancellation requests move PENDING -> SUCCESS or CANCELLED (closed) -> COMPLETE; every
# event of one request carries the request's create_time, so the step orders them.
_CANCELLATION_STEP = {
    "CANCELLATION_REQUEST_PENDING": 0,
    "CANCELLATION_REQUEST_CANCELLED": 1,
    "CANCELLATION_REQUEST_SUCCESS": 2,
    "CANCELLATION_REQUEST_COMPLETE": 3,
}


def cancellation_change(current: Order, cancel_status: str, request_time: int) -> Change[Order]:
    """Webhook type 11: kept on the order beside its status."""
    incoming = (request_time, _CANCELLATION_STEP.get(cancel_status.upper(), -1), cancel_status.upper())
    held_status = current.cancellation_status or ""
    held = (current.cancellation_time, _CANCELLATION_STEP.get(held_status, -1), held_status)
    if current.cancellation_status is not None and incoming <= held:
        return Change(Verdict.DUPLICATE if incoming == held else Verdict.STALE)
    updated = replace(current, cancellation_status=cancel_status.upper(), cancellation_time=request_time)
    return Change(Verdict.APPLY, updated)


# TikTok granted the cancellation (the order, or some of its items, is cancelled).
CANCELLATION_GRANTED = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
RETURN_COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


def return_change(current: Order, return_status: str, update_time: int) -> Change[Order]:
    """Webhook type 12: kept on the order beside its status (same-second ties settle by name)."""
    incoming = (update_time, return_status.upper())
    held = (current.return_time, current.return_status or "")
    if current.return_status is not None and incoming <= held:
        return Change(Verdict.DUPLICATE if incoming == held else Verdict.STALE)
    return Change(
        Verdict.APPLY, replace(current, return_status=return_status.upper(), return_time=update_time)
    )


def redact_customer(current: Order) -> Change[Order]:
    """customers/redact: the order stays (the merchant's counts need it) without its link to the
    buyer's Shopify order. Buyers' names, addresses, phones and emails go to Shopify and are never
    kept here, so the link is all there is to erase."""
    if current.customer_redacted:
        return Change(Verdict.DUPLICATE)
    return Change(Verdict.APPLY, replace(current, shopify_order_id=None, customer_redacted=True))


# What a data request finds we hold of a customer's orders.
HELD_FOR_A_CUSTOMER = "the link from the TikTok Shop order to the Shopify order"


# Orders that exist for the merchant to fulfil: paid, past TikTok's hold, not cancelled.
PAID = frozenset(
    {
        OrderStatus.AWAITING_SHIPMENT,
        OrderStatus.AWAITING_COLLECTION,
        OrderStatus.IN_TRANSIT,
        OrderStatus.COMPLETED,
    }
)


def to_cancel_in_shopify(order: Order) -> bool:
    """TikTok cancelled an order that is in Shopify, and Shopify has not heard yet."""
    return (
        order.status == OrderStatus.CANCELLED
        and order.shopify_order_id is not None
        and not order.cancelled_in_shopify
    )


def ready_for_shopify(order: Order) -> bool:
    """A TikTok order that should be in Shopify and is not (held ones wait for quota)."""
    return (
        order.status in PAID
        and order.shopify_order_id is None
        and not order.held_for_quota
        and not order.customer_redacted
    )
