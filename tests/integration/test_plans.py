"""Plan quotas under concurrency, held orders released in arrival order, the cycle roll-over."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from connector.activities.orders import sync_order
from connector.activities.ports import WorkPorts
from connector.activities.tiktok_listing import PLAN_LIMIT_REACHED, run_upload
from connector.clients.shopify.admin import shopify_client_from_settings
from connector.clients.tiktok.auth import tiktok_client_from_settings
from connector.crypto import token_cipher
from connector.dal.store import Store
from connector.domain.entities import Activity, ActivityState, ActivityType
from connector.jobs import Job, JobKind
from connector.schedules import roll_plan_cycles
from local.events import shopify_request
from local.queue import InProcessQueue
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import tiktok_order_line, upload_all

pytestmark = pytest.mark.integration


def _ports(store: Store) -> WorkPorts:
    return WorkPorts(
        store=store,
        shopify=shopify_client_from_settings(),
        tiktok=tiktok_client_from_settings(),
        cipher=token_cipher(),
        enqueue_job=lambda job: None,
    )


def _together(calls: list[Any]) -> None:
    """Run the calls on threads at once; any exception fails the test."""
    errors: list[BaseException] = []

    def run(call: Any) -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors[:3]


def test_fifty_concurrent_uploads_with_one_slot_left_upload_exactly_one(
    imported_shop: Callable[[int], str],
    store: Store,
    shop: str,
) -> None:
    imported_shop(80)
    plan = store.get_plan(shop)
    assert plan is not None
    store.commit_plan(replace(plan, name="free", products_used=9))  # 1 of the free plan's 10 left
    valid = [
        p.shopify_product_id
        for p in store.list_products(shop, "not_uploaded", 100).items
        if 0 < len(p.title) <= 255 and p.image_urls and p.variants and all(v.price > 0 for v in p.variants)
    ][:50]
    assert len(valid) == 50
    ports = _ports(store)
    activity = Activity(shop, "quota-race", ActivityType.UPLOAD, ActivityState.ONGOING, total=50)
    store.save_activity(activity)

    def upload(product_id: str) -> Any:
        params = {"activity_id": activity.activity_id, "shopify_product_ids": [product_id]}
        return lambda: run_upload(
            Job(kind=JobKind.UPLOAD, shop=shop, idempotency_key=product_id, params=params), ports
        )

    _together([upload(pid) for pid in valid])

    products = store.get_products(shop, valid)
    uploaded = [p for p in products.values() if p.tiktok_product_id]
    refused = [
        p for p in products.values() if p.status == "not_uploaded" and p.failure_reason == PLAN_LIMIT_REACHED
    ]
    assert (len(uploaded), len(refused)) == (1, 49), [
        p.failure_reason for p in products.values() if p.status == "failed"
    ]
    assert store.get_plan(shop).products_used == 10  # type: ignore[union-attr]
    done = store.get_activity(shop, activity.activity_id)
    assert done is not None and (done.processed, done.succeeded, done.failed) == (50, 1, 49)


def test_thirty_orders_with_ten_units_left_sync_ten_hold_twenty_then_release_in_arrival_order(
    imported_shop: Callable[[int], str],
    api_url: str,
    store: Store,
    shop: str,
    shopify_partner: ShopifySandbox,
    tiktok_partner: TikTokSandbox,
    jobs_worker: InProcessQueue,
    events_queue: InProcessQueue,
) -> None:
    imported_shop(3)
    plan = store.get_plan(shop)
    assert plan is not None
    store.commit_plan(replace(plan, name="beginner", products_used=0, orders_used=90))  # 10 of 100 left

    upload_all(api_url, shop, tiktok_partner, events_queue, jobs_worker)
    line = tiktok_order_line(store, shop, sale_price="9.00")
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]

    jobs_worker.pause()  # the 30 orders' syncs run concurrently below, not one by one
    order_ids = [
        tiktok_partner.create_order(tiktok_shop_id, line_items=[line], status="AWAITING_SHIPMENT")
        for _ in range(30)
    ]
    assert tiktok_partner.wait_idle()
    events_queue.drain()
    profile = store.get_shop(shop)
    assert profile is not None
    ports = _ports(store)
    _together([lambda oid=oid: sync_order(ports, profile, oid) for oid in order_ids])
    jobs_worker.resume()
    jobs_worker.drain(timeout=60)  # the queued syncs find their orders done or held

    orders = store.get_orders(shop, order_ids)
    synced = [o for o in orders.values() if o.shopify_order_id]
    held = store.held_orders(shop)
    assert (len(synced), len(held)) == (10, 20)
    assert len(shopify_partner.orders(shop)) == 10
    arrival = [o.tiktok_order_id for o in held]

    body = {
        "app_subscription": {
            "admin_graphql_api_id": "gid://shopify/AppSubscription/1",
            "name": "Growth",
            "status": "ACTIVE",
            "updated_at": "2030-01-01T00:00:00Z",
        }
    }
    upgrade = shopify_request("app_subscriptions-update", body=body, **{"X-Shopify-Shop-Domain": shop})
    assert upgrade.post(api_url).status_code == 200
    events_queue.drain()
    jobs_worker.drain(timeout=60)

    assert store.held_orders(shop) == []
    created = [o.source_identifier for o in shopify_partner.orders(shop)]
    assert created[10:] == arrival  # the held twenty, in the order they arrived
    assert len(created) == 30


def test_the_cycle_roll_over_run_twice_changes_usage_once(store: Store, shop: str) -> None:
    from tests.helpers import connected_shop

    connected_shop(store, shop)
    plan = store.get_plan(shop)
    assert plan is not None
    today = date(2026, 12, 27)
    store.commit_plan(
        replace(plan, billing_date=today - timedelta(days=1), orders_used=7, pending_plan="beginner")
    )
    queued: list[Job] = []

    first = roll_plan_cycles(store, queued.append, today)
    second = roll_plan_cycles(store, queued.append, today)

    rolled = store.get_plan(shop)
    assert rolled is not None
    assert (rolled.orders_used, rolled.billing_date, rolled.name, rolled.pending_plan) == (
        0,
        today - timedelta(days=1) + timedelta(days=30),
        "beginner",
        None,
    )
    assert first >= 1 and second == 0
    assert [j.kind for j in queued if j.shop == shop] == [JobKind.RELEASE_HELD_ORDERS]
