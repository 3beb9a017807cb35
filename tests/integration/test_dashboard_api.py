"""The dashboard API over HTTP: session tokens, provisioning, tenancy, listings, actions, plan."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import jwt
import pytest
import requests

from connector.dal import keys
from connector.dal.rows import CounterShardRow, ProductRow
from connector.dal.store import Store
from connector.domain.entities import InstallState, Order, Product
from connector.values import replace
from local.aws_calls import counting_dynamodb
from local.dynamodb import LOCAL_APP_CONFIG
from local.queue import InProcessQueue, RecordingQueue
from local.sandboxes.shopify import ShopifySandbox
from tests.helpers import forget_cached_configuration, session_token

pytestmark = pytest.mark.integration
CLIENT_ID, SECRET = LOCAL_APP_CONFIG["SHOPIFY_API_KEY"], LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"]


class Merchant:
    """A merchant's browser: every call carries a fresh session token of their shop."""

    def __init__(self, api_url: str, shop: str) -> None:
        self.api_url, self.shop = api_url, shop

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {session_token(self.shop)}", **kwargs.pop("headers", {})}
        return requests.request(method, self.api_url + path, headers=headers, timeout=15, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)


@pytest.fixture
def merchant(api_url: str, shop: str, jobs: RecordingQueue) -> Merchant:
    return Merchant(api_url, shop)


def _product(shop: str, pid: str, status: str = "not_uploaded", tiktok_id: str | None = None) -> Product:
    return Product(
        shop, pid, f"Product {pid}", status, 100, tiktok_product_id=tiktok_id, shopify_updated_at=int(pid)
    )


def test_first_visit_provisions_the_shop(merchant: Merchant, store: Store, shop: str) -> None:
    response = merchant.get("/v1/dashboard")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["shop"] == shop
    assert body["products"] == {
        "live": 0,
        "failed": 0,
        "not_uploaded": 0,
        "inactive": 0,
        "pending": 0,
        "total": 0,
    }
    assert body["orders"]["total"] == 0
    assert body["activities"] == {"ongoing": [], "completed": []}
    plan = body["plan"]
    assert (plan["plan"], plan["amount"], plan["currency"]) == ("free", "0.00", "USD")
    assert (plan["products_limit"], plan["products_remaining"], plan["orders_remaining"]) == (10, 10, 10)
    assert plan["billing_date"] == (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    assert [o["plan"] for o in plan["upgrade_options"]] == [
        "beginner",
        "beginner_plus",
        "growth",
        "growth_plus",
    ]
    assert [p["id"] for p in body["prerequisites"] if p["done"]] == ["shopify_installed"]
    assert body["faqs"]
    reasons = {r["id"]: r["statuses"] for r in body["cancel_reasons"]}  # the page offers these
    assert reasons["seller_cancel_unpaid_reason_out_of_stock"] == ["unpaid"]
    assert "awaiting_shipment" in reasons["seller_cancel_reason_out_of_stock"]
    assert (
        response.headers["Content-Security-Policy"]
        == f"frame-ancestors https://{shop} https://admin.shopify.com"
    )
    profile = store.get_shop(shop)
    assert profile is not None and profile.shopify_token_ciphertext and profile.onboarding_step == 1
    assert "shpat_" not in profile.shopify_token_ciphertext  # stored encrypted


@pytest.mark.parametrize(
    "make_header",
    [
        lambda shop: None,
        lambda shop: "Bearer garbage",
        lambda shop: f"Bearer {session_token(shop, exp=int(time.time()) - 30)}",
        lambda shop: f"Bearer {session_token(shop, nbf=int(time.time()) + 30)}",
        lambda shop: f"Bearer {session_token(shop, aud='other-app')}",
        lambda shop: f"Bearer {session_token(shop, secret='another-secret-another-secret-00')}",
        lambda shop: f"Bearer {session_token(shop, iss='https://other.myshopify.com/admin')}",
        lambda shop: (
            "Bearer " + jwt.encode({"dest": f"https://{shop}", "aud": CLIENT_ID}, SECRET, algorithm="HS512")
        ),
    ],
)
def test_every_bad_token_gets_401_and_no_stack_trace(api_url: str, shop: str, make_header: Any) -> None:
    header = make_header(shop)
    response = requests.get(
        f"{api_url}/v1/dashboard", headers={"Authorization": header} if header else {}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert "Traceback" not in response.text


def test_uninstalled_shop_returns_only_if_shopify_reconnects_it(
    merchant: Merchant, store: Store, shop: str, shopify_partner: ShopifySandbox
) -> None:
    assert merchant.get("/v1/dashboard").status_code == 200
    store.mark_uninstalled(shop, datetime.now(UTC) + timedelta(seconds=1))
    shopify_partner.refused_shops.add(shop)
    refused = merchant.get("/v1/dashboard")
    assert refused.status_code == 403
    assert "uninstalled" in refused.json()["error"]["message"]

    shopify_partner.refused_shops.discard(shop)
    assert merchant.get("/v1/dashboard").status_code == 200
    assert store.get_shop(shop).install_state is InstallState.INSTALLED  # type: ignore[union-attr]


def test_a_merchant_sees_and_changes_only_their_own_shop(
    api_url: str, store: Store, jobs: RecordingQueue
) -> None:
    alice, bob = (Merchant(api_url, f"{name}-{time.time_ns()}.myshopify.com") for name in ("alice", "bob"))
    alice.get("/v1/dashboard")
    bob.get("/v1/dashboard")
    store.commit_product(_product(alice.shop, "501", "live", tiktok_id="tt-501"), {"products_live": 1})
    store.commit_order(
        Order(alice.shop, "a-order", "awaiting_shipment", "AWAITING_SHIPMENT", 5),
        {"orders_awaiting_shipment": 1},
    )
    alice.post("/v1/imports")

    reads = [
        "/v1/dashboard",
        "/v1/products",
        "/v1/products?status=live",
        "/v1/orders",
        "/v1/activities",
        "/v1/activities?state=completed",
        "/v1/settings",
        "/v1/onboarding",
        "/v1/plan",
    ]
    for path in reads:
        response = bob.get(path)
        assert response.status_code == 200, path
        assert (
            alice.shop not in response.text and "501" not in response.text and "a-order" not in response.text
        ), path
    assert bob.post("/v1/products/501/activate").status_code == 404
    assert bob.post("/v1/products/501/deactivate").status_code == 404
    assert (
        bob.post(
            "/v1/orders/a-order/cancel", json={"reason": "seller_cancel_reason_out_of_stock"}
        ).status_code
        == 404
    )
    assert bob.post("/v1/products/upload", json={"product_ids": ["501"]}).status_code == 422
    alice_cursor = alice.get("/v1/products?limit=1").json()["next_cursor"]
    if alice_cursor:
        assert bob.get(f"/v1/products?limit=1&cursor={alice_cursor}").status_code == 400
    assert bob.get("/v1/dashboard?shop=" + alice.shop).json()["shop"] == bob.shop  # no shop from the query
    assert [j for j in map(str, jobs.messages) if bob.shop in j] == []


def test_listings_page_newest_first_with_tamper_evident_cursors(
    merchant: Merchant, store: Store, shop: str
) -> None:
    merchant.get("/v1/dashboard")
    for i in range(7):
        failed = i % 2 == 0
        product = _product(shop, str(1000 + i), "failed" if failed else "live")
        if failed:
            product = replace(product, failure_reason=f"Image {i} too small")
        store.commit_product(product, {f"products_{product.status}": 1})

    first = merchant.get("/v1/products", params={"status": "failed", "limit": 2}).json()
    assert [p["id"] for p in first["items"]] == ["1006", "1004"]
    assert first["items"][0]["failure_reason"] == "Image 6 too small"
    second = merchant.get(
        "/v1/products", params={"status": "failed", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [p["id"] for p in second["items"]] == ["1002", "1000"] and second["next_cursor"] is None

    tampered = first["next_cursor"][:-3] + ("AAA" if not first["next_cursor"].endswith("AAA") else "BBB")
    assert merchant.get("/v1/products", params={"status": "failed", "cursor": tampered}).status_code == 400
    assert (
        merchant.get("/v1/products", params={"status": "live", "cursor": first["next_cursor"]}).status_code
        == 400
    )
    for bad in ({"limit": 0}, {"limit": 101}, {"status": "gone"}):
        response = merchant.get("/v1/products", params=bad)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert len(merchant.get("/v1/products").json()["items"]) == 7


def test_orders_listing_shows_raw_status_and_shopify_id(merchant: Merchant, store: Store, shop: str) -> None:
    merchant.get("/v1/dashboard")
    store.commit_order(
        Order(shop, "o-1", "in_transit", "DELIVERED", 50, shopify_order_id="5801", created_at=40),
        {"orders_in_transit": 1},
    )
    (item,) = merchant.get("/v1/orders", params={"status": "in_transit"}).json()["items"]
    assert (item["id"], item["tiktok_status"], item["shopify_order_id"]) == ("o-1", "DELIVERED", "5801")


def test_dashboard_costs_the_same_reads_at_10_and_5000_products(
    merchant: Merchant, store: Store, shop: str
) -> None:
    merchant.get("/v1/dashboard")

    def reads_for_dashboard() -> tuple[int, dict[str, Any]]:
        with counting_dynamodb() as calls:
            body = merchant.get("/v1/dashboard").json()
        return sum(calls.requests.values()), body

    def add_products(start: int, count: int) -> None:
        with ProductRow.batch_write() as batch:
            for i in range(start, start + count):
                batch.save(
                    ProductRow(
                        keys.shop_pk(shop),
                        f"{keys.PRODUCT}{i}",
                        shopify_product_id=str(i),
                        status="not_uploaded",
                        status_time=0,
                        version=1,
                    )
                )
        shard = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(start % 10))
        shard.update(actions=[CounterShardRow.products_not_uploaded.add(count)])  # type: ignore[attr-defined]

    add_products(0, 10)
    small_reads, small = reads_for_dashboard()
    add_products(10, 4990)
    large_reads, large = reads_for_dashboard()

    assert (small["products"]["total"], large["products"]["total"]) == (10, 5000)
    assert store.status_counts(shop) == store.recount(shop)
    assert small_reads == large_reads <= 5


def test_actions_start_activities_and_queue_their_jobs(
    merchant: Merchant, store: Store, shop: str, jobs: RecordingQueue
) -> None:
    merchant.get("/v1/dashboard")
    store.commit_product(_product(shop, "11"), {"products_not_uploaded": 1})
    store.commit_product(_product(shop, "12", "live", tiktok_id="tt-12"), {"products_live": 1})
    store.commit_order(
        Order(shop, "o-9", "awaiting_shipment", "AWAITING_SHIPMENT", 5), {"orders_awaiting_shipment": 1}
    )
    store.commit_order(Order(shop, "o-done", "completed", "COMPLETED", 5), {"orders_completed": 1})

    started = merchant.post("/v1/imports")
    assert started.status_code == 202
    activity = started.json()["activity"]
    assert (activity["type"], activity["state"], activity["processed"]) == ("import", "ongoing", 0)
    assert (
        merchant.post("/v1/products/upload", json={"all_not_uploaded": True}).json()["activity"]["total"]
        == 0  # counted as the job finds them
    )
    # one upload at a time (tests/integration/test_one_at_a_time.py)
    assert merchant.post("/v1/products/upload", json={"product_ids": ["11"]}).status_code == 409
    assert merchant.post("/v1/products/upload", json={"product_ids": ["404"]}).status_code == 422
    assert merchant.post("/v1/products/upload", json={}).status_code == 422
    assert merchant.post("/v1/products/11/activate").status_code == 409  # not on TikTok yet
    assert merchant.post("/v1/products/12/deactivate").status_code == 202
    assert merchant.post("/v1/orders/o-9/cancel", json={"reason": "because"}).status_code == 422
    assert (
        merchant.post(
            "/v1/orders/o-9/cancel", json={"reason": "seller_cancel_unpaid_reason_out_of_stock"}
        ).status_code
        == 422
    )
    assert (
        merchant.post(
            "/v1/orders/o-done/cancel", json={"reason": "seller_cancel_reason_out_of_stock"}
        ).status_code
        == 409
    )
    assert (
        merchant.post(
            "/v1/orders/o-9/cancel", json={"reason": "seller_cancel_reason_out_of_stock"}
        ).status_code
        == 202
    )

    kinds = [__import__("json").loads(m)["kind"] for m in jobs.messages]
    assert kinds == ["import", "upload", "deactivate", "cancel_order"]
    ongoing = merchant.get("/v1/activities", params={"state": "ongoing"}).json()
    assert [a["type"] for a in ongoing] == ["cancel_order", "deactivate", "upload", "import"]
    assert len(merchant.get("/v1/dashboard").json()["activities"]["ongoing"]) == 4


def test_settings_are_validated_and_kept(merchant: Merchant, store: Store, shop: str) -> None:
    defaults = merchant.get("/v1/settings").json()
    assert defaults["price_rule"] == {"kind": "percent", "direction": "up", "value": "0"}
    wanted = {
        "sync_fields": ["price", "inventory"],
        "price_rule": {"kind": "fixed", "direction": "down", "value": "2.50"},
        "inventory_buffer": {"kind": "percent", "value": 10},
        "auto_upload": True,
    }
    saved = merchant.call("PUT", "/v1/settings", json=wanted)
    assert saved.status_code == 200, saved.text
    assert merchant.get("/v1/settings").json() == saved.json()
    held = store.get_shop(shop)
    assert (
        held is not None and held.settings.auto_upload and held.settings.price_rule_value == Decimal("2.50")
    )
    for bad in (
        {**wanted, "price_rule": {"kind": "percent", "direction": "down", "value": "100"}},
        {**wanted, "inventory_buffer": {"kind": "percent", "value": 101}},
        {**wanted, "sync_fields": ["colour"]},
        {**wanted, "surprise": 1},
    ):
        response = merchant.call("PUT", "/v1/settings", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["message"]


def test_upgrade_flow_through_shopify_billing(
    merchant: Merchant, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    merchant.get("/v1/dashboard")
    assert merchant.post("/v1/plan/upgrade", json={"plan": "platinum"}).status_code == 422
    assert merchant.post("/v1/plan/upgrade", json={"plan": "free"}).status_code == 409
    upgrade = merchant.post("/v1/plan/upgrade", json={"plan": "growth"})
    assert upgrade.status_code == 200, upgrade.text
    confirmation = upgrade.json()["confirmation_url"]

    assert requests.get(confirmation, allow_redirects=False, timeout=10).status_code in (302, 303)
    events_queue.drain()

    plan = merchant.get("/v1/plan").json()
    assert (plan["plan"], plan["amount"], plan["products_limit"], plan["orders_limit"]) == (
        "growth",
        "49.00",
        1000,
        500,
    )
    assert plan["subscription_status"] == "ACTIVE"
    assert [o["plan"] for o in plan["upgrade_options"]] == ["growth_plus"]
    assert store.get_plan(shop).billing_date >= date.today()  # type: ignore[union-attr]


def test_openapi_document_describes_every_v1_route(api_url: str) -> None:
    document = requests.get(f"{api_url}/openapi.json", timeout=10).json()
    assert document["components"]["securitySchemes"]["sessionToken"]["scheme"] == "bearer"
    from connector import routes

    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    served = {
        (r.method, r.path) for r in routes.ROUTES if r.function == "dashboard" and r.path != "/openapi.json"
    }
    assert documented == served


PAGE_ORIGIN = "https://d111111abcdef8.cloudfront.net"


@pytest.fixture
def page_origin(api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API told where the page is, as the stack tells it (DASHBOARD_ORIGIN)."""
    monkeypatch.setenv("DASHBOARD_ORIGIN", PAGE_ORIGIN)
    forget_cached_configuration()
    yield PAGE_ORIGIN
    monkeypatch.delenv("DASHBOARD_ORIGIN")
    forget_cached_configuration()


def test_every_kind_of_answer_allows_the_page_origin_and_no_other(
    merchant: Merchant, page_origin: str, api_url: str
) -> None:
    from_page = {"Origin": page_origin}
    answers = {
        "200": merchant.get("/v1/dashboard", headers=from_page),
        "202": merchant.post("/v1/imports", headers=from_page),
        "404": merchant.post("/v1/products/404/activate", headers=from_page),
        "422": merchant.call("PUT", "/v1/settings", json={"sync_fields": ["colour"]}, headers=from_page),
        "415": merchant.post("/v1/imports", data="x", headers={**from_page, "Content-Type": "text/plain"}),
        "401": requests.get(api_url + "/v1/dashboard", headers=from_page, timeout=15),
    }
    for status, answer in answers.items():
        assert str(answer.status_code) == status, answer.text
        assert answer.headers["Access-Control-Allow-Origin"] == page_origin, status
        assert set(answer.headers["Access-Control-Allow-Headers"].split(",")) >= {
            "Authorization",
            "Content-Type",
        }

    # A page elsewhere cannot read the API's answers
    elsewhere = merchant.get("/v1/dashboard", headers={"Origin": "https://attacker.example"})
    assert elsewhere.status_code == 200
    assert "Access-Control-Allow-Origin" not in elsewhere.headers

    # The local gateway answers the preflight itself, as API Gateway does
    preflight = requests.options(
        api_url + "/v1/settings",
        headers={**from_page, "Access-Control-Request-Method": "PUT"},
        timeout=15,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == page_origin
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,PUT"
