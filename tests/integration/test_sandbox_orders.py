"""The sandboxes' orders, driven over HTTP as the platforms answer them.

TikTok: an order's recipient, payment and line items as Get Order Detail (202507) shows them and Get
Price Detail adds them up; a shop's history paged by Get Order List; a market without package ids
before shipping, shipped line by line with Mark Package As Shipped; TikTok cancelling an order
(webhooks 11 and 1, Search Cancellations); a return moved through its statuses (webhook 12, Search
Returns). Every answer's fields are checked against the endpoint's response parameters in its spec.

Shopify: orderCreate keeping its whole input and answering userErrors, inventory taken by
inventoryBehaviour and put back by orderCancel and refundCreate (inventory_levels/update), and the
fulfillment knobs (fulfillments/create, fulfillments/update, orders/fulfilled).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import ShopAuth
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.shopify_products import ProductSpec, VariantSpec
from local.sandboxes.tiktok import TikTokSandbox
from local.sandboxes.tiktok_contract import Param, parse_tree
from local.sandboxes.tiktok_state import SandboxGrant
from tests.helpers import register_webhooks

pytestmark = pytest.mark.integration

TIKTOK_KEY, TIKTOK_SECRET = "orders-app-key", "orders-app-secret"
SPECS = Path(__file__).resolve().parents[2] / "local" / "contracts" / "tiktok" / "api"
DETAIL, LIST, PRICES = (
    "/order/202507/orders",
    "/order/202309/orders/search",
    "/order/202407/orders/{}/price_detail",
)
MARK, SHIP = "/fulfillment/202309/orders/{}/packages", "/fulfillment/202309/packages/{}/ship"
PACKAGE, TRACKING = "/fulfillment/202309/packages/{}", "/fulfillment/202309/orders/{}/tracking"
CANCELLATIONS, RETURNS = "/return_refund/202309/cancellations/search", "/return_refund/202309/returns/search"
UPS = "6617675021119438850"

# --- TikTok -----------------------------------------------------------------------------------


@pytest.fixture
def tiktok() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(TIKTOK_KEY, TIKTOK_SECRET, seed=3) as box:
        box.contract.strict()
        yield box


@pytest.fixture
def client(tiktok: TikTokSandbox) -> Iterator[TikTokClient]:
    client = TikTokClient(TIKTOK_KEY, TIKTOK_SECRET, tiktok.url, tiktok.url, max_attempts=1)
    yield client
    client.close()


class Seller:
    """Signed calls for one sandbox shop."""

    def __init__(self, tiktok: TikTokSandbox, client: TikTokClient, shop_id: str) -> None:
        self.shop_id = shop_id
        self.grant: SandboxGrant = tiktok.issue_token(shop_id)
        self._client = client
        register_webhooks(
            client.for_shop(
                ShopAuth(self.grant.access_token, self.grant.refresh_token, self.grant.shop_cipher)
            )
        )

    def call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        **query: str | int,
    ) -> dict[str, Any]:
        return self._client.api_request(
            method,
            path,
            access_token=self.grant.access_token,
            shop_cipher=self.grant.shop_cipher,
            query=query,
            body=body if method != "GET" else None,
            idempotent=method == "GET",
        )

    def refused(self, method: str, path: str, body: Mapping[str, Any] | None = None, **query: str) -> int:
        with pytest.raises(TikTokApiError) as raised:
            self.call(method, path, body, **query)
        return raised.value.code

    def order(self, order_id: str) -> dict[str, Any]:
        data = self.call("GET", DETAIL, ids=order_id)
        assert not unknown_fields("orders/get-order-detail", data)
        (order,) = data["orders"]
        return order


@pytest.fixture
def seller(tiktok: TikTokSandbox, client: TikTokClient) -> Seller:
    return Seller(tiktok, client, tiktok.default_shop.shop_id)


def _response_tree(spec: str) -> tuple[Param, ...]:
    meta = json.loads((SPECS / f"{spec}.spec.json").read_text())["document_api_meta"]
    (data,) = [p for p in parse_tree(meta["response_param"]) if p.name == "data"]
    return data.children


def unknown_fields(spec: str, data: Any) -> list[str]:
    """The fields of an answer's ``data`` that the endpoint's response parameters do not have."""

    def walk(value: Any, params: tuple[Param, ...], where: str) -> list[str]:
        if isinstance(value, list):
            return [found for item in value for found in walk(item, params, where)]
        if not isinstance(value, dict):
            return []
        known = {p.name: p for p in params}
        missing = [f"{where}{key}" for key in value if key not in known]
        nested = [
            found
            for key, item in value.items()
            if key in known and known[key].children
            for found in walk(item, known[key].children, f"{where}{key}.")
        ]
        return missing + nested

    return walk(data, _response_tree(spec), "")


def types_of(tiktok: TikTokSandbox, start: int = 0) -> list[tuple[int, str]]:
    """(type, status) of each webhook sent after the first ``start`` ones."""
    assert tiktok.wait_idle()
    sent = [w.payload for w in tiktok.webhooks[start:]]
    keys = ("order_status", "cancel_status", "return_status")
    return [(p["type"], next(p["data"][k] for k in keys if k in p["data"])) for p in sent]


def test_an_order_carries_its_recipient_payment_and_line_items_and_price_detail_adds_up(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    # Given an order of two units of a discounted SKU and one of another, with shipping and 8% tax
    order_id = tiktok.create_order(
        seller.shop_id,
        [
            {
                "product_id": "1729000000000000001",
                "sku_id": "1729000000000000011",
                "seller_sku": "MUG-RED",
                "original_price": "20.00",
                "seller_discount": "2.00",
                "platform_discount": "1.00",
                "quantity": 2,
            },
            {"product_id": "1729000000000000002", "seller_sku": "CANDLE", "sale_price": "9.50"},
        ],
        "AWAITING_SHIPMENT",
        shipping_fee="6.00",
        shipping_fee_seller_discount="1.00",
        shipping_fee_platform_discount="0.50",
        tax_rate="0.08",
    )
    # When Get Order Detail reads it
    order = seller.order(order_id)
    # Then each unit is a line item, priced original - seller - platform discount, in one package
    lines = order["line_items"]
    assert [line["seller_sku"] for line in lines] == ["MUG-RED", "MUG-RED", "CANDLE"]
    assert [line["sale_price"] for line in lines] == ["17.00", "17.00", "9.50"]
    assert {line["package_id"] for line in lines} == {order["packages"][0]["id"]}
    assert lines[0]["sku_id"] == "1729000000000000011" and lines[0]["display_status"] == "AWAITING_SHIPMENT"
    # And the payment adds up to what the buyer paid
    pay = {key: Decimal(value) for key, value in order["payment"].items() if key != "currency"}
    assert pay["original_total_product_price"] == Decimal("49.50")
    assert (
        pay["sub_total"]
        == pay["original_total_product_price"] - pay["seller_discount"] - pay["platform_discount"]
    )
    assert (pay["seller_discount"], pay["platform_discount"], pay["sub_total"]) == (4, 2, Decimal("43.50"))
    assert pay["shipping_fee"] == Decimal("4.50") and pay["original_shipping_fee"] == 6
    assert pay["product_tax"] == Decimal("3.48") and pay["shipping_fee_tax"] == Decimal("0.36")
    assert pay["tax"] == pay["product_tax"] + pay["shipping_fee_tax"]
    assert pay["total_amount"] == pay["sub_total"] + pay["shipping_fee"] + pay["tax"] == Decimal("51.84")
    # And the recipient is a distinctive fake person, with an anonymized buyer email
    address = order["recipient_address"]
    assert address["name"] == f"{address['first_name']} {address['last_name']}"
    assert address["address_line1"] in address["full_address"] and address["postal_code"]
    assert [d["address_level"] for d in address["district_info"]] == ["L0", "L1", "L2", "L3"]
    assert order["buyer_email"].endswith("@scs.tiktokw.us") and order["paid_time"] >= order["create_time"]
    assert (order["fulfillment_type"], order["shipping_type"]) == ("FULFILLMENT_BY_SELLER", "SELLER")

    # When Get Price Detail reads it / Then its amounts agree, whole and per line item
    prices = seller.call("GET", PRICES.format(order_id))
    assert not unknown_fields("orders/get-price-detail", prices)
    assert Decimal(prices["payment"]) == pay["total_amount"]
    assert Decimal(prices["sku_sale_price"]) == pay["sub_total"]
    assert Decimal(prices["total"]) == pay["original_total_product_price"] + pay["original_shipping_fee"]
    assert Decimal(prices["tax_amount"]) == pay["tax"]
    assert sum(Decimal(line["payment"]) for line in prices["line_items"]) == pay["total_amount"]
    assert [line["id"] for line in prices["line_items"]] == [line["id"] for line in lines]
    assert seller.refused("GET", PRICES.format("1")) == 21008111


def test_recipients_are_hidden_while_unpaid_and_masked_under_platform_shipping(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    unpaid = tiktok.create_order(seller.shop_id, [{}])
    platform = tiktok.create_order(seller.shop_id, [{}], "AWAITING_SHIPMENT", shipping_type="TIKTOK")
    chosen = tiktok.create_order(
        seller.shop_id,
        [{}],
        "AWAITING_SHIPMENT",
        recipient={"name": "Zebedee Q", "phone_number": "(+1)555-0000"},
    )
    assert "recipient_address" not in seller.order(unpaid)
    assert "***" in seller.order(platform)["recipient_address"]["phone_number"]
    assert seller.order(chosen)["recipient_address"]["name"] == "Zebedee Q"
    # And two orders have two different people
    assert (
        tiktok.orders[unpaid]["recipient_address"]["name"]
        != tiktok.orders[platform]["recipient_address"]["name"]
    )


def test_history_orders_were_created_and_finished_before_the_time_and_page_by_create_time(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    # Given 25 old orders before a moment, and one new order
    moment = 1_760_000_000
    old = tiktok.add_history(seller.shop_id, 25, before=moment)
    new = tiktok.create_order(seller.shop_id, [{}], "AWAITING_SHIPMENT")
    # When a poller from time 0 pages orders created before the moment, oldest first
    seen: list[dict[str, Any]] = []
    token = ""
    while True:
        query: dict[str, str | int] = {"page_size": 10, "sort_field": "create_time", "sort_order": "ASC"}
        if token:
            query["page_token"] = token
        data = seller.call("POST", LIST, {"create_time_ge": 0, "create_time_lt": moment}, **query)
        assert not unknown_fields("orders/get-order-list", data)
        seen.extend(data["orders"])
        token = data["next_page_token"]
        if not token:
            break
    # Then it sees exactly the history, delivered or completed, updated before the moment
    assert [o["id"] for o in seen] == old and data["total_count"] == 25
    assert {o["status"] for o in seen} == {"DELIVERED", "COMPLETED"}
    assert all(o["create_time"] < o["update_time"] < moment for o in seen)
    assert all(line.get("tracking_number") for o in seen for line in o["line_items"])
    # And an update window after the moment finds only the new order; no webhook told of the history
    later = seller.call("POST", LIST, {"update_time_ge": moment}, page_size=50)
    assert [o["id"] for o in later["orders"]] == [new]
    assert [p for p in types_of(tiktok) if p[0] == 1] == [(1, "AWAITING_SHIPMENT")]


def test_a_market_without_packages_ships_line_items_with_mark_package_as_shipped(
    tiktok: TikTokSandbox, client: TikTokClient
) -> None:
    # Given a shop whose orders carry no package before shipping, and an order of three units
    shop = tiktok.add_shop(region="GB", packages_before_shipping=False)
    seller = Seller(tiktok, client, shop.shop_id)
    order_id = tiktok.create_order(
        shop.shop_id, [{"seller_sku": "SCARF", "quantity": 3}], "AWAITING_SHIPMENT"
    )
    order = seller.order(order_id)
    assert order["packages"] == [] and all("package_id" not in line for line in order["line_items"])
    first, second, third = (line["id"] for line in order["line_items"])
    assert tiktok.wait_idle()  # the order's own webhook goes out from a thread: count from after it
    start = len(tiktok.webhooks)

    # When the seller ships the first unit
    body = {"order_line_item_ids": [first], "tracking_number": "TRK-ONE", "shipping_provider_id": UPS}
    shipped = seller.call("POST", MARK.format(order_id), body)
    assert not unknown_fields("fulfillment/mark-package-as-shipped", shipped)
    # Then it has a package of its own and the order is partially shipped
    assert shipped["order_line_item_ids"] == [first] and shipped["package_id"]
    assert seller.order(order_id)["status"] == "PARTIALLY_SHIPPING"
    # And shipping that unit again is refused with the spec's "already shipped" code
    assert seller.refused("POST", MARK.format(order_id), {**body, "tracking_number": "TRK-X"}) == 21011020
    assert seller.refused("POST", MARK.format(order_id), {**body, "order_line_item_ids": ["9"]}) == 21011029

    # When the other two go in a second package
    rest = {"order_line_item_ids": [second, third], "tracking_number": "TRK-TWO", "shipping_provider_id": UPS}
    other = seller.call("POST", MARK.format(order_id), rest)["package_id"]
    # Then the order is in transit, each package telling its own tracking number and line items
    order = seller.order(order_id)
    assert order["status"] == "IN_TRANSIT"
    assert {p["id"] for p in order["packages"]} == {shipped["package_id"], other}
    for package_id, number, lines in (
        (shipped["package_id"], "TRK-ONE", [first]),
        (other, "TRK-TWO", [second, third]),
    ):
        detail = seller.call("GET", PACKAGE.format(package_id))
        assert not unknown_fields("fulfillment/get-package-detail", detail)
        assert (detail["tracking_number"], detail["order_line_item_ids"]) == (number, lines)
        assert detail["shipping_provider_name"] == "UPS" and detail["package_status"] == "FULFILLING"
    assert {line["tracking_number"] for line in order["line_items"]} == {"TRK-ONE", "TRK-TWO"}
    tracking = seller.call("GET", TRACKING.format(order_id))
    assert not unknown_fields("fulfillment/get-tracking", tracking) and tracking["tracking"]
    # And Ship Package answers "already shipped" for a shipped package; webhook 1 told each change
    assert seller.refused("POST", SHIP.format(other), {}) == 21011040
    assert types_of(tiktok, start) == [(1, "PARTIALLY_SHIPPING"), (1, "IN_TRANSIT")]


def test_ship_package_splits_nothing_and_refuses_orders_tiktok_fulfils(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    # Given a two-unit order with its package, and an order fulfilled by TikTok
    order_id = tiktok.create_order(seller.shop_id, [{"quantity": 2}], "AWAITING_SHIPMENT")
    by_tiktok = tiktok.create_order(
        seller.shop_id, [{}], "AWAITING_SHIPMENT", fulfillment_type="FULFILLMENT_BY_TIKTOK"
    )
    package_id = seller.order(order_id)["packages"][0]["id"]
    # When the package ships with a tracking number / Then the order is in transit
    shipment = {"self_shipment": {"tracking_number": "1Z-SHIP", "shipping_provider_id": UPS}}
    assert seller.call("POST", SHIP.format(package_id), shipment) == {}
    assert seller.order(order_id)["status"] == "IN_TRANSIT"
    assert seller.call("GET", PACKAGE.format(package_id))["tracking_number"] == "1Z-SHIP"
    # And an order TikTok fulfils cannot be shipped by the seller
    other_package = seller.order(by_tiktok)["packages"][0]["id"]
    assert seller.refused("POST", SHIP.format(other_package), {}) == 21008025
    mark = {"tracking_number": "T", "shipping_provider_id": UPS}
    assert seller.refused("POST", MARK.format(by_tiktok), mark) == 21008025


def test_tiktok_cancelling_an_order_sends_webhooks_11_and_1_and_search_cancellations_finds_it(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    # Given a paid order of two units
    order_id = tiktok.create_order(
        seller.shop_id,
        [{"sku_id": "55", "sale_price": "15.00", "quantity": 2}],
        "AWAITING_SHIPMENT",
        shipping_fee="5.00",
    )
    start = len(types_of(tiktok))
    # When the buyer cancels it
    cancel_id = tiktok.cancel_by_tiktok(order_id, role="BUYER", reason="Ordered by mistake")
    # Then the order is cancelled by the buyer, and webhooks 11 and 1 said so
    order = seller.order(order_id)
    assert (order["status"], order["cancellation_initiator"]) == ("CANCELLED", "BUYER")
    assert {line["display_status"] for line in order["line_items"]} == {"CANCELLED"}
    assert types_of(tiktok, start) == [
        (11, "CANCELLATION_REQUEST_SUCCESS"),
        (1, "CANCEL"),
        (11, "CANCELLATION_REQUEST_COMPLETE"),
    ]
    assert tiktok.webhooks[-1].payload["data"]["cancellations_role"] == "BUYER"
    # And Search Cancellations answers it with its line items and the whole refund
    data = seller.call("POST", CANCELLATIONS, {"order_ids": [order_id]}, page_size="10")
    assert not unknown_fields("return-and-refund/search-cancellations", data)
    (found,) = data["cancellations"]
    assert (found["cancel_id"], found["cancel_type"], found["role"]) == (cancel_id, "BUYER_CANCEL", "BUYER")
    assert found["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert [line["order_line_item_id"] for line in found["cancel_line_items"]] == [
        line["id"] for line in order["line_items"]
    ]
    assert found["refund_amount"]["refund_total"] == order["payment"]["total_amount"] == "35.00"
    # And the seller cannot cancel it again
    assert (
        seller.refused(
            "POST", "/return_refund/202309/cancellations", {"order_id": order_id, "cancel_reason": "x"}
        )
        == 25001051
    )


def test_a_system_cancellation_of_one_line_item_leaves_the_order_awaiting_shipment(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    order_id = tiktok.create_order(seller.shop_id, [{"quantity": 2}], "AWAITING_SHIPMENT")
    first, second = (line["id"] for line in tiktok.orders[order_id]["line_items"])
    tiktok.cancel_by_tiktok(order_id, role="SYSTEM", reason="Out of stock", line_item_ids=[first])
    order = seller.order(order_id)
    assert order["status"] == "AWAITING_SHIPMENT"
    assert [(line["id"], line["display_status"]) for line in order["line_items"]] == [
        (first, "CANCELLED"),
        (second, "AWAITING_SHIPMENT"),
    ]
    (found,) = seller.call("POST", CANCELLATIONS, {"order_ids": [order_id]})["cancellations"]
    assert (found["cancel_type"], found["role"]) == ("CANCEL", "SYSTEM")


def test_the_seller_cancels_one_unit_by_sku_and_held_orders_cannot_ship(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    # Given an order of two units of SKU 81, and an order on hold
    order_id = tiktok.create_order(seller.shop_id, [{"sku_id": "81", "quantity": 2}], "AWAITING_SHIPMENT")
    held = tiktok.create_order(seller.shop_id, [{}], "ON_HOLD")
    # When the seller cancels one unit of SKU 81 (Cancel Order's skus)
    body = {
        "order_id": order_id,
        "cancel_reason": "seller_out_of_stock",
        "skus": [{"sku_id": "81", "quantity": 1}],
    }
    answer = seller.call("POST", "/return_refund/202309/cancellations", body)
    # Then one line item is cancelled by the seller, the order still awaits shipment
    order = seller.order(order_id)
    assert (
        answer["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS" and order["status"] == "AWAITING_SHIPMENT"
    )
    assert sorted(line["display_status"] for line in order["line_items"]) == [
        "AWAITING_SHIPMENT",
        "CANCELLED",
    ]
    (found,) = seller.call("POST", CANCELLATIONS, {"cancel_ids": [answer["cancel_id"]]})["cancellations"]
    assert (found["role"], found["cancel_type"], len(found["cancel_line_items"])) == ("SELLER", "CANCEL", 1)
    # And an order on hold is listed by its status, without its recipient, and cannot ship yet
    listed = seller.call("POST", LIST, {"order_status": "ON_HOLD"}, page_size=10)["orders"]
    assert [o["id"] for o in listed] == [held] and "recipient_address" not in listed[0]
    assert seller.refused("POST", SHIP.format(listed[0]["packages"][0]["id"]), {}) == 21011003


def test_a_return_moves_through_its_statuses_with_webhook_12_and_search_returns_answers_it(
    tiktok: TikTokSandbox, seller: Seller
) -> None:
    # Given a delivered order of three units of two SKUs
    order_id = tiktok.create_order(
        seller.shop_id,
        [{"sku_id": "71", "seller_sku": "BOOT", "quantity": 2, "sale_price": "40.00"}, {"sku_id": "72"}],
        "AWAITING_SHIPMENT",
    )
    tiktok.advance_order(order_id, "DELIVERED")
    boots = [line["id"] for line in tiktok.orders[order_id]["line_items"] if line["sku_id"] == "71"]
    start = len(types_of(tiktok))
    # When the buyer returns both boots and the return completes
    return_id = tiktok.request_return(order_id, boots)
    tiktok.advance_return(
        return_id,
        "AWAITING_BUYER_SHIP",
        "BUYER_SHIPPED_ITEM",
        "RETURN_OR_REFUND_REQUEST_SUCCESS",
        "RETURN_OR_REFUND_REQUEST_COMPLETE",
    )
    # Then webhook 12 told each status
    assert types_of(tiktok, start) == [
        (12, "RETURN_OR_REFUND_REQUEST_PENDING"),
        (12, "AWAITING_BUYER_SHIP"),
        (12, "BUYER_SHIPPED_ITEM"),
        (12, "RETURN_OR_REFUND_REQUEST_SUCCESS"),
        (12, "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    ]
    assert tiktok.webhooks[-1].payload["data"]["return_id"] == return_id
    # And Search Returns answers the return's line items (two of SKU 71) and its status
    data = seller.call("POST", RETURNS, {"order_ids": [order_id]}, page_size="10")
    assert not unknown_fields("return-and-refund/search-returns", data)
    (found,) = data["return_orders"]
    assert found["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert found["return_type"] == "RETURN_AND_REFUND" and found["role"] == "BUYER"
    assert [(line["order_line_item_id"], line["sku_id"]) for line in found["return_line_items"]] == [
        (boots[0], "71"),
        (boots[1], "71"),
    ]
    assert found["refund_amount"]["refund_subtotal"] == "80.00"
    assert seller.call("POST", RETURNS, {"return_status": ["AWAITING_BUYER_SHIP"]})["return_orders"] == []
    assert seller.refused("POST", RETURNS, {}, page_size="5") == 25001001


def test_the_control_endpoints_make_orders_history_cancellations_and_returns(tiktok: TikTokSandbox) -> None:
    def post(path: str, body: dict[str, Any]) -> Any:
        answer = requests.post(f"{tiktok.url}/sandbox/{path}", json=body, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    shop = post("shops", {"region": "US", "packages_before_shipping": False})
    made = post(
        "orders",
        {
            "shop_id": shop["shop_id"],
            "status": "AWAITING_SHIPMENT",
            "tax_rate": "0.1",
            "line_items": [{"sale_price": "10.00", "quantity": 2}],
        },
    )
    assert made["payment"]["total_amount"] == "22.00" and made["packages"] == []
    assert (
        len(post(f"shops/{shop['shop_id']}/history", {"count": 3, "before": 1_700_000_000})["order_ids"]) == 3
    )
    returned = post(
        f"orders/{made['id']}/returns",
        {"return_type": "REFUND", "statuses": ["RETURN_OR_REFUND_REQUEST_SUCCESS"]},
    )
    assert returned["return_status"] == "RETURN_OR_REFUND_REQUEST_SUCCESS"
    cancelled = post(f"orders/{made['id']}/cancel", {"role": "SYSTEM"})
    assert cancelled["status"] == "CANCELLED" and cancelled["cancel_id"]


# --- Shopify ----------------------------------------------------------------------------------

SHOPIFY_KEY, SHOPIFY_SECRET = "orders-client-id", "orders-client-secret-of-32-bytes-or-more"
SHOP = "sandbox-orders.myshopify.com"
ORDER_CREATE = """mutation Create($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id lineItems(first: 10) { nodes { id sku quantity } } }
    userErrors { field message code }
  }
}"""
ORDER_QUERY = """query Order($id: ID!) {
  order(id: $id) {
    name email sourceName sourceIdentifier tags note cancelledAt cancelReason processedAt
    displayFinancialStatus displayFulfillmentStatus discountCodes
    shippingAddress { firstName lastName address1 city zip countryCodeV2 }
    subtotalPriceSet { shopMoney { amount } }
    totalShippingPriceSet { shopMoney { amount } }
    totalTaxSet { shopMoney { amount } }
    totalPriceSet { shopMoney { amount currencyCode } }
    totalRefundedSet { shopMoney { amount } }
    lineItems(first: 10) {
      nodes { id title sku quantity refundableQuantity unfulfilledQuantity variant { id } }
    }
    refunds(first: 5) {
      note
      refundLineItems(first: 10) { nodes { quantity restockType restocked location { id } lineItem { id } } }
    }
    fulfillments(first: 5) {
      trackingInfo(first: 5) { company number }
      fulfillmentLineItems(first: 5) { nodes { quantity } }
    }
  }
}"""
ORDER_CANCEL = """mutation Cancel($id: ID!, $restock: Boolean!) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: $restock, notifyCustomer: false, staffNote: "TikTok") {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""
REFUND_CREATE = """mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id totalRefundedSet { shopMoney { amount } } }
    order { id totalRefundedSet { shopMoney { amount } } }
    userErrors { field message }
  }
}"""


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["X-Shopify-Topic"], json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Merchant:
    """One Shopify sandbox shop, its GraphQL API and the webhooks it sent."""

    def __init__(self, sandbox: ShopifySandbox, received: list[tuple[str, dict[str, Any]]]) -> None:
        self.sandbox = sandbox
        self.received = received
        self.token = sandbox.issue_token(SHOP)
        self.online, self.overflow, self.store = (loc.id for loc in sandbox.locations(SHOP))

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        answer = requests.post(
            f"{self.sandbox.url}/{SHOP}/admin/api/2025-10/graphql.json",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": self.token},
            timeout=5,
        )
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        data: dict[str, Any] = answer.json()["data"]
        return data

    def create(self, order: dict[str, Any], behaviour: str | None = None) -> dict[str, Any]:
        options = {"inventoryBehaviour": behaviour} if behaviour else None
        created: dict[str, Any] = self.graphql(ORDER_CREATE, order=order, options=options)["orderCreate"]
        return created

    def read(self, order_gid: str) -> dict[str, Any]:
        found: dict[str, Any] = self.graphql(ORDER_QUERY, id=order_gid)["order"]
        return found

    def levels(self, variant_id: int) -> dict[int, int]:
        return dict(self.sandbox.state(SHOP).variant(variant_id)[1].levels)  # type: ignore[index]

    def topics(self, start: int = 0) -> list[tuple[str, Any]]:
        """(topic, location and available | tracking numbers) of each webhook after the first ``start``."""
        return [
            (topic, (p["location_id"], p["available"]) if "available" in p else p.get("tracking_numbers"))
            for topic, p in self.received[start:]
        ]


@pytest.fixture
def merchant() -> Iterator[Merchant]:
    received: list[tuple[str, dict[str, Any]]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Receiver", (_Receiver,), {"received": received}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/webhooks"
    with ShopifySandbox(SHOPIFY_KEY, SHOPIFY_SECRET, webhook_url=url, products_per_shop=2) as sandbox:
        sandbox.contract.strict()
        yield Merchant(sandbox, received)
    server.shutdown()
    server.server_close()


def line(variant_id: int, quantity: int, price: str = "12.50") -> dict[str, Any]:
    money = {"shopMoney": {"amount": price, "currencyCode": "USD"}}
    return {
        "variantId": f"gid://shopify/ProductVariant/{variant_id}",
        "quantity": quantity,
        "priceSet": money,
    }


def stocked(merchant: Merchant, levels: dict[int, int], sku: str = "BOOT-1") -> int:
    spec = ProductSpec(title="Walking boot", variants=[VariantSpec(sku=sku, inventory=levels)])
    return merchant.sandbox.add_product(SHOP, spec, announce=False).variants[0].id


def test_order_create_keeps_the_whole_input_and_answers_user_errors(merchant: Merchant) -> None:
    # Given a TikTok order made into Shopify's input: a variant line, a custom line, shipping,
    # tax, a discount code, a paid transaction, the buyer's address and the TikTok order id
    variant = merchant.sandbox.catalog(SHOP)[0].variants[0]
    usd = {"currencyCode": "USD"}
    order = {
        "currency": "USD",
        "lineItems": [
            line(variant.id, 2),
            {"title": "Gift wrap", "quantity": 1, "priceSet": {"shopMoney": {"amount": "3.00", **usd}}},
        ],
        "email": "ottoline.0000@scs.tiktokw.us",
        "shippingAddress": {
            "firstName": "Ottoline",
            "lastName": "Quillfeather",
            "address1": "100 Lantern Quay",
            "city": "San Jose",
            "provinceCode": "CA",
            "zip": "95110",
            "countryCode": "US",
        },
        "shippingLines": [
            {"title": "Standard shipping", "priceSet": {"shopMoney": {"amount": "5.99", **usd}}}
        ],
        "taxLines": [
            {"title": "Sales tax", "rate": "0.08", "priceSet": {"shopMoney": {"amount": "2.00", **usd}}}
        ],
        "discountCode": {
            "itemFixedDiscountCode": {"code": "TIKTOK", "amountSet": {"shopMoney": {"amount": "1.00", **usd}}}
        },
        "transactions": [
            {
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "TikTok Shop",
                "amountSet": {"shopMoney": {"amount": "34.99", **usd}},
            }
        ],
        "financialStatus": "PAID",
        "processedAt": "2026-01-02T03:04:05Z",
        "sourceName": "tiktok",
        "sourceIdentifier": "576486316948490001",
        "tags": ["TikTok"],
        "note": "TikTok order 576486316948490001",
    }
    # When the order is created
    created = merchant.create(order)
    # Then it is, with ids for its line items, and the sandbox kept the input as sent
    assert created["userErrors"] == []
    gid = created["order"]["id"]
    stored = merchant.sandbox.order(SHOP, gid.rsplit("/", 1)[1])
    assert stored.input == order and stored.options == {}
    # And the order reads back as it was given, totals added up
    found = merchant.read(gid)
    assert (found["email"], found["sourceIdentifier"], found["tags"]) == (
        order["email"],
        "576486316948490001",
        ["TikTok"],
    )
    assert found["shippingAddress"]["lastName"] == "Quillfeather" and found["discountCodes"] == ["TIKTOK"]
    assert found["processedAt"] == "2026-01-02T03:04:05Z" and found["displayFinancialStatus"] == "PAID"
    amounts = [
        found[k]["shopMoney"]["amount"]
        for k in ("subtotalPriceSet", "totalShippingPriceSet", "totalTaxSet", "totalPriceSet")
    ]
    assert amounts == ["27.00", "5.99", "2.00", "34.99"]
    lines = found["lineItems"]["nodes"]
    assert [(n["title"], n["quantity"], n["variant"]) for n in lines][1] == ("Gift wrap", 1, None)
    assert lines[0]["variant"]["id"] == f"gid://shopify/ProductVariant/{variant.id}"
    assert [n["id"] for n in lines] == [n["id"] for n in created["order"]["lineItems"]["nodes"]]

    # When orders come without line items, with a variant that does not exist, or an untitled custom line
    blank = merchant.create({"currency": "USD", "lineItems": []})
    unknown = merchant.create({"currency": "USD", "lineItems": [line(variant.id, 1), line(999, 1)]})
    untitled = merchant.create({"currency": "USD", "lineItems": [{"quantity": 1}]})
    # Then each is refused with userErrors naming the field, and no order was made
    assert blank["order"] is None and blank["userErrors"][0]["message"] == "Line items can't be blank"
    (error,) = unknown["userErrors"]
    assert error["field"] == ["order", "lineItems", "1", "variantId"] and "Line item 2" in error["message"]
    assert untitled["userErrors"][0]["field"] == ["order", "lineItems", "0", "title"]
    assert len(merchant.sandbox.orders(SHOP)) == 1


def test_inventory_behaviour_takes_units_from_the_online_locations_and_says_so(merchant: Merchant) -> None:
    # Given a variant with 1 unit at the main warehouse, 5 at the overflow, 50 in the retail store
    variant_id = stocked(merchant, {merchant.online: 1, merchant.overflow: 5, merchant.store: 50})
    # When orders are created: bypassing inventory, obeying the policy, then ignoring it
    assert merchant.create({"currency": "USD", "lineItems": [line(variant_id, 3)]})["userErrors"] == []
    assert merchant.levels(variant_id) == {merchant.online: 1, merchant.overflow: 5, merchant.store: 50}
    obeying = merchant.create(
        {"currency": "USD", "lineItems": [line(variant_id, 3)]}, "DECREMENT_OBEYING_POLICY"
    )
    # Then the whole line comes from the first online location that holds enough
    assert obeying["userErrors"] == []
    assert merchant.levels(variant_id) == {merchant.online: 1, merchant.overflow: 2, merchant.store: 50}
    assert merchant.topics() == [("inventory_levels/update", (merchant.overflow, 2))]
    # And obeying the policy refuses what the online locations cannot cover (the store's units are not theirs)
    short = merchant.create(
        {"currency": "USD", "lineItems": [line(variant_id, 4)]}, "DECREMENT_OBEYING_POLICY"
    )
    assert short["order"] is None and short["userErrors"][0]["code"] == "INVENTORY_CLAIM_FAILED"
    # While ignoring it takes what each holds, and the rest below zero from the first
    ignoring = merchant.create(
        {"currency": "USD", "lineItems": [line(variant_id, 4)]}, "DECREMENT_IGNORING_POLICY"
    )
    assert ignoring["userErrors"] == []
    assert merchant.levels(variant_id) == {merchant.online: -1, merchant.overflow: 0, merchant.store: 50}
    assert merchant.topics(1) == [
        ("inventory_levels/update", (merchant.online, -1)),
        ("inventory_levels/update", (merchant.overflow, 0)),
    ]

    # When the obeying order is cancelled with a restock
    start = len(merchant.received)
    cancelled = merchant.graphql(ORDER_CANCEL, id=obeying["order"]["id"], restock=True)["orderCancel"]
    # Then Shopify's job runs it, the units go back where they came from, and it cannot be cancelled twice
    assert cancelled["orderCancelUserErrors"] == [] and cancelled["job"]["done"] is False
    assert merchant.graphql("query Job($id: ID!) { job(id: $id) { done } }", id=cancelled["job"]["id"])[
        "job"
    ]["done"]
    assert merchant.levels(variant_id)[merchant.overflow] == 3
    assert merchant.topics(start) == [("inventory_levels/update", (merchant.overflow, 3))]
    found = merchant.read(obeying["order"]["id"])
    assert found["cancelledAt"] and found["cancelReason"] == "CUSTOMER"
    again = merchant.graphql(ORDER_CANCEL, id=obeying["order"]["id"], restock=True)["orderCancel"]
    assert again["job"] is None and again["orderCancelUserErrors"][0]["code"] == "INVALID"
    assert "already been cancelled" in again["orderCancelUserErrors"][0]["message"]
    missing = merchant.graphql(ORDER_CANCEL, id="gid://shopify/Order/1", restock=False)["orderCancel"]
    assert missing["orderCancelUserErrors"][0]["code"] == "NOT_FOUND"


def test_refunds_restock_returned_and_cancelled_units_and_fulfilments_send_their_webhooks(
    merchant: Merchant,
) -> None:
    # Given an order of two boots and a scarf that took its units from the overflow warehouse
    boot = stocked(merchant, {merchant.online: 0, merchant.overflow: 10, merchant.store: 0})
    scarf = stocked(merchant, {merchant.online: 0, merchant.overflow: 10, merchant.store: 0}, sku="SCARF-1")
    created = merchant.create(
        {"currency": "USD", "lineItems": [line(boot, 2), line(scarf, 1, "8.00")]}, "DECREMENT_OBEYING_POLICY"
    )
    order_gid = created["order"]["id"]
    order_id = int(order_gid.rsplit("/", 1)[1])
    boots, scarves = (n["id"] for n in created["order"]["lineItems"]["nodes"])
    start = len(merchant.received)

    # When the merchant fulfils one boot, then the rest, then corrects the tracking number
    first = merchant.sandbox.fulfil(SHOP, order_id, {int(boots.rsplit("/", 1)[1]): 1}, "1Z-FIRST", "UPS")
    rest = merchant.sandbox.fulfil(SHOP, order_id, None, "1Z-REST", "UPS")
    merchant.sandbox.update_tracking(SHOP, rest["id"], "1Z-FIXED", "FedEx")
    # Then fulfillments/create tells each (REST Fulfillment: line items with variant and quantity),
    # orders/fulfilled follows the last, and fulfillments/update the correction
    assert merchant.topics(start) == [
        ("fulfillments/create", ["1Z-FIRST"]),
        ("fulfillments/create", ["1Z-REST"]),
        ("orders/fulfilled", None),
        ("fulfillments/update", ["1Z-FIXED"]),
    ]
    sent_first = merchant.received[start][1]
    assert (sent_first["order_id"], sent_first["tracking_company"], sent_first["tracking_number"]) == (
        order_id,
        "UPS",
        "1Z-FIRST",
    )
    assert [(i["variant_id"], i["quantity"], i["sku"]) for i in sent_first["line_items"]] == [
        (boot, 1, "BOOT-1")
    ]
    assert first["id"] != rest["id"] and merchant.received[start + 3][1]["tracking_company"] == "FedEx"
    fulfilled = merchant.received[start + 2][1]
    assert fulfilled["fulfillment_status"] == "fulfilled" and len(fulfilled["fulfillments"]) == 2

    # When a boot comes back to the store, and the scarf is refunded and put back (zero amount)
    start = len(merchant.received)
    refund = {
        "orderId": order_gid,
        "note": "TikTok return 4035318504086604100",
        "refundLineItems": [
            {
                "lineItemId": boots,
                "quantity": 1,
                "restockType": "RETURN",
                "locationId": f"gid://shopify/Location/{merchant.store}",
            },
            {"lineItemId": scarves, "quantity": 1, "restockType": "CANCEL"},
        ],
        "transactions": [{"orderId": order_gid, "amount": "0.00", "gateway": "manual", "kind": "REFUND"}],
    }
    answer = merchant.graphql(REFUND_CREATE, input=refund)["refundCreate"]
    # Then the refund is recorded, the units are back (returned at the store, cancelled where they came from)
    assert (
        answer["userErrors"] == [] and answer["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "0.00"
    )
    assert merchant.levels(boot)[merchant.store] == 1 and merchant.levels(scarf)[merchant.overflow] == 10
    assert merchant.topics(start) == [
        ("inventory_levels/update", (merchant.store, 1)),
        ("inventory_levels/update", (merchant.overflow, 10)),
    ]
    found = merchant.read(order_gid)
    (recorded,) = found["refunds"]
    assert recorded["note"] == refund["note"]
    assert [
        (n["quantity"], n["restockType"], n["restocked"]) for n in recorded["refundLineItems"]["nodes"]
    ] == [
        (1, "RETURN", True),
        (1, "CANCEL", True),
    ]
    assert [n["refundableQuantity"] for n in found["lineItems"]["nodes"]] == [1, 0]
    assert [f["trackingInfo"][0]["number"] for f in found["fulfillments"]] == ["1Z-FIRST", "1Z-FIXED"]
    # And refunding more than is left, or a line item of nowhere, is refused
    over = {
        **refund,
        "refundLineItems": [{"lineItemId": scarves, "quantity": 1, "restockType": "NO_RESTOCK"}],
    }
    assert merchant.graphql(REFUND_CREATE, input=over)["refundCreate"]["userErrors"][0]["field"] == [
        "refundLineItems",
        "0",
        "quantity",
    ]
    nowhere = {**refund, "refundLineItems": [{"lineItemId": "gid://shopify/LineItem/1", "quantity": 1}]}
    assert merchant.graphql(REFUND_CREATE, input=nowhere)["refundCreate"]["refund"] is None
    orders = requests.get(f"{merchant.sandbox.url}/sandbox/{SHOP}/orders", timeout=5).json()["orders"]
    assert orders[0]["refunds"][0]["refund_line_items"][0]["restock_type"] == "return"
