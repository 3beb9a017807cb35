"""Activities end to end: HTTP action -> jobs queue -> jobs function -> sandboxes -> webhooks ->
processor -> DynamoDB Local, with exact activity counts and counters equal to a recount."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from connector.activities import catalog
from connector.clients.tiktok.auth import TikTokClient
from connector.dal.store import Store
from connector.jobs import Job, JobKind
from connector.secrets import Secret
from connector.wiring import process_ports
from local.events import shopify_request
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.shopify_catalog import DRAFT_EVERY
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import ConnectedCatalog, LocalStack, change_plan, process_ports_with, settle

pytestmark = pytest.mark.integration
CATALOG_SIZE = int(__import__("os").environ.get("CATALOG_SIZE", "1000"))


def _active(size: int) -> int:
    """Products of a generated catalog that are active in Shopify (drafts are never uploaded)."""
    return sum(1 for index in range(size) if index % DRAFT_EVERY != DRAFT_EVERY - 1)


def test_import_then_upload_a_thousand_products(
    connected_catalog: Callable[[int], ConnectedCatalog], stack: LocalStack, store: Store, shop: str
) -> None:
    done = connected_catalog(CATALOG_SIZE).run_import()
    assert (done["total"], done["processed"], done["succeeded"], done["failed"]) == (
        CATALOG_SIZE,
        CATALOG_SIZE,
        CATALOG_SIZE,
        0,
    )
    if CATALOG_SIZE > catalog.BULK_IMPORT_ABOVE:  # read from one bulk operation, a chunk per job
        assert stack.shopify.bulk_downloads >= -(-CATALOG_SIZE // catalog.BULK_CHUNK)
    assert store.status_counts(shop).products()["not_uploaded"] == CATALOG_SIZE

    creations_before = stack.tiktok.calls.get("products/create", 0)
    everything = {"all_not_uploaded": True}
    uploaded = stack.merchant_call("POST", "/v1/products/upload", json=everything).json()["activity"]
    stack.jobs.drain(timeout=300)
    settle(stack.tiktok, stack.events, stack.jobs, timeout=120)  # the last audits' webhooks and jobs

    result = stack.finished_activity(uploaded["id"])
    counts = store.status_counts(shop).products()
    active = _active(CATALOG_SIZE)
    assert result["total"] == result["processed"] == active
    assert result["failed"] == counts["failed"] > 0
    assert result["succeeded"] == counts["live"] == active - counts["failed"]
    assert counts["not_uploaded"] == CATALOG_SIZE - active  # the drafts
    assert stack.tiktok.calls.get("products/create", 0) - creations_before <= active
    assert store.status_counts(shop) == store.recount(shop)
    failed_page = {"status": "failed", "limit": 5}
    failed = stack.merchant_call("GET", "/v1/products", params=failed_page).json()["items"]
    assert all(p["failure_reason"] and "TikTok" in p["failure_reason"] for p in failed)


def test_an_import_page_that_cannot_commit_together_writes_its_products_one_by_one(
    connected_catalog: Callable[[int], ConnectedCatalog],
    store: Store,
    shop: str,
) -> None:
    shop_catalog = connected_catalog(45)
    refused: list[int] = []
    pages: list[int] = []

    class FirstPageRefused(Store):
        def commit_together(self, writes: Any) -> list[bool]:
            pages.append(len(writes))
            if not refused:  # as when another writer changed one of the page's products
                refused.append(len(writes))
                return [False] * len(writes)
            return super().commit_together(writes)

    with process_ports_with(store=FirstPageRefused(process_ports().settings.counter_shards)):
        done = shop_catalog.run_import()

    assert refused == [20]
    assert sorted(pages) == [5, 20, 20]  # each page once: the refused one was not retried
    assert (done["total"], done["succeeded"], done["failed"]) == (45, 45, 0)
    assert store.status_counts(shop).products()["not_uploaded"] == 45
    assert store.status_counts(shop) == store.recount(shop)


def test_an_import_run_again_from_the_start_keeps_reading_the_way_it_began(
    connected_catalog: Callable[[int], ConnectedCatalog],
    stack: LocalStack,
    shop: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a paged import of 45 products, done
    imported = connected_catalog(45).run_import()
    # When it runs again from the start (a late duplicate, a resume) where a bulk read would now
    # be chosen for the catalog's size
    monkeypatch.setattr(catalog, "BULK_IMPORT_ABOVE", 10)
    process_ports().enqueue_job(
        Job(kind=JobKind.IMPORT, shop=shop, idempotency_key="late", params={"activity_id": imported["id"]})
    )
    stack.jobs.drain(timeout=120)
    # Then it reads pages again, and counts nothing twice
    assert stack.shopify.bulk_operations(shop) == []
    assert stack.finished_activity(imported["id"])["total"] == 45


def test_a_failed_bulk_operation_falls_back_to_paged_queries(
    connected_catalog: Callable[[int], ConnectedCatalog],
    store: Store,
    shop: str,
    shopify_partner: ShopifySandbox,
) -> None:
    size = catalog.BULK_IMPORT_ABOVE + 20
    shop_catalog = connected_catalog(size)
    downloads = shopify_partner.bulk_downloads
    shopify_partner.fail_next_bulk_operation()

    done = shop_catalog.run_import()

    assert (done["total"], done["succeeded"], done["failed"]) == (size, size, 0)
    assert shopify_partner.bulk_downloads == downloads  # nothing came from the failed operation
    assert store.status_counts(shop).products()["not_uploaded"] == size
    assert store.status_counts(shop) == store.recount(shop)


def test_a_bulk_import_whose_jobs_all_arrive_twice_counts_each_product_once(
    connected_catalog: Callable[[int], ConnectedCatalog],
    stack: LocalStack,
    store: Store,
    shop: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    size = catalog.BULK_IMPORT_ABOVE + 2 * catalog.BULK_CHUNK
    shop_catalog = connected_catalog(size)
    monkeypatch.setattr(stack.shopify, "bulk_seconds", 1.5)  # a few polls before it completes
    sent: list[tuple[Job, int]] = []

    class Twice:  # SQS delivers at least once: here, every job exactly twice
        def send(self, body: str, delay_seconds: int = 0) -> None:
            sent.append((Job.model_validate_json(body), delay_seconds))
            stack.jobs.send(body, delay_seconds)
            stack.jobs.send(body, delay_seconds)

    with process_ports_with(jobs=Twice()):  # the merchant's first job too
        done = shop_catalog.run_import()

    assert (done["total"], done["processed"], done["succeeded"], done["failed"]) == (size, size, size, 0)
    assert store.status_counts(shop).products()["not_uploaded"] == size
    assert store.status_counts(shop) == store.recount(shop)
    # one operation, read once however often its jobs ran; the polls chained, each one delayed
    assert len(stack.shopify.bulk_operations(shop)) == 1
    polls = [(job, delay) for job, delay in sent if job.params.get("polls")]
    assert polls and all(delay > 0 for _, delay in polls)
    numbers = sorted(job.params["polls"] for job, _ in polls)
    assert numbers == list(range(1, len(numbers) + 1))  # one chain: no poll was queued twice
    assert stack.shopify.state(shop).bucket.charged < 100  # a handful of small queries, no pages

    # When the import runs again from the start, as the stuck-activity sweep would run it
    again = Job(kind=JobKind.IMPORT, shop=shop, idempotency_key="again", params={"activity_id": done["id"]})
    process_ports().enqueue_job(again)
    stack.jobs.drain(timeout=120)
    # Then it reads the operation it recorded, and counts nothing twice
    assert len(stack.shopify.bulk_operations(shop)) == 1
    assert stack.finished_activity(done["id"])["total"] == size


def _tiktok_products_of(tiktok: TikTokSandbox, shop: str, store: Store) -> int:
    profile = store.get_shop(shop)
    assert profile is not None
    return sum(1 for p in tiktok.products.values() if p["shop_id"] == profile.tiktok_shop_id)


def test_upload_completes_under_30_percent_rate_limiting_and_creates_nothing_twice(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(100)
    # The client as the ports build it, its backoff a fiftieth as long: what is claimed here is
    # that retried calls and chunks create nothing twice, not how long they wait (the transport's
    # own tests hold its backoff), and at full length the waits were most of the test's time.
    ports, backoffs = process_ports(), []

    def sleep(seconds: float) -> None:
        backoffs.append(seconds)
        time.sleep(seconds)

    client = TikTokClient(
        app_key=ports.settings.tiktok_app_key,
        app_secret=ports.secret(Secret.TIKTOK_APP_SECRET),
        api_base_url=ports.settings.tiktok_api_base_url,
        auth_base_url=ports.settings.tiktok_auth_base_url,
        backoff_base=0.005,
        backoff_cap=0.08,
        sleep=sleep,
    )

    stack.tiktok.faults.rate_limit_share = 0.3
    try:
        with process_ports_with(tiktok=client):
            body = {"all_not_uploaded": True}
            uploaded = stack.merchant_call("POST", "/v1/products/upload", json=body).json()
            stack.jobs.drain(timeout=180)
    finally:
        stack.tiktok.faults.rate_limit_share = 0.0
    result = stack.finished_activity(uploaded["activity"]["id"])

    assert result["total"] == result["processed"] == _active(100)
    assert _tiktok_products_of(stack.tiktok, shop, store) == result["succeeded"]
    assert stack.jobs.dead_letters == []
    assert len(backoffs) > 50  # the limit was met, and the calls retried


def test_a_job_stopped_midway_resumes_with_no_duplicate_on_either_side(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(30)

    creations = {"n": 0, "stopped": 0}
    tiktok = process_ports().tiktok

    class DiesOnceAfterCreating:  # the process dies a few items into the first chunk
        def __getattr__(self, name: str) -> Any:
            return getattr(tiktok, name)

        def for_shop(self, *args: Any, **kwargs: Any) -> Any:
            api = tiktok.for_shop(*args, **kwargs)
            create = api.create_product

            def create_then_die(product: Any) -> Any:
                created = create(product)
                creations["n"] += 1
                if creations["n"] == 7 and not creations["stopped"]:
                    creations["stopped"] = 1
                    raise SystemError("process stopped")  # after TikTok created it, before we wrote it
                return created

            api.create_product = create_then_die
            return api

    with process_ports_with(tiktok=DiesOnceAfterCreating()):
        uploaded = stack.merchant_call("POST", "/v1/products/upload", json={"all_not_uploaded": True}).json()
        stack.jobs.drain(timeout=120)
    result = stack.finished_activity(uploaded["activity"]["id"])

    assert creations["stopped"] == 1  # it did stop once
    assert result["total"] == result["processed"] == _active(30)
    assert _tiktok_products_of(stack.tiktok, shop, store) == result["succeeded"]
    assert stack.tiktok.wait_idle()
    stack.events.drain()  # the audits settle before counting
    assert store.status_counts(shop) == store.recount(shop)


def test_a_stock_change_in_shopify_reaches_tiktok_once_with_the_buffer_applied(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(5)
    stack.change_settings(sync_fields=["inventory"], inventory_buffer={"kind": "units", "value": 2})
    stack.upload_all()

    linked = next(
        (p, v) for p in store.list_products(shop, None, 10).items if p.tiktok_product_id for v in p.variants
    )
    product, variant = linked
    # In Shopify now: 10 and 3 in the two locations that sell online, 50 in the shop that does not.
    selling, also_selling, retail = stack.shopify.locations(shop)
    assert selling.fulfills_online_orders and also_selling.fulfills_online_orders
    assert not retail.fulfills_online_orders
    found = stack.shopify.state(shop).inventory_item(int(variant.inventory_item_id or 0))
    assert found is not None
    found[1].levels = {selling.id: 7, also_selling.id: 3, retail.id: 50}
    for other in product.variants:  # its siblings stay well above the buffer: none is sold out
        sibling = stack.shopify.state(shop).inventory_item(int(other.inventory_item_id or 0))
        if sibling is not None and other.variant_id != variant.variant_id:
            sibling[1].levels = {selling.id: 20, also_selling.id: 0, retail.id: 0}
    body = {
        "inventory_item_id": int(variant.inventory_item_id or 0),
        "location_id": selling.id,
        "available": 7,  # one location's level: what TikTok gets is the sum over those that sell online
        "updated_at": "2026-11-26T12:00:00Z",
    }
    delivery = shopify_request("inventory_levels-update", body=body, **{"X-Shopify-Shop-Domain": shop})
    updates_before = stack.tiktok.calls.get("products/inventory", 0)
    items_before = _inventory_items(stack)  # the stock each product sent when it went live
    for _ in range(3):  # Shopify delivers it three times
        assert delivery.post(stack.api_url).status_code == 200
    stack.events.drain()
    stack.jobs.drain(timeout=30)

    tiktok_product = stack.tiktok.products[product.tiktok_product_id or ""]
    quantities = {
        sku["id"]: level["quantity"] for sku in tiktok_product["skus"] for level in sku["inventory"]
    }
    sku_id = store.inventory_link(shop, variant.inventory_item_id or "")
    assert sku_id is not None and quantities[sku_id.tiktok_sku_id] == 8  # 7 + 3 in Shopify, 2 kept back
    assert stack.tiktok.calls.get("products/inventory", 0) - updates_before == 1
    total, succeeded = items_before
    assert _inventory_items(stack) == (total + 1, succeeded + 1)  # three deliveries, one item


def _inventory_items(stack: LocalStack) -> tuple[int, int]:
    """Items (total, succeeded) of the finished automatic inventory activities."""
    automatic = stack.merchant_call("GET", "/v1/activities", params={"state": "completed"}).json()
    inventory = [a for a in automatic if a["type"] == "inventory_sync"]
    return sum(a["total"] for a in inventory), sum(a["succeeded"] for a in inventory)


def test_a_tiktok_order_becomes_exactly_one_shopify_order_and_quota_holds_the_rest(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(3)
    stack.upload_all()
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]
    line = stack.order_line(sale_price="12.00")

    order_id = stack.tiktok.create_order(tiktok_shop_id, line_items=[line, line], status="AWAITING_SHIPMENT")
    assert stack.tiktok.wait_idle()
    stack.events.drain()
    paid = next(w for w in stack.tiktok.webhooks if order_id in w.body.decode())
    for _ in range(2):  # TikTok delivers the same webhook twice more
        headers = {"Authorization": paid.signature, "Content-Type": "application/json"}
        assert requests.post(
            f"{stack.api_url}/webhooks/tiktok", data=paid.body, headers=headers, timeout=10
        ).ok
    stack.events.drain()
    stack.jobs.drain(timeout=60)

    created = [o for o in stack.shopify.orders(shop)]
    assert len(created) == 1
    order = store.get_order(shop, order_id)
    assert order is not None and order.shopify_order_id is not None

    change_plan(store, shop, name="free", orders_used=10)  # the free plan's 10 orders are used
    held_id = stack.tiktok.create_order(tiktok_shop_id, line_items=[line], status="AWAITING_SHIPMENT")
    assert stack.tiktok.wait_idle()
    stack.events.drain()
    stack.jobs.drain(timeout=60)
    held = store.get_order(shop, held_id)
    assert held is not None and held.held_for_quota and held.shopify_order_id is None
    assert len(stack.shopify.orders(shop)) == 1
