"""Shopify webhook payloads as the processor reads them: one model per topic, validating what the
door kept (webhooks/shopify_delivery.py: TOPIC_FIELDS, which tests keep equal to these models).

Payload shapes follow the REST webhook payloads of each topic (https://shopify.dev/docs/apps/build/webhooks).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from connector.clients.shopify.weights import weight_grams


class _Payload(BaseModel):
    # Shopify sends ids as JSON numbers, some beyond 2^53: they become exact strings here. A model
    # is built when the first webhook of its topic is read (defer_build), not at import: a cold
    # start builds the models of the topics its batch brings.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", frozen=True, defer_build=True)


# products/create and products/update carry the REST Product resource (shopify.dev/docs/api/webhooks
# ?reference=toml, topics products/create and products/update; fields as in shopify.dev/docs/api/
# admin-rest/2025-10/resources/product and .../product-variant). Money travels as strings ("19.99").


# REST's weight_unit -> GraphQL's WeightUnit, whose conversion the Shopify client owns.
WEIGHT_UNITS = {"g": "GRAMS", "kg": "KILOGRAMS", "oz": "OUNCES", "lb": "POUNDS"}


class VariantPayload(_Payload):
    id: str
    sku: str | None = None
    price: str = "0"
    compare_at_price: str | None = None
    inventory_quantity: int = 0
    inventory_item_id: str | None = None
    # The values the variant selects, in the order of the product's options (None past the last).
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    image_id: str | None = None  # one of the product's images[].id
    grams: int | None = None  # the weight in grams, rounded
    weight: float | None = None  # the weight in weight_unit
    weight_unit: str | None = None  # g | kg | oz | lb

    @property
    def weight_in_grams(self) -> Decimal | None:
        """The weight from weight and its unit (exact), else grams (rounded by Shopify)."""
        if self.weight is not None and self.weight_unit in WEIGHT_UNITS:
            return weight_grams({"value": self.weight, "unit": WEIGHT_UNITS[self.weight_unit]})
        return None if self.grams is None else Decimal(self.grams)


class ImagePayload(_Payload):
    src: str
    id: str | None = None
    width: int | None = None
    height: int | None = None


class OptionPayload(_Payload):
    name: str
    values: list[str] = []


class ProductPayload(_Payload):
    id: str
    title: str
    updated_at: datetime
    created_at: datetime | None = None
    body_html: str | None = None
    status: str | None = None  # active | draft | archived
    vendor: str | None = None
    product_type: str | None = None
    options: list[OptionPayload] = []
    variants: list[VariantPayload] = []
    images: list[ImagePayload] = []


class ProductDeletePayload(_Payload):
    id: str


class InventoryLevelPayload(_Payload):
    inventory_item_id: str
    location_id: str
    available: int | None = None
    updated_at: datetime | None = None


class FulfilledLineItem(_Payload):
    id: str  # the order's line item
    variant_id: str | None = None  # None for a custom line item
    quantity: int = 0


class FulfillmentPayload(_Payload):
    """The REST Fulfillment (topics fulfillments/create and fulfillments/update): what it ships
    (``line_items``) and how (tracking). Its destination address is not read, so never queued."""

    id: str
    order_id: str
    status: str | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    line_items: list[FulfilledLineItem] = []


class OrderFulfilledPayload(_Payload):
    id: str
    fulfillments: list[FulfillmentPayload] = []


class AppUninstalledPayload(_Payload):
    id: str | None = None
    myshopify_domain: str | None = None  # the shop, inside what the HMAC signs (checked at the door)


class AppSubscription(_Payload):
    # app_subscriptions/update (shopify.dev/docs/api/webhooks?reference=toml, topic
    # app_subscriptions/update): which subscription, its status, when it was created and changed.
    admin_graphql_api_id: str
    name: str
    status: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class AppSubscriptionPayload(_Payload):
    app_subscription: AppSubscription


class CustomerRef(_Payload):
    id: str | None = None  # its email and phone are not read: they never reach the queue


class DataRequestRef(_Payload):
    id: str


class DataRequestPayload(_Payload):
    shop_domain: str
    customer: CustomerRef
    orders_requested: list[str] = []
    data_request: DataRequestRef


class CustomerRedactPayload(_Payload):
    shop_domain: str
    customer: CustomerRef
    orders_to_redact: list[str] = []


class ShopRedactPayload(_Payload):
    shop_domain: str


# Every topic the door takes (TOPIC_FIELDS), with the model the processor reads its payload with.
TOPIC_PAYLOADS: Mapping[str, type[_Payload]] = {
    "products/create": ProductPayload,
    "products/update": ProductPayload,
    "products/delete": ProductDeletePayload,
    "inventory_levels/update": InventoryLevelPayload,
    "orders/fulfilled": OrderFulfilledPayload,
    "fulfillments/create": FulfillmentPayload,
    "fulfillments/update": FulfillmentPayload,
    "app/uninstalled": AppUninstalledPayload,
    "app_subscriptions/update": AppSubscriptionPayload,
    "customers/data_request": DataRequestPayload,
    "customers/redact": CustomerRedactPayload,
    "shop/redact": ShopRedactPayload,
}
