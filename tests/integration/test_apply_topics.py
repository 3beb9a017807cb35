"""What each topic and type does to the shop's items, through the real processor handler."""

from __future__ import annotations

import json

import pytest

from connector.dal.store import Store
from connector.domain.entities import InstallState, Order, TikTokConnection
from connector.jobs import JobKind
from connector.values import replace
from local.events import load
from tests.helpers import (
    FakeTikTokProducts,
    Harness,
    connected_shop,
    product_body,
    shop_items,
    shopify_message,
    tiktok_message,
)

pytestmark = pytest.mark.integration


def test_products_create_update_delete_keep_one_count(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("101", "Mug", 1000)))
    run.deliver(shopify_message(shop, "products/update", product_body("101", "Mug v2", 2000, price="12.50")))
    product = store.get_product(shop, "101")
    assert product is not None
    assert (product.title, product.status, str(product.variants[0].price)) == (
        "Mug v2",
        "not_uploaded",
        "12.50",
    )
    assert store.status_counts(shop).products()["not_uploaded"] == 1

    run.deliver(shopify_message(shop, "products/delete", {"id": 101}))
    assert store.status_counts(shop).products()["total"] == 0
    late = run.deliver(shopify_message(shop, "products/update", product_body("101", "Mug v3", 3000)))
    assert late == {"batchItemFailures": []}
    assert store.get_product(shop, "101").deleted  # type: ignore[union-attr]
    assert store.list_products(shop, None, 10).items == []
    assert store.status_counts(shop) == store.recount(shop)


def test_update_before_create_and_stale_update_are_ordered_by_shopify_time(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/update", product_body("7", "Newer", 2000)))
    run.deliver(shopify_message(shop, "products/create", product_body("7", "Older", 1000)))
    assert store.get_product(shop, "7").title == "Newer"  # type: ignore[union-attr]
    assert store.status_counts(shop).products()["not_uploaded"] == 1


def test_large_ids_stay_exact(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    Harness(store).deliver(
        shopify_message(shop, "products/create", load("webhooks/shopify/products-create.json")["body"])
    )
    product = store.get_product(shop, "8001234567890123456")
    assert product is not None
    assert [v.variant_id for v in product.variants] == ["45012345678901234", "45012345678901235"]


def test_auto_upload_and_live_product_sync_queue_jobs(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=True)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("5", "Hat", 1000), delivery_id="d-1"))
    assert [(j.kind, j.params) for j in run.jobs] == [(JobKind.UPLOAD, {"shopify_product_ids": ["5"]})]

    held = store.get_product(shop, "5")
    assert held is not None
    store.commit_product(replace(held, tiktok_product_id="tt-5"), {})
    run.deliver(shopify_message(shop, "products/update", product_body("5", "Hat v2", 2000)))
    assert run.jobs[-1].kind is JobKind.PRODUCT_SYNC
    assert run.jobs[-1].params == {"shopify_product_id": "5", "shopify_updated_at": 2000}  # waits for it


def test_inventory_and_fulfilment_queue_jobs_once_per_delivery(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    inventory = shopify_message(
        shop, "inventory_levels/update", load("webhooks/shopify/inventory_levels-update.json")["body"]
    )
    fulfilled = shopify_message(
        shop, "fulfillments/create", load("webhooks/shopify/fulfillments-create.json")["body"]
    )
    run.deliver(inventory, fulfilled)
    run.deliver(inventory, fulfilled)  # redelivered
    assert [j.kind for j in run.jobs] == [JobKind.INVENTORY_SYNC, JobKind.SHIP_PACKAGE]
    assert run.jobs[0].params == {
        "inventory_item_id": "47012345678901234",
        "location_id": "24826418",
        "available": 10,
        "updated_at": 1795705500,
    }
    assert run.jobs[1].params["shipments"][0]["tracking_number"] == "9400111899223344556677"
    assert run.jobs[0].idempotency_key.startswith(f"shopify:{inventory.delivery_id}")


def test_app_uninstalled_marks_the_shop_but_a_late_one_does_not_undo_a_reinstall(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop)  # installed 2026-01-01
    message = shopify_message(shop, "app/uninstalled", {"id": 1})
    Harness(store).deliver(message)
    profile = store.get_shop(shop)
    assert profile is not None and profile.install_state is InstallState.UNINSTALLED
    assert store.get_product(shop, "x") is None and store.get_plan(shop) is not None  # data kept

    other = shop.replace("test-", "late-")
    connected_shop(store, other)
    stale = shopify_message(other, "app/uninstalled", {"id": 1}).model_copy(
        update={"occurred_at": 1_600_000_000}
    )
    Harness(store).deliver(stale)
    assert store.get_shop(other).install_state is InstallState.INSTALLED  # type: ignore[union-attr]


def test_subscription_update_is_recorded_in_order(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    body = load("webhooks/shopify/app_subscriptions-update.json")["body"]
    older = json.loads(json.dumps(body))
    older["app_subscription"]["status"] = "PENDING"
    older["app_subscription"]["updated_at"] = "2026-11-26T09:00:00-05:00"
    run.deliver(shopify_message(shop, "app_subscriptions/update", body))
    run.deliver(shopify_message(shop, "app_subscriptions/update", older))
    assert store.get_plan(shop).subscription_status == "ACTIVE"  # type: ignore[union-attr]


def _order_in_shopify(store: Store, shop: str, oid: str, shopify_id: str) -> None:
    store.commit_order(
        Order(
            shop,
            oid,
            "awaiting_shipment",
            "AWAITING_SHIPMENT",
            100,
            shopify_order_id=shopify_id,
            created_at=100,
        ),
        {"orders_awaiting_shipment": 1},
    )
    store.link_shopify_order(shop, shopify_id, oid)


def test_customer_data_request_and_redact(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    # The sample payloads name the customer's Shopify order 5801234567890123.
    _order_in_shopify(store, shop, "o-1", "5801234567890123")
    _order_in_shopify(store, shop, "o-3", "43")  # another customer's
    run = Harness(store)

    request = load("webhooks/shopify/customers-data_request.json")["body"]
    run.deliver(shopify_message(shop, "customers/data_request", request))
    assert store.get_data_request(shop, "9999") == {
        "customer_id": "207119551",
        "order_ids": ["o-1"],
        "fields_held": ["the link from the TikTok Shop order to the Shopify order"],
    }

    redact = load("webhooks/shopify/customers-redact.json")["body"]
    run.deliver(shopify_message(shop, "customers/redact", redact))
    order = store.get_order(shop, "o-1")
    assert order is not None and order.shopify_order_id is None and order.customer_redacted
    assert store.order_for_shopify(shop, "5801234567890123") is None
    assert store.get_order(shop, "o-3").shopify_order_id == "43"  # type: ignore[union-attr]
    assert store.order_for_shopify(shop, "43") == "o-3"
    items = json.dumps(shop_items(shop)).lower()
    assert "5801234567890123" not in items
    assert store.status_counts(shop) == store.recount(shop)


def test_shop_redact_erases_every_item_of_the_shop(store: Store, shop: str) -> None:
    tiktok_shop_id = connected_shop(store, shop)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("1", "A", 1)))
    run.deliver(tiktok_message(shop, 1, {"order_id": "9", "order_status": "UNPAID", "update_time": 5}))
    run.deliver(shopify_message(shop, "shop/redact", {"shop_id": 1, "shop_domain": shop}))
    assert shop_items(shop) == []
    assert store.shop_for_tiktok(tiktok_shop_id) is None


def test_order_status_webhooks_move_forward_only(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    for status, at in [
        ("UNPAID", 10),
        ("AWAITING_SHIPMENT", 20),
        ("IN_TRANSIT", 40),
        ("AWAITING_COLLECTION", 30),
    ]:
        run.deliver(tiktok_message(shop, 1, {"order_id": "o", "order_status": status, "update_time": at}))
    order = store.get_order(shop, "o")
    assert order is not None and (order.status, order.tiktok_status, order.update_time) == (
        "in_transit",
        "IN_TRANSIT",
        40,
    )
    run.deliver(tiktok_message(shop, 1, {"order_id": "o", "order_status": "CANCEL", "update_time": 50}))
    run.deliver(tiktok_message(shop, 1, {"order_id": "o", "order_status": "COMPLETED", "update_time": 60}))
    assert store.get_order(shop, "o").status == "cancelled"  # type: ignore[union-attr]
    assert store.status_counts(shop).orders() == {
        **dict.fromkeys(["unpaid", "awaiting_shipment", "awaiting_collection", "in_transit", "completed"], 0),
        "cancelled": 1,
        "total": 1,
    }


def test_cancellation_and_return_are_kept_on_the_order(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    early = run.deliver(tiktok_message(shop, 11, load("webhooks/tiktok/type-11.json")["body"]["data"]))
    assert len(early["batchItemFailures"]) == 1  # the order is not here yet: back to the queue

    run.deliver(tiktok_message(shop, 1, load("webhooks/tiktok/type-1.json")["body"]["data"]))
    run.deliver(
        tiktok_message(
            shop,
            11,
            {
                **load("webhooks/tiktok/type-11.json")["body"]["data"],
                "cancel_status": "CANCELLATION_REQUEST_SUCCESS",
            },
        )
    )
    run.deliver(
        tiktok_message(shop, 11, load("webhooks/tiktok/type-11.json")["body"]["data"])
    )  # late PENDING
    run.deliver(tiktok_message(shop, 12, load("webhooks/tiktok/type-12.json")["body"]["data"]))
    order = store.get_order(shop, "576486316948490001")
    assert order is not None
    assert order.cancellation_status == "CANCELLATION_REQUEST_SUCCESS"
    assert order.return_status == "RETURN_OR_REFUND_REQUEST_PENDING"


def test_product_audit_events_set_status_with_tiktoks_reason(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    products = FakeTikTokProducts({"tt-1": ("ACTIVATE", None), "tt-2": (None, None)})
    run = Harness(store, products)
    for pid in ("1", "2", "3"):
        run.deliver(shopify_message(shop, "products/create", product_body(pid, f"P{pid}", 100)))
        store.link_tiktok_product(shop, f"tt-{pid}", pid)

    run.deliver(
        tiktok_message(
            shop, 5, {"product_id": "tt-1", "status": "PRODUCT_FIRST_PASS_REVIEW", "update_time": 200}
        ),
        tiktok_message(
            shop, 5, {"product_id": "tt-2", "status": "PRODUCT_STATUS_CHANGED", "update_time": 200}
        ),
        tiktok_message(
            shop,
            5,
            {
                "product_id": "tt-3",
                "status": "PRODUCT_AUDIT_FAILURE",
                "suspended_reason": "Image too small",
                "update_time": 200,
            },
        ),
        tiktok_message(
            shop, 5, {"product_id": "tt-unknown", "status": "PRODUCT_STATUS_CHANGED", "update_time": 200}
        ),
    )
    statuses = {pid: store.get_product(shop, pid) for pid in ("1", "2", "3")}
    assert statuses["1"].status == "live"  # type: ignore[union-attr]
    assert statuses["2"].status == "inactive"  # type: ignore[union-attr]  # TikTok no longer returns it
    assert (statuses["3"].status, statuses["3"].failure_reason) == ("failed", "Image too small")  # type: ignore[union-attr]
    assert products.asked == ["tt-1", "tt-2"]  # the failure carried its own answer
    assert store.status_counts(shop) == store.recount(shop)


def test_deauthorization_and_expiry_are_recorded(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store)
    run.deliver(tiktok_message(shop, 7, load("webhooks/tiktok/type-7.json")["body"]["data"]))
    run.deliver(tiktok_message(shop, 6, load("webhooks/tiktok/type-6.json")["body"]["data"]))
    profile = store.get_shop(shop)
    assert profile is not None
    assert profile.tiktok_connection is TikTokConnection.REVOKED
    assert profile.tiktok_authorization_expires_at is not None
    assert int(profile.tiktok_authorization_expires_at.timestamp()) == 1798300000


def test_a_deauthorization_older_than_the_last_link_is_stale(store: Store, shop: str) -> None:
    """Given a shop that connected again after the seller's deauthorization was sent, when that
    deauthorization arrives late, then the new connection stands (and one sent after it revokes)."""
    connected_shop(store, shop)
    message = tiktok_message(shop, 6, load("webhooks/tiktok/type-6.json")["body"]["data"])
    store.update_shop(shop, tiktok_connected_at=message.occurred_at + 1)
    Harness(store).deliver(message)
    profile = store.get_shop(shop)
    assert profile is not None and profile.tiktok_connection is TikTokConnection.CONNECTED

    store.update_shop(shop, tiktok_connected_at=message.occurred_at - 1)
    Harness(store).deliver(tiktok_message(shop, 6, {"message": "again"}))
    revoked = store.get_shop(shop)
    assert revoked is not None and revoked.tiktok_connection is TikTokConnection.REVOKED
    assert revoked.tiktok_access_token_ciphertext is None  # nothing kept that no longer opens anything


def test_a_malformed_record_fails_alone(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    bad = shopify_message(shop, "products/create", {"id": 1})
    good = shopify_message(shop, "products/create", product_body("2", "Good", 1))
    response = Harness(store).deliver(bad, good)
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-0-{bad.delivery_id}"}]}
    assert store.get_product(shop, "2") is not None


def test_audit_of_a_product_not_linked_yet_is_retried_then_ignored(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    run = Harness(store, FakeTikTokProducts({"tt-9": ("ACTIVATE", None)}))
    run.deliver(shopify_message(shop, "products/create", product_body("9", "Nine", 100)))
    audit = tiktok_message(
        shop, 5, {"product_id": "tt-9", "status": "PRODUCT_FIRST_PASS_REVIEW", "update_time": 300}
    )

    assert len(run.deliver(audit)["batchItemFailures"]) == 1  # the upload has not linked it yet
    store.link_tiktok_product(shop, "tt-9", "9")
    assert run.deliver(audit, receive_count=2)["batchItemFailures"] == []
    assert store.get_product(shop, "9").status == "live"  # type: ignore[union-attr]

    stranger = tiktok_message(
        shop, 5, {"product_id": "made-on-tiktok", "status": "PRODUCT_STATUS_CHANGED", "update_time": 1}
    )
    assert run.deliver(stranger, receive_count=3)["batchItemFailures"] == []  # not ours: dropped, not DLQ'd
