"""Plan quotas under concurrency, held orders released in arrival order, the cycle roll-over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from connector.activities.orders import sync_order
from connector.activities.tiktok_listing import PLAN_LIMIT_REACHED, run_upload
from connector.dal.store import Store
from connector.domain.entities import Activity, ActivityState, ActivityType
from connector.jobs import Job, JobKind
from connector.schedules import roll_plan_cycles
from connector.wiring import Ports
from local.events import shopify_request
from tests.helpers import JobRecorder, LocalStack, at_once, change_plan

pytestmark = pytest.mark.integration


def _ports(store: Store) -> Ports:
    return Ports(store=store, jobs=JobRecorder())


def test_fifty_concurrent_uploads_with_one_slot_left_upload_exactly_one(
    imported_shop: Callable[[int], str],
    store: Store,
    shop: str,
) -> None:
    imported_shop(90)
    change_plan(store, shop, name="free", products_used=9)  # 1 of the free plan's 10 left
    valid = [
        p.shopify_product_id
        for p in store.list_products(shop, "not_uploaded", 100).items
        if p.sells_in_shopify
        and 0 < len(p.title) <= 255
        and p.image_urls
        and p.variants
        and all(v.price > 0 for v in p.variants)
    ][:50]
    assert len(valid) == 50
    ports = _ports(store)
    activity = Activity(shop, "quota-race", ActivityType.UPLOAD, ActivityState.ONGOING, total=50)
    store.activities.save_activity(activity)

    def upload(product_id: str) -> Any:
        params = {"activity_id": activity.activity_id, "shopify_product_ids": [product_id]}
        return lambda: run_upload(
            Job(kind=JobKind.UPLOAD, shop=shop, idempotency_key=product_id, params=params), ports
        )

    assert at_once([upload(pid) for pid in valid]) == []

    products = store.get_products(shop, valid)
    uploaded = [p for p in products.values() if p.tiktok_product_id]
    refused = [
        p for p in products.values() if p.status == "not_uploaded" and p.failure_reason == PLAN_LIMIT_REACHED
    ]
    assert (len(uploaded), len(refused)) == (1, 49), [
        p.failure_reason for p in products.values() if p.status == "failed"
    ]
    assert store.get_plan(shop).products_used == 10  # type: ignore[union-attr]
    done = store.activities.get_activity(shop, activity.activity_id)
    assert done is not None and (done.processed, done.succeeded, done.failed) == (50, 1, 49)


def test_thirty_orders_with_ten_units_left_sync_ten_hold_twenty_then_release_in_arrival_order(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str
) -> None:
    imported_shop(3)
    change_plan(store, shop, name="beginner", products_used=0, orders_used=90)  # 10 of 100 left

    stack.upload_all()
    line = stack.order_line(sale_price="9.00")  # Shopify holds enough for all thirty
    tiktok_shop_id = store.get_shop(shop).tiktok_shop_id  # type: ignore[union-attr]

    stack.jobs.pause()  # the 30 orders' syncs run concurrently below, not one by one
    order_ids = [
        stack.tiktok.create_order(tiktok_shop_id, line_items=[line], status="AWAITING_SHIPMENT")
        for _ in range(30)
    ]
    assert stack.tiktok.wait_idle()
    stack.events.drain()
    profile = store.get_shop(shop)
    assert profile is not None
    ports = _ports(store)
    assert at_once([lambda oid=oid: sync_order(ports, profile, oid) for oid in order_ids]) == []
    stack.jobs.resume()
    stack.jobs.drain(timeout=60)  # the queued syncs find their orders done or held

    orders = store.get_orders(shop, order_ids)
    synced = [o for o in orders.values() if o.shopify_order_id]
    held = store.held_orders(shop)
    assert (len(synced), len(held)) == (10, 20)
    assert len(stack.shopify.orders(shop)) == 10
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
    assert upgrade.post(stack.api_url).status_code == 200
    stack.events.drain()
    stack.jobs.drain(timeout=60)

    assert store.held_orders(shop) == []
    created = [o.source_identifier for o in stack.shopify.orders(shop)]
    assert created[10:] == arrival  # the held twenty, in the order they arrived
    assert len(created) == 30


def test_the_cycle_roll_over_run_twice_changes_usage_once(store: Store, shop: str) -> None:
    from tests.helpers import connected_shop

    connected_shop(store, shop)
    today = date(2026, 12, 27)
    billing_at = datetime.combine(today, time(12, 30, 15), UTC)  # the subscription's period end
    change_plan(store, shop, billing_at=billing_at, orders_used=7, pending_plan="beginner")
    recorder = JobRecorder()
    ports = Ports(store=store, jobs=recorder)
    before, at = int(billing_at.timestamp()) - 1, int(billing_at.timestamp()) + 60

    roll_plan_cycles(ports, before)  # the same day, before the instant: not yet
    assert store.get_plan(shop).orders_used == 7  # type: ignore[union-attr]
    first = roll_plan_cycles(ports, at)
    second = roll_plan_cycles(ports, at)

    rolled = store.get_plan(shop)
    assert rolled is not None
    assert (rolled.orders_used, rolled.billing_at, rolled.name, rolled.pending_plan) == (
        0,
        billing_at + timedelta(days=30),
        "beginner",
        None,
    )
    assert shop not in {p.shop for p in store.plans_due(today)}
    assert first >= 1 and second == 0
    assert [j.kind for j in recorder.jobs if j.shop == shop] == [JobKind.RELEASE_HELD_ORDERS]


@pytest.mark.parametrize("cancelled_first", [True, False], ids=["cancelled-first", "active-first"])
def test_an_upgrade_from_beginner_to_growth_ends_on_growth_whichever_webhook_comes_first(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, cancelled_first: bool
) -> None:
    # Given a shop on Beginner, and Shopify sending the replaced subscription's CANCELLED before
    # (or after) the new one's ACTIVE
    monkeypatch.setattr(stack.shopify, "replaced_cancelled_first", cancelled_first)
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    _approve_upgrade(stack, "beginner")
    assert stack.merchant_call("GET", "/v1/plan").json()["plan"] == "beginner"

    # When the merchant upgrades to Growth and approves it
    _approve_upgrade(stack, "growth")

    # Then Shopify replaced Beginner, and the shop is on Growth, its cycle Growth's billing period
    by_name = {s.name: s for s in stack.shopify.subscriptions(stack.shop)}
    assert (by_name["Beginner"].status, by_name["Growth"].status) == ("CANCELLED", "ACTIVE")
    sent = [
        d for d in stack.shopify.deliveries if d.shop == stack.shop and d.topic == "app_subscriptions/update"
    ]
    assert len(sent) == 3 and all(d.status == 200 for d in sent)
    plan = stack.merchant_call("GET", "/v1/plan").json()
    assert (plan["plan"], plan["subscription_status"], plan["products_limit"]) == ("growth", "ACTIVE", 1000)
    period_end = by_name["Growth"].current_period_end
    assert period_end is not None
    assert datetime.fromisoformat(plan["billing_at"]) == period_end
    assert plan["billing_date"] == period_end.date().isoformat()


def test_a_shop_installed_with_an_active_subscription_starts_on_it(
    stack: LocalStack, shopify_partner: Any
) -> None:
    # Given Shopify already bills the shop for Growth (a reinstall within its period, say)
    from local.sandboxes.shopify_catalog import SandboxSubscription

    now = datetime.now(UTC)
    growth = SandboxSubscription(
        id=shopify_partner.next_id(),
        shop=stack.shop,
        name="Growth",
        price=Decimal("49.00"),
        currency="USD",
        interval="EVERY_30_DAYS",
        return_url="https://app.example/return",
        test=True,
        created_at=now - timedelta(days=12),
        updated_at=now - timedelta(days=12),
        status="ACTIVE",
        current_period_end=now + timedelta(days=18, seconds=7),
    )
    shopify_partner.state(stack.shop).subscriptions[growth.id] = growth

    # When the merchant opens the app for the first time
    plan = stack.merchant_call("GET", "/v1/plan").json()

    # Then the plan is Growth, its cycle ending with Shopify's billing period
    assert (plan["plan"], plan["subscription_status"]) == ("growth", "ACTIVE")
    assert datetime.fromisoformat(plan["billing_at"]) == growth.current_period_end
    assert datetime.fromisoformat(plan["cycle_started_at"]) == growth.current_period_end - timedelta(days=30)


def _approve_upgrade(stack: LocalStack, plan: str) -> None:
    """POST /v1/plan/upgrade, the merchant approves on Shopify's page, the webhooks are processed
    and the jobs they asked for run."""
    upgrade = stack.merchant_call("POST", "/v1/plan/upgrade", json={"plan": plan})
    assert upgrade.status_code == 200, upgrade.text
    approval = requests.get(upgrade.json()["confirmation_url"], allow_redirects=False, timeout=10)
    assert approval.status_code in (302, 303)
    stack.events.drain()
    stack.jobs.drain(timeout=30)
