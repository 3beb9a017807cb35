"""Shopify webhooks: both doors (HTTPS and the Amazon EventBridge partner bus) lead to one model.

Headers and payload shapes follow https://shopify.dev/docs/apps/build/webhooks (delivery structure,
verify deliveries, EventBridge) and the REST webhook payloads of each topic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from connector.clients.shopify.weights import weight_grams
from connector.shop_domains import SHOP_DOMAIN
from connector.webhooks.errors import MalformedWebhookError, SignatureError
from connector.webhooks.message import (
    QueuedWebhook,
    Source,
    body_digest,
    parse_json_object,
    validation_message,
)
from connector.webhooks.signatures import shopify_signature_valid


class _Payload(BaseModel):
    # Shopify sends ids as JSON numbers, some beyond 2^53: they become exact strings here.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", frozen=True)


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


# The topics we subscribe to, each with the payload model that must validate before we queue it.
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
# Shopify's mandatory privacy topics: they must be honoured even after the app is uninstalled.
PRIVACY_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
# The topics that erase or uninstall: their shop is taken from the signed body as well.
SIGNED_SHOP_TOPICS = PRIVACY_TOPICS | {"app/uninstalled"}


@dataclass(frozen=True)
class ShopifyWebhook:
    topic: str
    shop: str
    delivery_id: str
    triggered_at: datetime | None
    raw_body: bytes
    payload: _Payload | None  # None for a topic we do not subscribe to

    @property
    def subscribed(self) -> bool:
        return self.payload is not None

    def to_message(self, received_at: int) -> QueuedWebhook:
        occurred = int(self.triggered_at.timestamp()) if self.triggered_at else received_at
        return QueuedWebhook(
            source=Source.SHOPIFY,
            delivery_id=self.delivery_id,
            shop=self.shop,
            topic=self.topic,
            occurred_at=occurred,
            # Only the fields the processor reads (the payload model's): no customer's address,
            # email or phone and none of a big product's unread fields reach the queue.
            body=self.payload.model_dump_json() if self.payload is not None else self.raw_body.decode(),
        )


def parse_payload(topic: str, payload: Mapping[str, Any]) -> _Payload:
    try:
        return TOPIC_PAYLOADS[topic].model_validate(payload)
    except ValidationError as error:
        raise MalformedWebhookError(f"{topic} payload: {validation_message(error)}") from None


def from_https(headers: Mapping[str, str], raw_body: bytes, secret: str) -> ShopifyWebhook:
    """Verify the HMAC over the raw body first, then parse. ``headers`` must be case-insensitive."""
    if not shopify_signature_valid(raw_body, headers.get("X-Shopify-Hmac-Sha256"), secret):
        raise SignatureError("X-Shopify-Hmac-Sha256 is missing or does not match the body")
    return _parse(dict(headers.items()), raw_body, parse_json_object(raw_body))


def from_eventbridge(event: Mapping[str, Any]) -> ShopifyWebhook:
    """A delivery from an ``aws.partner/shopify.com/...`` event source.

    No HMAC here: only Shopify can put events on its partner event source (Shopify documents that
    EventBridge deliveries need no HMAC check); the rule in front of this function accepts only
    that source.
    """
    detail = event.get("detail")
    if not str(event.get("source", "")).startswith("aws.partner/shopify.com") or not isinstance(detail, dict):
        raise MalformedWebhookError("not a Shopify partner event")
    metadata, payload = detail.get("metadata"), detail.get("payload")
    if not isinstance(metadata, dict) or not isinstance(payload, dict):
        raise MalformedWebhookError("detail.metadata and detail.payload must be objects")
    raw_body = json.dumps(payload, separators=(",", ":")).encode()
    return _parse(metadata, raw_body, payload)


def _parse(headers: Mapping[str, Any], raw_body: bytes, payload: dict[str, Any]) -> ShopifyWebhook:
    # Header and metadata names are case-insensitive (EventBridge spells Hmac-SHA256, for one).
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    topic = lowered.get("x-shopify-topic", "").strip()
    shop = lowered.get("x-shopify-shop-domain", "").strip().lower()
    if not topic:
        raise MalformedWebhookError("X-Shopify-Topic is missing")
    if not SHOP_DOMAIN.match(shop):
        raise MalformedWebhookError("X-Shopify-Shop-Domain is missing or not a myshopify.com domain")
    delivery_id = _delivery_id(lowered, topic, raw_body)
    triggered_at = _timestamp(lowered.get("x-shopify-triggered-at"))
    parsed = parse_payload(topic, payload) if topic in TOPIC_PAYLOADS else None
    _check_signed_shop(topic, shop, parsed)
    return ShopifyWebhook(topic, shop, delivery_id, triggered_at, raw_body, parsed)


# Topics Shopify sends for one event that mean the same work for us: one of them applied is enough.
SAME_EFFECT = {"orders/fulfilled": "fulfillment", "fulfillments/create": "fulfillment"}


def _delivery_id(headers: Mapping[str, str], topic: str, raw_body: bytes) -> str:
    """The dedupe key: the event's id (X-Shopify-Event-Id) with its topic, so that one event met
    through both doors, or through two subscriptions of one topic (each with its own webhook id),
    applies once (shopify.dev, "Ignore duplicate webhooks"); the webhook id, or the body's digest,
    when no event id came."""
    event_id = headers.get("x-shopify-event-id", "").strip()
    if event_id:
        return f"event:{event_id}:{SAME_EFFECT.get(topic, topic)}"
    return headers.get("x-shopify-webhook-id", "").strip() or body_digest(topic.encode() + raw_body)


def _check_signed_shop(topic: str, shop: str, payload: _Payload | None) -> None:
    """The HMAC covers the body, not the headers: a signed body replayed with another shop's
    X-Shopify-Shop-Domain must not erase or uninstall that shop. Where the body names its shop
    (the privacy topics' ``shop_domain``, app/uninstalled's ``myshopify_domain``), it must be the
    header's."""
    signed = getattr(payload, "shop_domain", None) or getattr(payload, "myshopify_domain", None)
    if topic in SIGNED_SHOP_TOPICS and str(signed or "").strip().lower() != shop:
        raise SignatureError(f"{topic}: the signed body names another shop than X-Shopify-Shop-Domain")


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        # Shopify sends nanoseconds (2026-05-11T15:06:59.110521905Z); Python keeps microseconds.
        text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip()).replace("Z", "+00:00")
        return datetime.fromisoformat(text)
    except ValueError:
        raise MalformedWebhookError("X-Shopify-Triggered-At is not a timestamp") from None
