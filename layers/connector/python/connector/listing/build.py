"""A product's TikTok listing, built from what Shopify says of it, what the merchant chose, and what
TikTok requires of its category and region. Pure: every fact from TikTok comes in as an argument,
so what is missing is known, and named to the merchant, before anything is sent.

Rules from TikTok's Create Product reference (product/202309/products): up to 9 main images; a SKU
per variant, with ``sales_attributes`` when there is more than one SKU (at most 3 kinds, the same
kinds on every SKU, ``sku_img`` on one kind only and then for each of its values); a quantity in
[1, 99,999] or none; a ``seller_sku`` of 1-50 characters without spaces; a price in the region's
allowed range (Product pricing), a ``list_price`` in the US only; ``package_weight`` always;
``package_dimensions`` outside ID, TH and VN or when Get Category Rules requires them, in the same
measurement system as the weight; the product attributes Get Attributes marks required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_UP, Decimal

from connector.clients.tiktok.models import (
    MAX_QUANTITY,
    AttributeValue,
    CategoryAttribute,
    CategoryRules,
    InventoryLevel,
    NewProduct,
    NewSku,
    PackageDimensions,
    ProductAttribute,
    SalesAttribute,
)
from connector.domain.entities import Product, Shop, SyncSettings, Variant
from connector.domain.pricing import tiktok_price, tiktok_quantity
from connector.listing.facts import CategoryFacts
from connector.listing.html import tiktok_description
from connector.listing.regions import Region
from connector.values import Value

MAX_IMAGES = 9
MAX_SALES_ATTRIBUTES = 3
MAX_SALES_ATTRIBUTE_NAME, MAX_SALES_ATTRIBUTE_VALUE = 20, 50
MAX_SELLER_SKU = 50
SALES_PROPERTY, PRODUCT_PROPERTY = "SALES_PROPERTY", "PRODUCT_PROPERTY"
# Shopify's one option of a product without variants of its own.
DEFAULT_OPTION = ("Title", "Default Title")
KILOGRAM, CENTIMETER = "KILOGRAM", "CENTIMETER"
GRAMS_PER_KILOGRAM = Decimal(1000)
GRAM_PRECISION = Decimal("0.001")  # KILOGRAM takes up to 3 decimal places


class ListingInputs(Value, frozen=True):
    """The TikTok side of a listing, read before it is built."""

    region: Region
    warehouse_id: str
    category: CategoryFacts
    brand_id: str = ""
    image_uris: Mapping[str, str] | None = None  # Shopify image id -> TikTok uri (MAIN_IMAGE)
    attribute_image_uris: Mapping[str, str] | None = None  # the same for sku_img (ATTRIBUTE_IMAGE)
    # inventory item id -> TikTok warehouse id -> stock of the Shopify locations mapped to it
    stock: Mapping[str, Mapping[str, int]] | None = None


class ListingIncompleteError(Exception):
    """The product lacks what TikTok requires: ``missing`` names each thing, for the merchant;
    ``category_id`` is the category it was judged in, when one was found."""

    def __init__(self, missing: Sequence[str], category_id: str | None = None) -> None:
        super().__init__("; ".join(missing))
        self.missing = tuple(missing)
        self.category_id = category_id


def problems_before_any_call(product: Product, settings: SyncSettings, region: Region) -> list[str]:
    """What no TikTok call can make good, found from the product and the merchant's settings."""
    problems = []
    low = region.title_length[0]
    if len(product.title.strip()) < low:
        problems.append(f"title: at least {low} character{'s' if low > 1 else ''}")
    if not product.variants:
        problems.append("variants: the product has none")
    if not product.images:
        problems.append("images: at least one product image")
    if any(variant.price <= 0 for variant in product.variants):
        problems.append("price: every variant needs a price above zero")
    if region.known:  # an unknown region is named by the maker; it has no prices to check against
        problems += price_problems(product, settings, region)
    if len(sales_option_names(product)) > MAX_SALES_ATTRIBUTES:
        problems.append(f"options: TikTok Shop takes at most {MAX_SALES_ATTRIBUTES}")
    problems += sku_problems(product)
    if package_weight_kg(product) is None:
        problems.append("weight: set the variants' weight in Shopify")
    return problems


def variant_name(product: Product, variant: Variant) -> str:
    """The variant as the merchant knows it: its option values, or the product's title when it is
    the product's only, default variant."""
    if variant.options and variant.options != DEFAULT_OPTION[1:]:
        return " / ".join(variant.options)
    return product.title.strip() or variant.variant_id


def price_problems(product: Product, settings: SyncSettings, region: Region) -> list[str]:
    """Variants the price rule prices at nothing, or outside the region's allowed range
    (product-pricing.json, local sellers). Variants without a Shopify price are named apart."""
    low, high = region.price_range
    currency, zero = region.currency, f"{Decimal(0):.{region.decimals}f}"
    problems = []
    for variant in product.variants:
        if variant.price <= 0:
            continue
        price = tiktok_price(variant.price, settings, region.decimals)
        name = variant_name(product, variant)
        if price <= 0:
            problems.append(f"price: the price rule makes variant '{name}' cost {zero} {currency} or less")
        elif not low <= price <= high:
            problems.append(
                f"price: variant '{name}' would cost {price} {currency}; "
                f"TikTok Shop takes {low:,} to {high:,} {currency}"
            )
    return problems


def sku_problems(product: Product) -> list[str]:
    """Each variant needs a SKU of its own (TikTok's seller_sku: 1-50 characters, no spaces): the
    SKU is what a TikTok order line and its stock are matched to the variant by."""
    problems: list[str] = []
    names_by_sku: dict[str, list[str]] = {}
    for variant in product.variants:
        name, sku = variant_name(product, variant), seller_sku(variant)
        if not sku:
            problems.append(f"SKU: variant '{name}' has none; set one in Shopify")
            continue
        if len(sku) > MAX_SELLER_SKU or any(c.isspace() for c in sku):
            problems.append(
                f"SKU: '{sku}' of variant '{name}': at most {MAX_SELLER_SKU} characters and no spaces"
            )
        names_by_sku.setdefault(sku, []).append(name)
    for sku, names in names_by_sku.items():
        if len(names) > 1:
            shared = ", ".join(f"'{name}'" for name in names)
            problems.append(f"SKU: '{sku}' is on variants {shared}; each needs its own")
    return problems


def seller_sku(variant: Variant) -> str:
    """The variant's Shopify SKU, as it is: sku_problems names one TikTok would refuse."""
    return variant.sku


def sku_prices(variant: Variant, settings: SyncSettings, region: Region) -> tuple[str, str]:
    """The SKU's price and list price ("" for none), as TikTok takes them: the price rule applied to
    Shopify's price and compare-at price alike, so the strikethrough keeps its relation to the price,
    each rounded to the currency's decimals. A list price only where the region takes one, within
    its range, and above the price (Create Product, Update Price: a lower one "will be discarded";
    an equal one says nothing)."""
    price = tiktok_price(variant.price, settings, region.decimals)
    bounds = region.list_price_range
    if variant.compare_at_price is None or bounds is None:
        return str(price), ""
    list_price = tiktok_price(variant.compare_at_price, settings, region.decimals)
    wanted = price < list_price and bounds[0] <= list_price <= bounds[1]
    return str(price), str(list_price) if wanted else ""


def sales_option_names(product: Product) -> tuple[str, ...]:
    """The options that tell the SKUs apart (none for a product of one variant)."""
    if len(product.variants) < 2 or product.option_names == DEFAULT_OPTION[:1]:
        return ()
    return product.option_names


def package_weight_kg(product: Product) -> Decimal | None:
    """The heaviest variant's weight: a package holds any of them."""
    weights = [v.weight_grams for v in product.variants if v.weight_grams and v.weight_grams > 0]
    if not weights:
        return None
    return (max(weights) / GRAMS_PER_KILOGRAM).quantize(GRAM_PRECISION, rounding=ROUND_UP)


def product_attributes(
    product: Product, attributes: Sequence[CategoryAttribute]
) -> tuple[tuple[ProductAttribute, ...], list[str]]:
    """The category's product attributes the product can fill (the merchant's choice first, then a
    Shopify option of the same name, then the vendor for a brand-like attribute), and the names of
    the required ones still missing."""
    chosen: dict[str, list[AttributeValue]] = {}
    for choice in product.listing.attributes:
        chosen.setdefault(choice.attribute_id, []).append(AttributeValue(choice.value_id, choice.value_name))
    filled, missing = [], []
    for attribute in attributes:
        if attribute.type != PRODUCT_PROPERTY:
            continue
        values = chosen.get(attribute.attribute_id) or _from_options(product, attribute)
        if values:
            filled.append(ProductAttribute(attribute.attribute_id, tuple(values)))
        elif attribute.required:
            missing.append(f"attribute: {attribute.name}")
    return tuple(filled), missing


def _from_options(product: Product, attribute: CategoryAttribute) -> list[AttributeValue]:
    names = [name.casefold() for name in product.option_names]
    if attribute.name.casefold() not in names:
        return []
    position = names.index(attribute.name.casefold())
    given = list(dict.fromkeys(v.options[position] for v in product.variants if len(v.options) > position))
    if len(given) > 1 and not attribute.multiple:
        return []  # one value is wanted and the variants disagree: the merchant chooses
    values = [_value(attribute, name) for name in given]
    return [] if any(value is None for value in values) else [v for v in values if v is not None]


def _value(attribute: CategoryAttribute, name: str) -> AttributeValue | None:
    """A listed value of that name, else the name itself where the attribute takes custom values."""
    for value in attribute.values:
        if value.value_name.casefold() == name.casefold():
            return AttributeValue(value_id=value.value_id)
    return AttributeValue(value_name=name) if attribute.customizable else None


def sales_attributes(
    product: Product, attributes: Sequence[CategoryAttribute], image_uris: Mapping[str, str]
) -> dict[str, tuple[SalesAttribute, ...]]:
    """Each variant's sales attributes, by variant id: TikTok's built-in attribute and value where
    the names match, custom ones otherwise; variant images on the first option whose every value
    has one image of its own (TikTok takes images on one kind of attribute, for all its values)."""
    names = sales_option_names(product)
    if not names:
        return {}
    built_in = {a.name.casefold(): a for a in attributes if a.type == SALES_PROPERTY}
    imaged = _imaged_option(product, len(names), image_uris)
    by_variant: dict[str, tuple[SalesAttribute, ...]] = {}
    for variant in product.variants:
        entries = []
        for position, name in enumerate(names):
            value = variant.options[position] if position < len(variant.options) else ""
            attribute = built_in.get(name.casefold())
            value_id = ""
            if attribute is not None:
                value_id = next(
                    (v.value_id for v in attribute.values if v.value_name.casefold() == value.casefold()), ""
                )
            image = image_uris.get(variant.image_id or "", "") if position == imaged else ""
            entries.append(
                SalesAttribute(
                    name="" if attribute else name[:MAX_SALES_ATTRIBUTE_NAME],
                    value_name="" if value_id else value[:MAX_SALES_ATTRIBUTE_VALUE],
                    attribute_id=attribute.attribute_id if attribute else "",
                    value_id=value_id,
                    image_uri=image,
                )
            )
        by_variant[variant.variant_id] = tuple(entries)
    return by_variant


def _imaged_option(product: Product, count: int, image_uris: Mapping[str, str]) -> int | None:
    for position in range(count):
        image_of: dict[str, str | None] = {}
        consistent = True
        for variant in product.variants:
            value = variant.options[position] if position < len(variant.options) else ""
            image = variant.image_id if variant.image_id in image_uris else None
            if image is None or image_of.setdefault(value, image) != image:
                consistent = False
                break
        if consistent:
            return position
    return None


def dimensions_problem(product: Product, shop: Shop, region: Region, rules: CategoryRules) -> str | None:
    if package_dimensions(product, shop) is not None:
        return None
    if region.dimensions_optional and not rules.package_dimensions_required:
        return None
    return "package dimensions: set them for the product or as the shop's default"


def package_dimensions(product: Product, shop: Shop) -> PackageDimensions | None:
    chosen = product.listing.package_dimensions or shop.settings.package_dimensions
    if chosen is None:
        return None
    return PackageDimensions(str(chosen.length_cm), str(chosen.width_cm), str(chosen.height_cm), CENTIMETER)


def missing_for(product: Product, shop: Shop, inputs: ListingInputs) -> list[str]:
    """Everything the category and region require that the product does not give."""
    _, missing = product_attributes(product, inputs.category.attributes)
    dimensions = dimensions_problem(product, shop, inputs.region, inputs.category.rules)
    missing += [dimensions] if dimensions else []
    if inputs.category.rules.size_chart_required:
        missing.append("size chart: the category requires one (add it in TikTok Shop Seller Center)")
    missing += [
        f"certification: {name} (add it in TikTok Shop Seller Center)"
        for _, name, required in inputs.category.rules.certifications
        if required
    ]
    return missing


def everything_missing(product: Product, shop: Shop, inputs: ListingInputs) -> list[str]:
    """What the product alone lacks, then what its category and region require that it lacks."""
    problems = problems_before_any_call(product, shop.settings, inputs.region)
    return problems + missing_for(product, shop, inputs)


def build_listing(product: Product, shop: Shop, inputs: ListingInputs, idempotency_key: str) -> NewProduct:
    """The Create Product body. Raises ListingIncompleteError naming what is missing."""
    missing = everything_missing(product, shop, inputs)
    uris = inputs.image_uris or {}
    main = tuple(uris[image.image_id] for image in product.images if image.image_id in uris)[:MAX_IMAGES]
    if not main:
        missing.append("images: none could be uploaded to TikTok Shop")
    if missing:
        raise ListingIncompleteError(missing, inputs.category.category_id)
    attributes, _ = product_attributes(product, inputs.category.attributes)
    weight = package_weight_kg(product)
    assert weight is not None  # problems_before_any_call named it otherwise
    return NewProduct(
        title=product.title.strip()[: inputs.region.title_length[1]],
        description=tiktok_description(product.description, product.title),
        category_id=inputs.category.category_id,
        category_version=inputs.category.version,
        main_image_uris=main,
        skus=tuple(listing_skus(product, shop, inputs)),
        package_weight_value=str(weight),
        package_weight_unit=KILOGRAM,
        package_dimensions=package_dimensions(product, shop),
        product_attributes=attributes,
        brand_id=inputs.brand_id,
        external_product_id=product.shopify_product_id,
        idempotency_key=idempotency_key,
    )


def listing_skus(product: Product, shop: Shop, inputs: ListingInputs) -> list[NewSku]:
    """One SKU per variant: price and list price by the merchant's rule in the region's currency
    (``sku_prices``), stock in each warehouse from the Shopify locations mapped to it, less the
    buffer (a level at 0 goes without a quantity: TikTok's range starts at 1)."""
    stock = inputs.stock or {}
    by_variant = sales_attributes(product, inputs.category.attributes, inputs.attribute_image_uris or {})
    skus = []
    for variant in product.variants:
        price, list_price = sku_prices(variant, shop.settings, inputs.region)
        levels = _levels(variant, stock, inputs.warehouse_id)
        skus.append(
            NewSku(
                seller_sku=seller_sku(variant),
                price=price,
                currency=inputs.region.currency,
                inventory=tuple(
                    InventoryLevel(
                        "", min(MAX_QUANTITY, tiktok_quantity(available, shop.settings)), warehouse
                    )
                    for warehouse, available in levels.items()
                ),
                sales_attributes=by_variant.get(variant.variant_id, ()),
                list_price=list_price,
            )
        )
    return skus


def _levels(variant: Variant, stock: Mapping[str, Mapping[str, int]], warehouse_id: str) -> Mapping[str, int]:
    """The variant's stock by warehouse; Shopify's total in the listing warehouse when unread."""
    levels = stock.get(variant.inventory_item_id or "")
    return levels if levels else {warehouse_id: variant.inventory}
