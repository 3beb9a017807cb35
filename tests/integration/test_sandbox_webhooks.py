"""The sandboxes' signed webhooks through our doors, and the product audit end to end:
TikTok sandbox audit -> type-5 webhook -> our endpoint -> queue -> processor -> Get Product."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.models import ShopAuth
from connector.dal.store import Store
from connector.domain.entities import InstallState, Shop
from connector.settings import Settings
from local.dynamodb import LOCAL_APP_CONFIG
from local.queue import InProcessQueue
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import (
    connect_to_sandbox,
    listing_basics,
    process_ports_with,
    product_body,
    shopify_message,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def tiktok_sandbox(api_url: str) -> Iterator[TikTokSandbox]:
    sandbox = TikTokSandbox(
        LOCAL_APP_CONFIG["TIKTOK_APP_KEY"],
        LOCAL_APP_CONFIG["TIKTOK_APP_SECRET"],
    )
    with sandbox:
        partner = {"TIKTOK_API_BASE_URL": sandbox.url, "TIKTOK_AUTH_BASE_URL": sandbox.url}
        with process_ports_with(settings=Settings.from_environ({**os.environ, **partner})):
            yield sandbox


def _connected(store: Store, shop: str, sandbox: TikTokSandbox) -> tuple[str, ShopAuth]:
    tiktok_shop_id, grant = connect_to_sandbox(store, shop, sandbox)
    return tiktok_shop_id, ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher)


@pytest.mark.parametrize(("title", "status"), [("Morning Mug", "live"), ("Morning Mug [reject]", "failed")])
def test_audit_webhook_from_the_sandbox_sets_the_product_status(
    store: Store,
    shop: str,
    tiktok_sandbox: TikTokSandbox,
    events_queue: InProcessQueue,
    title: str,
    status: str,
) -> None:
    _, auth = _connected(store, shop, tiktok_sandbox)
    events_queue.send(
        shopify_message(shop, "products/create", product_body("31", title, 100)).model_dump_json()
    )
    events_queue.drain()
    client = TikTokClient(
        LOCAL_APP_CONFIG["TIKTOK_APP_KEY"],
        LOCAL_APP_CONFIG["TIKTOK_APP_SECRET"],
        tiktok_sandbox.url,
        tiktok_sandbox.url,
    )
    events_queue.pause()  # the audit webhook waits in the queue while the upload links the product
    try:
        api = client.for_shop(auth)
        created = api.create_product(listing_basics(api).product(title, seller_sku="MUG-1", price="12.00"))
        assert tiktok_sandbox.wait_idle()
        store.link_tiktok_product(shop, created.product_id, "31")
    finally:
        events_queue.resume()
    events_queue.drain()

    # The shop registered both audit types when it connected: the event (5) and the verdict (37)
    assert [(w.payload["type"], w.status) for w in tiktok_sandbox.webhooks] == [(5, 200), (37, 200)]
    product = store.get_product(shop, "31")
    assert product is not None and product.status == status
    if status == "failed":
        assert product.failure_reason
    assert store.status_counts(shop) == store.recount(shop)


def test_sandbox_webhooks_signed_with_the_wrong_secret_are_refused(
    store: Store, shop: str, tiktok_sandbox: TikTokSandbox, events_queue: InProcessQueue
) -> None:
    tiktok_shop_id, _ = _connected(store, shop, tiktok_sandbox)
    tiktok_sandbox.faults.webhook_secret = "not-our-secret"
    order_id = tiktok_sandbox.create_order(tiktok_shop_id)
    tiktok_sandbox.faults.webhook_secret = None
    tiktok_sandbox.advance_order(order_id, "AWAITING_SHIPMENT")
    assert tiktok_sandbox.wait_idle()
    events_queue.drain()

    assert [w.status for w in tiktok_sandbox.webhooks] == [401, 200]
    order = store.get_order(shop, order_id)
    assert order is not None and order.tiktok_status == "AWAITING_SHIPMENT"


def test_shopify_sandbox_webhooks_pass_our_door_and_a_wrong_secret_does_not(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    store.save_shop(Shop(domain=shop, install_state=InstallState.INSTALLED))
    with ShopifySandbox(
        os.environ["SHOPIFY_API_KEY"],
        LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"],
        webhook_url=f"{api_url}/webhooks/shopify",
    ) as sandbox:
        product_id = sandbox.catalog(shop)[0].id
        assert sandbox.send_product_update(shop, product_id, title="Renamed") == 200
        assert sandbox.send_product_update(shop, product_id, title="Forged", wrong_secret=True) == 401
    events_queue.drain()
    product = store.get_product(shop, str(product_id))
    assert product is not None and product.title == "Renamed"
