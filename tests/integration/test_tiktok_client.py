"""The TikTok Shop client against the TikTok sandbox, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.errors import TikTokApiError, TikTokAuthorizationLostError, TikTokTransportError
from connector.clients.tiktok.models import InventoryLevel, NewSku, ShopAuth, TokenGrant
from connector.clients.tiktok.shop import ShopClient
from connector.clients.tiktok.signing import request_signature
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import ListingBasics, listing_basics, register_webhooks

APP_KEY = "test-app-key"
APP_SECRET = "test-app-secret"
MAX_ATTEMPTS = 5


class Sleeps:
    """A stand-in for time.sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Receiver:
    """A tiny webhook receiver that keeps each raw body with its Authorization header."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((body, self.headers.get("Authorization", "")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/tiktok"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def sandbox(receiver: Receiver) -> Iterator[TikTokSandbox]:
    with TikTokSandbox(APP_KEY, APP_SECRET, audit_delay_seconds=0, seed=7) as box:
        # The default shop's webhooks go to the receiver, as connecting a shop registers them.
        client = TikTokClient(APP_KEY, APP_SECRET, box.url, box.url)
        grant = box.issue_token()
        register_webhooks(
            client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher)),
            receiver.url,
        )
        client.close()
        yield box


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(sandbox: TikTokSandbox, sleeps: Sleeps, **knobs: object) -> TikTokClient:
    options: dict[str, object] = {"max_attempts": MAX_ATTEMPTS, "sleep": sleeps, "rng": random.Random(1)}
    options.update(knobs)
    return TikTokClient(APP_KEY, APP_SECRET, sandbox.url, sandbox.url, **options)


@pytest.fixture
def client(sandbox: TikTokSandbox, sleeps: Sleeps) -> Iterator[TikTokClient]:
    client = make_client(sandbox, sleeps)
    yield client
    client.close()


@pytest.fixture
def shop(sandbox: TikTokSandbox, client: TikTokClient) -> ShopClient:
    grant = sandbox.issue_token()
    return client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher))


@pytest.fixture
def basics(shop: ShopClient) -> ListingBasics:
    return listing_basics(shop)


def received_payloads(receiver: Receiver) -> list[dict[str, object]]:
    return [json.loads(body) for body, _ in receiver.received]


# --- authorization ---


def test_authorize_redirect_then_token_get_then_authorized_shops(
    sandbox: TikTokSandbox, client: TikTokClient
) -> None:
    # Given a seller who authorizes the app on the authorize page (the link names the service id;
    # TikTok redirects to the URL registered for the app)
    sandbox.redirect_url = "https://app.example/callback"
    query = urlencode({"service_id": sandbox.service_id, "state": "st-1"})
    answer = requests.get(f"{sandbox.url}/us/open/authorize?{query}", allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("https://app.example/callback?")
    redirect = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert redirect["state"] == ["st-1"]
    wrong_service = urlencode({"service_id": APP_KEY, "state": "st-1"})
    refused = requests.get(
        f"{sandbox.url}/us/open/authorize?{wrong_service}", allow_redirects=False, timeout=5
    )
    assert refused.status_code == 400
    # When the app trades the code for tokens and asks for the authorized shops
    grant = client.get_access_token(redirect["code"][0])
    shops = client.for_shop(ShopAuth(grant.access_token, grant.refresh_token)).get_authorized_shops()
    # Then it gets the seeded shop with its cipher, and the code cannot be used twice
    expected = sandbox.default_shop
    assert [(s.shop_id, s.cipher, s.name, s.region) for s in shops] == [
        (expected.shop_id, expected.cipher, expected.name, expected.region)
    ]
    assert grant.seller_base_region == "US"
    with pytest.raises(TikTokApiError):
        client.get_access_token(redirect["code"][0])


def test_tokens_are_kept_out_of_reprs(shop: ShopClient) -> None:
    # Given a shop handle holding tokens; When its auth is printed; Then no token shows
    assert shop.auth.access_token not in repr(shop.auth)
    assert shop.auth.refresh_token not in repr(shop.auth)


# --- products ---


def test_created_product_passes_audit_and_a_signed_type_5_webhook_is_sent(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    receiver: Receiver,
    basics: ListingBasics,
) -> None:
    # Given a valid product; When it is created
    created = shop.create_product(basics.product())
    pending = shop.get_product(created.product_id)
    sandbox.wait_idle()
    # Then it was PENDING, is ACTIVATE after the audit, and TikTok's ids came back as str
    assert isinstance(created.product_id, str) and int(created.product_id) > 2**53
    assert pending.status in ("PENDING", "ACTIVATE")
    product = shop.get_product(created.product_id)
    assert (product.status, product.audit_failed_reasons) == ("ACTIVATE", ())
    assert product.skus[0].seller_sku == "TEE-M"
    webhook = [p for p in received_payloads(receiver) if p["type"] == 5][-1]
    assert webhook["data"] == {
        "product_id": int(created.product_id),  # a JSON number, as in TikTok's example
        "status": "PRODUCT_FIRST_PASS_REVIEW",
        "suspended_reason": "",
        "update_time": product.update_time,
    }


def test_marked_product_fails_audit_with_its_reason(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    receiver: Receiver,
    basics: ListingBasics,
) -> None:
    # Given a product the audit rejects; When it is created and audited
    created = shop.create_product(basics.product("Replica watch [reject]"))
    sandbox.wait_idle()
    # Then Get Product says FAILED with the reason, and the webhook says PRODUCT_AUDIT_FAILURE
    product = shop.get_product(created.product_id)
    assert product.status == "FAILED"
    assert product.audit_failed_reasons == ("violate listing rules",)
    data = [p["data"] for p in received_payloads(receiver) if p["type"] == 5][-1]
    assert data["status"] == "PRODUCT_AUDIT_FAILURE"  # type: ignore[index]
    assert data["suspended_reason"] == "violate listing rules"  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": ""}, 12052261),
        ({"title": "x" * 256}, 12052051),
        ({"main_image_uris": ()}, 12052028),
        ({"category_id": ""}, 12052023),
        ({"skus": (NewSku("TEE-M", "0", "USD", (InventoryLevel("", 5, "7000714532876273410"),)),)}, 12052073),
        ({"package_weight_value": "0"}, 12052181),
    ],
)
def test_invalid_product_is_refused_with_tiktoks_code(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    changes: dict[str, object],
    code: int,
    basics: ListingBasics,
) -> None:
    # Given a product breaking one documented rule; When it is created; Then TikTok's code is raised
    with pytest.raises(TikTokApiError) as raised:
        shop.create_product(basics.product(**changes))  # type: ignore[arg-type]
    assert raised.value.code == code and raised.value.request_id
    assert sandbox.products == {}
    sandbox.contract.clear()  # the breach was the point


def test_search_products_pages_and_filters_by_status(
    sandbox: TikTokSandbox, shop: ShopClient, basics: ListingBasics
) -> None:
    # Given two live products and one failed
    ids = {shop.create_product(basics.product(f"Tee {n}")).product_id for n in range(2)}
    shop.create_product(basics.product("Tee [reject]"))
    sandbox.wait_idle()
    # When live products are searched one per page
    first = shop.search_products(status="ACTIVATE", page_size=1)
    second = shop.search_products(status="ACTIVATE", page_size=1, page_token=first.next_page_token)
    # Then both pages together hold exactly the live ones, and the last page says so
    assert first.total_count == 2 and first.next_page_token
    assert {p.product_id for p in first.products + second.products} == ids
    assert second.next_page_token == ""


def test_deactivate_then_activate_and_unknown_ids_are_reported(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    basics: ListingBasics,
) -> None:
    # Given a live product
    product_id = shop.create_product(basics.product()).product_id
    sandbox.wait_idle()
    # When it is deactivated, then activated again, with an unknown id beside it
    assert shop.deactivate_products([product_id]) == []
    deactivated = shop.get_product(product_id).status
    failures = shop.activate_products([product_id, "1"])
    sandbox.wait_idle()
    # Then it went inactive, came back live after a new audit, and only the unknown id failed
    assert deactivated == "SELLER_DEACTIVATED"
    assert shop.get_product(product_id).status == "ACTIVATE"
    assert [(f.product_id, f.code) for f in failures] == [("1", 12052990)]


def test_update_inventory_sets_the_sku_quantity(
    sandbox: TikTokSandbox, shop: ShopClient, basics: ListingBasics
) -> None:
    # Given a product with one SKU, live once its audit is done (the sandbox audits in the background)
    created = shop.create_product(basics.product())
    sku_id = created.skus[0].sku_id
    assert sandbox.wait_idle()
    # When its inventory is set to 42
    shop.update_inventory(created.product_id, [InventoryLevel(sku_id, 42)])
    # Then TikTok holds 42 for that SKU
    assert sandbox.products[created.product_id]["skus"][0]["inventory"][0]["quantity"] == 42


# --- orders ---


def test_search_orders_by_update_window_and_order_detail(sandbox: TikTokSandbox, shop: ShopClient) -> None:
    # Given an order that was paid
    since = int(time.time()) - 1
    order_id = sandbox.create_order(line_items=[{"product_id": "1729592969712207100", "sale_price": "12.50"}])
    sandbox.advance_order(order_id, "AWAITING_SHIPMENT")
    # When orders updated since then are searched, and the order's detail is read
    page = shop.search_orders(update_time_ge=since, update_time_lt=int(time.time()) + 60)
    detail = shop.get_order(order_id)
    # Then both say AWAITING_SHIPMENT, with str ids and the line item
    assert [o.order_id for o in page.orders] == [order_id]
    assert detail is not None and detail.status == "AWAITING_SHIPMENT"
    assert detail.line_items[0].product_id == "1729592969712207100"
    assert detail.total_amount == "12.50" and detail.package_ids
    assert detail.update_time > detail.create_time


def test_search_orders_filters_out_orders_outside_the_window(
    sandbox: TikTokSandbox, shop: ShopClient
) -> None:
    # Given an order; When the window ends before it was updated; Then it is not listed
    sandbox.create_order(line_items=[{}])
    assert shop.search_orders(update_time_ge=0, update_time_lt=1_000).orders == ()


def test_cancel_order_cancels_once_and_the_webhook_says_cancel(
    sandbox: TikTokSandbox, shop: ShopClient, receiver: Receiver
) -> None:
    # Given an order awaiting shipment
    order_id = sandbox.create_order(line_items=[{}], status="AWAITING_SHIPMENT")
    # When the seller cancels it
    cancellation = shop.cancel_order(order_id, "seller_out_of_stock")
    sandbox.wait_idle()
    # Then the API says CANCELLED, the type-1 webhook says CANCEL, and a second cancel is refused
    assert cancellation.cancel_status == "CANCELLATION_REQUEST_SUCCESS" and cancellation.cancel_id
    order = shop.get_order(order_id)
    assert order is not None and order.status == "CANCELLED"
    last = [p["data"] for p in received_payloads(receiver) if p["type"] == 1][-1]
    assert last["order_id"] == order_id and last["order_status"] == "CANCEL"  # type: ignore[index]
    with pytest.raises(TikTokApiError) as raised:
        shop.cancel_order(order_id, "seller_out_of_stock")
    assert raised.value.code == 25001051


def test_ship_package_moves_the_order_and_shipping_twice_is_already_done(
    sandbox: TikTokSandbox, shop: ShopClient
) -> None:
    # Given an order awaiting shipment
    order_id = sandbox.create_order(line_items=[{}], status="AWAITING_SHIPMENT")
    order = shop.get_order(order_id)
    assert order is not None
    # When its package is shipped, then shipped again
    shop.ship_package(order.package_ids[0])
    shop.ship_package(order.package_ids[0])  # TikTok's 21011040 "already shipped" is success
    # Then it awaits collection, and the second ship reached TikTok and was answered 21011040
    shipped = shop.get_order(order_id)
    assert shipped is not None and shipped.status == "AWAITING_COLLECTION"
    assert sandbox.received[f"/fulfillment/202309/packages/{order.package_ids[0]}/ship"] == 2


# --- retries ---


def test_calls_complete_under_30_percent_rate_limiting_and_creates_are_never_repeated(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    sleeps: Sleeps,
    basics: ListingBasics,
) -> None:
    # Given a TikTok that answers 429 to 30 % of calls
    sandbox.faults.rate_limit_share = 0.3
    # When a sequence of creates and reads runs
    created = [shop.create_product(basics.product(f"Tee {n}")).product_id for n in range(10)]
    for product_id in created:
        shop.get_product(product_id)
    # Then every call completed, some after backing off, and each create was processed exactly once
    assert sleeps.waits, "the seeded faults should have forced at least one retry"
    assert sandbox.calls["products/create"] == 10
    assert len(sandbox.products) == 10
    assert all(0 <= wait <= 4.0 for wait in sleeps.waits)


def test_a_create_answered_too_late_is_not_repeated(
    sandbox: TikTokSandbox, sleeps: Sleeps, basics: ListingBasics
) -> None:
    # Given a TikTok that processes calls but answers after the client's read timeout
    client = make_client(sandbox, sleeps, timeout=(2.0, 0.3))
    grant = sandbox.issue_token()
    shop = client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher))
    sandbox.faults.response_delay_seconds = 1.0
    # When a product is created
    with pytest.raises(TikTokTransportError) as raised:
        shop.create_product(basics.product())
    # Then the timeout is raised as maybe processed, and the create was sent once only
    assert raised.value.maybe_processed
    assert sandbox.calls["products/create"] == 1 and sleeps.waits == []


def test_a_read_that_times_out_is_retried(sandbox: TikTokSandbox, sleeps: Sleeps) -> None:
    # Given a TikTok that answers after the read timeout
    client = make_client(sandbox, sleeps, timeout=(2.0, 0.3), max_attempts=2)
    grant = sandbox.issue_token()
    shop = client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher))
    sandbox.faults.response_delay_seconds = 1.0
    # When the orders are searched; Then the read was tried twice before giving up
    with pytest.raises(TikTokTransportError):
        shop.search_orders(update_time_ge=0)
    assert sandbox.calls["orders/search"] == 2 and len(sleeps.waits) == 1


def test_server_errors_retry_reads_but_not_creates(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    sleeps: Sleeps,
    basics: ListingBasics,
) -> None:
    # Given a TikTok answering 500 to every call
    sandbox.faults.server_error_share = 1.0
    # When a create and a read are made
    with pytest.raises(TikTokApiError) as create_error:
        shop.create_product(basics.product())
    create_attempts = sandbox.received["/product/202309/products"]
    with pytest.raises(TikTokApiError):
        shop.search_orders(update_time_ge=0)
    # Then the create was sent once, the read up to the attempt budget
    assert create_error.value.http_status == 500 and create_attempts == 1
    assert sandbox.received["/order/202309/orders/search"] == MAX_ATTEMPTS


def test_internal_error_codes_retry_idempotent_calls_and_are_not_refusals(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    sleeps: Sleeps,
    basics: ListingBasics,
) -> None:
    # Given a TikTok answering 36009003 "Internal error. Please try again." (HTTP 200) to every call
    sandbox.faults.internal_error_share = 1.0
    # When a read, a create without an idempotency key and one with a key are made
    with pytest.raises(TikTokApiError) as read_error:
        shop.search_orders(update_time_ge=0)
    with pytest.raises(TikTokApiError):
        shop.create_product(basics.product())
    with pytest.raises(TikTokApiError):
        shop.create_product(basics.product(idempotency_key="5a0c2d7e-1f3b-4c8a-9e6d-7b2a1c0f9e13"))
    # Then the read and the keyed create (TikTok dedupes it) used the attempt budget, the unkeyed one
    # was sent once; and the error is TikTok failing, not a refusal
    assert read_error.value.code == 36009003 and not read_error.value.refusal
    assert sandbox.received["/order/202309/orders/search"] == MAX_ATTEMPTS
    assert sandbox.received["/product/202309/products"] == 1 + MAX_ATTEMPTS


def test_a_keyed_create_survives_internal_errors_without_a_duplicate(
    sandbox: TikTokSandbox,
    shop: ShopClient,
    basics: ListingBasics,
) -> None:
    # Given a TikTok failing 30 % of its calls with 36009003
    sandbox.faults.internal_error_share = 0.3
    # When products are created with idempotency keys
    for index in range(6):
        shop.create_product(basics.product(f"Tee {index}", idempotency_key=f"key-{index}"))
    # Then each exists once, though some creates were sent again
    assert sorted(p["title"] for p in sandbox.products.values()) == [f"Tee {i}" for i in range(6)]
    assert sandbox.received["/product/202309/products"] > 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_create_that_could_not_connect_is_retried(sleeps: Sleeps, basics: ListingBasics) -> None:
    # Given nothing listening where TikTok should be
    url = f"http://127.0.0.1:{free_port()}"
    client = TikTokClient(APP_KEY, APP_SECRET, url, url, max_attempts=3, sleep=sleeps, rng=random.Random(1))
    shop = client.for_shop(ShopAuth("token", "refresh", "cipher"))
    # When a product is created; Then every attempt was made, since none was ever sent
    with pytest.raises(TikTokTransportError) as raised:
        shop.create_product(basics.product())
    assert not raised.value.maybe_processed and len(sleeps.waits) == 2


# --- token refresh ---


def test_an_expired_token_is_refreshed_once_and_the_call_retried(
    sandbox: TikTokSandbox,
    client: TikTokClient,
    basics: ListingBasics,
) -> None:
    # Given a shop handle whose access token has expired
    grant = sandbox.issue_token()
    sandbox.expire_token(grant.access_token)
    refreshed: list[TokenGrant] = []
    shop = client.for_shop(
        ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher), on_refresh=refreshed.append
    )
    # When a product is created with it
    created = shop.create_product(basics.product())
    # Then the token was refreshed once, handed to on_refresh, used for the call and kept
    assert created.product_id in sandbox.products
    assert sandbox.calls["token/refresh"] == 1 and sandbox.calls["products/create"] == 1
    assert len(refreshed) == 1 and refreshed[0].access_token != grant.access_token
    assert shop.auth.access_token == refreshed[0].access_token
    shop.get_product(created.product_id)
    assert sandbox.calls["token/refresh"] == 1


# --- the sandbox's checks ---


def signed_query(path: str, body: bytes, **query: str) -> dict[str, str]:
    params = {"app_key": APP_KEY, "timestamp": str(int(time.time())), **query}
    params["sign"] = request_signature(APP_SECRET, path, params, body)
    return params


def post(
    sandbox: TikTokSandbox, path: str, params: dict[str, str], body: bytes, token: str
) -> dict[str, object]:
    headers = {"content-type": "application/json", "x-tts-access-token": token}
    answer = requests.post(sandbox.url + path, params=params, data=body, headers=headers, timeout=5)
    envelope: dict[str, object] = answer.json()
    return envelope


def test_sandbox_rejects_a_body_changed_after_signing(sandbox: TikTokSandbox) -> None:
    # Given a request signed over one body
    grant = sandbox.issue_token()
    path = "/order/202309/orders/search"
    params = signed_query(path, b'{"update_time_ge":0}', shop_cipher=grant.shop_cipher, page_size="10")
    # When another body is sent with that signature; Then TikTok's invalid-sign code comes back
    assert post(sandbox, path, params, b'{"update_time_ge":1}', grant.access_token)["code"] == 106001
    # And the untouched request passes
    assert post(sandbox, path, params, b'{"update_time_ge":0}', grant.access_token)["code"] == 0


def test_sandbox_rejects_a_stale_timestamp(sandbox: TikTokSandbox, sleeps: Sleeps) -> None:
    # Given a client whose clock is ten minutes behind
    client = make_client(sandbox, sleeps, clock=lambda: time.time() - 600)
    grant = sandbox.issue_token()
    shop = client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher))
    # When it calls; Then the timestamp is refused with 36009004
    with pytest.raises(TikTokApiError) as raised:
        shop.search_orders(update_time_ge=0)
    assert raised.value.code == 36009004


def test_sandbox_rejects_a_wrong_app_key(sandbox: TikTokSandbox, sleeps: Sleeps) -> None:
    # Given a client with another app's key (and that app's secret)
    client = TikTokClient("other-app", APP_SECRET, sandbox.url, sandbox.url, sleep=sleeps)
    grant = sandbox.issue_token()
    # When it calls; Then the app key is refused with 36009004
    with pytest.raises(TikTokApiError) as raised:
        client.api_request(
            "GET", "/authorization/202309/shops", access_token=grant.access_token, idempotent=True
        )
    assert raised.value.code == 36009004
    # And a shop's handle, whose refresh the auth host refuses too, calls the authorization lost
    shop = client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher))
    with pytest.raises(TikTokAuthorizationLostError):
        shop.get_authorized_shops()


def test_sandbox_checks_the_token_and_the_shop_cipher(sandbox: TikTokSandbox, client: TikTokClient) -> None:
    # Given a token for one shop, and another shop
    grant = sandbox.issue_token()
    other = sandbox.add_shop(name="Other", region="GB")
    cases = [
        # 36009004, then the refresh of a token TikTok never issued is refused too
        (ShopAuth("TTP_unknown", "r", grant.shop_cipher), None),
        (ShopAuth(grant.access_token, grant.refresh_token, other.cipher), 101000),
        (ShopAuth(grant.access_token, grant.refresh_token, ""), 106013),
    ]
    for auth, code in cases:
        # When a call is made with a bad token or cipher; Then TikTok's code comes back
        with pytest.raises(TikTokApiError if code else TikTokAuthorizationLostError) as raised:
            client.for_shop(auth).search_orders(update_time_ge=0)
        assert getattr(raised.value, "code", None) == code
    sandbox.contract.clear()  # the empty cipher breaks the contract on purpose


# --- webhooks ---


def expected_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return hmac.new(secret.encode(), APP_KEY.encode() + body, hashlib.sha256).hexdigest()


def test_webhooks_carry_a_valid_signature(sandbox: TikTokSandbox, receiver: Receiver) -> None:
    # Given an order moving through its lifecycle
    order_id = sandbox.create_order(line_items=[{}])
    sandbox.advance_order(order_id, "ON_HOLD")
    sandbox.advance_order(order_id, "AWAITING_SHIPMENT")
    # When the webhooks are delivered
    assert sandbox.wait_idle()
    # Then each carries app_key+body HMAC-SHA256 in hex, in the documented envelope
    assert len(receiver.received) == 3
    for body, authorization in receiver.received:
        assert authorization == expected_signature(body)
        envelope = json.loads(body)
        assert set(envelope) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    statuses = [p["data"]["order_status"] for p in received_payloads(receiver)]  # type: ignore[index]
    assert statuses == ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"]


def test_webhooks_signed_with_a_wrong_secret_do_not_verify(
    sandbox: TikTokSandbox, receiver: Receiver
) -> None:
    # Given a sandbox told to sign with a wrong secret
    sandbox.faults.webhook_secret = "not-the-app-secret"
    # When an order webhook is delivered
    sandbox.create_order(line_items=[{}])
    assert sandbox.wait_idle()
    # Then its signature does not match the app secret's
    ((body, authorization),) = receiver.received
    assert authorization != expected_signature(body)
    assert authorization == expected_signature(body, "not-the-app-secret")


def test_dropped_webhooks_never_arrive(sandbox: TikTokSandbox, receiver: Receiver) -> None:
    # Given a sandbox told to forget the next webhook
    sandbox.faults.drop_webhooks = 1
    # When two orders are created
    first, second = sandbox.create_order(line_items=[{}]), sandbox.create_order(line_items=[{}])
    assert sandbox.wait_idle()
    # Then only the second order's webhook arrived
    assert [p["data"]["order_id"] for p in received_payloads(receiver)] == [second]  # type: ignore[index]
    assert first in sandbox.orders
