"""Status mappings and transitions (shared/DESIGN.md section 4), without any I/O."""

from __future__ import annotations

import pytest

from connector.domain.status import (
    ALL_COUNTERS,
    TIKTOK_ORDER_STATUS,
    TIKTOK_PRODUCT_STATUS,
    OrderStatus,
    ProductStatus,
    StatusAt,
    UnknownStatusError,
    Verdict,
    decide_order_update,
    decide_product_status,
    order_status_from_tiktok,
    product_removal,
    product_status_from_tiktok,
)

PRODUCT_TABLE = {
    "DRAFT": "not_uploaded",
    "DELETED": "not_uploaded",
    "PENDING": "pending",
    "FAILED": "failed",
    "ACTIVATE": "live",
    "SELLER_DEACTIVATED": "inactive",
    "PLATFORM_DEACTIVATED": "inactive",
    "FREEZE": "inactive",
}
ORDER_TABLE = {
    "UNPAID": "unpaid",
    "ON_HOLD": "unpaid",
    "AWAITING_SHIPMENT": "awaiting_shipment",
    "PARTIALLY_SHIPPING": "awaiting_shipment",
    "AWAITING_COLLECTION": "awaiting_collection",
    "IN_TRANSIT": "in_transit",
    "DELIVERED": "in_transit",
    "COMPLETED": "completed",
    "CANCELLED": "cancelled",
    "CANCEL": "cancelled",
}


@pytest.mark.parametrize(("raw", "expected"), PRODUCT_TABLE.items())
def test_every_tiktok_product_status_maps_to_its_dashboard_value(raw: str, expected: str) -> None:
    assert product_status_from_tiktok(raw) == expected
    assert product_status_from_tiktok(raw.lower()) == expected


@pytest.mark.parametrize(("raw", "expected"), ORDER_TABLE.items())
def test_every_tiktok_order_status_maps_to_its_dashboard_value(raw: str, expected: str) -> None:
    assert order_status_from_tiktok(raw) == expected


def test_tables_cover_every_status_and_nothing_else() -> None:
    assert dict(TIKTOK_PRODUCT_STATUS) == PRODUCT_TABLE
    assert dict(TIKTOK_ORDER_STATUS) == ORDER_TABLE
    assert set(PRODUCT_TABLE.values()) == set(ProductStatus)
    assert set(ORDER_TABLE.values()) == set(OrderStatus)
    assert len(ALL_COUNTERS) == len(ProductStatus) + len(OrderStatus)


@pytest.mark.parametrize("raw", ["", "SHIPPED", "LIVE", "ACTIVE"])
def test_unknown_statuses_are_refused_not_guessed(raw: str) -> None:
    with pytest.raises(UnknownStatusError):
        product_status_from_tiktok(raw)
    with pytest.raises(UnknownStatusError):
        order_status_from_tiktok(raw)


# --- orders ---------------------------------------------------------------------------------------


def test_first_order_status_applies_and_counts_once() -> None:
    decision = decide_order_update(None, StatusAt("AWAITING_SHIPMENT", 100))
    assert decision.verdict is Verdict.APPLY
    assert decision.counter_deltas == {"orders_awaiting_shipment": 1}


def test_forward_order_move_shifts_one_count() -> None:
    decision = decide_order_update(StatusAt("AWAITING_SHIPMENT", 100), StatusAt("IN_TRANSIT", 200))
    assert decision.verdict is Verdict.APPLY
    assert decision.counter_deltas == {"orders_awaiting_shipment": -1, "orders_in_transit": 1}


def test_move_inside_one_dashboard_value_moves_no_counter() -> None:
    decision = decide_order_update(StatusAt("IN_TRANSIT", 100), StatusAt("DELIVERED", 200))
    assert decision.verdict is Verdict.APPLY
    assert decision.counter_deltas == {}


def test_same_second_forward_move_applies() -> None:
    decision = decide_order_update(StatusAt("UNPAID", 100), StatusAt("AWAITING_SHIPMENT", 100))
    assert decision.verdict is Verdict.APPLY


def test_cancel_spellings_are_one_status() -> None:
    decision = decide_order_update(StatusAt("CANCELLED", 100), StatusAt("CANCEL", 100))
    assert decision.verdict is Verdict.DUPLICATE


@pytest.mark.parametrize(
    ("held", "incoming", "verdict"),
    [
        (StatusAt("IN_TRANSIT", 200), StatusAt("AWAITING_SHIPMENT", 100), Verdict.STALE),
        (StatusAt("COMPLETED", 200), StatusAt("CANCELLED", 100), Verdict.STALE),
        (StatusAt("AWAITING_SHIPMENT", 100), StatusAt("AWAITING_SHIPMENT", 100), Verdict.DUPLICATE),
        (StatusAt("COMPLETED", 100), StatusAt("CANCELLED", 200), Verdict.FINAL),
        (StatusAt("COMPLETED", 100), StatusAt("IN_TRANSIT", 200), Verdict.FINAL),
        (StatusAt("CANCELLED", 100), StatusAt("AWAITING_SHIPMENT", 200), Verdict.FINAL),
        (StatusAt("CANCEL", 100), StatusAt("COMPLETED", 200), Verdict.FINAL),
        (StatusAt("IN_TRANSIT", 100), StatusAt("AWAITING_COLLECTION", 200), Verdict.BACKWARD),
        (StatusAt("DELIVERED", 100), StatusAt("IN_TRANSIT", 200), Verdict.BACKWARD),
        (StatusAt("AWAITING_SHIPMENT", 100), StatusAt("UNPAID", 200), Verdict.BACKWARD),
        (StatusAt("ON_HOLD", 100), StatusAt("UNPAID", 200), Verdict.BACKWARD),
    ],
)
def test_rejected_order_updates(held: StatusAt, incoming: StatusAt, verdict: Verdict) -> None:
    decision = decide_order_update(held, incoming)
    assert decision.verdict is verdict
    assert not decision.applies
    assert decision.counter_deltas == {}


def test_cancellation_applies_from_any_open_status() -> None:
    for raw in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT"):
        decision = decide_order_update(StatusAt(raw, 100), StatusAt("CANCEL", 200))
        assert decision.applies, raw
        assert decision.counter_deltas["orders_cancelled"] == 1


# --- products -------------------------------------------------------------------------------------


def test_product_status_moves_both_ways_by_source_time() -> None:
    live = StatusAt(ProductStatus.LIVE, 100)
    assert decide_product_status(live, StatusAt(ProductStatus.INACTIVE, 200)).counter_deltas == {
        "products_live": -1,
        "products_inactive": 1,
    }
    assert decide_product_status(
        StatusAt(ProductStatus.INACTIVE, 200), StatusAt(ProductStatus.LIVE, 300)
    ).applies


@pytest.mark.parametrize(
    ("held", "incoming", "verdict"),
    [
        (StatusAt("live", 200), StatusAt("pending", 100), Verdict.STALE),
        (StatusAt("live", 100), StatusAt("live", 100), Verdict.DUPLICATE),
        (StatusAt("failed", 100), StatusAt("live", 100), Verdict.STALE),  # same second: precedence
    ],
)
def test_rejected_product_updates(held: StatusAt, incoming: StatusAt, verdict: Verdict) -> None:
    decision = decide_product_status(held, incoming)
    assert decision.verdict is verdict
    assert decision.counter_deltas == {}


def test_same_second_product_statuses_converge_whatever_the_order() -> None:
    a, b = StatusAt("live", 100), StatusAt("failed", 100)
    first_a = b if decide_product_status(a, b).applies else a
    first_b = a if decide_product_status(b, a).applies else b
    assert first_a == first_b


def test_removal_takes_the_product_out_of_its_count() -> None:
    assert product_removal(StatusAt("live", 1)).counter_deltas == {"products_live": -1}
    assert product_removal(None).verdict is Verdict.DUPLICATE
