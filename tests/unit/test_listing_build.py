"""The listing builder: a product's TikTok listing from Shopify's facts, the merchant's choices and
what TikTok's category and region require; what is missing is named before any call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector.clients.tiktok.models import AttributeValue, CategoryAttribute, CategoryRules
from connector.domain.entities import (
    AttributeChoice,
    ListingChoices,
    PackageDimensions,
    Product,
    ProductImage,
    Shop,
    SyncSettings,
    Variant,
    Warehouse,
)
from connector.listing.build import (
    CategoryFacts,
    ListingIncompleteError,
    ListingInputs,
    build_listing,
    problems_before_any_call,
)
from connector.listing.html import tiktok_description
from connector.listing.regions import Region

COLOR = CategoryAttribute(
    "100000", "Color", "SALES_PROPERTY", False, False, True, (AttributeValue("1001", "Black"),)
)
MATERIAL = CategoryAttribute(
    "101610", "Material", "PRODUCT_PROPERTY", True, False, False, (AttributeValue("1024358", "Cotton"),)
)
RULES = CategoryRules(
    package_dimensions_required=False,
    size_chart_required=False,
    size_chart_supported=False,
    certifications=(),
)
JACKETS = CategoryFacts("601227", "v2", (COLOR, MATERIAL), RULES)
SHOP = Shop(
    "mugs.myshopify.com",
    tiktok_region="US",
    tiktok_warehouses=(Warehouse("7001", "Main", is_default=True),),
    settings=SyncSettings(package_dimensions=PackageDimensions(30, 20, 10)),
)
IMAGES = {"11": "tos-uri-11", "12": "tos-uri-12"}
SWATCHES = {"11": "tos-attribute-11", "12": "tos-attribute-12"}  # the same files, as ATTRIBUTE_IMAGE


def jacket(**changes: object) -> Product:
    product = Product(
        shop=SHOP.domain,
        shopify_product_id="1",
        title="Rain Jacket",
        status="not_uploaded",
        status_time=0,
        variants=(
            Variant("v1", "RJ-S-BLK", Decimal("40"), 3, "i1", ("S", "Black", "Cotton"), "11", Decimal("500")),
            Variant("v2", "RJ-M-RED", Decimal("42"), 0, "i2", ("M", "Red", "Cotton"), "12", Decimal("650")),
        ),
        description="<p>Keeps you <b>dry</b>.<img src='https://cdn.shopify.com/a.png'></p><script>x()</script>",
        images=(
            ProductImage("11", "https://cdn.shopify.com/11.png"),
            ProductImage("12", "https://cdn.shopify.com/12.png"),
        ),
        option_names=("Size", "Color", "Material"),
        product_type="Jacket",
        vendor="Sandbox Supply Co.",
    )
    return Product(**{**product.__dict__, **changes})  # type: ignore[arg-type]


def inputs(**changes: object) -> ListingInputs:
    stock = {"i1": {"7001": 5}, "i2": {"7001": 0}}
    base = ListingInputs(
        Region("US"), "7001", JACKETS, image_uris=IMAGES, attribute_image_uris=SWATCHES, stock=stock
    )
    return ListingInputs(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_a_multi_variant_product_lists_with_sales_attributes_images_package_and_region() -> None:
    body = build_listing(jacket(), SHOP, inputs(), "key").to_body()

    assert body["category_id"] == "601227" and body["category_version"] == "v2"
    assert body["main_images"] == [{"uri": "tos-uri-11"}, {"uri": "tos-uri-12"}]
    assert body["package_weight"] == {"value": "0.650", "unit": "KILOGRAM"}
    assert body["package_dimensions"] == {"length": "30", "width": "20", "height": "10", "unit": "CENTIMETER"}
    assert body["product_attributes"] == [{"id": "101610", "values": [{"id": "1024358"}]}]
    assert body["description"] == "<p>Keeps you <b>dry</b>.</p>"
    first, second = body["skus"]
    assert first["price"] == {"amount": "40.00", "currency": "USD"}
    assert first["inventory"] == [{"warehouse_id": "7001", "quantity": 5}]
    assert second["inventory"] == [{"warehouse_id": "7001"}]  # out of stock: TikTok's range starts at 1


def test_stock_goes_to_each_warehouse_its_shopify_locations_are_mapped_to() -> None:
    stock = {"i1": {"7001": 5, "7002": 120_000}, "i2": {"7001": 0, "7002": 2}}
    first, second = build_listing(jacket(), SHOP, inputs(stock=stock), "key").to_body()["skus"]
    assert first["inventory"] == [
        {"warehouse_id": "7001", "quantity": 5},
        {"warehouse_id": "7002", "quantity": 99_999},  # TikTok's range ends there
    ]
    assert second["inventory"] == [{"warehouse_id": "7001"}, {"warehouse_id": "7002", "quantity": 2}]
    # Size is custom; Color is TikTok's own attribute, Black its own value, Red a custom one.
    assert [a.get("name") or a.get("id") for a in first["sales_attributes"]] == ["Size", "100000", "Material"]
    assert first["sales_attributes"][1]["value_id"] == "1001"
    assert second["sales_attributes"][1]["value_name"] == "Red"
    # Images go on the first option whose every value has one image of its own.
    assert first["sales_attributes"][0]["sku_img"] == {"uri": "tos-attribute-11"}
    assert "sku_img" not in first["sales_attributes"][1]


def test_the_region_decides_the_currency_and_the_category_tree() -> None:
    uk = Shop(**{**SHOP.__dict__, "tiktok_region": "GB"})  # type: ignore[arg-type]
    body = build_listing(jacket(), uk, inputs(region=Region("GB")), "key").to_body()
    assert {sku["price"]["currency"] for sku in body["skus"]} == {"GBP"}
    assert Region("GB").category_version == "v1" and Region("US").category_version == "v2"


def test_missing_attributes_and_package_are_named_before_anything_is_sent() -> None:
    no_material = jacket(
        option_names=("Size", "Color"),
        variants=tuple(
            Variant(
                v.variant_id,
                v.sku,
                v.price,
                v.inventory,
                v.inventory_item_id,
                v.options[:2],
                v.image_id,
                v.weight_grams,
            )
            for v in jacket().variants
        ),
    )
    no_size = Shop(**{**SHOP.__dict__, "settings": SyncSettings()})  # type: ignore[arg-type]
    with pytest.raises(ListingIncompleteError) as refused:
        build_listing(no_material, no_size, inputs(), "key")
    assert refused.value.missing == (
        "attribute: Material",
        "package dimensions: set them for the product or as the shop's default",
    )

    chosen = ListingChoices(
        attributes=(AttributeChoice("101610", value_id="1024358"),),
        package_dimensions=PackageDimensions(10, 10, 5),
    )
    body = build_listing(
        no_material.__class__(**{**no_material.__dict__, "listing": chosen}), no_size, inputs(), "k"
    )
    assert body.to_body()["product_attributes"] == [{"id": "101610", "values": [{"id": "1024358"}]}]


def test_what_no_call_can_fix_is_found_from_the_product_alone() -> None:
    bad = jacket(
        title=" ",
        images=(),
        variants=(Variant("v1", "A B", Decimal("0"), 1, "i1", ("S",), None, None),),
    )
    assert problems_before_any_call(bad, Region("US")) == [
        "title: at least 1 character",
        "images: at least one product image",
        "price: every variant needs a price above zero",
        "SKU: at most 50 characters and no spaces",
        "weight: set the variants' weight in Shopify",
    ]
    # Outside the few markets that take short titles, TikTok wants 25 characters at least.
    assert problems_before_any_call(jacket(), Region("MY"))[0] == "title: at least 25 characters"


def test_the_description_is_html_reduced_to_what_a_listing_takes_and_stable() -> None:
    shopify = "<div><h2 style='x'>Care</h2><p>Wash <em>cold</em></p><iframe src=x></iframe></div>"
    once = tiktok_description(shopify, "T")
    assert once == "<div><h2>Care</h2><p>Wash <em>cold</em></p></div>"
    assert tiktok_description(once, "T") == once  # what was sent compares equal to what would be
    assert tiktok_description("<p> </p>", "Mug & Co") == "<p>Mug &amp; Co</p>"
