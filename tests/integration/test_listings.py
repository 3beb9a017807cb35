"""Listings TikTok Shop accepts, end to end through both contract-checking sandboxes: hosted images,
the shop's warehouse, a leaf category in the region's tree with its required attributes, sales
attributes per variant, the package, the region's currency; what is missing named per product,
fixed from the API, and listed on the next upload."""

from __future__ import annotations

from typing import Any

import pytest

from connector.dal.store import Store
from connector.values import replace
from connector.wiring import process_ports
from local.sandboxes.shopify_products import ProductSpec
from tests.helpers import LocalStack, change_plan, connect_to_sandbox, process_ports_with

pytestmark = pytest.mark.integration

SIZES, COLORS, MATERIALS = ["S", "M"], ["Black", "White"], ["Cotton", "Polyester"]


def three_option_top() -> dict[str, Any]:
    return {
        "title": "Everyday Knit Top",
        "description_html": "<p>Soft <strong>knit</strong> top.</p><img src='x.png'>",
        "product_type": "T-Shirt",
        "options": [
            {"name": "Size", "values": SIZES},
            {"name": "Color", "values": COLORS},
            {"name": "Material", "values": MATERIALS},
        ],
        "variants": [
            {
                "options": {"Size": size, "Color": color, "Material": material},
                "sku": f"TOP-{size}-{color[:3]}-{material[:3]}".upper(),
                "price": "24.00",
                "image": COLORS.index(color),  # one image per colour
                "weight": "0.3",
                "weight_unit": "KILOGRAMS",
            }
            for size in SIZES
            for color in COLORS
            for material in MATERIALS
        ],
        "images": [{}, {}],
    }


CATALOG: dict[str, dict[str, Any]] = {
    "candle": {
        "title": "Lavender Candle",
        "product_type": "Candle",
        "images": [{}],
        "variants": [{"sku": "CANDLE-1", "weight": "300"}],
    },
    "top": three_option_top(),
    # Women's Jackets require a Material, which this jacket does not say.
    "jacket": {
        "title": "Rain Jacket",
        "product_type": "Jacket",
        "options": [{"name": "Size", "values": SIZES}],
        "variants": [{"options": {"Size": s}, "sku": f"JACKET-{s}", "price": "80.00"} for s in SIZES],
        "images": [{}],
    },
    # An image beyond Upload Product Image's 4000 x 4000 px for a main image.
    "oversized": {
        "title": "Storage Box",
        "product_type": "Box",
        "images": [{"width": 5000, "height": 5000}],
        "variants": [{"sku": "BOX-1"}],
    },
}


def connected_shop(stack: LocalStack, region: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A shop of ``region`` whose Shopify catalog is CATALOG, imported: product ids by name."""
    monkeypatch.setattr(stack.shopify, "products_per_shop", 0)
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    connect_to_sandbox(stack.store, stack.shop, stack.tiktok, region=region)
    change_plan(stack.store, stack.shop, name="growth_plus")
    ids = {
        name: str(stack.shopify.add_product(stack.shop, ProductSpec.model_validate(spec), announce=False).id)
        for name, spec in CATALOG.items()
    }
    started = stack.merchant_call("POST", "/v1/imports").json()["activity"]
    stack.jobs.drain(timeout=60)
    assert stack.finished_activity(started["id"])["succeeded"] == len(CATALOG)
    stack.change_settings(package_dimensions={"length_cm": 30, "width_cm": 20, "height_cm": 10})
    return ids


def upload(stack: LocalStack, **selection: Any) -> None:
    answer = stack.merchant_call("POST", "/v1/products/upload", json=selection)
    assert answer.status_code == 202, answer.text
    stack.jobs.drain(timeout=60)
    assert stack.tiktok.wait_idle(timeout=30)
    stack.events.drain(timeout=30)
    stack.jobs.drain(timeout=30)


def product(stack: LocalStack, product_id: str) -> dict[str, Any]:
    listed = stack.merchant_call("GET", "/v1/products", params={"limit": 100}).json()["items"]
    return next(p for p in listed if p["id"] == product_id)


@pytest.mark.parametrize(("region", "currency", "version"), [("US", "USD", "v2"), ("GB", "GBP", "v1")])
def test_a_catalog_lists_as_tiktok_requires_and_what_is_missing_is_named_then_fixed(
    stack: LocalStack, store: Store, monkeypatch: pytest.MonkeyPatch, region: str, currency: str, version: str
) -> None:
    ids = connected_shop(stack, region, monkeypatch)
    uploads_before = stack.tiktok.calls.get("images/upload", 0)

    upload(stack, all_not_uploaded=True)

    assert product(stack, ids["candle"])["status"] == "live"
    assert product(stack, ids["top"])["status"] == "live"
    jacket = product(stack, ids["jacket"])
    assert jacket["status"] == "failed" and jacket["missing"] == ["attribute: Material"]
    assert "Material" in jacket["failure_reason"]
    oversized = product(stack, ids["oversized"])
    assert oversized["status"] == "failed"
    assert oversized["missing"] == ["image 1: 5000x5000 px, TikTok takes 300x300 to 4000x4000"]
    # Nothing was created for either, and their images went nowhere.
    created = {p["title"]: p for p in stack.tiktok.products.values() if p["shop_id"] in _shop_ids(stack)}
    assert set(created) == {"Lavender Candle", "Everyday Knit Top"}
    # The candle's image; the top's two, as gallery images and again as its colours' swatches
    # (ATTRIBUTE_IMAGE, which sku_img takes); the jacket stopped before its images were sent.
    assert stack.tiktok.calls.get("images/upload", 0) - uploads_before == 1 + 2 + 2
    top = created["Everyday Knit Top"]
    assert len(top["skus"]) == 8
    assert {sku["price"]["currency"] for sku in top["skus"]} == {currency}
    assert top["_category"] == {"id": "601226", "version": version}  # Women's Tops, TikTok's pick
    first = top["skus"][0]["sales_attributes"]
    assert ["sku_img" in attribute for attribute in first] == [False, True, False]  # on Color

    # The merchant fills the attribute from the listing form (driven by Get Attributes) ...
    form = stack.merchant_call("GET", f"/v1/products/{ids['jacket']}/listing").json()
    material = next(a for a in form["attributes"] if a["name"] == "Material")
    assert material["required"] and form["missing"] == ["attribute: Material"]
    cotton = next(v for v in material["values"] if v["name"] == "Cotton")
    chosen = {"attributes": [{"attribute_id": material["id"], "values": [{"value_id": cotton["id"]}]}]}
    answer = stack.merchant_call("PUT", f"/v1/products/{ids['jacket']}/listing", json=chosen)
    assert answer.status_code == 200, answer.text
    assert answer.json()["missing"] == [] and product(stack, ids["jacket"])["missing"] == []
    # ... the oversized image is replaced in Shopify ...
    image = stack.shopify.product(stack.shop, ids["oversized"]).images[0]
    image.width = image.height = 1200
    image.url = image.url.replace("v=1", "v=2")
    stack.shopify.send_product_update(stack.shop, ids["oversized"], title="Storage Box")
    stack.events.drain(timeout=30)

    # ... and the next upload lists both.
    upload(stack, product_ids=[ids["jacket"], ids["oversized"]])
    assert product(stack, ids["jacket"])["status"] == "live"
    assert product(stack, ids["oversized"])["status"] == "live"
    assert store.status_counts(stack.shop) == store.recount(stack.shop)


def test_a_listing_choice_tiktok_does_not_list_is_refused_and_nothing_is_kept(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    path = f"/v1/products/{ids['jacket']}/listing"
    unknown_value = {"attributes": [{"attribute_id": "101610", "values": [{"value_id": "999"}]}]}
    two_values = {
        "attributes": [
            {"attribute_id": "101610", "values": [{"value_id": "1024358"}, {"value_id": "1024359"}]}
        ]
    }
    sales_attribute = {"attributes": [{"attribute_id": "100000", "values": [{"value_id": "1001"}]}]}  # Color
    parent, unknown = {"category_id": "600001"}, {"category_id": "123"}  # Get Categories says why
    for wrong in (unknown_value, two_values, sales_attribute, parent, unknown):
        answer = stack.merchant_call("PUT", path, json=wrong)
        assert answer.status_code == 422, answer.text
    assert "not a leaf category" in stack.merchant_call("PUT", path, json=parent).text
    form = stack.merchant_call("GET", path).json()
    assert form["missing"] == ["attribute: Material"] and form["category_source"] == "recommended"


def test_a_product_type_mapped_once_places_its_products_and_a_parent_category_is_refused(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    settings = stack.change_settings()
    parent = [{"name": "Jacket", "category_id": "601152"}]
    answer = stack.merchant_call("PUT", "/v1/settings", json={**settings, "category_mappings": parent})
    assert answer.status_code == 422 and "not a leaf category" in answer.text
    stack.change_settings(category_mappings=[{"name": "jacket", "category_id": "601226"}])  # Women's Tops

    form = stack.merchant_call("GET", f"/v1/products/{ids['jacket']}/listing").json()
    assert (form["category_id"], form["category_source"], form["missing"]) == ("601226", "mapped", [])
    upload(stack, product_ids=[ids["jacket"]])
    assert product(stack, ids["jacket"])["status"] == "live"


def test_every_image_is_uploaded_once_across_an_upload_a_retried_chunk_and_syncs(
    stack: LocalStack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    uploads_before = stack.tiktok.calls.get("images/upload", 0)
    tiktok, stopped = process_ports().tiktok, []

    class StopsBeforeTheSecondCreate:  # the process dies once, the first product's images sent
        def __getattr__(self, name: str) -> Any:
            return getattr(tiktok, name)

        def for_shop(self, *args: Any, **kwargs: Any) -> Any:
            api = tiktok.for_shop(*args, **kwargs)
            create = api.create_product

            def create_or_stop(product: Any) -> Any:
                if product.title == "Everyday Knit Top" and not stopped:
                    stopped.append(product.title)
                    raise SystemError("process stopped")  # its images are on TikTok, it is not
                return create(product)

            api.create_product = create_or_stop
            return api

    with process_ports_with(tiktok=StopsBeforeTheSecondCreate()):
        upload(stack, product_ids=[ids["candle"], ids["top"]])  # the chunk runs again after the stop
    assert stopped and product(stack, ids["top"])["status"] == "live"
    once = 1 + 2 + 2  # the candle's image; the top's two as gallery images and as swatches
    assert stack.tiktok.calls.get("images/upload", 0) - uploads_before == once
    # Three Shopify edits, each synced to the listing.
    for n in range(3):
        stack.shopify.send_product_update(stack.shop, ids["top"], title=f"Everyday Knit Top {n}")
        stack.events.drain(timeout=30)
        stack.jobs.drain(timeout=30)
    assert stack.tiktok.calls.get("images/upload", 0) - uploads_before == once
    listed = [p for p in stack.tiktok.products.values() if p["shop_id"] in _shop_ids(stack)]
    assert [p["title"] for p in listed if p["title"].startswith("Everyday Knit Top")] == [
        "Everyday Knit Top 2"
    ]


def test_one_title_edit_makes_one_partial_edit_and_an_unchanged_product_none(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    upload(stack, product_ids=[ids["top"]])
    edits = stack.tiktok.calls.get("products/partial_edit", 0)
    stack.shopify.send_product_update(stack.shop, ids["top"], title="Everyday Knit Top II")
    stack.events.drain(timeout=30)
    stack.jobs.drain(timeout=30)
    activities = stack.merchant_call("GET", "/v1/activities", params={"state": "completed"}).json()
    assert stack.tiktok.calls.get("products/partial_edit", 0) == edits + 1, activities
    stack.shopify.send_product_update(stack.shop, ids["top"])  # Shopify's updated_at moves, nothing else
    stack.events.drain(timeout=30)
    stack.jobs.drain(timeout=30)
    assert stack.tiktok.calls.get("products/partial_edit", 0) == edits + 1


def _shop_ids(stack: LocalStack) -> set[str]:
    shop = stack.store.get_shop(stack.shop)
    assert shop is not None and shop.tiktok_shop_id is not None
    return {shop.tiktok_shop_id}


def test_the_audit_webhook_carries_the_verdict_and_a_pre_approval_waits_on_the_seller(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    (tiktok_shop,) = _shop_ids(stack)
    stack.tiktok.set_kyc_pending(tiktok_shop, True)
    profile = stack.store.get_shop(stack.shop)
    assert profile is not None
    # Audits arrive as type 37 only: the shop's type-5 webhook is deleted through TikTok's API.
    process_ports().tiktok_api(profile).delete_shop_webhook("PRODUCT_STATUS_CHANGE")
    reads = stack.tiktok.calls.get("products/get", 0)
    upload(stack, product_ids=[ids["candle"]])
    candle = product(stack, ids["candle"])
    assert candle["status"] == "pending"
    assert candle["waiting_reason"] == "TikTok Shop is waiting for your seller verification (KYC) to complete"

    stack.tiktok.set_kyc_pending(tiktok_shop, False)  # TikTok audits its pre-approved products again
    assert stack.tiktok.wait_idle(timeout=30)
    stack.events.drain(timeout=30)
    stack.jobs.drain(timeout=30)
    candle = product(stack, ids["candle"])
    assert candle["status"] == "live" and candle["waiting_reason"] is None
    assert stack.tiktok.calls.get("products/get", 0) == reads  # the webhooks said it all


def test_stock_goes_to_the_warehouses_the_merchant_maps_shopify_locations_to(
    stack: LocalStack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connector import schedules
    from connector.wiring import process_ports

    ids = connected_shop(stack, "US", monkeypatch)
    (tiktok_shop,) = _shop_ids(stack)
    overflow = stack.tiktok.add_warehouse(tiktok_shop, "Overflow")
    profile = store.get_shop(stack.shop)
    assert profile is not None
    assert schedules.refresh_warehouses(process_ports(), profile, 0) == 1  # the daily read
    settings = stack.merchant_call("GET", "/v1/settings").json()
    default = next(w["id"] for w in settings["warehouses"] if w["is_default"])
    main, second, retail = stack.shopify.locations(stack.shop)
    assert [loc["id"] for loc in settings["locations"]] == [str(main.id), str(second.id), str(retail.id)]
    mapping = [
        {"location_id": str(main.id), "warehouse_id": default},
        {"location_id": str(second.id), "warehouse_id": overflow},
    ]  # the retail shop's stock stays out of TikTok
    stack.change_settings(location_warehouses=mapping)
    candle = stack.shopify.product(stack.shop, ids["candle"]).variants[0]
    candle.levels = {main.id: 4, second.id: 6, retail.id: 9}

    upload(stack, product_ids=[ids["candle"]])

    tiktok_id = store.get_product(stack.shop, ids["candle"]).tiktok_product_id  # type: ignore[union-attr]
    (sku,) = stack.tiktok.products[tiktok_id or ""]["skus"]
    assert sorted((level["warehouse_id"], level["quantity"]) for level in sku["inventory"]) == sorted(
        [(default, 4), (overflow, 6)]
    )
    unknown = [{"location_id": str(main.id), "warehouse_id": "1"}]
    answer = stack.merchant_call(
        "PUT", "/v1/settings", json={**stack.change_settings(), "location_warehouses": unknown}
    )
    assert answer.status_code == 422


def test_a_mapping_to_a_category_tiktok_no_longer_has_fails_the_product_with_the_reason(
    stack: LocalStack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    shop = store.get_shop(stack.shop)
    assert shop is not None  # a mapping kept from before TikTok retired the category
    gone = replace(shop.settings, category_mappings=(("Candle", "699999"),))
    store.save_settings(stack.shop, gone)
    upload(stack, product_ids=[ids["candle"]])
    candle = product(stack, ids["candle"])
    assert candle["status"] == "failed"
    assert candle["missing"] == ["category: 699999 is not a TikTok Shop category in US"]


def test_stock_changed_during_the_audit_reaches_tiktok_when_the_listing_goes_live(
    stack: LocalStack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = connected_shop(stack, "US", monkeypatch)
    monkeypatch.setattr(stack.tiktok, "audit_delay_seconds", 1.5)
    answer = stack.merchant_call("POST", "/v1/products/upload", json={"product_ids": [ids["candle"]]})
    assert answer.status_code == 202
    stack.jobs.drain(timeout=30)
    candle = store.get_product(stack.shop, ids["candle"])
    assert candle is not None and candle.tiktok_status == "PENDING"
    # While TikTok audits it, Shopify's stock changes.
    variant = stack.shopify.product(stack.shop, ids["candle"]).variants[0]
    updates = stack.tiktok.calls.get("products/inventory", 0)
    main = stack.shopify.locations(stack.shop)[0]
    stack.shopify.set_available(stack.shop, variant.inventory_item_id, main.id, 42)
    stack.events.drain(timeout=30)
    stack.jobs.drain(timeout=30)
    assert stack.tiktok.calls.get("products/inventory", 0) == updates  # not live: held back
    held = store.get_product(stack.shop, ids["candle"])
    assert held is not None and held.stock_held

    assert stack.tiktok.wait_idle(timeout=30)  # the audit passes, its webhook comes
    stack.events.drain(timeout=30)
    stack.jobs.drain(timeout=30)

    live = store.get_product(stack.shop, ids["candle"])
    assert live is not None and live.tiktok_status == "ACTIVATE" and not live.stock_held
    (sku,) = stack.tiktok.products[live.tiktok_product_id or ""]["skus"]
    assert [level["quantity"] for level in sku["inventory"]] == [42]
    assert stack.tiktok.calls.get("products/inventory", 0) == updates + 1
