"""The scheduled tasks: the order poll catches what a webhook missed; reconciliation repairs drift."""

from __future__ import annotations

import time

import pytest

from connector import schedules
from connector.dal import keys
from connector.dal.rows import CounterShardRow
from connector.dal.store import Store
from connector.domain.entities import InstallState, Shop
from connector.wiring import Ports
from functions.scheduler.handler import lambda_handler as scheduler
from local.lambda_context import LocalLambdaContext
from local.queue import InProcessQueue
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import (
    Harness,
    JobRecorder,
    connect_to_sandbox,
    connected_shop,
    listing_basics,
    product_body,
    shopify_message,
)

pytestmark = pytest.mark.integration


def test_a_forgotten_order_webhook_is_caught_by_the_poll(
    api_url: str, store: Store, shop: str, tiktok_partner: TikTokSandbox, events_queue: InProcessQueue
) -> None:
    tiktok_shop_id, _ = connect_to_sandbox(store, shop, tiktok_partner)
    tiktok_partner.faults.drop_webhooks = 2  # TikTok "forgets" both changes
    order_id = tiktok_partner.create_order(tiktok_shop_id)
    tiktok_partner.advance_order(order_id, "AWAITING_SHIPMENT")
    assert tiktok_partner.wait_idle()
    events_queue.drain()
    assert store.get_order(shop, order_id) is None

    profile = store.get_shop(shop)
    assert profile is not None
    ports = Ports(store=store, jobs=JobRecorder())
    now = int(time.time()) + 5
    caught = schedules.poll_tiktok_orders(ports, profile, now)

    assert caught == 1
    order = store.get_order(shop, order_id)
    assert order is not None and order.tiktok_status == "AWAITING_SHIPMENT"
    again = store.get_shop(shop)
    assert again is not None and again.tiktok_orders_polled_until == now
    # A second poll, and a late webhook, change nothing.
    assert schedules.poll_tiktok_orders(ports, again, now + 1) == 0
    assert store.status_counts(shop) == store.recount(shop)


def test_reconciliation_repairs_a_corrupted_counter_and_reports_the_drift(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    Harness(store).deliver(
        *(shopify_message(shop, "products/create", product_body(str(p), "x", 1)) for p in range(1, 6))
    )
    shard = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(3))
    shard.update(
        actions=[CounterShardRow.products_live.add(4), CounterShardRow.products_not_uploaded.add(-2)]
    )  # type: ignore[attr-defined]
    assert store.status_counts(shop) != store.recount(shop)

    profile = store.get_shop(shop)
    assert profile is not None
    ports = Ports(store=store, jobs=JobRecorder())
    assert schedules.reconcile_counters(ports, profile, 0) == 6
    assert store.status_counts(shop) == store.recount(shop)
    assert schedules.reconcile_counters(ports, profile, 0) == 0  # twice is once


def test_the_scheduler_function_runs_a_task_over_installed_shops(store: Store, shop: str) -> None:
    store.save_shop(Shop(domain=shop, install_state=InstallState.INSTALLED))
    result = scheduler({"task": "reconcile_counters"}, LocalLambdaContext("scheduler"))
    assert result["task"] == "reconcile_counters" and result["shops"] >= 1
    with pytest.raises(ValueError, match="unknown task"):
        scheduler({"task": "nope"}, LocalLambdaContext("scheduler"))


def test_a_forgotten_audit_webhook_is_caught_by_the_pending_poll(
    api_url: str, store: Store, shop: str, tiktok_partner: TikTokSandbox, events_queue: InProcessQueue
) -> None:
    from connector.clients.tiktok.auth import TikTokClient
    from connector.clients.tiktok.models import ShopAuth
    from local.dynamodb import LOCAL_APP_CONFIG

    _, grant = connect_to_sandbox(store, shop, tiktok_partner)
    auth = ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher)
    Harness(store).deliver(shopify_message(shop, "products/create", product_body("77", "Teapot", 100)))
    client = TikTokClient(
        LOCAL_APP_CONFIG["TIKTOK_APP_KEY"],
        LOCAL_APP_CONFIG["TIKTOK_APP_SECRET"],
        tiktok_partner.url,
        tiktok_partner.url,
    )
    api = client.for_shop(auth)
    teapot = listing_basics(api).product("Teapot", seller_sku="TEA-1", price="20.00")
    tiktok_partner.faults.drop_webhooks = 2  # the audit's webhooks (types 5 and 37) never come
    created = api.create_product(teapot)
    store.link_tiktok_product(shop, created.product_id, "77")
    held = store.get_product(shop, "77")
    assert held is not None
    from dataclasses import replace as _replace

    store.commit_product(
        _replace(held, status="pending", tiktok_product_id=created.product_id, status_time=1),
        {"products_not_uploaded": -1, "products_pending": 1},
    )
    assert tiktok_partner.wait_idle()
    events_queue.drain()
    assert store.get_product(shop, "77").status == "pending"  # type: ignore[union-attr]

    profile = store.get_shop(shop)
    assert profile is not None
    ports = Ports(store=store, jobs=JobRecorder())
    assert schedules.poll_pending_products(ports, profile, int(time.time())) == 1
    assert store.get_product(shop, "77").status == "live"  # type: ignore[union-attr]
    assert store.status_counts(shop) == store.recount(shop)


def test_a_token_near_its_expiry_is_refreshed_once_and_the_new_one_works(
    api_url: str, store: Store, shop: str, tiktok_partner: TikTokSandbox
) -> None:
    from datetime import UTC, datetime, timedelta

    connect_to_sandbox(store, shop, tiktok_partner)
    now = datetime.now(UTC).replace(microsecond=0)  # the schedules run on whole seconds
    store.update_shop(shop, tiktok_access_token_expires_at=now + timedelta(hours=3))
    before = store.get_shop(shop)
    assert before is not None

    # When the schedule runs: the token expires within a day, so it is refreshed and stored
    ports = Ports(store=store, jobs=JobRecorder())
    assert schedules.refresh_tiktok_tokens(ports, before, int(now.timestamp())) == 1
    after = store.get_shop(shop)
    assert after is not None and after.tiktok_access_token_ciphertext != before.tiktok_access_token_ciphertext
    assert after.tiktok_access_token_expires_at is not None
    assert after.tiktok_access_token_expires_at - now > schedules.TOKEN_REFRESH_AHEAD
    assert ports.tiktok_api(after).get_authorized_shops()

    # Then the next run finds it fresh and leaves it alone
    assert schedules.refresh_tiktok_tokens(ports, after, int(now.timestamp())) == 0


def test_a_refresh_tiktok_refuses_marks_the_connection_expired_not_failed(
    api_url: str, store: Store, shop: str, tiktok_partner: TikTokSandbox
) -> None:
    """Given a connected shop whose seller removed the app without the webhook reaching us, when
    the token schedule refreshes its token, then TikTok's refusal marks the connection expired (the
    dashboard asks for a reconnection) and the task reports no failure."""
    from datetime import UTC, datetime, timedelta

    from connector.domain.entities import TikTokConnection

    tiktok_shop_id, _ = connect_to_sandbox(store, shop, tiktok_partner)
    store.update_shop(shop, tiktok_access_token_expires_at=datetime.now(UTC) + timedelta(hours=1))
    tiktok_partner.faults.drop_webhooks = 1
    tiktok_partner.deauthorize(tiktok_shop_id)

    results = schedules.run_task(
        "refresh_tiktok_tokens", Ports(store=store, jobs=JobRecorder()), int(time.time())
    )

    assert results[shop] == 0
    profile = store.get_shop(shop)
    assert profile is not None and profile.tiktok_connection is TikTokConnection.EXPIRED


def test_a_stalled_import_resumes_from_its_page_and_other_stalled_work_fails_with_a_reason(
    store: Store, shop: str
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from connector.domain.entities import Activity, ActivityState, ActivityType
    from connector.jobs import JobKind

    connected_shop(store, shop)
    now = datetime.now(UTC).replace(microsecond=0)  # the schedules run on whole seconds
    stalled, fresh = now - timedelta(minutes=20), now - timedelta(minutes=2)

    def ongoing(activity_id: str, type_: ActivityType, progressed: datetime, **more: object) -> Activity:
        activity = Activity(shop, activity_id, type_, ActivityState.ONGOING, total=40, processed=20)
        return replace(activity, started_at=progressed, progressed_at=progressed, **more)

    store.save_activity(
        ongoing("1-import", ActivityType.IMPORT, stalled, total_final=False, resume_cursor="page-2")
    )
    store.save_activity(ongoing("2-upload", ActivityType.UPLOAD, stalled))
    store.save_activity(ongoing("3-upload", ActivityType.UPLOAD, fresh))
    profile = store.get_shop(shop)
    assert profile is not None
    recorder = JobRecorder()
    ports = Ports(store=store, jobs=recorder)

    assert schedules.sweep_stuck_activities(ports, profile, int(now.timestamp())) == 2

    assert [(j.kind, j.params) for j in recorder.jobs] == [
        (JobKind.IMPORT, {"activity_id": "1-import", "cursor": "page-2"})
    ]
    resumed = store.get_activity(shop, "1-import")
    assert resumed is not None and resumed.state is ActivityState.ONGOING and resumed.resumes == 1
    failed = store.get_activity(shop, "2-upload")
    assert failed is not None and failed.state is ActivityState.FAILED
    assert "no progress for 20 minutes with 20 of 40 done" in failed.errors[-1]
    untouched = store.get_activity(shop, "3-upload")
    assert untouched is not None and untouched.state is ActivityState.ONGOING

    # An import that stalls again after its last resume fails too (so does the upload, now stalled)
    store.note_activity_resumed(shop, "1-import")  # the second resume, also without progress
    later = int((now + timedelta(minutes=40)).timestamp())
    assert schedules.sweep_stuck_activities(ports, profile, later) == 2
    gave_up = store.get_activity(shop, "1-import")
    assert gave_up is not None and gave_up.state is ActivityState.FAILED and len(recorder.jobs) == 1
