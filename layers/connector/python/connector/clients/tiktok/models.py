"""The values the TikTok Shop client takes and returns: frozen dataclasses, no I/O.

The request bodies TikTok takes are built by the models themselves (``to_body``), in the 202309 field
names; reading TikTok's answers into these models is ``parsing``'s work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class TokenGrant:
    """Tokens from Get/Refresh Access Token; the ``*_expire_in`` fields are Unix timestamps."""

    access_token: str = field(repr=False)
    access_token_expire_in: int
    refresh_token: str = field(repr=False)
    refresh_token_expire_in: int
    open_id: str
    seller_name: str
    seller_base_region: str
    user_type: int


@dataclass(frozen=True)
class ShopAuth:
    """What a per-shop handle needs: the seller's tokens and the shop's cipher."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    shop_cipher: str = ""


@dataclass(frozen=True)
class AuthorizedShop:
    shop_id: str
    name: str
    region: str
    cipher: str
    code: str
    seller_type: str


@dataclass(frozen=True)
class InventoryLevel:
    sku_id: str
    quantity: int
    warehouse_id: str = ""

    def to_body(self) -> JsonObject:
        """The ``inventory`` entry of a SKU (the SKU id is not part of it)."""
        inventory: JsonObject = {"quantity": self.quantity}
        if self.warehouse_id:
            inventory["warehouse_id"] = self.warehouse_id
        return inventory


@dataclass(frozen=True)
class TikTokSku:
    sku_id: str
    seller_sku: str
    price: str = ""  # the tax-exclusive price TikTok holds, as a decimal string
    currency: str = ""
    inventory: tuple[InventoryLevel, ...] = ()


@dataclass(frozen=True)
class TikTokProduct:
    product_id: str
    status: str
    title: str
    audit_failed_reasons: tuple[str, ...]
    create_time: int
    update_time: int
    skus: tuple[TikTokSku, ...] = ()
    description: str = ""
    main_image_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductEdit:
    """A Partial Edit Product body: only the fields given are changed. ``skus``, when given, must
    list every SKU of the product (TikTok deletes the ones left out)."""

    title: str | None = None
    description: str | None = None
    main_image_uris: tuple[str, ...] | None = None
    skus: tuple[TikTokSku, ...] | None = None

    def to_body(self) -> JsonObject:
        body: JsonObject = {}
        if self.title is not None:
            body["title"] = self.title
        if self.description is not None:
            body["description"] = self.description
        if self.main_image_uris is not None:
            body["main_images"] = [{"uri": uri} for uri in self.main_image_uris]
        if self.skus is not None:
            body["skus"] = [
                {
                    "id": sku.sku_id,
                    "seller_sku": sku.seller_sku,
                    "price": {"amount": sku.price, "currency": sku.currency},
                    "inventory": [level.to_body() for level in sku.inventory],
                }
                for sku in self.skus
            ]
        return body


@dataclass(frozen=True)
class SkuPrice:
    sku_id: str
    amount: str
    currency: str


@dataclass(frozen=True)
class ShippingProvider:
    provider_id: str
    name: str


@dataclass(frozen=True)
class CreatedProduct:
    product_id: str
    skus: tuple[TikTokSku, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ProductPage:
    products: tuple[TikTokProduct, ...]
    next_page_token: str
    total_count: int


@dataclass(frozen=True)
class NewSku:
    seller_sku: str
    price: str  # decimal string, as TikTok takes it
    currency: str
    quantity: int
    warehouse_id: str = ""

    def to_body(self) -> JsonObject:
        inventory = InventoryLevel("", self.quantity, self.warehouse_id).to_body()
        return {
            "seller_sku": self.seller_sku,
            "price": {"amount": self.price, "currency": self.currency},
            "inventory": [inventory],
        }


@dataclass(frozen=True)
class NewProduct:
    """The Create Product body we send (a subset of the 202309 fields)."""

    title: str
    description: str
    category_id: str
    main_image_uris: tuple[str, ...]
    skus: tuple[NewSku, ...]
    package_weight_value: str
    package_weight_unit: str = "KILOGRAM"
    brand_id: str = ""
    external_product_id: str = ""
    idempotency_key: str = ""

    def to_body(self) -> JsonObject:
        body: JsonObject = {
            "title": self.title,
            "description": self.description,
            "category_id": self.category_id,
            "main_images": [{"uri": uri} for uri in self.main_image_uris],
            "skus": [sku.to_body() for sku in self.skus],
            "package_weight": {"value": self.package_weight_value, "unit": self.package_weight_unit},
        }
        optional = {
            "brand_id": self.brand_id,
            "external_product_id": self.external_product_id,
            "idempotency_key": self.idempotency_key,
        }
        body.update({key: value for key, value in optional.items() if value})
        return body


@dataclass(frozen=True)
class ProductActionFailure:
    """One product that Activate/Deactivate Products could not change."""

    product_id: str
    code: int
    message: str


@dataclass(frozen=True)
class TikTokLineItem:
    line_item_id: str
    product_id: str
    sku_id: str
    seller_sku: str
    sale_price: str
    package_id: str


@dataclass(frozen=True)
class TikTokOrder:
    order_id: str
    status: str
    create_time: int
    update_time: int
    is_on_hold_order: bool = False
    currency: str = ""
    total_amount: str = ""
    cancellation_initiator: str = ""
    line_items: tuple[TikTokLineItem, ...] = ()
    package_ids: tuple[str, ...] = ()
    shipping_type: str = ""  # TIKTOK (TikTok's label) or SELLER (the seller ships)
    delivery_option_id: str = ""


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[TikTokOrder, ...]
    next_page_token: str
    total_count: int


@dataclass(frozen=True)
class Cancellation:
    cancel_id: str
    cancel_status: str
