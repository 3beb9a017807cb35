"""TikTok orders a merchant can ship from Shopify, end to end through both contract-checking
sandboxes: the complete Shopify order, stock that moves once, fulfilments shipping their own items,
cancellations and returns back in Shopify, history left alone, and no personal data kept."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from connector.dal.store import Store
from connector.domain.entities import Product
from connector.domain.plans import QuotaKind, limit_of
from connector.domain.status import OrderStatus
from connector.jobs import Job, JobKind
from connector.sales_reconciliation import reconcile_sales
from connector.schedules import poll_tiktok_orders
from connector.values import replace
from connector.wiring import process_ports
from tests.helpers import LocalStack, change_plan, shop_items

pytestmark = pytest.mark.integration

# A recipient whose every field a test can search the whole run for.
RECIPIENT = {
    "name": "Wilhelmina Fairweather-Quince",
    "first_name": "Wilhelmina",
    "last_name": "Fairweather-Quince",
    "phone_number": "+12135550148",
    "address_line1": "77 Larkspur Crescent",
    "postal_code": "90012",
}
PERSONAL = ("Wilhelmina", "Fairweather", "Larkspur", "2135550148")


def live_products(store: Store, shop: str, count: int) -> list[Product]:
    live = [p for p in store.list_products(shop, "live", 20).items if p.tiktok_skus]
    assert len(live) >= count
    return live[:count]


def line(product: Product, quantity: int, price: str, seller_discount: str = "0") -> dict[str, Any]:
    variant = product.variants[0]
    return {
        "product_id": product.tiktok_product_id,
        "sku_id": product.tiktok_sku_of(variant.variant_id),
        "seller_sku": variant.sku,
        "original_price": price,
        "seller_discount": seller_discount,
        "quantity": quantity,
    }


def watch_queues(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message sent to the events and jobs queues from now on."""
    queued: list[str] = []
    for queue in (stack.events, stack.jobs):

        def send(body: str, delay_seconds: int = 0, original: Any = queue.send) -> None:
            queued.append(body)
            original(body, delay_seconds)

        monkeypatch.setattr(queue, "send", send)
    return queued


def in_shopify(store: Store, shop: str, order_id: str) -> str:
    """The Shopify order a TikTok order became."""
    order = store.get_order(shop, order_id)
    assert order is not None and order.shopify_order_id is not None, order
    return order.shopify_order_id


def available(stack: LocalStack, shop: str, product: Product) -> int:
    found = stack.shopify.state(shop).inventory_item(int(product.variants[0].inventory_item_id or 0))
    assert found is not None
    return sum(found[1].levels.values())


def tiktok_quantity(stack: LocalStack, product: Product) -> int:
    skus = stack.tiktok.products[product.tiktok_product_id or ""]["skus"]
    sku_id = product.tiktok_sku_of(product.variants[0].variant_id)
    return sum(level["quantity"] for sku in skus if sku["id"] == sku_id for level in sku["inventory"])


@pytest.fixture
def ordering(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> Callable[..., str]:
    """A shop with live listings; makes a paid TikTok order of the given lines and lets it sync."""
    imported_shop(4)
    stack.upload_all()
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]
    main = stack.shopify.locations(shop)[0]
    for product in live_products(store, shop, 2):  # Shopify holds what the orders sell
        stack.shopify.set_available(shop, product.variants[0].inventory_item_id or "", main.id, 20)
    stack.settle()

    def order(*lines: dict[str, Any], **options: Any) -> str:
        options.setdefault("status", "AWAITING_SHIPMENT")
        options.setdefault("recipient", RECIPIENT)
        order_id = stack.tiktok.create_order(tiktok_shop_id, line_items=list(lines), **options)
        stack.settle()
        return str(order_id)

    return order


def test_a_paid_order_becomes_a_complete_paid_shopify_order_and_stock_moves_once(
    ordering: Callable[..., str],
    stack: LocalStack,
    store: Store,
    shop: str,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued = watch_queues(stack, monkeypatch)
    mug, shirt = live_products(store, shop, 2)
    stock = {
        p.shopify_product_id: (available(stack, shop, p), tiktok_quantity(stack, p)) for p in (mug, shirt)
    }

    order_id = ordering(
        line(mug, 2, "12.00", seller_discount="2.00"),
        line(shirt, 1, "30.00"),
        shipping_fee="4.99",
        tax_rate="0.08",
        buyer_email="buyer.wilhelmina@scs.tiktokw.us",
    )

    ours = store.get_order(shop, order_id)
    assert ours is not None and ours.shopify_order_id is not None, ours
    created = stack.shopify.order(shop, ours.shopify_order_id)
    paid = stack.tiktok.orders[order_id]["payment"]
    assert created.total == Decimal(paid["total_amount"])
    assert created.financial_status == "PAID"
    assert created.source_identifier == order_id
    assert created.shipping_address is not None and "Larkspur" in json.dumps(created.shipping_address)
    assert created.shipping_lines and created.tax != 0
    assert created.options["inventoryBehaviour"] == "DECREMENT_OBEYING_POLICY"
    assert sorted((line.quantity, line.price) for line in created.lines) == [
        (1, Decimal("30.00")),
        (2, Decimal("10.00")),
    ]
    # Shopify's stock moved with the sale; TikTok, which had taken the units itself, is not pushed
    # back up (or down twice) by the echo of Shopify's inventory_levels/update.
    for product, sold in ((mug, 2), (shirt, 1)):
        shopify_before, tiktok_before = stock[product.shopify_product_id]
        assert available(stack, shop, product) == shopify_before - sold
        # TikTok took the units when it sold; Shopify's stock, pushed back after its decrement,
        # is the same number: neither counted twice nor undone.
        assert (
            tiktok_quantity(stack, product) == tiktok_before - sold == online_available(stack, shop, product)
        )

    # Fulfilled in Shopify: shipped on TikTok with its tracking number.
    stack.shopify.fulfil(
        shop, ours.shopify_order_id, tracking_number="1Z999AA10123456784", tracking_company="UPS"
    )
    stack.settle()
    assert stack.tiktok.orders[order_id]["status"] in ("IN_TRANSIT", "AWAITING_COLLECTION")

    # No DynamoDB item, log line or queued message of this order holds the buyer (Shopify has them).
    assert "Wilhelmina" in json.dumps(created.input)
    assert any("fulfillments/create" in body for body in queued)  # the queues were watched
    everything = json.dumps(shop_items(shop)) + capfd.readouterr().out + "".join(queued)
    assert not any(part in everything for part in PERSONAL)


def test_two_fulfilments_ship_two_tiktok_packages_with_their_own_tracking(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]
    stack.tiktok.set_packages_before_shipping(tiktok_shop_id, False)  # packages made as items ship
    mug, shirt = live_products(store, shop, 2)
    order_id = ordering(line(mug, 1, "12.00"), line(shirt, 1, "30.00"))
    shopify_id = in_shopify(store, shop, order_id)
    first, second = stack.shopify.order(shop, shopify_id).lines

    stack.shopify.fulfil(shop, shopify_id, {first.id: 1}, tracking_number="TRACK-ONE", tracking_company="UPS")
    stack.settle()
    stack.shopify.fulfil(
        shop, shopify_id, {second.id: 1}, tracking_number="TRACK-TWO", tracking_company="UPS"
    )
    stack.settle()

    packages = [p for p in stack.tiktok.packages.values() if p["order_id"] == order_id]
    assert sorted(p["tracking_number"] for p in packages) == ["TRACK-ONE", "TRACK-TWO"]
    assert stack.tiktok.orders[order_id]["status"] == "IN_TRANSIT"


def test_a_tiktok_cancellation_cancels_and_restocks_the_shopify_order_once(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    (mug,) = live_products(store, shop, 1)
    before = available(stack, shop, mug)
    order_id = ordering(line(mug, 2, "12.00"))
    shopify_id = in_shopify(store, shop, order_id)
    assert available(stack, shop, mug) == before - 2

    # TikTok tells it three times (webhook 11 SUCCESS, type 1 CANCEL, 11 COMPLETE), the poll a fourth.
    stack.tiktok.cancel_by_tiktok(order_id, role="BUYER")
    stack.settle()
    profile = store.get_shop(shop)
    assert profile is not None
    poll_tiktok_orders(process_ports(), replace(profile, tiktok_orders_polled_until=0), int(time.time()) + 1)
    stack.settle()

    cancelled = stack.shopify.order(shop, shopify_id)
    assert cancelled.cancelled_at is not None
    assert store.get_order(shop, order_id).cancelled_in_shopify  # type: ignore[union-attr]
    assert available(stack, shop, mug) == before  # restocked once, not twice


def test_an_order_paid_then_cancelled_before_its_sync_counts_as_a_cancelled_sale(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    (mug,) = live_products(store, shop, 1)
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]
    stack.jobs.pause()  # the order's sync waits while the buyer cancels
    try:
        order_id = stack.tiktok.create_order(
            tiktok_shop_id,
            line_items=[line(mug, 2, "12.00")],
            status="AWAITING_SHIPMENT",
            recipient=RECIPIENT,
        )
        assert stack.tiktok.wait_idle()
        stack.events.drain(timeout=30)
        stack.tiktok.cancel_by_tiktok(order_id, role="BUYER")
        assert stack.tiktok.wait_idle()
        stack.events.drain(timeout=30)
    finally:
        stack.jobs.resume()
    stack.settle()

    order = store.get_order(shop, order_id)
    assert order is not None and order.status == OrderStatus.CANCELLED and order.shopify_order_id is None
    week = stack.merchant_call("GET", "/v1/sales", params={"days": 7}).json()["current"]["totals"]
    assert (week["orders"], week["cancelled_orders"]) == (0, 1)
    assert Decimal(week["cancelled_sales"]) == Decimal("24.00")


def test_a_completed_return_puts_the_units_back_in_shopify(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    (mug,) = live_products(store, shop, 1)
    before = available(stack, shop, mug)
    order_id = ordering(line(mug, 2, "12.00"))
    shopify_id = in_shopify(store, shop, order_id)
    stack.shopify.fulfil(shop, shopify_id)
    stack.settle()

    return_id = stack.tiktok.request_return(order_id)
    stack.tiktok.advance_return(return_id, "AWAITING_BUYER_SHIP", "RETURN_OR_REFUND_REQUEST_COMPLETE")
    stack.settle()

    assert available(stack, shop, mug) == before
    refunds = stack.shopify.order(shop, shopify_id).refunds
    assert len(refunds) == 1
    assert store.get_order(shop, order_id).return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"  # type: ignore[union-attr]


def test_a_return_of_one_unit_counts_that_unit_in_the_sales_not_the_whole_order(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    mug, cup = live_products(store, shop, 2)
    order_id = ordering(line(mug, 2, "12.00", seller_discount="2.00"), line(cup, 1, "30.00"))
    stack.shopify.fulfil(shop, in_shopify(store, shop, order_id))
    stack.settle()

    items = stack.tiktok.orders[order_id]["line_items"]
    one_mug = next(item["id"] for item in items if item["product_id"] == mug.tiktok_product_id)
    return_id = stack.tiktok.request_return(order_id, [one_mug])
    stack.tiktok.advance_return(return_id, "AWAITING_BUYER_SHIP", "RETURN_OR_REFUND_REQUEST_COMPLETE")
    stack.settle()

    week = stack.merchant_call("GET", "/v1/sales", params={"days": 7}).json()["current"]["totals"]
    assert (week["returned_orders"], Decimal(week["returned_sales"])) == (1, Decimal("10.00"))
    assert Decimal(week["net_sales"]) == Decimal("10.00") + Decimal("30.00")  # the mug kept, the cup
    assert reconcile_sales(store, shop) == 0  # what the figures hold is what a recount finds


def test_an_order_shopify_refuses_is_shown_with_its_reason_and_gives_its_quota_back(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    used = store.get_plan(shop).orders_used  # type: ignore[union-attr]
    (mug,) = live_products(store, shop, 1)
    catalog = stack.shopify.state(shop).products
    deleted = catalog.pop(int(mug.shopify_product_id))  # deleted in Shopify since
    order_id = ordering(line(mug, 1, "12.00"))

    order = store.get_order(shop, order_id)
    assert order is not None and order.shopify_order_id is None
    assert order.sync_problem is not None and "Shopify refused the order" in order.sync_problem
    assert store.get_plan(shop).orders_used == used  # type: ignore[union-attr]
    assert stack.jobs.dead_letters == []
    shown = stack.merchant_call("GET", "/v1/orders", params={"limit": 10}).json()["items"]
    assert next(o for o in shown if o["id"] == order_id)["sync_problem"] == order.sync_problem

    # The merchant fixes it (the product is back) and retries from the dashboard.
    catalog[deleted.id] = deleted
    answer = stack.merchant_call("POST", f"/v1/orders/{order_id}/retry")
    assert answer.status_code == 202, answer.text
    stack.settle()
    retried = store.get_order(shop, order_id)
    assert retried is not None and retried.shopify_order_id is not None and retried.sync_problem is None
    assert store.get_plan(shop).orders_used == used + 1  # type: ignore[union-attr]
    assert stack.finished_activity(answer.json()["activity"]["id"])["succeeded"] == 1
    assert stack.merchant_call("POST", f"/v1/orders/{order_id}/retry").status_code == 409


def test_connecting_a_shop_with_a_long_history_creates_no_shopify_order_for_it(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(2)
    stack.upload_all()
    profile = store.get_shop(shop)
    assert profile is not None and profile.orders_since > 0
    stack.tiktok.add_history(profile.tiktok_shop_id, 500, before=profile.orders_since)

    poll_tiktok_orders(process_ports(), profile, profile.orders_since + 3600)
    stack.settle()

    assert stack.shopify.orders(shop) == []
    assert store.get_plan(shop).orders_used == 0  # type: ignore[union-attr]


def test_an_earlier_start_is_shown_with_its_count_and_brings_those_orders(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(2)
    stack.upload_all()
    profile = store.get_shop(shop)
    assert profile is not None and profile.tiktok_shop_id
    history = stack.tiktok.add_history(profile.tiktok_shop_id, 50, before=profile.orders_since)
    newest_day = time.strftime("%Y-%m-%d", time.gmtime(stack.tiktok.orders[history[-1]]["create_time"]))
    day_start = int(time.mktime(time.strptime(newest_day, "%Y-%m-%d"))) - time.timezone
    expected = sum(1 for oid in history if stack.tiktok.orders[oid]["create_time"] >= day_start)

    preview = stack.merchant_call("GET", "/v1/orders/history", params={"since": newest_day})
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"since": newest_day, "orders": expected}
    saved = stack.change_settings(orders_since=newest_day)
    assert stack.merchant_call("GET", "/v1/settings").json()["orders_since"] == saved["orders_since"]

    started = store.get_shop(shop)
    assert started is not None and started.orders_since == day_start
    poll_tiktok_orders(process_ports(), started, int(time.time()) + 1)
    stack.settle()
    orders = store.get_orders(shop, history)
    brought = [o for o in orders.values() if o.shopify_order_id or o.held_for_quota]
    assert len(brought) == expected
    assert all(
        o.sync_problem
        for o in orders.values()
        if o.tiktok_order_id not in {b.tiktok_order_id for b in brought}
    )


def test_tracking_added_later_ships_the_fulfilment_then(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    (mug,) = live_products(store, shop, 1)
    order_id = ordering(line(mug, 1, "12.00"))
    shopify_id = in_shopify(store, shop, order_id)

    fulfilled = stack.shopify.fulfil(shop, shopify_id, tracking_number=None, tracking_company="UPS")
    stack.settle()
    assert stack.tiktok.orders[order_id]["status"] == "AWAITING_SHIPMENT"  # TikTok needs the number

    stack.shopify.update_tracking(shop, fulfilled["id"], "1Z999AA10123456799", "UPS")
    stack.settle()
    assert stack.tiktok.orders[order_id]["status"] == "IN_TRANSIT"
    shipped = [p for p in stack.tiktok.packages.values() if p["order_id"] == order_id]
    assert [p["tracking_number"] for p in shipped] == ["1Z999AA10123456799"]


def online_available(stack: LocalStack, shop: str, product: Product) -> int:
    online = {loc.id for loc in stack.shopify.locations(shop) if loc.fulfills_online_orders}
    found = stack.shopify.state(shop).inventory_item(int(product.variants[0].inventory_item_id or 0))
    assert found is not None
    return sum(units for location, units in found[1].levels.items() if location in online)


def test_a_held_orders_units_stay_out_of_tiktoks_count_until_shopify_has_the_order(
    ordering: Callable[..., str], stack: LocalStack, store: Store, shop: str
) -> None:
    (mug,) = live_products(store, shop, 1)
    plan = store.get_plan(shop)
    assert plan is not None
    change_plan(store, shop, orders_used=limit_of(plan, QuotaKind.ORDERS))  # no order left this cycle
    order_id = ordering(line(mug, 2, "12.00"))
    assert store.get_order(shop, order_id).held_for_quota  # type: ignore[union-attr]

    # Meanwhile Shopify's stock changes (5 more arrive): TikTok's count leaves the 2 sold units out,
    # which Shopify's stock does not show yet.
    main = stack.shopify.locations(shop)[0]
    item = mug.variants[0].inventory_item_id or ""
    found = stack.shopify.state(shop).inventory_item(int(item))
    assert found is not None
    stack.shopify.set_available(shop, item, main.id, found[1].levels[main.id] + 5)
    stack.settle()
    assert tiktok_quantity(stack, mug) == online_available(stack, shop, mug) - 2

    # Quota comes back: the order goes to Shopify, whose stock now shows the sale, and TikTok's
    # count is Shopify's again.
    change_plan(store, shop, name="growth_plus", orders_used=0)
    process_ports().enqueue_job(
        Job(kind=JobKind.RELEASE_HELD_ORDERS, shop=shop, idempotency_key="quota", params={})
    )
    stack.settle()
    assert store.get_order(shop, order_id).shopify_order_id  # type: ignore[union-attr]
    assert tiktok_quantity(stack, mug) == online_available(stack, shop, mug)
