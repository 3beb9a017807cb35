"""The scheduled tasks: the order poll catches what a webhook missed; reconciliation repairs drift."""

from __future__ import annotations

import time

import pytest

from connector import schedules
from connector.clients.tiktok import tiktok_client_from_settings
from connector.crypto import token_cipher
from connector.dal import keys
from connector.dal.rows import CounterShardRow
from connector.dal.store import Store
from connector.domain.entities import InstallState, Shop
from connector.processing.applier import Applier, Ports
from functions.scheduler.handler import lambda_handler as scheduler
from local.lambda_context import LocalLambdaContext
from local.queue import InProcessQueue
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import connected_shop, product_body, shopify_message
from tests.integration.test_sandbox_webhooks import _connected

pytestmark = pytest.mark.integration


def test_a_forgotten_order_webhook_is_caught_by_the_poll(
    api_url: str, store: Store, shop: str, tiktok_partner: TikTokSandbox, events_queue: InProcessQueue
) -> None:
    tiktok_shop_id, _ = _connected(store, shop, tiktok_partner)
    tiktok_partner.faults.drop_webhooks = 2  # TikTok "forgets" both changes
    order_id = tiktok_partner.create_order(tiktok_shop_id)
    tiktok_partner.advance_order(order_id, "AWAITING_SHIPMENT")
    assert tiktok_partner.wait_idle()
    events_queue.drain()
    assert store.get_order(shop, order_id) is None

    profile = store.get_shop(shop)
    assert profile is not None
    applier = Applier(Ports(store=store, enqueue_job=lambda job: None))
    now = int(time.time()) + 5
    caught = schedules.poll_tiktok_orders(
        store, tiktok_client_from_settings(), token_cipher(), applier, profile, now
    )

    assert caught == 1
    order = store.get_order(shop, order_id)
    assert order is not None and order.tiktok_status == "AWAITING_SHIPMENT"
    again = store.get_shop(shop)
    assert again is not None and again.tiktok_orders_polled_until == now
    # A second poll, and a late webhook, change nothing.
    assert (
        schedules.poll_tiktok_orders(
            store, tiktok_client_from_settings(), token_cipher(), applier, again, now + 1
        )
        == 0
    )
    assert store.status_counts(shop) == store.recount(shop)


def test_reconciliation_repairs_a_corrupted_counter_and_reports_the_drift(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    from tests.helpers import Harness

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
    assert schedules.reconcile_counters(store, profile) == 6
    assert store.status_counts(shop) == store.recount(shop)
    assert schedules.reconcile_counters(store, profile) == 0  # twice is once


def test_the_scheduler_function_runs_a_task_over_installed_shops(store: Store, shop: str) -> None:
    store.save_shop(Shop(domain=shop, install_state=InstallState.INSTALLED))
    result = scheduler({"task": "reconcile_counters"}, LocalLambdaContext("scheduler"))
    assert result["task"] == "reconcile_counters" and result["shops"] >= 1
    with pytest.raises(ValueError, match="unknown task"):
        scheduler({"task": "nope"}, LocalLambdaContext("scheduler"))
