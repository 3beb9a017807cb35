"""The Shopify Admin API client against the Shopify sandbox, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import requests

from connector.clients.images import (
    ImageFetchError,
    ImageHostNotAllowedError,
    ImageTooLargeError,
    ImageUnavailableError,
    fetch_image,
)
from connector.clients.shopify.admin import ShopifyAdminClient
from connector.clients.shopify.errors import (
    ShopifyAuthError,
    ShopifyOutcomeUnknownError,
    ShopifyRefreshRefusedError,
    ShopifyTokenInvalidError,
    ShopifyUserError,
)
from connector.clients.shopify.models import ShopifyOption, ShopifyProduct
from local.sandboxes.shopify import INVALID_TOKEN, ShopifySandbox
from local.sandboxes.shopify_catalog import SandboxProduct
from local.sandboxes.shopify_images import png_size
from tests.helpers import plain_order_draft

API_KEY = "sandbox-client-id"
API_SECRET = "sandbox-client-secret-of-32-bytes-or-more"


class FakeClock:
    """Time that moves only when someone sleeps: shared by the client and the sandbox's bucket."""

    def __init__(self) -> None:
        self._now = 1000.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny webhook endpoint that verifies Shopify's HMAC like our ingest does: 200 or 401."""

    url: str = ""
    received: list[Received] = field(default_factory=list)


def hmac_ok(body: bytes, header: str, secret: str = API_SECRET) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, header)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(Received(dict(self.headers.items()), body))
            ok = hmac_ok(body, self.headers.get("X-Shopify-Hmac-Sha256", ""))
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/shopify"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(receiver: Receiver, clock: FakeClock) -> Iterator[ShopifySandbox]:
    with ShopifySandbox(
        API_KEY, API_SECRET, webhook_url=receiver.url, products_per_shop=30, clock=clock.now
    ) as box:
        yield box


@pytest.fixture
def client(sandbox: ShopifySandbox, clock: FakeClock) -> Iterator[ShopifyAdminClient]:
    admin = ShopifyAdminClient(
        api_key=API_KEY,
        api_secret=API_SECRET,
        admin_base_url=sandbox.admin_base_url,
        timeout=5.0,
        sleep=clock.sleep,
        clock=clock.now,
    )
    yield admin
    admin.close()


@pytest.fixture
def shop() -> str:
    return f"test-{uuid.uuid4().hex[:10]}.myshopify.com"


def session_token(shop: str, secret: str = API_SECRET, *, dest_shop: str | None = None, age: int = 0) -> str:
    """An App Bridge session token as Shopify mints it (HS256 with the client secret)."""
    now = int(time.time()) - age
    claims = {
        "iss": f"https://{dest_shop or shop}/admin",
        "dest": f"https://{dest_shop or shop}",
        "aud": API_KEY,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


# -- token exchange ------------------------------------------------------------------------------


def test_token_exchange_returns_an_offline_token_that_opens_the_admin_api(
    client: ShopifyAdminClient, shop: str
) -> None:
    # Given a valid session token for the shop
    token = session_token(shop)
    # When it is exchanged
    offline = client.exchange_token(shop, token)
    # Then the offline token reads the shop's products, and is not shown in repr
    first = next(client.for_shop(shop, offline.access_token).iter_products(page_size=5))
    assert first.id.isdigit()
    assert "read_products" in offline.scope
    assert offline.access_token not in repr(offline)


def test_an_expiring_token_exchange_answers_a_refresh_token_and_both_lifetimes(
    client: ShopifyAdminClient, shop: str
) -> None:
    # Given a valid session token / When it is exchanged for an expiring offline token
    offline = client.exchange_token(shop, session_token(shop), expiring=True)
    # Then an hour's access token comes with a 90-day refresh token, neither shown in repr
    assert offline.expires_in == 3600 and offline.refresh_token_expires_in == 90 * 24 * 3600
    assert offline.refresh_token and offline.refresh_token not in repr(offline)
    assert offline.access_token not in repr(offline)


def test_an_expired_token_gets_shopifys_401_and_its_refresh_token_brings_a_new_pair(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, clock: FakeClock, shop: str
) -> None:
    # Given an expiring offline token an hour old
    offline = client.exchange_token(shop, session_token(shop), expiring=True)
    assert offline.refresh_token is not None
    clock.sleep(3600)
    # When it is used / Then the Admin API answers 401 with Shopify's body, a typed error here
    raw = requests.post(
        f"{sandbox.admin_base_url.format(shop=shop)}/admin/api/2025-10/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": offline.access_token},
        timeout=5,
    )
    assert (raw.status_code, raw.json()) == (401, {"errors": INVALID_TOKEN})
    with pytest.raises(ShopifyTokenInvalidError):
        next(client.for_shop(shop, offline.access_token).iter_products(page_size=5))
    # When its refresh token is used / Then a new access token and a new refresh token come back
    refreshed = client.refresh_token(shop, offline.refresh_token)
    assert refreshed.refresh_token not in (None, offline.refresh_token)
    assert refreshed.expires_in == 3600
    assert next(client.for_shop(shop, refreshed.access_token).iter_products(page_size=5)).id.isdigit()


class TwoTokens:
    """AccessTokens that give a first token, and a second one when the first is refused."""

    def __init__(self, first: str, second: str) -> None:
        self.first, self.second = first, second
        self.refused: list[str] = []

    def current(self) -> str:
        return self.second if self.refused else self.first

    def rejected(self, token: str) -> str:
        self.refused.append(token)
        return self.second


def test_a_401_is_sent_again_once_with_the_token_given_instead(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given a shop client whose token the Admin API does not know, and a good one to replace it
    tokens = TwoTokens("shpat_unknown", sandbox.issue_token(shop))
    # When a mutation is sent (nothing ran on a 401, so even a mutation may go again)
    subscription = client.for_shop(shop, tokens).create_app_subscription(
        "Growth", Decimal("19.00"), "USD", "https://app.example.com/billing/return", test=True
    )
    # Then it went through with the second token, after one refusal
    assert subscription.confirmation_url and tokens.refused == ["shpat_unknown"]


def test_a_token_given_after_a_401_that_is_refused_too_is_not_tried_again(
    client: ShopifyAdminClient, shop: str
) -> None:
    # Given two tokens the Admin API does not know
    tokens = TwoTokens("shpat_unknown", "shpat_unknown_too")
    # When a call is made / Then it fails typed after one renewal, not in a loop
    with pytest.raises(ShopifyTokenInvalidError):
        next(client.for_shop(shop, tokens).iter_products(page_size=5))
    assert tokens.refused == ["shpat_unknown"]


def test_a_used_refresh_token_serves_again_until_its_replacement_is_used(
    client: ShopifyAdminClient, shop: str
) -> None:
    # Given a refresh token used once, its answer lost, and used again
    offline = client.exchange_token(shop, session_token(shop), expiring=True)
    assert offline.refresh_token is not None
    client.refresh_token(shop, offline.refresh_token)
    kept = client.refresh_token(shop, offline.refresh_token)
    assert kept.refresh_token is not None
    # When the replacement kept is used
    client.refresh_token(shop, kept.refresh_token)
    # Then the refresh token it replaced is retired: Shopify's invalid_grant, typed
    with pytest.raises(ShopifyRefreshRefusedError) as refused:
        client.refresh_token(shop, offline.refresh_token)
    assert refused.value.code == "invalid_grant"
    assert offline.refresh_token not in str(refused.value)


def test_an_expired_refresh_token_is_refused(client: ShopifyAdminClient, clock: FakeClock, shop: str) -> None:
    # Given a refresh token older than its 90 days
    offline = client.exchange_token(shop, session_token(shop), expiring=True)
    assert offline.refresh_token is not None
    clock.sleep(90 * 24 * 3600)
    # When it is used / Then Shopify refuses it
    with pytest.raises(ShopifyRefreshRefusedError):
        client.refresh_token(shop, offline.refresh_token)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(
            lambda shop: session_token(shop, secret="someone-else-with-a-long-enough-key"), id="wrong-secret"
        ),
        pytest.param(lambda shop: session_token(shop, age=120), id="expired"),
        pytest.param(lambda shop: session_token(shop, dest_shop="other.myshopify.com"), id="other-shop"),
        pytest.param(lambda shop: "not-a-jwt", id="garbage"),
    ],
)
def test_token_exchange_rejects_a_bad_session_token(
    client: ShopifyAdminClient, shop: str, make_token: Any
) -> None:
    # Given a session token that is not valid for this app and shop
    # When it is exchanged / Then a clear auth error is raised
    with pytest.raises(ShopifyAuthError, match="token exchange rejected"):
        client.exchange_token(shop, make_token(shop))


def test_admin_api_refuses_a_token_issued_for_another_shop(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given an access token issued for another shop
    token = sandbox.issue_token("other-shop.myshopify.com")
    # When it is used on this shop / Then the client raises an auth error
    with pytest.raises(ShopifyAuthError):
        next(client.for_shop(shop, token).iter_products())


# -- products ------------------------------------------------------------------------------------


def test_paginating_1000_products_yields_each_once_without_being_throttled(
    receiver: Receiver, shop: str
) -> None:
    # Given a shop with 1,000 products and Shopify's smallest cost bucket (1,000 points, the single
    # query limit, restored at 50 a second), on a clock shared with the client
    clock = FakeClock()
    with ShopifySandbox(
        API_KEY, API_SECRET, products_per_shop=1000, bucket_size=1000, restore_rate=50, clock=clock.now
    ) as sandbox:
        client = ShopifyAdminClient(
            api_key=API_KEY,
            api_secret=API_SECRET,
            admin_base_url=sandbox.admin_base_url,
            sleep=clock.sleep,
            clock=clock.now,
        )
        shop_client = client.for_shop(shop, sandbox.issue_token(shop))
        # When the client pages through every product
        products = list(shop_client.iter_products(page_size=10))
        catalog = {str(p.id): p for p in sandbox.catalog(shop)}
        throttled = sandbox.throttled_count
    # Then every product comes exactly once, with string ids, and every variant
    ids = [product.id for product in products]
    assert len(ids) == 1000
    assert set(ids) == set(catalog)
    for product in products:
        assert all(
            isinstance(i, str) and i.isdigit() for i in [product.id, *(v.id for v in product.variants)]
        )
        assert [v.id for v in product.variants] == [str(v.id) for v in catalog[product.id].variants]
    assert max(len(p.variants) for p in products) == 25  # past the first variants page
    # And the client budgeted its cost: it waited, and Shopify never had to throttle it
    assert clock.sleeps
    assert throttled == 0


def test_throttled_answers_are_waited_out_and_retried(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given another caller drained the shop's bucket (the client has not seen the bucket yet)
    sandbox.state(shop).bucket.take(sandbox.bucket_size - 5)
    shop_client = client.for_shop(shop, sandbox.issue_token(shop))
    # When the client reads the products
    products = list(shop_client.iter_products(page_size=10))
    # Then it was throttled once, waited and still read every product
    assert sandbox.throttled_count == 1
    assert len(products) == 30


def test_reads_are_retried_after_server_errors(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given the Admin API answers 503 twice
    sandbox.inject_fault(status=503, times=2)
    # When the client reads the products / Then it retries and gets them all
    assert len(list(client.for_shop(shop, sandbox.issue_token(shop)).iter_products())) == 30


def test_products_carry_the_catalog_fields(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given the sandbox catalog (with products TikTok would refuse)
    catalog = {str(p.id): p for p in sandbox.catalog(shop)}
    # When the client reads it
    products = {p.id: p for p in client.for_shop(shop, sandbox.issue_token(shop)).iter_products()}
    # Then titles, images, prices and inventory item ids match, defects included
    for product_id, expected in catalog.items():
        got = products[product_id]
        assert got.title == expected.title
        assert [i.url for i in got.images] == [i.url for i in expected.images]
        assert [v.price for v in got.variants] == [v.price for v in expected.variants]
        assert [v.inventory_item_id for v in got.variants] == [
            str(v.inventory_item_id) for v in expected.variants
        ]
    defects = {p.defect for p in catalog.values()}
    assert {"empty_title", "no_image", "zero_price", "long_title"} <= defects


# -- orders --------------------------------------------------------------------------------------


def test_order_create_records_the_order(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given two variants of the catalog
    first, second = sandbox.catalog(shop)[0].variants[0], sandbox.catalog(shop)[1].variants[0]
    lines = [(first.id, 2, "12.50"), (second.id, 1, "3.00")]
    # When an order is created for a TikTok order
    order_id = client.for_shop(shop, sandbox.issue_token(shop)).create_order_from(
        plain_order_draft(lines, "576486316948490001")
    )
    # Then the sandbox recorded exactly that order
    (order,) = sandbox.orders(shop)
    assert order_id == str(order.id)
    assert order.source_identifier == "576486316948490001"
    assert [(line.variant_id, line.quantity, line.price) for line in order.lines] == [
        (first.id, 2, Decimal("12.50")),
        (second.id, 1, Decimal("3.00")),
    ]


def test_order_create_with_an_unknown_variant_raises_user_errors(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given a variant id the shop does not have
    lines = [(999, 1, "1.00")]
    # When the order is created / Then the userErrors surface, and no order exists
    with pytest.raises(ShopifyUserError) as raised:
        client.for_shop(shop, sandbox.issue_token(shop)).create_order_from(plain_order_draft(lines, "1"))
    assert raised.value.user_errors[0].field == ("order", "lineItems", "0", "variantId")
    assert raised.value.user_errors[0].code == "INVALID"
    assert sandbox.orders(shop) == []


def test_a_mutation_whose_answer_is_lost_is_not_repeated(sandbox: ShopifySandbox, shop: str) -> None:
    # Given the Admin API runs the next call but answers after the client's timeout
    client = ShopifyAdminClient(
        api_key=API_KEY, api_secret=API_SECRET, admin_base_url=sandbox.admin_base_url, timeout=0.3
    )
    sandbox.inject_fault(delay=1.0)
    variant = sandbox.catalog(shop)[0].variants[0]
    # When an order is created / Then the outcome is reported unknown, and the order exists once
    with pytest.raises(ShopifyOutcomeUnknownError):
        client.for_shop(shop, sandbox.issue_token(shop)).create_order_from(
            plain_order_draft([(variant.id, 1, "5.00")], "42")
        )
    assert len(sandbox.orders(shop)) == 1


def test_a_mutation_answered_with_a_server_error_is_not_retried(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given the next Admin API call answers 502
    sandbox.inject_fault(status=502)
    variant = sandbox.catalog(shop)[0].variants[0]
    # When an order is created / Then the client does not try again (a retry would have succeeded)
    with pytest.raises(ShopifyOutcomeUnknownError):
        client.for_shop(shop, sandbox.issue_token(shop)).create_order_from(
            plain_order_draft([(variant.id, 1, "5.00")], "43")
        )
    assert sandbox.orders(shop) == []


# -- billing and webhooks ------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [("confirm", "ACTIVE"), ("decline", "DECLINED")])
def test_visiting_the_confirmation_url_sends_a_signed_subscription_webhook(
    client: ShopifyAdminClient,
    sandbox: ShopifySandbox,
    receiver: Receiver,
    shop: str,
    action: str,
    status: str,
) -> None:
    # Given a pending subscription
    subscription = client.for_shop(shop, sandbox.issue_token(shop)).create_app_subscription(
        "Pro", Decimal("19.99"), "USD", "https://app.example.com/billing/return", test=True
    )
    assert subscription.status == "PENDING"
    assert subscription.confirmation_url.startswith(sandbox.url)
    # When the merchant approves (or declines) it
    url = subscription.confirmation_url.replace("/confirm", f"/{action}")
    answer = requests.get(url, allow_redirects=False, timeout=5)
    # Then the merchant goes back to the app, and a correctly signed webhook reports the new status
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("https://app.example.com/billing/return?charge_id=")
    (delivery,) = receiver.received
    assert hmac_ok(delivery.body, delivery.headers["X-Shopify-Hmac-Sha256"])
    assert delivery.headers["X-Shopify-Topic"] == "app_subscriptions/update"
    assert delivery.headers["X-Shopify-Shop-Domain"] == shop
    for header in (
        "X-Shopify-Webhook-Id",
        "X-Shopify-Event-Id",
        "X-Shopify-Triggered-At",
        "X-Shopify-API-Version",
    ):
        assert delivery.headers[header]
    body = delivery.payload["app_subscription"]
    assert body["admin_graphql_api_id"] == f"gid://shopify/AppSubscription/{subscription.id}"
    assert (body["status"], body["price"], body["currency"]) == (status, "19.99", "USD")


@pytest.mark.parametrize("cancelled_first", [True, False])
def test_an_approved_subscription_replaces_the_active_one_as_shopify_does(
    client: ShopifyAdminClient,
    sandbox: ShopifySandbox,
    receiver: Receiver,
    shop: str,
    monkeypatch: pytest.MonkeyPatch,
    cancelled_first: bool,
) -> None:
    # Given a shop billed for Beginner, and the sandbox told which webhook goes first
    monkeypatch.setattr(sandbox, "replaced_cancelled_first", cancelled_first)
    api = client.for_shop(shop, sandbox.issue_token(shop))
    beginner = api.create_app_subscription(
        "Beginner", Decimal("19"), "USD", "https://app.example/r", test=True
    )
    requests.get(beginner.confirmation_url, allow_redirects=False, timeout=5)
    assert [s.name for s in api.active_subscriptions()] == ["Beginner"]
    # When the merchant approves Growth
    growth = api.create_app_subscription("Growth", Decimal("49"), "USD", "https://app.example/r", test=True)
    assert (growth.gid, growth.name, growth.status) == (
        f"gid://shopify/AppSubscription/{growth.id}",
        "Growth",
        "PENDING",
    )
    assert growth.created_at is not None
    requests.get(growth.confirmation_url, allow_redirects=False, timeout=5)
    # Then Beginner is cancelled at the instant Growth activates, both webhooks in the order asked
    news = [d.payload["app_subscription"] for d in receiver.received[1:]]
    expected = [("Beginner", "CANCELLED"), ("Growth", "ACTIVE")]
    assert [(n["name"], n["status"]) for n in news] == (expected if cancelled_first else expected[::-1])
    assert news[0]["updated_at"] == news[1]["updated_at"]
    # And Shopify bills Growth alone, its period a 30-day interval from its activation
    (active,) = api.active_subscriptions()
    assert (active.gid, active.name, active.status) == (growth.gid, "Growth", "ACTIVE")
    activated = next(s for s in sandbox.subscriptions(shop) if s.name == "Growth").updated_at
    assert active.current_period_end == activated + timedelta(days=30)


def test_a_replacement_deferred_to_the_next_cycle_is_refused_not_faked(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    api = client.for_shop(shop, sandbox.issue_token(shop))
    beginner = api.create_app_subscription(
        "Beginner", Decimal("19"), "USD", "https://app.example/r", test=True
    )
    requests.get(beginner.confirmation_url, allow_redirects=False, timeout=5)
    with pytest.raises(ShopifyUserError, match="immediately only"):
        api.create_app_subscription(
            "Growth",
            Decimal("49"),
            "USD",
            "https://app.example/r",
            True,
            replacement="APPLY_ON_NEXT_BILLING_CYCLE",
        )


def test_app_subscription_user_errors_surface(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, shop: str
) -> None:
    with pytest.raises(ShopifyUserError, match="Name can't be blank"):
        client.for_shop(shop, sandbox.issue_token(shop)).create_app_subscription(
            " ", Decimal("1"), "USD", "https://app.example.com/", test=True
        )


def test_webhooks_are_signed_with_the_wrong_secret_when_told_to(
    sandbox: ShopifySandbox, receiver: Receiver, shop: str
) -> None:
    # Given a product of the shop
    product = sandbox.catalog(shop)[0]
    # When one update is signed correctly and one with the wrong secret
    good = sandbox.send_product_update(shop, product.id)
    bad = sandbox.send_product_update(shop, product.id, wrong_secret=True)
    # Then the receiver accepts the first and refuses the second
    assert (good, bad) == (200, 401)
    assert not hmac_ok(receiver.received[1].body, receiver.received[1].headers["X-Shopify-Hmac-Sha256"])
    assert receiver.received[1].payload["id"] == product.id


def test_control_endpoints_send_rest_shaped_webhooks(
    sandbox: ShopifySandbox, receiver: Receiver, shop: str
) -> None:
    # Given a product and its first variant
    product = sandbox.catalog(shop)[0]
    variant = product.variants[0]
    base = f"{sandbox.url}/sandbox/{shop}/webhooks"
    # When a developer drives the sandbox over HTTP
    update = requests.post(f"{base}/products-update?product_id={product.id}&price=7.25", timeout=5)
    level = requests.post(
        f"{base}/inventory-levels-update?inventory_item_id={variant.inventory_item_id}&available=3", timeout=5
    )
    delete = requests.post(f"{base}/products-delete?product_id={product.id}", timeout=5)
    # Then each webhook reached the receiver, signed, with numeric ids as Shopify sends them
    assert [r.json()["receiver_status"] for r in (update, level, delete)] == [200, 200, 200]
    topics = [r.headers["X-Shopify-Topic"] for r in receiver.received]
    assert topics == ["products/update", "inventory_levels/update", "products/delete"]
    updated, leveled, deleted = (r.payload for r in receiver.received)
    assert updated["id"] == product.id and updated["variants"][0]["price"] == "7.25"
    assert updated["variants"][0]["inventory_item_id"] == variant.inventory_item_id
    assert (leveled["inventory_item_id"], leveled["available"]) == (variant.inventory_item_id, 3)
    assert deleted == {"id": product.id}


def test_orders_fulfilled_webhook_carries_the_tracking_number(
    client: ShopifyAdminClient, sandbox: ShopifySandbox, receiver: Receiver, shop: str
) -> None:
    # Given an order created through the API
    variant = sandbox.catalog(shop)[0].variants[0]
    order_id = client.for_shop(shop, sandbox.issue_token(shop)).create_order_from(
        plain_order_draft([(variant.id, 1, "5.00")], "77")
    )
    # When it is fulfilled
    status = sandbox.send_order_fulfilled(shop, order_id, tracking_number="TRACK123")
    # Then orders/fulfilled names the order, its source and the tracking number
    assert status == 200
    payload = receiver.received[0].payload
    assert (payload["id"], payload["source_identifier"]) == (int(order_id), "77")
    assert payload["fulfillments"][0]["tracking_number"] == "TRACK123"


# -- bulk operations -----------------------------------------------------------------------------


def test_a_bulk_query_gives_the_whole_catalog_read_in_byte_ranges(shop: str) -> None:
    # Given a shop of 120 products whose bulk operation takes a moment (on the real clock)
    with ShopifySandbox(API_KEY, API_SECRET, products_per_shop=120) as sandbox:
        sandbox.bulk_seconds = 0.5
        client = ShopifyAdminClient(
            api_key=API_KEY, api_secret=API_SECRET, admin_base_url=sandbox.admin_base_url
        )
        shop_client = client.for_shop(shop, sandbox.issue_token(shop))
        assert shop_client.count_products(up_to=1000) == 120
        assert shop_client.count_products(up_to=100) == 100  # Shopify counts up to the limit
        # When the catalog's bulk query starts, and starts again as a retried job would
        started = shop_client.start_bulk_products()
        again = shop_client.start_bulk_products()
        # Then the second start adopts the running operation instead of failing
        assert again.id == started.id
        deadline = time.monotonic() + 30
        operation = shop_client.bulk_operation(started.id)
        while operation is not None and operation.running and time.monotonic() < deadline:
            time.sleep(0.1)
            operation = shop_client.bulk_operation(started.id)
        assert operation is not None and operation.status == "COMPLETED" and operation.url
        # And the file, read 25 products a request from where the last one stopped, holds every
        # product once with its variants and (up to 10) images
        products, offset, reads = [], 0, 0
        while offset is not None:
            chunk, offset = shop_client.bulk_products(operation.url, offset, 25)
            products += chunk
            reads += 1
        catalog = sandbox.catalog(shop)
        client.close()
    assert reads == 5 and sandbox.bulk_downloads == 5
    assert [p.id for p in products] == [str(p.id) for p in sorted(catalog, key=lambda p: p.id)]
    by_id = {str(p.id): p for p in catalog}
    for product in products:
        expected = by_id[product.id]
        assert product.title == expected.title
        assert [
            (v.id, v.sku, v.price, v.inventory_quantity, v.inventory_item_id) for v in product.variants
        ] == [
            (str(v.id), v.sku, v.price, v.inventory_quantity, str(v.inventory_item_id))
            for v in expected.variants
        ]
        assert [i.url for i in product.images] == [i.url for i in expected.images[:10]]
        assert listing_fields(product) == expected_listing_fields(expected)
    assert max(len(p.variants) for p in products) == 25  # a page of paged reads would not hold them


def test_a_retried_bulk_start_adopts_the_operation_that_completed_while_it_was_refused(
    shop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bulk query running for the shop
    with ShopifySandbox(API_KEY, API_SECRET, products_per_shop=3, bulk_seconds=0.3) as sandbox:
        client = ShopifyAdminClient(
            api_key=API_KEY, api_secret=API_SECRET, admin_base_url=sandbox.admin_base_url
        )
        shop_client = client.for_shop(shop, sandbox.issue_token(shop))
        started = shop_client.start_bulk_products()
        # When a retried start is refused as in progress, and the operation completes before the
        # retry looks at it (the race a loaded machine makes)
        look = shop_client.current_bulk_operation

        def completed_first() -> Any:
            deadline = time.monotonic() + 30
            while shop_client.bulk_operation(started.id).running and time.monotonic() < deadline:
                time.sleep(0.05)
            return look()

        monkeypatch.setattr(shop_client, "current_bulk_operation", completed_first)
        again = shop_client.start_bulk_products()
        client.close()
    # Then the retry adopts the completed operation rather than failing the job
    assert again.id == started.id and again.status == "COMPLETED" and again.url


BULK_LINES = [
    b'{"id":"gid://shopify/Product/1","title":"A","status":"ACTIVE","updatedAt":"2026-01-01T00:00:00Z"}',
    b'{"id":"gid://shopify/ProductVariant/11","price":"1.00","__parentId":"gid://shopify/Product/1"}',
    b'{"id":"gid://shopify/Product/2","title":"B","status":"ACTIVE","updatedAt":"2026-01-01T00:00:00Z"}',
    b'{"id":"gid://shopify/ProductVariant/21","price":"2.00","__parentId":"gid://shopify/Product/2"}',
    b'{"id":"gid://shopify/ProductImage/22","url":"https://cdn/x.jpg","__parentId":"gid://shopify/Product/2"}',
    b'{"id":"gid://shopify/Product/3","title":"C","status":"DRAFT","updatedAt":"2026-01-01T00:00:00Z"}',
]


@pytest.mark.parametrize("chunk_size", [1, 2, 7, len(BULK_LINES[0]), len(BULK_LINES[0]) + 1, 4096])
def test_bulk_offsets_are_exact_bytes_however_the_download_is_chunked(chunk_size: int) -> None:
    # Chunks that end right on a line break, or inside one, must not move the offsets
    from connector.clients.shopify.bulk import read_bulk_products

    content = b"".join(line + b"\n" for line in BULK_LINES)

    def chunks(data: bytes) -> list[bytes]:
        return [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]

    first, offset = read_bulk_products(chunks(content), 0, 0, 1)
    assert [p.id for p in first] == ["1"] and [v.id for v in first[0].variants] == ["11"]
    assert offset == len(BULK_LINES[0]) + len(BULK_LINES[1]) + 2
    # from the offset (a Range answer), and from the whole file (a server that ignored the Range)
    for data, skip in ((content[offset:], 0), (content, offset)):
        rest, end = read_bulk_products(chunks(data), skip, offset, 5)
        assert [p.id for p in rest] == ["2", "3"] and end is None
        assert [v.id for v in rest[0].variants] == ["21"] and [i.id for i in rest[0].images] == ["22"]


def test_a_bulk_result_that_is_not_grouped_by_product_is_refused() -> None:
    # A parent's lines must follow it for a byte range to hold whole products; the client asks
    # for grouping, and would rather fail than import a product without its variants.
    from connector.clients.shopify.bulk import read_bulk_products
    from connector.clients.shopify.errors import ShopifyError

    ungrouped = [BULK_LINES[0], BULK_LINES[2], BULK_LINES[1]]
    with pytest.raises(ShopifyError, match="not grouped"):
        read_bulk_products([b"\n".join(ungrouped)], 0, 0, 10)


# -- what a listing needs: the import's new fields, locations, stock per location, images --------

GRAMS_PER_UNIT = {
    "GRAMS": 1,
    "KILOGRAMS": 1000,
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}


def listing_fields(product: ShopifyProduct) -> tuple[Any, ...]:
    return (
        product.vendor,
        product.product_type,
        product.category,
        product.options,
        [
            (v.selected_options, v.image_id, v.image_url, v.weight_grams, v.compare_at_price)
            for v in product.variants
        ],
    )


def expected_listing_fields(product: SandboxProduct) -> tuple[Any, ...]:
    urls = {image.id: image.url for image in product.images}
    return (
        product.vendor,
        product.product_type,
        product.category[1] if product.category else "",
        tuple(ShopifyOption(o.name, tuple(o.values)) for o in product.options),
        [
            (
                tuple(v.selected_options),
                str(v.image_id) if v.image_id else None,
                urls.get(v.image_id or 0),
                (v.weight * GRAMS_PER_UNIT[v.weight_unit]).quantize(Decimal("0.001")),
                v.compare_at_price,
            )
            for v in product.variants
        ],
    )


def test_paged_import_reads_what_a_listing_needs(
    sandbox: ShopifySandbox, client: ShopifyAdminClient, shop: str
) -> None:
    # Given a generated catalog (options, variant images, weights in every unit, compare-at prices)
    shop_client = client.for_shop(shop, sandbox.issue_token(shop))
    # When the import reads it in the page sizes the import job uses (20 products, 10 variants)
    products: list[ShopifyProduct] = []
    cursor: str | None = None
    while True:
        page, cursor = shop_client.products_page(cursor, 20, variants_per_page=10, images_per_product=10)
        products += page
        if cursor is None:
            break
    # Then every product carries its vendor, type, category, options and variant details
    catalog = {str(p.id): p for p in sandbox.catalog(shop)}
    assert len(products) == 30
    for product in products:
        assert listing_fields(product) == expected_listing_fields(catalog[product.id])
    units = {v.weight_unit for p in catalog.values() for v in p.variants}
    assert units == {"GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"}
    assert any(v.image_id for p in products for v in p.variants)
    assert any(v.compare_at_price for p in products for v in p.variants)
    assert {len(p.options) for p in products} >= {1, 2}
    assert any(p.category == "" for p in products)
    single = next(p for p in products if len(p.variants) == 1)
    assert single.options == (ShopifyOption("Title", ("Default Title",)),)
    assert sandbox.contract.violations == []


def test_locations_and_stock_per_location(
    sandbox: ShopifySandbox, client: ShopifyAdminClient, shop: str
) -> None:
    # Given a shop whose stock is split over three locations
    shop_client = client.for_shop(shop, sandbox.issue_token(shop))
    catalog = sandbox.catalog(shop)
    variants = [v for p in catalog for v in p.variants]
    # When the client lists the locations and asks for the stock of every item (more than one call)
    locations = shop_client.locations()
    levels = shop_client.available_by_location([str(v.inventory_item_id) for v in variants] + ["1"])
    # Then it gets the three locations, two fulfilling online orders
    assert [(loc.id, loc.name, loc.active, loc.fulfills_online_orders) for loc in locations] == [
        (str(loc.id), loc.name, True, loc.fulfills_online_orders) for loc in sandbox.locations(shop)
    ]
    assert [loc.fulfills_online_orders for loc in locations] == [True, True, False]
    # And each item's available per location, summing to the variant's inventoryQuantity; an
    # unknown id is left out
    assert len(variants) > 25
    assert levels == {
        str(v.inventory_item_id): {str(loc): qty for loc, qty in v.levels.items()} for v in variants
    }
    assert all(sum(levels[str(v.inventory_item_id)].values()) == v.inventory_quantity for v in variants)


def test_setting_stock_at_a_location_sends_that_locations_level(
    sandbox: ShopifySandbox, client: ShopifyAdminClient, shop: str, receiver: Receiver
) -> None:
    # Given a variant stocked over the shop's locations
    variant = sandbox.catalog(shop)[0].variants[0]
    store = sandbox.locations(shop)[2]
    before = dict(variant.levels)
    # When its available at the retail store is set to 7
    assert sandbox.set_available(shop, variant.inventory_item_id, store.id, 7) == 200
    # Then inventory_levels/update carries that location and its available
    payload = receiver.received[-1].payload
    assert receiver.received[-1].headers["X-Shopify-Topic"] == "inventory_levels/update"
    assert (payload["inventory_item_id"], payload["location_id"], payload["available"]) == (
        variant.inventory_item_id,
        store.id,
        7,
    )
    # And the total is the sum over the locations, as the Admin API reads it
    expected = {**before, store.id: 7}
    assert variant.inventory_quantity == sum(expected.values())
    levels = client.for_shop(shop, sandbox.issue_token(shop)).available_by_location(
        [str(variant.inventory_item_id)]
    )
    assert levels == {str(variant.inventory_item_id): {str(k): v for k, v in expected.items()}}


def cdn_host(sandbox: ShopifySandbox) -> str:
    """The allowed host for the sandbox's images: its loopback address and port."""
    return requests.utils.urlparse(sandbox.url).netloc


def test_images_are_served_as_the_sizes_graphql_reports(sandbox: ShopifySandbox, shop: str) -> None:
    # Given a generated product's image, 1024 x 1024 by GraphQL
    image = next(p for p in sandbox.catalog(shop) if p.images).images[0]
    assert image.url.startswith(f"{sandbox.url}/cdn/shop/files/") and image.url.endswith(".png?v=1")
    # When the image is fetched from the shop's CDN host
    content = fetch_image(image.url, allowed_hosts={cdn_host(sandbox)}, max_bytes=5 * 2**20)
    # Then it is a PNG of that size
    assert png_size(content) == (image.width, image.height) == (1024, 1024)


def test_a_hand_made_product_is_listed_imported_and_announced(
    sandbox: ShopifySandbox, client: ShopifyAdminClient, shop: str, receiver: Receiver
) -> None:
    # Given a hand-made product: two options, an oversized image, a GIF, one over 10 MB
    location = sandbox.locations(shop)[1]
    spec = {
        "title": "Hand-made Tee",
        "description_html": "<p>Soft.</p>",
        "product_type": "T-Shirt",
        "vendor": "Tee Co.",
        "category_id": "aa-1-13-8",
        "category_name": "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
        "options": [{"name": "Size", "values": ["M", "L"]}, {"name": "Color", "values": ["Red"]}],
        "images": [
            {"width": 5000, "height": 5000},
            {"format": "gif", "width": 600, "height": 600},
            {"width": 800, "height": 800, "min_bytes": 11 * 2**20},
        ],
        "variants": [
            {
                "options": {"Size": "M", "Color": "Red"},
                "price": "20.00",
                "sku": "TEE-M",
                "weight": "1.5",
                "weight_unit": "POUNDS",
                "inventory": {str(location.id): 4},
                "image": 0,
                "compare_at_price": "25.00",
            },
            {"options": {"Size": "L", "Color": "Red"}, "price": "21.00", "sku": "TEE-L", "available": 3},
        ],
    }
    # When a test adds it over the control endpoint
    answer = requests.post(f"{sandbox.url}/sandbox/{shop}/products", json=spec, timeout=5).json()
    # Then it answers the product's ids, and products/create announces it with the REST fields
    product = sandbox.product(shop, answer["id"])
    assert [v["sku"] for v in answer["variants"]] == ["TEE-M", "TEE-L"]
    payload = receiver.received[-1].payload
    assert receiver.received[-1].headers["X-Shopify-Topic"] == "products/create"
    assert (payload["vendor"], payload["product_type"]) == ("Tee Co.", "T-Shirt")
    assert payload["options"][0]["name"] == "Size" and payload["options"][0]["values"] == ["M", "L"]
    first = payload["variants"][0]
    assert (first["option1"], first["option2"], first["option3"]) == ("M", "Red", None)
    assert (first["image_id"], first["weight"], first["weight_unit"], first["grams"]) == (
        product.images[0].id,
        1.5,
        "lb",
        680,
    )
    assert first["compare_at_price"] == "25.00"
    assert [(i["width"], i["height"]) for i in payload["images"]] == [(5000, 5000), (600, 600), (800, 800)]
    # And the import reads it like any other product
    read = {p.id: p for p in client.for_shop(shop, sandbox.issue_token(shop)).iter_products()}[
        str(product.id)
    ]
    assert listing_fields(read) == expected_listing_fields(product)
    assert read.variants[0].weight_grams == Decimal("680.389")
    assert [v.inventory_quantity for v in read.variants] == [4, 3]
    # And its images are served as stated: the 5000 x 5000 PNG, a GIF, a file over 10 MB
    host = {cdn_host(sandbox)}
    assert png_size(fetch_image(product.images[0].url, allowed_hosts=host, max_bytes=5 * 2**20)) == (
        5000,
        5000,
    )
    assert fetch_image(product.images[1].url, allowed_hosts=host, max_bytes=2**20)[:6] == b"GIF89a"
    with pytest.raises(ImageTooLargeError):
        fetch_image(product.images[2].url, allowed_hosts=host, max_bytes=10 * 2**20)
    assert sandbox.contract.violations == []


def test_a_bad_product_spec_is_refused(sandbox: ShopifySandbox, shop: str) -> None:
    spec = {
        "title": "X",
        "options": [{"name": "Size", "values": ["M"]}],
        "variants": [{"options": {"Size": "S"}}],
    }
    answer = requests.post(f"{sandbox.url}/sandbox/{shop}/products", json=spec, timeout=5)
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://127.0.0.1.evil.example/cdn/x.png",
        "ftp://{host}/cdn/x.png",
    ],
)
def test_an_image_on_a_host_not_allowed_is_never_requested(sandbox: ShopifySandbox, url: str) -> None:
    session = requests.Session()
    session.get = None  # type: ignore[method-assign]  # any request would fail the test differently
    with pytest.raises(ImageHostNotAllowedError):
        fetch_image(
            url.format(host=cdn_host(sandbox)),
            allowed_hosts={cdn_host(sandbox)},
            max_bytes=100,
            session=session,
        )


def test_the_same_host_on_another_port_is_not_allowed(sandbox: ShopifySandbox) -> None:
    host, port = cdn_host(sandbox).split(":")
    with pytest.raises(ImageHostNotAllowedError):
        fetch_image(
            f"http://{host}:{int(port) + 1}/cdn/x.png", allowed_hosts={cdn_host(sandbox)}, max_bytes=10
        )


def test_a_missing_image_is_unavailable_without_retries(sandbox: ShopifySandbox) -> None:
    sleeps: list[float] = []
    with pytest.raises(ImageUnavailableError):
        fetch_image(
            f"{sandbox.url}/cdn/shop/files/1.png?v=1",
            allowed_hosts={cdn_host(sandbox)},
            max_bytes=10,
            sleep=sleeps.append,
        )
    assert sleeps == []


def test_server_errors_and_lost_connections_are_retried_then_reported() -> None:
    # Given a host that answers 503 twice, then the image
    answers = [503, 503, 200]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = answers.pop(0) if answers else 500
            body = b"\x89PNG-bytes" if status == 200 else b""
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    sleeps: list[float] = []
    try:
        # When it is fetched / Then the third try brings the bytes
        assert fetch_image(
            f"http://{host}/a.png", allowed_hosts={host}, max_bytes=100, sleep=sleeps.append
        ) == (b"\x89PNG-bytes")
        assert len(sleeps) == 2
        # And a host that keeps failing is reported unavailable after the tries
        with pytest.raises(ImageUnavailableError) as raised:
            fetch_image(f"http://{host}/b.png", allowed_hosts={host}, max_bytes=100, sleep=sleeps.append)
        assert isinstance(raised.value, ImageFetchError) and raised.value.url.endswith("/b.png")
    finally:
        server.shutdown()
        server.server_close()
    # And a host nobody listens on any more is unavailable, not an unhandled connection error
    with pytest.raises(ImageUnavailableError):
        fetch_image(f"http://{host}/c.png", allowed_hosts={host}, max_bytes=100, sleep=sleeps.append)
