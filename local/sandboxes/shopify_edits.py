"""A product's life in the Shopify sandbox: the merchant's edits (``ShopifySandbox.edit_product``).

An edit changes the product in place, so the GraphQL API and the next products/update payload see
the same state. As in Shopify, ``updated_at`` moves with every edit (by at least one second here:
the REST payload carries whole seconds, and a receiver tells an update from a redelivery by it),
and so does the ``updated_at`` of each variant the edit changed. Variant ids are never reused; a
new variant's inventory item id follows the catalog's scheme (variant id + 5 x 10**13).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from local.sandboxes.shopify_catalog import (
    SandboxImage,
    SandboxLocation,
    SandboxProduct,
    SandboxVariant,
    image_url,
    split_stock,
)

STATUSES = ("ACTIVE", "DRAFT", "ARCHIVED")  # shopify.dev/docs/api/admin-graphql/2025-10/enums/ProductStatus
VARIANTS_PER_PRODUCT = 99  # variant ids are product id x 100 + position: more would take the next product's
IMAGES_PER_PRODUCT = 9  # image ids are product id x 10 + position (ShopifySandbox.image relies on it)


class ProductEdits(TypedDict, total=False):
    """What ``edit_product`` may change; a keyword left out (or None) leaves that part as it is."""

    title: str | None
    description_html: str | None
    status: str | None  # ACTIVE | DRAFT | ARCHIVED
    price: Decimal | None  # every variant's
    # Every variant's compare-at price; 0 clears it (no compare-at price, null in the payload).
    compare_at_price: Decimal | None
    add_image: bool  # append a new served image to the gallery
    add_variant: dict[str, str] | None  # option name -> value of a new variant
    remove_variant: int | str | None  # a variant id
    skus: dict[int, str] | None  # variant id -> its new SKU


def apply_edits(
    product: SandboxProduct,
    edits: ProductEdits,
    *,
    locations: tuple[SandboxLocation, ...],
    cdn: str,
    taken_skus: set[str],
    now: datetime,
) -> None:
    """Change ``product`` as ``edits`` say (ValueError or KeyError, before any change, when they
    cannot apply). ``taken_skus`` are the shop's SKUs, which a new variant's must differ from."""
    _check(product, edits)
    moment = max(now, product.updated_at + timedelta(seconds=1))
    changed: list[SandboxVariant] = []
    remove, add = edits.get("remove_variant"), edits.get("add_variant")
    if remove is not None:
        _remove_variant(product, int(remove))
    if add is not None:
        changed.append(_add_variant(product, add, locations, taken_skus))
    for variant_id, sku in (edits.get("skus") or {}).items():
        variant = _variant(product, variant_id)
        variant.sku = sku
        changed.append(variant)
    price, compare_at = edits.get("price"), edits.get("compare_at_price")
    for variant in product.variants:
        if price is not None:
            variant.price = price
        if compare_at is not None:
            variant.compare_at_price = compare_at or None  # 0 clears it
        if price is not None or compare_at is not None:
            changed.append(variant)
    if edits.get("title") is not None:
        product.title = str(edits["title"])
    if edits.get("description_html") is not None:
        product.description_html = str(edits["description_html"])
    if edits.get("status") is not None:
        product.status = str(edits["status"])
    if edits.get("add_image"):
        _add_image(product, cdn)
    for variant in changed:
        variant.updated_at = moment
    product.updated_at = moment


def _check(product: SandboxProduct, edits: ProductEdits) -> None:
    status = edits.get("status")
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    compare_at = edits.get("compare_at_price")
    if compare_at is not None and compare_at < 0:
        raise ValueError("a compare-at price is 0 (none) or positive")
    remove = edits.get("remove_variant")
    removed = None if remove is None else _variant(product, remove).id
    if removed is not None and len(product.variants) == 1:
        raise ValueError("a product keeps at least one variant")
    for variant_id in edits.get("skus") or {}:
        if _variant(product, variant_id).id == removed:
            raise ValueError(f"variant {variant_id} is removed by the same edit")
    chosen = edits.get("add_variant")
    if chosen is not None:
        names = [option.name for option in product.options]
        if sorted(chosen) != sorted(names):
            raise ValueError(f"a new variant selects a value of every option: {names}")
        wanted = [(name, chosen[name]) for name in names]
        if any(v.selected_options == wanted and v.id != removed for v in product.variants):
            raise ValueError(f"a variant already selects {wanted}")
        if _next_variant_id(product) - product.id * 100 > VARIANTS_PER_PRODUCT:
            raise ValueError(f"the sandbox gives a product at most {VARIANTS_PER_PRODUCT} variant ids")
    if edits.get("add_image") and _next_image_id(product) - product.id * 10 > IMAGES_PER_PRODUCT:
        raise ValueError(f"the sandbox gives a product at most {IMAGES_PER_PRODUCT} images")


def _variant(product: SandboxProduct, variant_id: int | str) -> SandboxVariant:
    found = next((v for v in product.variants if v.id == int(variant_id)), None)
    if found is None:
        raise KeyError(f"no variant {variant_id} in product {product.id}")
    return found


def _remove_variant(product: SandboxProduct, variant_id: int) -> None:
    removed = _variant(product, variant_id)
    product.highest_variant_id = max(product.highest_variant_id, removed.id)
    product.variants.remove(removed)
    # An option lists the values its variants select (the REST payload's options[].values).
    for option in product.options:
        used = {value for v in product.variants for name, value in v.selected_options if name == option.name}
        option.values = [value for value in option.values if value in used]


def _add_variant(
    product: SandboxProduct,
    chosen: dict[str, str],
    locations: tuple[SandboxLocation, ...],
    taken_skus: set[str],
) -> SandboxVariant:
    variant_id = _next_variant_id(product)
    position = variant_id - product.id * 100
    product.highest_variant_id = variant_id
    selected = [(option.name, chosen[option.name]) for option in product.options]
    for option in product.options:
        if chosen[option.name] not in option.values:
            option.values.append(chosen[option.name])
    sku, suffix = f"SBX-{product.id}-{position}", 1
    while sku in taken_skus:
        sku, suffix = f"SBX-{product.id}-{position}-{suffix}", suffix + 1
    sibling = product.variants[0]
    # In stock (a merchant adds a variant to sell it), spread over the locations as generated ones are.
    rng = random.Random(f"added:{variant_id}")
    levels = split_stock(rng, rng.randint(1, 120), locations)
    variant = SandboxVariant(
        id=variant_id,
        title=" / ".join(value for _, value in selected),
        sku=sku,
        price=sibling.price,
        inventory_quantity=sum(levels.values()),
        inventory_item_id=variant_id + 5 * 10**13,
        updated_at=product.updated_at,
        selected_options=selected,
        weight=sibling.weight,
        weight_unit=sibling.weight_unit,
        levels=levels,
    )
    product.variants.append(variant)
    return variant


def _next_variant_id(product: SandboxProduct) -> int:
    return max([product.highest_variant_id, product.id * 100] + [v.id for v in product.variants]) + 1


def _next_image_id(product: SandboxProduct) -> int:
    return max([product.id * 10] + [image.id for image in product.images]) + 1


def _add_image(product: SandboxProduct, cdn: str) -> None:
    image_id = _next_image_id(product)
    product.images.append(SandboxImage(id=image_id, url=image_url(cdn, image_id), alt_text=None))
