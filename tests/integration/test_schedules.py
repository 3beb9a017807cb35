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
from tests.helpers import Harness, connect_to_sandbox, connected_shop, product_body, shopify_message

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


def test_a_forgotten_audit_webhook_is_caught_by_the_pending_poll(
    api_url: str, store: Store, shop: str, tiktok_partner: TikTokSandbox, events_queue: InProcessQueue
) -> None:
    from connector.clients.tiktok import NewProduct, NewSku, ShopAuth, TikTokClient
    from connector.processing.tiktok_products import tiktok_product_status_reader
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
    tiktok_partner.faults.drop_webhooks = 1  # the audit's webhook never comes
    created = client.for_shop(auth).create_product(
        NewProduct(
            title="Teapot",
            description="A teapot for two.",
            category_id="600001",
            main_image_uris=("img/teapot.jpg",),
            skus=(NewSku(seller_sku="TEA-1", price="20.00", currency="USD", quantity=3),),
            package_weight_value="0.8",
        )
    )
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
    applier = Applier(
        Ports(store=store, enqueue_job=lambda job: None, tiktok_products=tiktok_product_status_reader())
    )
    assert schedules.poll_pending_products(store, applier, profile, int(time.time())) == 1
    assert store.get_product(shop, "77").status == "live"  # type: ignore[union-attr]
    assert store.status_counts(shop) == store.recount(shop)
