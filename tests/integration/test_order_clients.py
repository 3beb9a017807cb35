"""The order calls of both clients against their references.

Shopify: every order document the client sends, with the variables it really builds, is validated
against Shopify's Admin schema 2025-10 (local/contracts/shopify, loaded by shopify_schema), and the
client's reading of the answers (userErrors, an order already cancelled, pages of line items) is
checked; one order is created in the Shopify sandbox over HTTP.

TikTok: every order call is judged by TikTok's own reference (local/contracts/tiktok, through the
sandbox's Contract) and answered with that reference's own response example, which the client parses.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, validate
from graphql.execution import get_variable_values

from connector.clients.shopify import documents
from connector.clients.shopify.admin import ShopifyAdminClient
from connector.clients.shopify.errors import (
    ShopifyError,
    ShopifyOrderRejectedError,
    ShopifyOutcomeUnknownError,
    ShopifyUserError,
)
from connector.clients.shopify.shop import ShopifyShopClient
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import ShopAuth
from connector.clients.tiktok.shop import ShopClient
from connector.domain.shopify_order import ShopifyOrderDraft, shopify_order_input
from connector.values import replace
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.shopify_schema import QueryCost, admin_schema
from local.sandboxes.tiktok_contract import SPEC_DIR, Contract
from tests.unit.test_shopify_order import CAP, HOODIE, ORDER, VARIANTS

ORDER_DOCUMENTS = (
    "ORDER_CREATE",
    "ORDER_CANCEL",
    "ORDER_CANCELLED_QUERY",
    "ORDER_LINE_ITEMS_QUERY",
    "REFUND_CREATE",
)


# -- Shopify: documents and variables against the real schema ------------------------------------


def schema_problems(query: str, variables: dict[str, Any] | None) -> list[str]:
    """What Shopify's schema finds wrong with a document and its variables (nothing: [])."""
    document = parse(query)
    problems = [problem.message for problem in validate(admin_schema(), document)]
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    coerced = get_variable_values(admin_schema(), operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        problems += [error.message for error in coerced]
    return problems


@dataclass
class CheckedGraphQL:
    """Plays ShopGraphQL: each call must pass the real schema (document and variables) and be
    estimated at no less than Shopify's requested cost; answers are given in order."""

    answers: list[dict[str, Any]]
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        *,
        operation: str,
        estimated_cost: float,
        mutation: bool = False,
    ) -> dict[str, Any]:
        assert schema_problems(query, variables) == [], operation
        (definition,) = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
        assert definition.name is not None and definition.name.value == operation
        assert mutation == (definition.operation.value == "mutation")
        assert estimated_cost >= QueryCost(definition, {}, variables or {}).requested()
        self.calls.append((operation, json.loads(json.dumps(variables))))
        return self.answers.pop(0)


def shop_with(*answers: dict[str, Any]) -> tuple[ShopifyShopClient, CheckedGraphQL]:
    graphql = CheckedGraphQL(list(answers))
    return ShopifyShopClient("orders.myshopify.com", graphql), graphql  # type: ignore[arg-type]


CREATED = {"orderCreate": {"order": {"id": "gid://shopify/Order/5001", "name": "#1001"}, "userErrors": []}}


def draft_with_everything() -> ShopifyOrderDraft:
    """Both discounts, taxes on lines and shipping, a fee, a custom line, an address, an email."""
    payment = replace(ORDER.payment, retail_delivery_fee="0.28", total_amount="52.17")
    draft = shopify_order_input(replace(ORDER, payment=payment), {HOODIE: "44001"})
    assert draft.unmapped == (CAP,) and draft.balanced
    return draft


@pytest.mark.parametrize("name", ORDER_DOCUMENTS)
def test_each_order_document_validates_against_shopify(name: str) -> None:
    problems = validate(admin_schema(), parse(getattr(documents, name)))
    assert [problem.message for problem in problems] == []


def test_the_draft_validates_as_order_create_variables() -> None:
    # Given drafts of every shape the domain builds: per-line or order taxes, custom lines, fees
    draft = draft_with_everything()
    items = tuple(replace(item, item_tax=()) for item in ORDER.line_items)
    order_taxes = shopify_order_input(replace(ORDER, line_items=items), VARIANTS)
    assert "taxLines" in order_taxes.order
    for each in (draft, order_taxes):
        # Then orderCreate's variables, as the client sends them, are what Shopify's schema takes
        variables = {"order": each.order, "options": each.options}
        assert schema_problems(documents.ORDER_CREATE, variables) == []


def test_the_schema_check_does_refuse_what_shopify_would() -> None:
    # A float where Shopify takes a Decimal string is fine for GraphQL; a wrong enum or field is not
    draft = draft_with_everything()
    wrong_kind = {**draft.order, "transactions": [{**draft.order["transactions"][0], "kind": "PAYMENT"}]}
    assert schema_problems(documents.ORDER_CREATE, {"order": wrong_kind, "options": draft.options})
    unknown = {**draft.order, "shippingLines": [{"title": "x", "price": "1.00"}]}
    assert schema_problems(documents.ORDER_CREATE, {"order": unknown, "options": draft.options})


def test_create_order_from_sends_the_draft_and_returns_the_numeric_id() -> None:
    draft = draft_with_everything()
    client, graphql = shop_with(CREATED)
    assert client.create_order_from(draft) == "5001"
    ((operation, variables),) = graphql.calls
    assert operation == "ConnectorOrderCreate"
    assert variables == {"order": draft.order, "options": draft.options}


def test_create_order_from_user_errors_are_a_known_refusal() -> None:
    refused = {
        "orderCreate": {
            "order": None,
            "userErrors": [
                {
                    "field": ["order", "lineItems", "0", "quantity"],
                    "message": "not enough inventory",
                    "code": "INVENTORY_CLAIM_FAILED",
                },
                {
                    "field": ["order", "shippingAddress", "zip"],
                    "message": "Zip is invalid",
                    "code": "INVALID",
                },
            ],
        }
    }
    client, _ = shop_with(refused)
    with pytest.raises(ShopifyOrderRejectedError) as raised:
        client.create_order_from(draft_with_everything())
    assert raised.value.messages == ("not enough inventory", "Zip is invalid")
    assert [e.code for e in raised.value.user_errors] == ["INVENTORY_CLAIM_FAILED", "INVALID"]
    # A refusal is a ShopifyUserError (nothing created), never an unknown outcome
    assert isinstance(raised.value, ShopifyUserError)
    assert not isinstance(raised.value, ShopifyOutcomeUnknownError)


def test_cancel_order_cancels_without_refund() -> None:
    answer = {
        "orderCancel": {"job": {"id": "gid://shopify/Job/1", "done": False}, "orderCancelUserErrors": []}
    }
    client, graphql = shop_with(answer)
    assert client.cancel_order("5001", staff_note="x" * 300) is True
    ((_, variables),) = graphql.calls
    assert variables == {
        "orderId": "gid://shopify/Order/5001",
        "reason": "OTHER",
        "restock": True,
        "notifyCustomer": False,
        "staffNote": "x" * 255,
        "refundMethod": {"originalPaymentMethodsRefund": False},
    }


def test_cancelling_an_order_cancelled_already_is_done() -> None:
    # Said in the message
    said = {
        "orderCancel": {
            "job": None,
            "orderCancelUserErrors": [
                {"field": None, "message": "Order has already been cancelled", "code": "INVALID"}
            ],
        }
    }
    client, graphql = shop_with(said)
    assert client.cancel_order("5001") is False
    assert len(graphql.calls) == 1
    # Not said, but the order is cancelled
    other = {
        "orderCancel": {
            "job": None,
            "orderCancelUserErrors": [{"field": None, "message": "Cannot cancel", "code": "INVALID"}],
        }
    }
    cancelled = {"order": {"id": "gid://shopify/Order/5001", "cancelledAt": "2025-10-10T10:00:00Z"}}
    client, graphql = shop_with(other, cancelled)
    assert client.cancel_order("5001") is False
    assert [operation for operation, _ in graphql.calls] == [
        "ConnectorOrderCancel",
        "ConnectorOrderCancelled",
    ]
    # Otherwise a refusal
    open_order = {"order": {"id": "gid://shopify/Order/5001", "cancelledAt": None}}
    client, _ = shop_with(other, open_order)
    with pytest.raises(ShopifyUserError, match="Cannot cancel"):
        client.cancel_order("5001")


def line_node(number: int, variant: int | None, quantity: int) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/LineItem/{number}",
        "sku": f"SKU-{number}",
        "quantity": quantity,
        "currentQuantity": quantity,
        "refundableQuantity": quantity,
        "unfulfilledQuantity": 0,
        "variant": {"id": f"gid://shopify/ProductVariant/{variant}"} if variant else None,
    }


def test_order_line_items_reads_every_page() -> None:
    first = {
        "order": {
            "id": "gid://shopify/Order/5001",
            "lineItems": {
                "nodes": [line_node(1, 44001, 2)],
                "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
            },
        }
    }
    second = {
        "order": {
            "id": "gid://shopify/Order/5001",
            "lineItems": {
                "nodes": [line_node(2, None, 1)],
                "pageInfo": {"hasNextPage": False, "endCursor": "c2"},
            },
        }
    }
    client, graphql = shop_with(first, second)
    lines = client.order_line_items("5001")
    assert [(line.id, line.variant_id, line.sku, line.quantity) for line in lines] == [
        ("1", "44001", "SKU-1", 2),
        ("2", None, "SKU-2", 1),
    ]
    assert [variables["after"] for _, variables in graphql.calls] == [None, "c1"]
    client, _ = shop_with({"order": None})
    with pytest.raises(ShopifyError, match="not found"):
        client.order_line_items("404")


def test_refund_return_restocks_and_moves_no_money() -> None:
    answer = {"refundCreate": {"refund": {"id": "gid://shopify/Refund/77"}, "userErrors": []}}
    client, graphql = shop_with(answer)
    assert client.refund_return("5001", [("1", 1), ("2", 1)], "61") == "77"
    ((_, variables),) = graphql.calls
    refund = variables["input"]
    assert refund["orderId"] == "gid://shopify/Order/5001"
    assert refund["notify"] is False and refund["transactions"] == [] and "shipping" not in refund
    assert refund["refundLineItems"] == [
        {
            "lineItemId": "gid://shopify/LineItem/1",
            "quantity": 1,
            "restockType": "RETURN",
            "locationId": "gid://shopify/Location/61",
        },
        {
            "lineItemId": "gid://shopify/LineItem/2",
            "quantity": 1,
            "restockType": "RETURN",
            "locationId": "gid://shopify/Location/61",
        },
    ]
    refused = {
        "refundCreate": {
            "refund": None,
            "userErrors": [
                {
                    "field": ["refundLineItems"],
                    "message": "Quantity cannot refund more items than were purchased",
                }
            ],
        }
    }
    client, _ = shop_with(refused)
    with pytest.raises(ShopifyUserError, match="more items"):
        client.refund_return("5001", [("1", 9)], "61")


# -- Shopify: one order created over HTTP in the sandbox -----------------------------------------


@pytest.fixture(scope="module")
def shopify_sandbox() -> Iterator[ShopifySandbox]:
    with ShopifySandbox(
        "orders-client-id", "orders-client-secret-of-32-bytes-or-more", products_per_shop=2
    ) as box:
        yield box


def test_a_draft_creates_an_order_in_the_sandbox(shopify_sandbox: ShopifySandbox) -> None:
    # Given a shop's two first variants as the TikTok SKUs' variants
    shop = f"orders-{uuid.uuid4().hex[:10]}.myshopify.com"
    catalog = shopify_sandbox.catalog(shop)
    variants = {HOODIE: str(catalog[0].variants[0].id), CAP: str(catalog[1].variants[0].id)}
    online = shopify_sandbox.locations(shop)[0]  # stocked there: the order decrements what it sells
    for product in catalog[:2]:
        shopify_sandbox.set_available(shop, product.variants[0].inventory_item_id, online.id, 10)
    admin = ShopifyAdminClient(
        api_key="orders-client-id",
        api_secret="orders-client-secret-of-32-bytes-or-more",
        admin_base_url=shopify_sandbox.admin_base_url,
        timeout=5.0,
    )
    client = admin.for_shop(shop, shopify_sandbox.issue_token(shop))
    # When the draft is sent
    order_id = client.create_order_from(shopify_order_input(ORDER, variants))
    # Then the order is there, with TikTok's id, and the sandbox's contract saw nothing wrong
    (created,) = shopify_sandbox.orders(shop)
    assert str(created.id) == order_id and created.source_identifier == ORDER.order_id
    assert [(line.quantity, line.price) for line in created.lines] == [
        (2, Decimal("18.00")),
        (1, Decimal("10.00")),
    ]
    assert shopify_sandbox.contract.violations == []
    admin.close()


# -- TikTok: each call judged by the reference, answered with the reference's example -------------


def example(spec: str) -> dict[str, Any]:
    """The ``data`` of a reference page's own response example."""
    meta = json.loads((SPEC_DIR / spec).read_text())["document_api_meta"]
    data: dict[str, Any] = json.loads(meta["response_body"])["data"]
    return data


EXAMPLES = {
    "Get Order Detail": "orders/get-order-detail.spec.json",
    "Get Price Detail": "orders/get-price-detail.spec.json",
    "Search Returns": "return-and-refund/search-returns.spec.json",
    "Search Cancellations": "return-and-refund/search-cancellations.spec.json",
    "Mark Package As Shipped": "fulfillment/mark-package-as-shipped.spec.json",
    "Update Shipping Info": "fulfillment/update-shipping-info.spec.json",
}


class ReferenceAnswers:
    """Plays TikTokClient.api_request: the call, as the transport would sign and send it, must
    pass TikTok's reference at the version it documents; the answer is the reference's example."""

    def __init__(self, error: TikTokApiError | None = None) -> None:
        self.contract = Contract()
        self.error = error
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def api_request(
        self,
        method: str,
        path: str,
        *,
        access_token: str,
        shop_cipher: str | None = None,
        query: dict[str, str | int] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool,
        **_: Any,
    ) -> dict[str, Any]:
        params = {key: str(value) for key, value in (query or {}).items()}
        params.update(app_key="app", sign="0" * 64, timestamp="1760000000")
        if shop_cipher is not None:
            params["shop_cipher"] = shop_cipher
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        headers = {"content-type": "application/json", "x-tts-access-token": access_token}
        checked = self.contract.check(method, path, params, headers, raw)  # raises on a breach
        assert checked.match is not None
        assert self.contract.versions == {}, "called at a version the reference does not document"
        self.calls.append((checked.match.endpoint.title, path, body or {}))
        if self.error is not None:
            raise self.error
        return example(EXAMPLES[checked.match.endpoint.title])


def tiktok(answers: ReferenceAnswers) -> ShopClient:
    return ShopClient(answers, ShopAuth("access-token", "refresh-token", "cipher"))  # type: ignore[arg-type]


def test_get_order_detail_reads_the_references_example_and_keeps_personal_data_out_of_reprs() -> None:
    answers = ReferenceAnswers()
    order = tiktok(answers).get_order("576461413038785752")
    assert answers.calls[0][:2] == ("Get Order Detail", "/order/202507/orders")
    assert order is not None
    assert (order.order_id, order.status, order.create_time, order.paid_time) == (
        "576461413038785752",
        "UNPAID",
        1619611561,
        1619611563,
    )
    assert (order.fulfillment_type, order.shipping_type, order.package_ids) == (
        "FULFILLMENT_BY_SELLER",
        "TIKTOK",
        ("1152321127278713123",),
    )
    paid = order.payment
    assert (paid.currency, paid.sub_total, paid.product_tax, paid.shipping_fee_tax, paid.total_amount) == (
        "IDR",
        "5000",
        "21.3",
        "11",
        "5000",
    )
    assert (order.currency, order.total_amount) == ("IDR", "5000")  # the fields callers read today
    (item,) = order.line_items
    assert (item.line_item_id, item.sku_id, item.seller_sku, item.package_id) == (
        "577086512123755123",
        "2729382476852921560",
        "red_iphone_256",
        "1153132168123859123",
    )
    assert (item.product_name, item.sku_name, item.original_price, item.sale_price) == (
        "Women's Winter Crochet Clothes",
        "Iphone",
        "0.01",
        "0.01",
    )
    assert (item.seller_discount, item.platform_discount) == ("0", "0")
    assert [(t.tax_type, t.tax_amount, t.tax_rate) for t in item.item_tax] == [("SALES_TAX", "21.2", "0.35")]
    address = order.recipient_address
    assert address is not None
    assert (address.region_code, address.first_name, address.last_name, address.postal_code) == (
        "US",
        "David",
        "Kong",
        "95110",
    )
    assert (address.address_line1, address.address_line2, address.phone_number) == (
        "TikTok 5800 bristol Pkwy",
        "Suite 100",
        "(+1)213-***-1234",
    )
    assert [(d.level, d.level_name, d.name) for d in address.district_info] == [
        ("L0", "Country", "United Kingdom")
    ]
    assert order.buyer_email == "v2b2V5@chat.seller.tiktok.com"
    # None of the buyer's data shows in a repr (or a log line made of one)
    shown = repr(order) + repr(address)
    for personal in (
        "David",
        "Kong",
        "213-",
        "95110",
        "Coleman",
        "bristol",
        "Suite",
        "v2b2V5",
        "Please ship",
    ):
        assert personal not in shown
    # And the example makes a Shopify draft that Shopify's schema takes (masked phone left out)
    draft = shopify_order_input(order, {})
    assert "phone" not in draft.order["shippingAddress"]
    assert schema_problems(documents.ORDER_CREATE, {"order": draft.order, "options": draft.options}) == []


def test_get_price_detail_reads_the_references_example() -> None:
    answers = ReferenceAnswers()
    detail = tiktok(answers).get_price_detail("576461413038785752")
    assert answers.calls[0][:2] == (
        "Get Price Detail",
        "/order/202407/orders/576461413038785752/price_detail",
    )
    assert (detail.currency, detail.total, detail.payment, detail.sku_sale_price, detail.tax_amount) == (
        "USD",
        "122.00",
        "101.00",
        "96.00",
        "2.00",
    )
    assert (detail.subtotal_deduction_seller, detail.subtotal_deduction_platform, detail.tax_rate) == (
        "0.50",
        "0.50",
        "0.021",
    )
    assert (detail.shipping_sale_price, detail.shipping_fee_deduction_platform) == ("3.00", "12.00")
    (line,) = detail.line_items
    assert (line.line_item_id, line.subtotal_tax_amount, line.line_items) == (
        "576461413032342720",
        "2.00",
        (),
    )


def test_search_returns_reads_the_references_example() -> None:
    answers = ReferenceAnswers()
    page = tiktok(answers).search_returns(order_ids=["577686530908261117"], update_time_ge=1690340825)
    title, path, body = answers.calls[0]
    assert (title, path) == ("Search Returns", "/return_refund/202309/returns/search")
    assert body == {"order_ids": ["577686530908261117"], "update_time_ge": 1690340825}
    (found,) = page.returns
    assert (found.return_id, found.order_id, found.return_type, found.return_status, found.role) == (
        "4035318504086604100",
        "577686530908261117",
        "REFUND",
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "BUYER",
    )
    (line,) = found.line_items
    assert (line.return_line_item_id, line.order_line_item_id, line.sku_id, line.seller_sku) == (
        "4035227657962164811",
        "576473917261451851",
        "2729382476852921560",
        "PUTIH 1 TALI",
    )
    assert found.quantities == {"2729382476852921560": 1}
    assert (found.refund_total, found.currency, page.total_count) == ("1.23", "USD", 100)
    assert page.next_page_token.startswith("aDU2")


def test_mark_package_as_shipped_answers_the_package_id() -> None:
    answers = ReferenceAnswers()
    package_id = tiktok(answers).mark_package_as_shipped(
        "32131324123321", ["31322412312312"], "1Z999AA10123456784", "6617675021119438849"
    )
    assert package_id == "32141235124234"
    title, path, body = answers.calls[0]
    assert (title, path) == ("Mark Package As Shipped", "/fulfillment/202309/orders/32131324123321/packages")
    assert body == {
        "tracking_number": "1Z999AA10123456784",
        "shipping_provider_id": "6617675021119438849",
        "order_line_item_ids": ["31322412312312"],
    }


@pytest.mark.parametrize("code", [21011006, 21011020, 21042056, 21008099])
def test_marking_an_order_shipped_again_is_done(code: int) -> None:
    answers = ReferenceAnswers(error=TikTokApiError(code, "These orders are already shipped."))
    assert tiktok(answers).mark_package_as_shipped("1", [], "T1", "P1") == ""


def test_update_shipping_info_sends_the_new_tracking() -> None:
    answers = ReferenceAnswers()
    tiktok(answers).update_shipping_info("576461413038785752", "1Z999AA10123456785", "6617675021119438850")
    title, path, body = answers.calls[0]
    assert (title, path) == (
        "Update Shipping Info",
        "/fulfillment/202309/orders/576461413038785752/shipping_info/update",
    )
    assert body == {"tracking_number": "1Z999AA10123456785", "shipping_provider_id": "6617675021119438850"}


def test_every_example_is_the_references_own() -> None:
    for spec in EXAMPLES.values():
        assert (SPEC_DIR / spec).is_file() and isinstance(example(spec), dict), Path(spec).name
