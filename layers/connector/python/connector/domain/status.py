"""Dashboard statuses, their mapping from TikTok's raw statuses, and the rules for changing them.

The statuses and their names are the dashboard's (README, "What it is"); every other place, the
API's schemas and the page included, reads them from here. The mappings follow TikTok Shop's
202309 Product and Order APIs.
Everything here is pure: a decision says whether an update applies and which counters move.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from connector.values import Value, field


class ProductStatus(StrEnum):
    NOT_UPLOADED = "not_uploaded"
    PENDING = "pending"
    LIVE = "live"
    FAILED = "failed"
    INACTIVE = "inactive"


class OrderStatus(StrEnum):
    UNPAID = "unpaid"
    AWAITING_SHIPMENT = "awaiting_shipment"
    AWAITING_COLLECTION = "awaiting_collection"
    IN_TRANSIT = "in_transit"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# What the dashboard calls each status, in the order it shows them.
PRODUCT_STATUS_LABELS: Mapping[ProductStatus, str] = {
    ProductStatus.LIVE: "Live",
    ProductStatus.FAILED: "Failed",
    ProductStatus.NOT_UPLOADED: "Not Uploaded",
    ProductStatus.INACTIVE: "Inactive",
    ProductStatus.PENDING: "Pending",
}
ORDER_STATUS_LABELS: Mapping[OrderStatus, str] = {
    OrderStatus.AWAITING_SHIPMENT: "Awaiting Shipment",
    OrderStatus.AWAITING_COLLECTION: "Awaiting Collection",
    OrderStatus.IN_TRANSIT: "In Transit",
    OrderStatus.COMPLETED: "Completed",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.UNPAID: "Unpaid",
}


class UnknownStatusError(ValueError):
    """A raw status that no table maps: the event cannot be applied and must not be dropped."""


# TikTok product status (202309 Product API) -> dashboard value.
TIKTOK_PRODUCT_STATUS: Mapping[str, ProductStatus] = {
    "DRAFT": ProductStatus.NOT_UPLOADED,  # saved on TikTok but never submitted for audit
    "DELETED": ProductStatus.NOT_UPLOADED,  # gone from TikTok, still in the Shopify catalog
    "PENDING": ProductStatus.PENDING,
    "FAILED": ProductStatus.FAILED,
    "ACTIVATE": ProductStatus.LIVE,
    "SELLER_DEACTIVATED": ProductStatus.INACTIVE,
    "PLATFORM_DEACTIVATED": ProductStatus.INACTIVE,
    "FREEZE": ProductStatus.INACTIVE,
}

# TikTok order status -> dashboard value. The Order API says CANCELLED, the order webhook CANCEL.
TIKTOK_ORDER_STATUS: Mapping[str, OrderStatus] = {
    "UNPAID": OrderStatus.UNPAID,
    "ON_HOLD": OrderStatus.UNPAID,
    "AWAITING_SHIPMENT": OrderStatus.AWAITING_SHIPMENT,
    "PARTIALLY_SHIPPING": OrderStatus.AWAITING_SHIPMENT,
    "AWAITING_COLLECTION": OrderStatus.AWAITING_COLLECTION,
    "IN_TRANSIT": OrderStatus.IN_TRANSIT,
    "DELIVERED": OrderStatus.IN_TRANSIT,
    "COMPLETED": OrderStatus.COMPLETED,
    "CANCELLED": OrderStatus.CANCELLED,
    "CANCEL": OrderStatus.CANCELLED,
}

# Where each raw order status stands in TikTok's lifecycle; updates only move up this ladder.
# Cancellation ends the ladder from any step before completion.
_ORDER_LIFECYCLE_RANK: Mapping[OrderStatus, int] = {
    OrderStatus.UNPAID: 0,
    OrderStatus.AWAITING_SHIPMENT: 1,
    OrderStatus.AWAITING_COLLECTION: 2,
    OrderStatus.IN_TRANSIT: 3,
    OrderStatus.COMPLETED: 4,
    OrderStatus.CANCELLED: 5,
}
# Finer ordering inside one dashboard value (ON_HOLD after UNPAID, DELIVERED after IN_TRANSIT...).
_RAW_ORDER_STEP: Mapping[str, int] = {
    "UNPAID": 0,
    "ON_HOLD": 1,
    "AWAITING_SHIPMENT": 0,
    "PARTIALLY_SHIPPING": 1,
    "IN_TRANSIT": 0,
    "DELIVERED": 1,
}
FINAL_ORDER_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED})

# Tie-break for two product statuses reported at the same source second: a fixed order, so that
# any delivery order of the same events ends in the same state.
_PRODUCT_TIE_PRECEDENCE: Mapping[ProductStatus, int] = {
    ProductStatus.NOT_UPLOADED: 0,
    ProductStatus.PENDING: 1,
    ProductStatus.INACTIVE: 2,
    ProductStatus.LIVE: 3,
    ProductStatus.FAILED: 4,
}


def product_status_from_tiktok(raw_status: str) -> ProductStatus:
    """Dashboard value of a TikTok product status (case-insensitive)."""
    try:
        return TIKTOK_PRODUCT_STATUS[raw_status.strip().upper()]
    except KeyError:
        raise UnknownStatusError(f"unknown TikTok product status {raw_status!r}") from None


def order_status_from_tiktok(raw_status: str) -> OrderStatus:
    """Dashboard value of a TikTok order status (case-insensitive, every cancel spelling)."""
    try:
        return TIKTOK_ORDER_STATUS[raw_status.strip().upper()]
    except KeyError:
        raise UnknownStatusError(f"unknown TikTok order status {raw_status!r}") from None


def counter_name(kind: str, status: str) -> str:
    """Name of the per-shop counter of one dashboard status, e.g. ``products_live``."""
    return f"{kind}_{status}"


PRODUCT_COUNTERS = tuple(counter_name("products", s) for s in ProductStatus)
ORDER_COUNTERS = tuple(counter_name("orders", s) for s in OrderStatus)
ALL_COUNTERS = PRODUCT_COUNTERS + ORDER_COUNTERS


class Verdict(StrEnum):
    APPLY = "apply"
    DUPLICATE = "duplicate"  # same status at the same source time: nothing to do
    STALE = "stale"  # older than what we hold
    FINAL = "final"  # what we hold is final
    BACKWARD = "backward"  # newer, but earlier in the lifecycle


class Decision(Value, frozen=True):
    verdict: Verdict
    counter_deltas: Mapping[str, int] = field(default_factory=dict)

    @property
    def applies(self) -> bool:
        return self.verdict is Verdict.APPLY


class StatusAt(Value, frozen=True):
    """A status as the source reported it, with the source's own update time (epoch seconds)."""

    status: str
    source_time: int


def _move(kind: str, old: str | None, new: str | None) -> dict[str, int]:
    if old == new:
        return {}
    deltas: dict[str, int] = {}
    if old is not None:
        deltas[counter_name(kind, old)] = -1
    if new is not None:
        deltas[counter_name(kind, new)] = 1
    return deltas


def decide_order_update(current: StatusAt | None, incoming: StatusAt) -> Decision:
    """Whether a TikTok order status update applies, and how the order counters move.

    ``status`` on both sides is TikTok's raw order status. An update applies when it is not older
    than what we hold, the held status is not final, and it does not move back in the lifecycle.
    """
    new = order_status_from_tiktok(incoming.status)
    if current is None:
        return Decision(Verdict.APPLY, _move("orders", None, new))
    old = order_status_from_tiktok(current.status)
    if incoming.source_time < current.source_time:
        return Decision(Verdict.STALE)
    # Every spelling of one raw status sits at the same position.
    if _order_position(incoming.status) == _order_position(current.status):
        if incoming.source_time == current.source_time:
            return Decision(Verdict.DUPLICATE)
        # A newer report of the same step only refreshes the source time.
        return Decision(Verdict.APPLY)
    if old in FINAL_ORDER_STATUSES:
        return Decision(Verdict.FINAL)
    if _order_position(incoming.status) < _order_position(current.status):
        return Decision(Verdict.BACKWARD)
    return Decision(Verdict.APPLY, _move("orders", old, new))


def _order_position(raw_status: str) -> tuple[int, int]:
    dashboard = order_status_from_tiktok(raw_status)
    return (_ORDER_LIFECYCLE_RANK[dashboard], _RAW_ORDER_STEP.get(raw_status.strip().upper(), 0))


def decide_product_status(current: StatusAt | None, incoming: StatusAt) -> Decision:
    """Whether a product status change applies, and how the product counters move.

    ``status`` on both sides is a dashboard ``ProductStatus`` value. Products move both ways
    (deactivated then reactivated, failed then re-uploaded), so only the source time orders them;
    two different statuses at the same second are settled by a fixed precedence.
    """
    new = ProductStatus(incoming.status)
    if current is None:
        return Decision(Verdict.APPLY, _move("products", None, new))
    old = ProductStatus(current.status)
    if incoming.source_time < current.source_time:
        return Decision(Verdict.STALE)
    if incoming.source_time == current.source_time:
        if new == old:
            return Decision(Verdict.DUPLICATE)
        if _PRODUCT_TIE_PRECEDENCE[new] < _PRODUCT_TIE_PRECEDENCE[old]:
            return Decision(Verdict.STALE)
    return Decision(Verdict.APPLY, _move("products", old, new))


def product_removal(current: StatusAt | None) -> Decision:
    """A product leaves the catalog (deleted in Shopify or its shop erased)."""
    if current is None:
        return Decision(Verdict.DUPLICATE)
    return Decision(Verdict.APPLY, _move("products", current.status, None))
