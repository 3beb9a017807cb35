"""The Shopify sandbox against Shopify's real Admin schema (vendored in local/contracts/shopify):
documents and variables Shopify would refuse are refused the same way and recorded as contract
violations; every document of the connector's client validates; today's client calls break none."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from graphql import GraphQLScalarType, OperationDefinitionNode, parse, validate

from connector.clients.shopify import documents
from connector.clients.shopify.admin import ShopifyAdminClient
from connector.clients.shopify.errors import ShopifyError
from local.sandboxes.contract import Gap, Violation
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.shopify_schema import ADMIN_SCHEMA_FILE, SCALARS, QueryCost, admin_schema, custom_scalars
from tests.contract_gaps import KNOWN_GAPS
from tests.helpers import plain_order_draft

API_KEY = "contract-client-id"
API_SECRET = "contract-client-secret-of-32-bytes-or-more"
# Every GraphQL document the client sends (a new one in documents.py must be added here).
CLIENT_DOCUMENTS = (
    "PRODUCTS_QUERY",
    "PRODUCT_VARIANTS_QUERY",
    "PRODUCTS_COUNT_QUERY",
    "BULK_PRODUCTS_QUERY",
    "BULK_RUN_QUERY",
    "BULK_OPERATION_QUERY",
    "CURRENT_BULK_OPERATION_QUERY",
    "ORDER_CREATE",
    "ORDER_CANCEL",
    "ORDER_CANCELLED_QUERY",
    "ORDER_LINE_ITEMS_QUERY",
    "REFUND_CREATE",
    "APP_SUBSCRIPTION_CREATE",
    "ACTIVE_SUBSCRIPTIONS_QUERY",
    "SHOP_FACTS_QUERY",
    "LOCATIONS_QUERY",
    "INVENTORY_LEVELS_QUERY",
    "INVENTORY_ITEM_LEVELS_QUERY",
)
ORDER_CREATE, BULK_RUN_QUERY = documents.ORDER_CREATE, documents.BULK_RUN_QUERY
ORDER_LINE = {
    "variantId": "gid://shopify/ProductVariant/1",
    "quantity": 1,
    "priceSet": {"shopMoney": {"amount": "12.50", "currencyCode": "USD"}},
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ShopifySandbox]:
    with ShopifySandbox(API_KEY, API_SECRET, products_per_shop=6, bulk_seconds=0.05) as box:
        yield box


@pytest.fixture
def shop(sandbox: ShopifySandbox) -> Iterator[str]:
    sandbox.contract.clear()
    yield f"contract-{uuid.uuid4().hex[:10]}.myshopify.com"
    sandbox.contract.tolerate(())


def post(sandbox: ShopifySandbox, shop: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """One GraphQL request as an app sends it; Shopify answers 200 whatever the errors."""
    response = requests.post(
        f"{sandbox.url}/{shop}/admin/api/2025-10/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": sandbox.issue_token(shop)},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()


def order_variables(sandbox: ShopifySandbox, shop: str, **line_changes: Any) -> dict[str, Any]:
    variant = sandbox.catalog(shop)[0].variants[0]
    line = {**ORDER_LINE, "variantId": f"gid://shopify/ProductVariant/{variant.id}", **line_changes}
    return {"order": {"currency": "USD", "lineItems": [line]}, "options": None}


# -- the vendored schema -------------------------------------------------------------------------


def test_the_vendored_schema_is_the_file_its_readme_names() -> None:
    readme = (ADMIN_SCHEMA_FILE.parent / "README.md").read_text()
    written = re.search(r"sha256 of the file \| `([0-9a-f]{64})`", readme)
    assert written is not None
    assert hashlib.sha256(Path(ADMIN_SCHEMA_FILE).read_bytes()).hexdigest() == written.group(1)


def test_every_custom_scalar_travels_as_shopify_sends_it() -> None:
    # Every custom scalar of the schema has a wire form; the sandbox's values come out as strings
    assert custom_scalars(admin_schema()) <= set(SCALARS)
    money, unsigned = admin_schema().get_type("Money"), admin_schema().get_type("UnsignedInt64")
    assert isinstance(money, GraphQLScalarType) and isinstance(unsigned, GraphQLScalarType)
    assert money.serialize(Decimal("12.50")) == "12.50"
    assert unsigned.serialize(12) == "12"


def test_the_cost_rules_read_the_real_schema() -> None:
    # Connections cost 2 + first x an item, objects 1, a node through a fragment 1, mutations 10
    def requested(text: str, variables: dict[str, Any] | None = None) -> int:
        operation = parse(text).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        return QueryCost(operation, {}, variables or {}).requested()

    assert requested("{ products(first: 2) { nodes { id variants(first: 3) { nodes { id } } } } }") == 14
    assert requested(documents.BULK_OPERATION_QUERY, {"id": "gid://shopify/BulkOperation/1"}) == 1
    assert requested(ORDER_CREATE) == 10


# -- what Shopify would refuse is refused, and recorded ------------------------------------------


def assert_refused_and_recorded(sandbox: ShopifySandbox, shop: str, answer: Any, expected: Violation) -> None:
    """Shopify's answer (errors only: nothing executed, nothing charged), and one violation recorded
    under the operation's name (else its first field) and the rule that found it."""
    assert set(answer) == {"errors"}
    assert [error["message"] for error in answer["errors"] if expected.message in error["message"]]
    assert sandbox.orders(shop) == []
    (violation,) = sandbox.contract.violations
    assert (violation.where, violation.rule) == (expected.where, expected.rule)
    assert expected.message in violation.message
    assert sandbox.contract.tolerated == []
    sandbox.contract.clear()  # checked: the breach was the point


@pytest.mark.parametrize(
    ("query", "operation", "says"),
    [
        ("query Colour { products(first: 1) { nodes { colour } } }", "Colour", "'colour' on type 'Product'"),
        ("query Count { productsCount(upTo: 5) { count } }", "Count", "Unknown argument 'upTo' on field"),
        ('mutation { productTeleport(id: "1") { id } }', "productTeleport", "field 'productTeleport' on"),
    ],
    ids=["unknown-field", "unknown-argument", "unknown-mutation"],
)
def test_a_document_shopify_refuses_is_refused_and_recorded(
    sandbox: ShopifySandbox, shop: str, query: str, operation: str, says: str
) -> None:
    answer = post(sandbox, shop, query)
    assert_refused_and_recorded(sandbox, shop, answer, Violation(operation, "", "validation", says))


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ({**ORDER_LINE, "price": "1"}, "Field 'price' is not defined by type 'OrderCreateLineItemInput'."),
        ({**ORDER_LINE, "quantity": "two"}, "lineItems[0].quantity'; Int cannot represent non-integer"),
        ({**ORDER_LINE, "priceSet": {"shopMoney": {"amount": [1], "currencyCode": "USD"}}}, "type 'Decimal'"),
    ],
    ids=["input-field-the-type-lacks", "input-of-the-wrong-type", "custom-scalar-input-of-the-wrong-type"],
)
def test_variables_shopify_refuses_are_refused_and_recorded(
    sandbox: ShopifySandbox, shop: str, line: dict[str, Any], says: str
) -> None:
    answer = post(sandbox, shop, ORDER_CREATE, {"order": {"currency": "USD", "lineItems": [line]}})
    assert_refused_and_recorded(
        sandbox, shop, answer, Violation("ConnectorOrderCreate", "", "variables", says)
    )


def test_more_than_one_input_violation_is_each_recorded(sandbox: ShopifySandbox, shop: str) -> None:
    line = {**ORDER_LINE, "quantity": "two", "price": "1"}
    post(sandbox, shop, ORDER_CREATE, {"order": {"lineItems": [line], "currencey": "USD"}})
    messages = [violation.message for violation in sandbox.contract.violations]
    assert len(messages) == 3 and all(v.rule == "variables" for v in sandbox.contract.violations)
    assert any("'currencey' is not defined" in message for message in messages)
    sandbox.contract.clear()


def test_a_bulk_query_shopify_would_not_validate_is_invalid_and_recorded(
    sandbox: ShopifySandbox, shop: str
) -> None:
    # When the inner query of a bulk operation names a field Product lacks
    answer = post(sandbox, shop, BULK_RUN_QUERY, {"query": "{ products { edges { node { id colour } } } }"})
    # Then it answers userErrors INVALID, and the violation is recorded under the outer operation
    errors = answer["data"]["bulkOperationRunQuery"]["userErrors"]
    assert [(error["code"], error["field"]) for error in errors] == [("INVALID", ["query"])]
    (violation,) = sandbox.contract.violations
    assert (violation.where, violation.rule) == ("ConnectorBulkRunQuery", "bulk query")
    assert violation.message.startswith("Cannot query field 'colour' on type 'Product'.")
    sandbox.contract.clear()


# -- tolerated gaps: recorded apart, and the request runs as far as it can ----------------------


def test_a_tolerated_input_field_is_recorded_apart_and_the_order_is_still_created(
    sandbox: ShopifySandbox, shop: str
) -> None:
    # Given the unknown input field is a known gap
    sandbox.contract.tolerate(
        [Gap("ConnectorOrderCreate", message=r"Field 'price' is not defined", reason="test")]
    )
    # When the order is created with it
    answer = post(sandbox, shop, ORDER_CREATE, order_variables(sandbox, shop, price="1"))
    # Then the order is created from what the schema has, and the violation is tolerated, not refused
    assert answer["data"]["orderCreate"]["userErrors"] == []
    assert [order.lines[0].price for order in sandbox.orders(shop)] == [Decimal("12.50")]
    assert sandbox.contract.violations == []
    assert [v.rule for v in sandbox.contract.tolerated] == ["variables"]


def test_a_tolerated_unknown_field_is_left_out_and_the_rest_runs(sandbox: ShopifySandbox, shop: str) -> None:
    sandbox.contract.tolerate([Gap("Colour", "validation", message="colour", reason="test")])
    answer = post(sandbox, shop, "query Colour { products(first: 2) { nodes { id colour } } }")
    assert [sorted(node) for node in answer["data"]["products"]["nodes"]] == [["id"], ["id"]]
    assert "errors" not in answer
    assert [v.where for v in sandbox.contract.tolerated] == ["Colour"]


def test_a_gap_tolerates_only_its_operation_and_message(sandbox: ShopifySandbox, shop: str) -> None:
    sandbox.contract.tolerate(
        [Gap("Other", message="colour", reason="test"), Gap("Colour", message="size", reason="test")]
    )
    answer = post(sandbox, shop, "query Colour { products(first: 2) { nodes { id colour } } }")
    assert set(answer) == {"errors"}
    assert len(sandbox.contract.violations) == 1 and sandbox.contract.tolerated == []
    sandbox.contract.clear()


def test_each_known_gap_says_why_and_none_is_tolerated_unless_asked(sandbox: ShopifySandbox) -> None:
    assert all(isinstance(gap, Gap) and gap.reason.strip() for gap in KNOWN_GAPS)
    with ShopifySandbox(API_KEY, API_SECRET) as fresh:
        answer = post(fresh, "strict.myshopify.com", "{ products(first: 1) { nodes { colour } } }")
        assert set(answer) == {"errors"} and fresh.contract.tolerated == []
        assert [violation.where for violation in fresh.contract.violations] == ["products"]
        fresh.contract.clear()


# -- the connector's client against the real schema ---------------------------------------------


def test_the_list_holds_every_document_of_the_client() -> None:
    sent = {
        name
        for name, value in vars(documents).items()
        if name.isupper() and isinstance(value, str) and re.match(r"\s*(query|mutation|\{)", value)
    }
    assert sent == set(CLIENT_DOCUMENTS)


@pytest.mark.parametrize("name", CLIENT_DOCUMENTS)
def test_every_document_of_the_client_validates_against_shopify(name: str) -> None:
    problems = validate(admin_schema(), parse(getattr(documents, name)))
    assert [problem.message for problem in problems] == []


def test_the_clients_calls_break_nothing_in_the_contract(sandbox: ShopifySandbox, shop: str) -> None:
    # Given the client, on a shop of the sandbox
    admin = ShopifyAdminClient(
        api_key=API_KEY, api_secret=API_SECRET, admin_base_url=sandbox.admin_base_url, timeout=5.0
    )
    client = admin.for_shop(shop, sandbox.issue_token(shop))
    # When it makes every call it has
    products, _ = client.products_page(None, 3, variants_per_page=1, images_per_product=1)
    client.count_products(up_to=10)
    started = client.start_bulk_products()
    deadline = time.monotonic() + 5
    while (operation := client.bulk_operation(started.id)) and operation.running:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    client.current_bulk_operation()
    locations = client.locations()
    items = [str(v.inventory_item_id) for p in sandbox.catalog(shop) for v in p.variants]
    levels = client.available_by_location(items)
    variant = sandbox.catalog(shop)[0].variants[0]
    client.create_order_from(plain_order_draft([(variant.id, 1, "3.00")], "576"))
    client.create_app_subscription("Pro", Decimal("9.99"), "USD", "https://app.example/return", True)
    client.active_subscriptions()
    with pytest.raises(ShopifyError):
        client.create_order_from(plain_order_draft([], "577"))  # Shopify's userErrors
    admin.close()
    # Then Shopify's schema refuses none of them
    assert products and locations and levels and sandbox.contract.violations == []
