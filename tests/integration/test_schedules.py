"""The scheduled tasks: the order poll catches what a webhook missed; reconciliation repairs drift."""

from __future__ import annotations

import time
import uuid

import pytest

from connector import schedules
from connector.dal import keys
from connector.dal.rows import CounterShardRow
from connector.dal.store import Store
from connector.domain.entities import Order, Shop
from connector.wiring import Ports
from functions.scheduler.handler import lambda_handler as scheduler
from local.lambda_context import LocalLambdaContext
from local.queue import InProcessQueue, RecordingQueue
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import (
    Harness,
    JobRecorder,
    connect_to_sandbox,
    connected_shop,
    listing_basics,
    process_ports_with,
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


def _corrupted(store: Store, shop: str, products: int) -> None:
    """A connected shop with ``products`` products whose counters drifted by 6 (4 up, 2 down)."""
    connected_shop(store, shop)
    Harness(store).deliver(
        *(
            shopify_message(shop, "products/create", product_body(str(p), "x", 1))
            for p in range(1, products + 1)
        )
    )
    shard = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(3))
    shard.update(
        actions=[CounterShardRow.products_live.add(4), CounterShardRow.products_not_uploaded.add(-2)]
    )  # type: ignore[attr-defined]
    assert store.status_counts(shop) != store.recount(shop)


def test_reconciliation_recounts_a_page_a_step_and_repairs_the_drift(store: Store, shop: str) -> None:
    _corrupted(store, shop, 5)
    store.commit_order(
        Order(shop, "o-1", "awaiting_shipment", "AWAITING_SHIPMENT", 5), {"orders_awaiting_shipment": 1}
    )
    profile = store.get_shop(shop)
    assert profile is not None
    ports = Ports(store=store, jobs=JobRecorder())

    # Given a recount of 2 items a step: products 1-2, 3-4, 5 and the order, then the comparison
    drift, resume, steps = 0, None, 0
    while True:
        drift, resume = schedules.reconcile_counters(ports, profile, 0, resume, page_size=2)
        steps += 1
        if resume is None:
            break
        assert drift == 0  # nothing is repaired before the last step
    assert (drift, steps) == (6, 4)
    assert store.status_counts(shop) == store.recount(shop)
    assert schedules.reconcile_counters(ports, profile, 0, None) == (0, None)  # twice is once


def test_a_scheduled_task_fans_out_a_message_per_shop_through_the_queue(store: Store) -> None:
    shops = [f"test-{uuid.uuid4().hex[:10]}.myshopify.com" for _ in range(3)]
    for one in shops:
        _corrupted(store, one, 2)
    work = InProcessQueue("scheduled-work", scheduler, retry_delay=0.05).start()
    try:
        with process_ports_with(scheduled_work=work):
            # When the schedule ticks, its pages of shops and each shop's run go through the queue
            assert scheduler({"task": "reconcile_counters"}, LocalLambdaContext("scheduler"))["done"] == 0
            work.drain(timeout=120)
    finally:
        work.stop()
    # Then every shop was reconciled, and nothing failed into the dead-letter list
    assert all(store.status_counts(one) == store.recount(one) for one in shops)
    assert work.dead_letters == []
    with pytest.raises(ValueError, match="unknown task"):
        scheduler({"task": "nope"}, LocalLambdaContext("scheduler"))


def test_a_page_of_shops_queues_each_shop_once_however_often_it_is_delivered(store: Store) -> None:
    recorder = RecordingQueue()
    ports = Ports(store=store, jobs=JobRecorder(), scheduled_work=recorder)
    first_page = schedules.ScheduledWork(task="sweep_stuck_activities", tick=int(time.time()))
    store.save_shop(Shop(domain=f"test-{uuid.uuid4().hex[:10]}.myshopify.com"))

    queued = schedules.run_work(first_page, ports)

    sent = [schedules.ScheduledWork.model_validate_json(m) for m in recorder.messages]
    assert queued == len([w for w in sent if w.shop]) > 0
    assert all(w.task == first_page.task and w.tick == first_page.tick for w in sent)
    assert len([w for w in sent if w.shop is None]) == (0 if queued < schedules.SHOPS_PER_PAGE else 1)
    assert schedules.run_work(first_page, ports) == 0  # delivered again: nothing queued twice
    assert len(recorder.messages) == len(sent)


def test_installed_shops_are_listed_a_page_at_a_time(store: Store) -> None:
    domains, start = [], None
    while True:
        page = store.installed_shop_domains(7, start)
        domains += page.items
        start = page.next_key
        if start is None:
            break
    assert sorted(domains) == sorted(s.domain for s in store.installed_shops())


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
    from connector.values import replace as _replace

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
    calls = dict(tiktok_partner.calls)
    assert schedules.poll_pending_products(ports, profile, int(time.time())) == 1
    assert store.get_product(shop, "77").status == "live"  # type: ignore[union-attr]
    assert store.status_counts(shop) == store.recount(shop)
    # TikTok was asked for its pending products (one Search) and about the one no longer pending
    asked = {k: v - calls.get(k, 0) for k, v in tiktok_partner.calls.items() if v != calls.get(k, 0)}
    assert asked == {"products/search": 1, "products/get": 1}, asked
    # and with nothing pending any more, the next poll asks TikTok nothing
    calls = dict(tiktok_partner.calls)
    assert schedules.poll_pending_products(ports, profile, int(time.time())) == 0
    assert tiktok_partner.calls == calls


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

    work = schedules.ScheduledWork(task="refresh_tiktok_tokens", tick=int(time.time()), shop=shop)
    assert schedules.run_work(work, Ports(store=store, jobs=JobRecorder())) == 0

    profile = store.get_shop(shop)
    assert profile is not None and profile.tiktok_connection is TikTokConnection.EXPIRED


def test_a_stalled_import_resumes_from_its_page_and_other_stalled_work_fails_with_a_reason(
    store: Store, shop: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from connector.domain.entities import Activity, ActivityState, ActivityType
    from connector.jobs import JobKind
    from connector.values import replace

    connected_shop(store, shop)
    now = datetime.now(UTC).replace(microsecond=0)  # the schedules run on whole seconds
    stalled, fresh = now - timedelta(minutes=20), now - timedelta(minutes=2)

    def ongoing(activity_id: str, type_: ActivityType, progressed: datetime, **more: object) -> Activity:
        activity = Activity(shop, activity_id, type_, ActivityState.ONGOING, total=40, processed=20)
        return replace(activity, started_at=progressed, progressed_at=progressed, **more)

    store.activities.save_activity(
        ongoing("1-import", ActivityType.IMPORT, stalled, total_final=False, resume_cursor="page-2")
    )
    store.activities.save_activity(ongoing("2-upload", ActivityType.UPLOAD, stalled))
    store.activities.save_activity(ongoing("3-upload", ActivityType.UPLOAD, fresh))
    profile = store.get_shop(shop)
    assert profile is not None
    recorder = JobRecorder()
    ports = Ports(store=store, jobs=recorder)

    assert schedules.sweep_stuck_activities(ports, profile, int(now.timestamp())) == 2

    assert [(j.kind, j.params) for j in recorder.jobs] == [
        (JobKind.IMPORT, {"activity_id": "1-import", "cursor": "page-2"})
    ]
    resumed = store.activities.get_activity(shop, "1-import")
    assert resumed is not None and resumed.state is ActivityState.ONGOING and resumed.resumes == 1
    failed = store.activities.get_activity(shop, "2-upload")
    assert failed is not None and failed.state is ActivityState.FAILED
    assert "no progress for 20 minutes with 20 of 40 done" in failed.errors[-1]
    untouched = store.activities.get_activity(shop, "3-upload")
    assert untouched is not None and untouched.state is ActivityState.ONGOING

    # An import that stalls again after its last resume fails too (so does the upload, now stalled)
    store.activities.note_activity_resumed(shop, "1-import")  # the second resume, also without progress
    later = int((now + timedelta(minutes=40)).timestamp())
    assert schedules.sweep_stuck_activities(ports, profile, later) == 2
    gave_up = store.activities.get_activity(shop, "1-import")
    assert gave_up is not None and gave_up.state is ActivityState.FAILED and len(recorder.jobs) == 1
