"""The listing builder: a product's TikTok listing from Shopify's facts, the merchant's choices and
what TikTok's category and region require; what is missing is named before any call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector.clients.tiktok.models import AttributeValue, CategoryAttribute, CategoryRules
from connector.domain.entities import (
    AttributeChoice,
    Direction,
    ListingChoices,
    PackageDimensions,
    PriceRuleKind,
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
    everything_missing,
    problems_before_any_call,
    sku_prices,
)
from connector.listing.html import tiktok_description
from connector.listing.regions import Region
from connector.values import replace

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
    return replace(product, **changes)


def inputs(**changes: object) -> ListingInputs:
    stock = {"i1": {"7001": 5}, "i2": {"7001": 0}}
    base = ListingInputs(
        Region("US"), "7001", JACKETS, image_uris=IMAGES, attribute_image_uris=SWATCHES, stock=stock
    )
    return replace(base, **changes)


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
    uk = replace(SHOP, tiktok_region="GB")
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
    no_size = replace(SHOP, settings=SyncSettings())
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
    body = build_listing(replace(no_material, listing=chosen), no_size, inputs(), "k")
    assert body.to_body()["product_attributes"] == [{"id": "101610", "values": [{"id": "1024358"}]}]


def test_what_no_call_can_fix_is_found_from_the_product_alone() -> None:
    bad = jacket(
        title=" ",
        images=(),
        variants=(Variant("v1", "A B", Decimal("0"), 1, "i1", ("S",), None, None),),
    )
    assert problems_before_any_call(bad, SHOP.settings, Region("US")) == [
        "title: at least 1 character",
        "images: at least one product image",
        "price: every variant needs a price above zero",
        "SKU: 'A B' of variant 'S': at most 50 characters and no spaces",
        "weight: set the variants' weight in Shopify",
    ]
    # Outside the few markets that take short titles, TikTok wants 25 characters at least.
    assert (
        problems_before_any_call(jacket(), SHOP.settings, Region("MY"))[0] == "title: at least 25 characters"
    )


def settings(kind: PriceRuleKind, direction: Direction, value: str) -> SyncSettings:
    return replace(
        SHOP.settings, price_rule_kind=kind, price_rule_direction=direction, price_rule_value=Decimal(value)
    )


def test_a_price_rule_that_leaves_nothing_to_charge_fails_the_product_naming_the_variant() -> None:
    # 40 and 42 less 41: the first variant would cost -1.00, never a cent.
    rule = settings(PriceRuleKind.FIXED, Direction.DOWN, "41")
    assert problems_before_any_call(jacket(), rule, Region("US")) == [
        "price: the price rule makes variant 'S / Black / Cotton' cost 0.00 USD or less"
    ]
    shop = replace(SHOP, settings=rule)
    with pytest.raises(ListingIncompleteError) as refused:
        build_listing(jacket(), shop, inputs(), "key")
    assert refused.value.missing[0].startswith("price: the price rule makes variant 'S / Black / Cotton'")
    # In yen, 0.4 rounds to nothing: whole amounts, and the zero is named in them.
    yen = jacket(variants=(replace(jacket().variants[0], price=Decimal("0.4")),))
    assert problems_before_any_call(yen, SHOP.settings, Region("JP")) == [
        "price: the price rule makes variant 'S / Black / Cotton' cost 0 JPY or less"
    ]
    # A Shopify price of zero keeps its own reason, not a second one for the rule.
    free = jacket(variants=(replace(jacket().variants[0], price=Decimal("0")), jacket().variants[1]))
    assert [p for p in everything_missing(free, SHOP, inputs()) if p.startswith("price")] == [
        "price: every variant needs a price above zero"
    ]


def test_a_price_outside_the_regions_range_fails_the_product_naming_the_range() -> None:
    # product-pricing.json, local sellers: Thailand 30 - 260,000, the United States 0.01 - 7,600.
    def price_problems(product: Product, region: str, rule: SyncSettings = SHOP.settings) -> list[str]:
        return [p for p in problems_before_any_call(product, rule, Region(region)) if p.startswith("price")]

    assert price_problems(jacket(), "TH") == []
    cheap = jacket(variants=(replace(jacket().variants[0], price=Decimal("29.99")),))
    assert price_problems(cheap, "TH") == [
        "price: variant 'S / Black / Cotton' would cost 29.99 THB; TikTok Shop takes 30 to 260,000 THB"
    ]
    dear = settings(PriceRuleKind.PERCENT, Direction.UP, "18800")  # 40 -> 7560.00, 42 -> 7938.00
    assert price_problems(jacket(), "US", dear) == [
        "price: variant 'M / Red / Cotton' would cost 7938.00 USD; TikTok Shop takes 0.01 to 7,600 USD"
    ]


def test_the_listing_prices_in_whole_yen() -> None:
    japan = replace(SHOP, tiktok_region="JP", settings=settings(PriceRuleKind.PERCENT, Direction.UP, "10"))
    product = jacket(variants=(replace(jacket().variants[0], price=Decimal("1234.5")), jacket().variants[1]))
    first, second = build_listing(product, japan, inputs(region=Region("JP")), "key").to_body()["skus"]
    assert first["price"] == {"amount": "1358", "currency": "JPY"}
    assert second["price"] == {"amount": "46", "currency": "JPY"}  # 46.2


def test_a_compare_at_price_becomes_the_us_list_price_under_the_same_rule() -> None:
    rule = settings(PriceRuleKind.PERCENT, Direction.UP, "10")
    on_sale = replace(jacket().variants[0], compare_at_price=Decimal("50"))
    assert sku_prices(on_sale, rule, Region("US")) == ("44.00", "55.00")
    # Only the US takes a list price.
    assert sku_prices(on_sale, rule, Region("GB")) == ("44.00", "")
    assert sku_prices(replace(on_sale, price=Decimal("1000")), rule, Region("JP")) == ("1100", "")
    # Not above the price: TikTok discards a lower one and an equal one says nothing.
    assert sku_prices(replace(on_sale, compare_at_price=Decimal("40")), rule, Region("US"))[1] == ""
    assert sku_prices(replace(on_sale, compare_at_price=Decimal("30")), rule, Region("US"))[1] == ""
    # Above TikTok's [0.01, 7600].
    assert sku_prices(replace(on_sale, compare_at_price=Decimal("7000")), rule, Region("US"))[1] == ""
    assert sku_prices(replace(on_sale, compare_at_price=None), rule, Region("US"))[1] == ""

    product = jacket(variants=(on_sale, jacket().variants[1]))
    first, second = build_listing(product, replace(SHOP, settings=rule), inputs(), "key").to_body()["skus"]
    assert first["list_price"] == {"amount": "55.00", "currency": "USD"}
    assert "list_price" not in second


def test_every_variant_needs_a_sku_of_its_own() -> None:
    first, second = jacket().variants
    no_sku = jacket(variants=(replace(first, sku=""), second))
    assert problems_before_any_call(no_sku, SHOP.settings, Region("US")) == [
        "SKU: variant 'S / Black / Cotton' has none; set one in Shopify"
    ]
    shared = jacket(variants=(first, replace(second, sku=first.sku)))
    assert problems_before_any_call(shared, SHOP.settings, Region("US")) == [
        "SKU: 'RJ-S-BLK' is on variants 'S / Black / Cotton', 'M / Red / Cotton'; each needs its own"
    ]
    long = jacket(variants=(replace(first, sku="X" * 51), second))
    assert problems_before_any_call(long, SHOP.settings, Region("US")) == [
        f"SKU: '{'X' * 51}' of variant 'S / Black / Cotton': at most 50 characters and no spaces"
    ]
    # The only, default variant is named by the product's title.
    single = jacket(option_names=("Title",), variants=(replace(first, sku="", options=("Default Title",)),))
    assert problems_before_any_call(single, SHOP.settings, Region("US")) == [
        "SKU: variant 'Rain Jacket' has none; set one in Shopify"
    ]


def test_the_description_is_html_reduced_to_what_a_listing_takes_and_stable() -> None:
    shopify = "<div><h2 style='x'>Care</h2><p>Wash <em>cold</em></p><iframe src=x></iframe></div>"
    once = tiktok_description(shopify, "T")
    assert once == "<div><h2>Care</h2><p>Wash <em>cold</em></p></div>"
    assert tiktok_description(once, "T") == once  # what was sent compares equal to what would be
    assert tiktok_description("<p> </p>", "Mug & Co") == "<p>Mug &amp; Co</p>"
