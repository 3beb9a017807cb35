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
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import requests

from connector.clients.shopify.admin import ShopifyAdminClient
from connector.clients.shopify.errors import ShopifyAuthError, ShopifyOutcomeUnknownError, ShopifyUserError
from connector.clients.shopify.models import OrderLine
from local.sandboxes.shopify import ShopifySandbox

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
    lines = [OrderLine(str(first.id), 2, Decimal("12.50")), OrderLine(str(second.id), 1, Decimal("3.00"))]
    # When an order is created for a TikTok order
    order_id = client.for_shop(shop, sandbox.issue_token(shop)).create_order(
        lines, currency="USD", source_identifier="576486316948490001"
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
    lines = [OrderLine("999", 1, Decimal("1.00"))]
    # When the order is created / Then the userErrors surface, and no order exists
    with pytest.raises(ShopifyUserError) as raised:
        client.for_shop(shop, sandbox.issue_token(shop)).create_order(
            lines, currency="USD", source_identifier="1"
        )
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
        client.for_shop(shop, sandbox.issue_token(shop)).create_order(
            [OrderLine(str(variant.id), 1, Decimal("5.00"))], currency="USD", source_identifier="42"
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
        client.for_shop(shop, sandbox.issue_token(shop)).create_order(
            [OrderLine(str(variant.id), 1, Decimal("5.00"))], currency="USD", source_identifier="43"
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
    order_id = client.for_shop(shop, sandbox.issue_token(shop)).create_order(
        [OrderLine(str(variant.id), 1, Decimal("5.00"))], currency="USD", source_identifier="77"
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
    assert max(len(p.variants) for p in products) == 25  # a page of paged reads would not hold them


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
