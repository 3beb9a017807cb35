"""Hand-made products for the Shopify sandbox (``ShopifySandbox.add_product``, ``POST
/sandbox/{shop}/products``): a test states exactly the listing it needs (options, variants, stock
per location, images of a given size, format or file size) instead of searching the generated
catalog for one.

Shapes follow Shopify's: a product has 1 to 3 options (none given and one variant: Shopify's
"Title" / "Default Title"), each variant selects one value of every option
(shopify.dev/docs/api/admin-graphql/2025-10/objects/ProductVariant ``selectedOptions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from local.sandboxes.shopify_catalog import (
    IMAGE_SIZE,
    VENDOR,
    SandboxImage,
    SandboxLocation,
    SandboxOption,
    SandboxProduct,
    SandboxVariant,
    image_url,
)

DEFAULT_OPTION = ("Title", "Default Title")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(_Spec):
    name: str
    values: list[str] = Field(min_length=1)


class ImageSpec(_Spec):
    width: int = Field(IMAGE_SIZE, ge=1, le=20000)
    height: int = Field(IMAGE_SIZE, ge=1, le=20000)
    format: Literal["png", "gif"] = "png"
    min_bytes: int = Field(0, ge=0, le=64 * 2**20)  # pad the file to this size (over TikTok's limits)
    alt: str | None = None


class VariantSpec(_Spec):
    options: dict[str, str] = Field(default_factory=dict)  # option name -> value
    price: Decimal = Decimal("19.99")
    sku: str | None = None
    compare_at_price: Decimal | None = None
    weight: Decimal = Decimal("250")
    weight_unit: Literal["GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"] = "GRAMS"
    inventory: dict[int, int] = Field(default_factory=dict)  # location id -> available
    available: int = 10  # at the shop's first location, when ``inventory`` is empty
    image: int | None = Field(None, ge=0)  # index into the product's images


class ProductSpec(_Spec):
    title: str
    description_html: str = ""
    product_type: str = ""
    vendor: str = VENDOR
    status: Literal["ACTIVE", "ARCHIVED", "DRAFT"] = "ACTIVE"
    category_id: str | None = None  # a taxonomy id such as "aa-1-13-8"
    category_name: str = ""  # its full name
    tags: list[str] = Field(default_factory=list)
    options: list[OptionSpec] = Field(default_factory=list, max_length=3)
    variants: list[VariantSpec] = Field(default_factory=lambda: [VariantSpec(image=None)], min_length=1)
    images: list[ImageSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ProductSpec:
        names = [option.name for option in self.options]
        if not names and len(self.variants) > 1:
            raise ValueError("a product with several variants needs options")
        for variant in self.variants:
            if names and list(variant.options) != names:
                raise ValueError(f"each variant selects a value of every option, in order: {names}")
            for option in self.options:
                if names and variant.options[option.name] not in option.values:
                    raise ValueError(f"{variant.options[option.name]!r} is not a value of {option.name}")
            if variant.image is not None and variant.image >= len(self.images):
                raise ValueError(f"variant image {variant.image} is not one of the product's images")
        return self


def build_product(
    spec: ProductSpec,
    base: int,
    index: int,
    locations: Sequence[SandboxLocation],
    cdn: str,
    now: datetime,
) -> SandboxProduct:
    """The product at catalog position ``index`` (its ids follow the generated catalog's scheme)."""
    product_id = base * 10**8 + index + 1
    images = [
        SandboxImage(
            id=product_id * 10 + position + 1,
            url=image_url(cdn, product_id * 10 + position + 1, image.format),
            alt_text=image.alt,
            width=image.width,
            height=image.height,
            format=image.format,
            min_bytes=image.min_bytes,
        )
        for position, image in enumerate(spec.images)
    ]
    options = [SandboxOption(o.name, list(o.values)) for o in spec.options] or [
        SandboxOption(DEFAULT_OPTION[0], [DEFAULT_OPTION[1]])
    ]
    product = SandboxProduct(
        id=product_id,
        title=spec.title,
        handle="-".join(spec.title.lower().split()) or f"product-{product_id}",
        description_html=spec.description_html,
        status=spec.status,
        vendor=spec.vendor,
        product_type=spec.product_type,
        tags=list(spec.tags),
        created_at=now,
        updated_at=now,
        images=images,
        options=options,
        category=(spec.category_id, spec.category_name) if spec.category_id else None,
    )
    for position, variant in enumerate(spec.variants):
        variant_id = product_id * 100 + position + 1
        chosen = list(variant.options.items()) or [DEFAULT_OPTION]
        levels = {location.id: 0 for location in locations}
        levels.update(variant.inventory or ({locations[0].id: variant.available} if locations else {}))
        product.variants.append(
            SandboxVariant(
                id=variant_id,
                title=" / ".join(value for _, value in chosen),
                sku=variant.sku if variant.sku is not None else f"SBX-{product_id}-{position + 1}",
                price=variant.price,
                inventory_quantity=sum(levels.values()),
                inventory_item_id=variant_id + 5 * 10**13,
                updated_at=now,
                selected_options=chosen,
                image_id=images[variant.image].id if variant.image is not None else None,
                weight=variant.weight,
                weight_unit=variant.weight_unit,
                compare_at_price=variant.compare_at_price,
                levels=levels,
            )
        )
    return product
