"""Property: any order of a product's Shopify history (its create, its updates, status and variant
changes), with duplicates, ends with the TikTok listing that in-order delivery ends with: the one
Shopify's last word describes. End to end over HTTP, through both contract-checking sandboxes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.listing.html import tiktok_description
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.shopify_products import ProductSpec
from local.sandboxes.shopify_webhooks import product_payload
from tests.helpers import LocalStack, change_plan, connect_to_sandbox

pytestmark = pytest.mark.integration

# What a merchant may do to the product after creating it, each at most once per history.
Edit = Callable[[ShopifySandbox, str, int], dict[str, Any]]
EDITS: dict[str, Edit] = {
    "retitle": lambda shopify, shop, pid: shopify.edit_product(shop, pid, title="Linen Shirt, washed"),
    "describe": lambda shopify, shop, pid: shopify.edit_product(shop, pid, description_html="<p>Washed.</p>"),
    "reprice": lambda shopify, shop, pid: shopify.edit_product(shop, pid, price=Decimal("26.00")),
    "draft": lambda shopify, shop, pid: shopify.edit_product(shop, pid, status="DRAFT"),
    "archive": lambda shopify, shop, pid: shopify.edit_product(shop, pid, status="ARCHIVED"),
    "activate": lambda shopify, shop, pid: shopify.edit_product(shop, pid, status="ACTIVE"),
    "add_large": lambda shopify, shop, pid: shopify.edit_product(shop, pid, add_variant={"Size": "L"}),
    "remove_small": lambda shopify, shop, pid: shopify.edit_product(
        shop, pid, remove_variant=shopify.product(shop, pid).variants[0].id
    ),
    "rename_medium": lambda shopify, shop, pid: shopify.edit_product(
        shop, pid, skus={shopify.product(shop, pid).variants[-1].id: "SHIRT-MEDIUM"}
    ),
}

SHIRT = {
    "title": "Linen Shirt",
    "description_html": "<p>A linen shirt.</p>",
    "product_type": "T-Shirt",
    "options": [{"name": "Size", "values": ["S", "M"]}],
    "variants": [
        {"options": {"Size": size}, "sku": f"SHIRT-{size}", "price": "20.00"} for size in ("S", "M")
    ],
    "images": [{}],
}


@pytest.fixture
def auto_uploading(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """A US shop, connected (its webhooks registered, audit verdicts, type 37, among them), auto-uploading."""
    monkeypatch.setattr(stack.shopify, "products_per_shop", 0)
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    connect_to_sandbox(stack.store, stack.shop, stack.tiktok, region="US")
    change_plan(stack.store, stack.shop, name="growth_plus")
    stack.change_settings(auto_upload=True)
    return stack


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[str], list[int]]:
    """Some edits, in the order the merchant made them; then the order Shopify delivers the
    create and every update in, each at least once."""
    edits = draw(st.lists(st.sampled_from(sorted(EDITS)), unique=True, max_size=5))
    count = len(edits) + 1
    order = draw(st.permutations(range(count)))
    again = draw(st.lists(st.integers(0, count - 1), max_size=3))
    positions = [draw(st.integers(0, len(order))) for _ in again]
    delivered = list(order)
    for index, at in zip(again, positions, strict=True):
        delivered.insert(at, index)
    return edits, delivered


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same histories on every run: CI never meets a new one by chance
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=deliveries())
def test_any_order_with_duplicates_ends_with_the_listing_of_shopifys_last_word(
    auto_uploading: LocalStack, history: tuple[list[str], list[int]]
) -> None:
    stack = auto_uploading
    edits, delivered = history
    shopify, shop = stack.shopify, stack.shop
    product = shopify.add_product(shop, ProductSpec.model_validate(SHIRT), announce=False)
    payloads = [("products/create", product_payload(product))]
    payloads += [("products/update", EDITS[name](shopify, shop, product.id)) for name in edits]

    for index in delivered:
        topic, payload = payloads[index]
        assert shopify.send_webhook(shop, topic, payload) == 200
    stack.settle()

    final = shopify.product(shop, product.id)
    ours = stack.store.get_product(shop, str(product.id))
    assert ours is not None and ours.shopify_updated_at == int(final.updated_at.timestamp())
    listed = stack.tiktok.products.get(ours.tiktok_product_id or "")
    if final.status != "ACTIVE":  # never listed, or taken off sale
        assert listed is None or listed["status"] == "SELLER_DEACTIVATED", (edits, delivered)
        assert ours.status in ("not_uploaded", "inactive")
    else:
        assert listed is not None, (edits, delivered)
        assert (listed["status"], ours.status) == ("ACTIVATE", "live"), (edits, delivered)
        assert listed["title"] == final.title
        assert listed["description"] == tiktok_description(final.description_html, final.title)
        skus = {(sku["seller_sku"], Decimal(sku["price"]["sale_price"])) for sku in listed["skus"]}
        assert skus == {(v.sku, v.price) for v in final.variants}, (edits, delivered)
    assert stack.store.status_counts(shop) == stack.store.recount(shop)
