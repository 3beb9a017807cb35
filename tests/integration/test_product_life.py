"""A listing follows its Shopify product for as long as it lives, end to end through both
contract-checking sandboxes: its Shopify status, every field of its updates, variants added, removed
or renamed, compare-at and currency-exact prices, deliveries out of order, and edits TikTok refuses."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from connector.domain.entities import Product
from local.sandboxes.shopify_products import ProductSpec
from local.sandboxes.shopify_webhooks import product_payload
from tests.helpers import LocalStack, change_plan, connect_to_sandbox

pytestmark = pytest.mark.integration


def shirt(
    price: str = "20.00", compare_at: str | None = "25.00", sizes: tuple[str, ...] = ("S", "M")
) -> dict[str, Any]:
    return {
        "title": "Linen Shirt",
        "description_html": "<p>A linen shirt.</p>",
        "product_type": "T-Shirt",
        "options": [{"name": "Size", "values": list(sizes)}],
        "variants": [
            {
                "options": {"Size": size},
                "sku": f"SHIRT-{size}",
                "price": price,
                "compare_at_price": compare_at,
            }
            for size in sizes
        ],
        "images": [{}],
    }


def connected(stack: LocalStack, monkeypatch: pytest.MonkeyPatch, region: str = "US") -> None:
    monkeypatch.setattr(stack.shopify, "products_per_shop", 0)
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    connect_to_sandbox(stack.store, stack.shop, stack.tiktok, region=region)
    change_plan(stack.store, stack.shop, name="growth_plus")


def imported(stack: LocalStack, spec: dict[str, Any]) -> str:
    """A product made in Shopify and imported (not announced by a webhook): its Shopify id."""
    product_id = str(
        stack.shopify.add_product(stack.shop, ProductSpec.model_validate(spec), announce=False).id
    )
    started = stack.merchant_call("POST", "/v1/imports").json()["activity"]
    stack.jobs.drain(timeout=60)
    assert stack.finished_activity(started["id"])["succeeded"] == 1
    return product_id


def upload(stack: LocalStack, product_id: str, *, audited: bool = True) -> None:
    """The merchant uploads it; with ``audited``, TikTok's audit and all that follows are done."""
    answer = stack.merchant_call("POST", "/v1/products/upload", json={"product_ids": [product_id]})
    assert answer.status_code == 202, answer.text
    if audited:
        stack.settle()
    else:
        stack.jobs.drain(timeout=60)


def listed_product(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any], region: str = "US"
) -> str:
    """A product imported and uploaded, live on TikTok: its Shopify id."""
    connected(stack, monkeypatch, region)
    product_id = imported(stack, spec)
    upload(stack, product_id)
    assert ours(stack, product_id).status == "live"
    return product_id


def ours(stack: LocalStack, product_id: str) -> Product:
    product = stack.store.get_product(stack.shop, product_id)
    assert product is not None
    return product


def on_tiktok(stack: LocalStack, product_id: str) -> dict[str, Any]:
    listed: dict[str, Any] = stack.tiktok.products[ours(stack, product_id).tiktok_product_id or ""]
    return listed


def shown(stack: LocalStack, product_id: str) -> dict[str, Any]:
    items = stack.merchant_call("GET", "/v1/products", params={"limit": 100}).json()["items"]
    return dict(next(p for p in items if p["id"] == product_id))


def test_archived_in_shopify_goes_off_sale_on_tiktok_and_back_on_sale_when_active(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = listed_product(stack, monkeypatch, shirt())
    used = stack.store.get_plan(stack.shop).products_used  # type: ignore[union-attr]

    stack.shopify.send_product_update(stack.shop, product_id, status="ARCHIVED")
    stack.settle()
    assert on_tiktok(stack, product_id)["status"] == "SELLER_DEACTIVATED"
    page = shown(stack, product_id)
    assert (page["status"], page["shopify_status"]) == ("inactive", "ARCHIVED")

    stack.shopify.send_product_update(stack.shop, product_id, status="ACTIVE")
    stack.settle()
    assert on_tiktok(stack, product_id)["status"] == "ACTIVATE"
    assert (ours(stack, product_id).status, ours(stack, product_id).paused_in_shopify) == ("live", False)
    assert stack.store.get_plan(stack.shop).products_used == used  # type: ignore[union-attr]


def test_a_draft_is_neither_uploaded_by_upload_all_nor_auto_uploaded(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(stack, monkeypatch)
    stack.change_settings(auto_upload=True)
    creates = stack.tiktok.calls.get("products/create", 0)
    draft = stack.shopify.add_product(stack.shop, ProductSpec.model_validate({**shirt(), "status": "DRAFT"}))
    stack.settle()
    stack.merchant_call("POST", "/v1/products/upload", json={"all_not_uploaded": True})
    stack.settle()
    assert stack.tiktok.calls.get("products/create", 0) == creates
    assert ours(stack, str(draft.id)).status == "not_uploaded"

    # Made active in Shopify, it is auto-uploaded then.
    stack.shopify.send_product_update(stack.shop, draft.id, status="ACTIVE")
    stack.settle()
    assert stack.tiktok.calls.get("products/create", 0) == creates + 1
    assert ours(stack, str(draft.id)).status == "live"


def test_description_and_image_edits_reach_tiktok_once(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = listed_product(stack, monkeypatch, shirt())
    edits = stack.tiktok.calls.get("products/partial_edit", 0)
    images = stack.tiktok.calls.get("images/upload", 0)

    payload = stack.shopify.edit_product(
        stack.shop, product_id, description_html="<p>Washed linen, relaxed fit.</p>", add_image=True
    )
    for _ in range(3):  # delivered three times
        stack.shopify.send_webhook(stack.shop, "products/update", payload)
    stack.settle()

    listed = on_tiktok(stack, product_id)
    assert "Washed linen" in listed["description"]
    assert len(listed["main_images"]) == 2
    assert stack.tiktok.calls.get("products/partial_edit", 0) == edits + 1
    assert stack.tiktok.calls.get("images/upload", 0) == images + 1
    stored = ours(stack, product_id)
    assert stored.description == "<p>Washed linen, relaxed fit.</p>" and len(stored.images) == 2


def test_variants_added_removed_and_renamed_keep_their_tiktok_skus_orders_and_stock(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = listed_product(stack, monkeypatch, shirt())
    small, medium = stack.shopify.product(stack.shop, product_id).variants
    first_ids = {sku["seller_sku"]: sku["id"] for sku in on_tiktok(stack, product_id)["skus"]}

    # A variant added: a SKU on TikTok with its stock (Shopify's online locations, summed).
    stack.shopify.send_product_update(stack.shop, product_id, add_variant={"Size": "L"})
    stack.settle()
    large = next(
        v for v in stack.shopify.product(stack.shop, product_id).variants if v.id not in (small.id, medium.id)
    )
    skus = {sku["seller_sku"]: sku for sku in on_tiktok(stack, product_id)["skus"]}
    assert set(skus) == {"SHIRT-S", "SHIRT-M", large.sku}
    assert {k: skus[k]["id"] for k in ("SHIRT-S", "SHIRT-M")} == first_ids  # the others kept
    online = sum(q for loc, q in large.levels.items() if loc in _online(stack))
    assert sum(level["quantity"] for level in skus[large.sku]["inventory"]) == online

    # A variant removed: gone from TikTok.
    stack.shopify.send_product_update(stack.shop, product_id, remove_variant=small.id)
    stack.settle()
    assert {sku["seller_sku"] for sku in on_tiktok(stack, product_id)["skus"]} == {"SHIRT-M", large.sku}

    # A SKU text changed: the same TikTok SKU, renamed; orders and stock still find the variant.
    stack.shopify.send_product_update(stack.shop, product_id, skus={medium.id: "SHIRT-MEDIUM"})
    stack.settle()
    renamed = next(sku for sku in on_tiktok(stack, product_id)["skus"] if sku["id"] == first_ids["SHIRT-M"])
    assert renamed["seller_sku"] == "SHIRT-MEDIUM"
    assert dict(ours(stack, product_id).tiktok_skus)[str(medium.id)] == first_ids["SHIRT-M"]

    main = stack.shopify.locations(stack.shop)[0]
    stack.shopify.set_available(stack.shop, medium.inventory_item_id, main.id, 17)
    stack.settle()
    renamed = next(sku for sku in on_tiktok(stack, product_id)["skus"] if sku["id"] == first_ids["SHIRT-M"])
    expected = 17 + sum(q for loc, q in medium.levels.items() if loc in _online(stack) and loc != main.id)
    assert sum(level["quantity"] for level in renamed["inventory"]) == expected

    from connector.activities.order_lines import variant_sold
    from connector.clients.tiktok.models import TikTokLineItem

    line = TikTokLineItem(
        "l1", ours(stack, product_id).tiktok_product_id or "", first_ids["SHIRT-M"], "SHIRT-M", "20.00", ""
    )
    sold = variant_sold(ours(stack, product_id), line)  # TikTok's old SKU text on an order line
    assert sold is not None and sold.variant_id == str(medium.id)


def _online(stack: LocalStack) -> set[int]:
    return {
        location.id for location in stack.shopify.locations(stack.shop) if location.fulfills_online_orders
    }


def test_compare_at_price_is_the_list_price_and_the_rule_applies_to_both(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(stack, monkeypatch)
    stack.change_settings(price_rule={"kind": "percent", "direction": "up", "value": "10"})
    product_id = imported(stack, shirt())
    upload(stack, product_id)
    skus = on_tiktok(stack, product_id)["skus"]
    assert {(sku["price"]["sale_price"], sku["list_price"]["amount"]) for sku in skus} == {("22.00", "27.50")}

    # A new compare-at price alone reaches TikTok through Update Price.
    stack.shopify.send_product_update(stack.shop, product_id, compare_at_price=Decimal("30.00"))
    stack.settle()
    assert {sku["list_price"]["amount"] for sku in on_tiktok(stack, product_id)["skus"]} == {"33.00"}


def test_yen_prices_are_whole(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = shirt(price="1234.50", compare_at=None)
    connected(stack, monkeypatch, region="JP")
    stack.change_settings(price_rule={"kind": "percent", "direction": "up", "value": "10"})
    product_id = imported(stack, spec)
    upload(stack, product_id)
    skus = on_tiktok(stack, product_id)["skus"]
    assert {(sku["price"]["sale_price"], sku["price"]["currency"]) for sku in skus} == {("1358", "JPY")}


def test_a_rule_pricing_at_zero_fails_the_product_with_the_reason(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(stack, monkeypatch)
    stack.change_settings(price_rule={"kind": "fixed", "direction": "down", "value": "20"})
    product_id = imported(stack, shirt())
    creates = stack.tiktok.calls.get("products/create", 0)
    upload(stack, product_id)
    page = shown(stack, product_id)
    assert page["status"] == "failed"
    assert any("price rule" in m and "0.00 USD or less" in m for m in page["missing"]), page
    assert stack.tiktok.calls.get("products/create", 0) == creates  # never listed at 0.01


def test_an_update_delivered_before_its_create_is_still_auto_uploaded_once(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(stack, monkeypatch)
    stack.change_settings(auto_upload=True)
    creates = stack.tiktok.calls.get("products/create", 0)
    product = stack.shopify.add_product(stack.shop, ProductSpec.model_validate(shirt()), announce=False)
    created = product_payload(product)
    updated = stack.shopify.edit_product(stack.shop, product.id, title="Linen Shirt, washed")

    stack.shopify.send_webhook(stack.shop, "products/update", updated)
    stack.shopify.send_webhook(stack.shop, "products/create", created)
    stack.settle()

    assert stack.tiktok.calls.get("products/create", 0) == creates + 1
    assert on_tiktok(stack, str(product.id))["title"] == "Linen Shirt, washed"


def test_a_refused_edit_leaves_the_live_version_on_sale_with_its_slot_and_the_reason_shown(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_id = listed_product(stack, monkeypatch, shirt())
    used = stack.store.get_plan(stack.shop).products_used  # type: ignore[union-attr]

    stack.shopify.send_product_update(stack.shop, product_id, title="Linen Shirt [reject]")
    stack.settle()

    page = shown(stack, product_id)
    assert page["status"] == "live"
    assert page["edit_rejected_reason"] == "violate listing rules"
    assert page["failure_reason"] is None
    assert on_tiktok(stack, product_id)["status"] == "ACTIVATE"
    assert stack.store.get_plan(stack.shop).products_used == used  # type: ignore[union-attr]
    counts = stack.store.status_counts(stack.shop)
    assert counts == stack.store.recount(stack.shop)

    # A later edit that passes clears it. TikTok's times are whole seconds, and a refusal and an
    # approval of the same second settle for the refusal, whatever their order: a second passes.
    time.sleep(1.1)
    stack.shopify.send_product_update(stack.shop, product_id, title="Linen Shirt, washed")
    stack.settle()
    page = shown(stack, product_id)
    assert (page["status"], page["edit_rejected_reason"]) == ("live", None)


def test_a_price_rule_changed_while_a_listing_is_audited_reaches_it(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(stack, monkeypatch)
    spec = shirt(compare_at=None)
    product_id = imported(stack, spec)
    monkeypatch.setattr(stack.tiktok, "audit_delay_seconds", 1.5)
    upload(stack, product_id, audited=False)
    assert ours(stack, product_id).status == "pending"

    stack.change_settings(price_rule={"kind": "percent", "direction": "up", "value": "10"})
    stack.settle()

    assert ours(stack, product_id).status == "live"
    assert {sku["price"]["sale_price"] for sku in on_tiktok(stack, product_id)["skus"]} == {"22.00"}
