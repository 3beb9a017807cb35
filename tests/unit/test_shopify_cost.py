"""The Shopify client's cost budgeting and id handling, and the sandbox's cost rules and catalog."""

from __future__ import annotations

import pytest
from graphql import parse

from connector.clients.shopify.admin import ShopifyAdminClient
from connector.clients.shopify.documents import PRODUCTS_QUERY
from connector.clients.shopify.ids import numeric_id
from connector.clients.shopify.shop import products_page_cost, variants_in_page
from connector.clients.shopify.transport import CostBudget
from connector.shop_domains import check_shop
from local.sandboxes.shopify_catalog import generate_catalog
from local.sandboxes.shopify_schema import QueryCost


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def throttle_status(available: float, maximum: float = 1000.0, rate: float = 50.0) -> dict[str, object]:
    return {
        "requestedQueryCost": 200,
        "actualQueryCost": 20,
        "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate},
    }


def test_budget_waits_until_the_bucket_holds_the_expected_cost() -> None:
    # Given the last answer left 100 of 1000 points, restoring 50 per second
    clock = Clock()
    budget = CostBudget(lambda: clock.now, clock.sleep)
    budget.update("Products", throttle_status(available=100))
    # When a 200-point query is due / Then the budget sleeps for the missing points (plus one of margin)
    budget.wait_for(budget.expected_cost("Products", estimate=999))
    assert clock.sleeps == [pytest.approx((200 + 1 - 100) / 50)]


def test_budget_counts_the_restore_since_the_last_answer() -> None:
    # Given 100 points left, and three seconds passed since (150 restored)
    clock = Clock()
    budget = CostBudget(lambda: clock.now, clock.sleep)
    budget.update("Products", throttle_status(available=100))
    clock.now += 3
    # When a 200-point query is due / Then there is no wait
    assert budget.wait_for(200) == 0.0
    assert clock.sleeps == []


def test_budget_does_not_wait_before_it_has_seen_the_bucket() -> None:
    clock = Clock()
    assert CostBudget(lambda: clock.now, clock.sleep).wait_for(900) == 0.0


@pytest.mark.parametrize(("page", "variants", "images"), [(10, 20, 10), (20, 10, 10), (3, 1, 1)])
def test_the_client_estimate_of_a_products_page_matches_the_documented_cost_rules(
    page: int, variants: int, images: int
) -> None:
    # Given the client's products query for pages of products, variants and images as it sends it
    operation = parse(PRODUCTS_QUERY).definitions[0]
    variants_first = variants_in_page(page, variants, images)
    variables = {"first": page, "variantsFirst": variants_first, "imagesFirst": images}
    # When the sandbox prices it / Then it asks what the client estimates, and stays under 1000
    requested = QueryCost(operation, {}, variables).requested()  # type: ignore[arg-type]
    assert requested == products_page_cost(page, variants_first, images)
    assert requested <= 1000


@pytest.mark.parametrize(
    ("gid", "expected"),
    [
        ("gid://shopify/Product/123", "123"),
        ("gid://shopify/InventoryLevel/24826418?inventory_item_id=271878346596884015", "24826418"),
        ("456", "456"),
    ],
)
def test_numeric_id(gid: str, expected: str) -> None:
    assert numeric_id(gid) == expected


@pytest.mark.parametrize("shop", ["evil.com", "a.myshopify.com.evil.com", "x/y.myshopify.com", ""])
def test_only_myshopify_domains_reach_the_url_template(shop: str) -> None:
    with pytest.raises(ValueError, match="myshopify"):
        check_shop(shop)
    client = ShopifyAdminClient(api_key="k", api_secret="s", admin_base_url="https://{shop}")
    with pytest.raises(ValueError, match="myshopify"):
        client.for_shop(shop, "token")


def test_the_catalog_is_the_same_for_the_same_seed_and_has_every_defect() -> None:
    first = generate_catalog("a.myshopify.com", 24, seed=7)
    again = generate_catalog("a.myshopify.com", 24, seed=7)
    other = generate_catalog("a.myshopify.com", 24, seed=8)
    assert [(p.id, p.title) for p in first] == [(p.id, p.title) for p in again]
    assert [p.title for p in first] != [p.title for p in other]
    by_defect = {p.defect: p for p in first if p.defect}
    assert by_defect["empty_title"].title == ""
    assert by_defect["no_image"].images == []
    assert all(v.price == 0 for v in by_defect["zero_price"].variants)
    assert len(by_defect["long_title"].title) > 255
