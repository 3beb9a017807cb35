"""Automatic syncs end to end: a Shopify webhook -> processor -> jobs function -> TikTok sandbox,
counted in the hour's activity; and the ways a listing leaves TikTok and frees its plan slot."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from connector.dal.store import Store
from connector.domain.entities import Product
from connector.domain.status import ProductStatus
from tests.helpers import LocalStack

pytestmark = pytest.mark.integration


def _live(store: Store, shop: str) -> list[Product]:
    return store.list_products(shop, ProductStatus.LIVE, 50).items


def _automatic_activity(stack: LocalStack, type_: str) -> dict[str, Any]:
    for state in ("completed", "ongoing"):
        listed = stack.merchant_call("GET", "/v1/activities", params={"state": state}).json()
        found = [a for a in listed if a["type"] == type_]
        if found:
            return dict(found[0])
    raise AssertionError(f"no {type_} activity")


def test_a_shopify_title_and_price_change_reaches_the_live_tiktok_listing_once(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(3)
    stack.change_settings(price_rule={"kind": "percent", "direction": "up", "value": "10"})
    stack.upload_all()
    product = _live(store, shop)[0]
    edits_before = stack.tiktok.calls.get("products/partial_edit", 0)

    # When Shopify changes the title and the price
    stack.shopify.send_product_update(
        shop, product.shopify_product_id, title="Linen shirt, washed", price=Decimal("20.00")
    )
    stack.events.drain()
    stack.jobs.drain(timeout=30)

    # Then TikTok's listing shows both, the price with the merchant's rule applied
    listed = stack.tiktok.products[product.tiktok_product_id or ""]
    assert listed["title"] == "Linen shirt, washed"
    assert {Decimal(sku["price"]["sale_price"]) for sku in listed["skus"]} == {Decimal("22.00")}
    assert stack.tiktok.calls.get("products/partial_edit", 0) - edits_before == 1
    activity = _automatic_activity(stack, "product_sync")
    assert (activity["state"], activity["succeeded"], activity["failed"]) == ("completed", 1, 0)

    # When the same update arrives again, nothing differs: TikTok is not called to change anything
    prices_before = stack.tiktok.calls.get("products/prices", 0)
    stack.shopify.send_product_update(shop, product.shopify_product_id)
    stack.events.drain()
    stack.jobs.drain(timeout=30)
    assert stack.tiktok.calls.get("products/partial_edit", 0) - edits_before == 1
    assert stack.tiktok.calls.get("products/prices", 0) == prices_before


def test_a_shopify_fulfilment_ships_the_tiktok_order_with_its_carrier(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(2)
    stack.upload_all()
    line = stack.order_line()
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]
    shipped_id, unknown_carrier_id = (
        stack.tiktok.create_order(tiktok_shop_id, line_items=[line], status="AWAITING_SHIPMENT")
        for _ in range(2)
    )
    assert stack.tiktok.wait_idle()
    stack.events.drain()
    stack.jobs.drain(timeout=60)
    shopify_ids = {o: store.get_order(shop, o).shopify_order_id for o in (shipped_id, unknown_carrier_id)}  # type: ignore[union-attr]
    assert all(shopify_ids.values())

    # When Shopify fulfils both (the first twice: a redelivered webhook), one with a carrier TikTok lacks
    for _ in range(2):
        stack.shopify.send_order_fulfilled(shop, shopify_ids[shipped_id] or "", tracking_company="UPS")
    stack.shopify.send_order_fulfilled(
        shop, shopify_ids[unknown_carrier_id] or "", tracking_company="Pigeon Post"
    )
    stack.events.drain()
    stack.jobs.drain(timeout=30)

    # Then TikTok has the first in transit, shipped once, and the activity says why the other was not
    assert stack.tiktok.orders[shipped_id]["status"] == "IN_TRANSIT"
    assert stack.tiktok.orders[unknown_carrier_id]["status"] == "AWAITING_SHIPMENT"
    # shipped once: one package with the tracking number (a redelivery that ran alongside the first
    # may have asked again, and TikTok answered "already shipped", which counts as done)
    shipped = [p for p in stack.tiktok.packages.values() if p["order_id"] == shipped_id]
    assert [p["tracking_number"] for p in shipped] == ["1Z999AA10123456784"]
    activity = _automatic_activity(stack, "shipment_sync")
    assert (activity["succeeded"], activity["failed"]) == (1, 1)
    assert any("Pigeon Post" in error for error in activity["errors"])


def test_a_product_deleted_in_shopify_leaves_tiktok_and_frees_its_plan_slot(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(2)
    stack.upload_all()
    product = next(p for p in store.list_products(shop, None, 10).items if p.tiktok_product_id)
    used_before = store.get_plan(shop).products_used  # type: ignore[union-attr]

    stack.shopify.send_product_delete(shop, product.shopify_product_id)
    stack.events.drain()
    stack.jobs.drain(timeout=30)

    assert stack.tiktok.products[product.tiktok_product_id or ""]["status"] == "DELETED"
    assert store.get_plan(shop).products_used == used_before - 1  # type: ignore[union-attr]
    assert store.product_for_tiktok(shop, product.tiktok_product_id or "") is None
    plan = stack.merchant_call("GET", "/v1/plan").json()
    assert plan["products_used"] == used_before - 1


def test_a_product_deleted_on_tiktok_frees_its_slot_and_can_be_uploaded_again(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(2)
    stack.upload_all()
    product = _live(store, shop)[0]
    first_listing = product.tiktok_product_id or ""
    used_before = store.get_plan(shop).products_used  # type: ignore[union-attr]

    # When the seller deletes the listing in TikTok Seller Center (TikTok sends its type-5 webhook)
    stack.tiktok.delete_product(first_listing)
    assert stack.tiktok.wait_idle()
    stack.events.drain()

    # Then it is Not Uploaded here, its slot is free, and the counters agree with a recount
    after = store.get_product(shop, product.shopify_product_id)
    assert after is not None
    assert (after.status, after.tiktok_status, after.tiktok_product_id) == ("not_uploaded", "DELETED", None)
    assert store.get_plan(shop).products_used == used_before - 1  # type: ignore[union-attr]
    assert store.status_counts(shop) == store.recount(shop)

    # And uploading it again creates a new listing, taking the slot again
    body = {"product_ids": [product.shopify_product_id]}
    assert stack.merchant_call("POST", "/v1/products/upload", json=body).status_code == 202
    stack.jobs.drain(timeout=30)
    again = store.get_product(shop, product.shopify_product_id)
    assert again is not None and again.tiktok_product_id not in (None, first_listing)
    assert store.get_plan(shop).products_used == used_before  # type: ignore[union-attr]


def test_a_failed_audit_gives_the_slot_back_and_used_equals_what_tiktok_lists(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(4)
    rejected = store.list_products(shop, None, 10).items[0]
    stack.shopify.send_product_update(shop, rejected.shopify_product_id, title="Mug [reject]")
    stack.events.drain()

    stack.upload_all()

    failed = store.get_product(shop, rejected.shopify_product_id)
    assert failed is not None and failed.status == ProductStatus.FAILED
    counts = store.status_counts(shop).products()
    listed_on_tiktok = counts["live"] + counts["pending"] + counts["inactive"]
    assert listed_on_tiktok == 3
    assert store.get_plan(shop).products_used == listed_on_tiktok  # type: ignore[union-attr]


def test_a_deletion_on_tiktok_whose_webhook_was_lost_is_caught_by_the_poll(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    import time

    from connector import schedules
    from connector.wiring import Ports
    from local.queue import RecordingQueue

    imported_shop(2)
    stack.upload_all()
    product = _live(store, shop)[0]
    used_before = store.get_plan(shop).products_used  # type: ignore[union-attr]
    stack.tiktok.faults.drop_webhooks = 1  # TikTok never tells us
    stack.tiktok.delete_product(product.tiktok_product_id or "")
    assert stack.tiktok.wait_idle()
    stack.events.drain()
    assert store.get_product(shop, product.shopify_product_id).status == "live"  # type: ignore[union-attr]

    ports = Ports(store=store, jobs=RecordingQueue())
    profile = store.get_shop(shop)
    assert profile is not None
    now = int(time.time()) + 5
    assert schedules.poll_deleted_products(ports, profile, now) == 1

    after = store.get_product(shop, product.shopify_product_id)
    assert after is not None and (after.status, after.tiktok_product_id) == ("not_uploaded", None)
    assert store.get_plan(shop).products_used == used_before - 1  # type: ignore[union-attr]
    again = store.get_shop(shop)
    assert again is not None and schedules.poll_deleted_products(ports, again, now + 1) == 0
    assert store.status_counts(shop) == store.recount(shop)


def test_auto_upload_lists_a_new_shopify_product_without_a_click(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(1)
    stack.change_settings(auto_upload=True)

    created, status = stack.shopify.send_product_create(shop)
    assert status == 200
    stack.events.drain()
    stack.jobs.drain(timeout=30)

    product = store.get_product(shop, str(created.id))
    assert product is not None and product.tiktok_product_id in stack.tiktok.products
    assert product.status in (ProductStatus.PENDING, ProductStatus.LIVE)
    activity = _automatic_activity(stack, "upload")
    assert (activity["total"], activity["succeeded"]) == (1, 1)


def test_a_field_sync_that_runs_before_its_update_is_written_waits_instead_of_sending_nothing(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    from connector.activities.listing_sync import run_product_sync
    from connector.activities.writes import NotYetWrittenError
    from connector.jobs import Job, JobKind
    from connector.wiring import Ports
    from local.queue import RecordingQueue

    imported_shop(1)
    stack.upload_all()
    product = store.list_products(shop, None, 1).items[0]
    ports = Ports(store=store, jobs=RecordingQueue())
    # The processor queues the job just before it writes the update; this job ran first.
    params = {
        "shopify_product_id": product.shopify_product_id,
        "shopify_updated_at": product.shopify_updated_at + 1,
    }
    early = Job(kind=JobKind.PRODUCT_SYNC, shop=shop, idempotency_key="early", params=params)

    with pytest.raises(NotYetWrittenError):
        run_product_sync(early, ports)  # back to the queue, to run again once the write is there
