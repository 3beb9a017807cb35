"""A Shopify delivery at the door: both doors (HTTPS and the Amazon EventBridge partner bus) lead to
one parser, which verifies, checks and keeps only the fields the processor reads.

Headers and payload shapes follow https://shopify.dev/docs/apps/build/webhooks (delivery structure,
verify deliveries, EventBridge) and the REST webhook payloads of each topic; the processor's models
of the same payloads are in webhooks/shopify.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.shop_domains import SHOP_DOMAIN
from connector.webhooks.envelope import (
    PRIVACY_TOPICS,
    Source,
    body_digest,
    parse_json_object,
    queued_message,
)
from connector.webhooks.errors import MalformedWebhookError, SignatureError
from connector.webhooks.projection import Kind, Problems, Shape, defaulted, optional, project, required
from connector.webhooks.signatures import shopify_signature_valid

TEXT, INT, NUMBER, TIME = Kind.TEXT, Kind.INT, Kind.NUMBER, Kind.TIME

# products/create and products/update carry the REST Product resource (shopify.dev/docs/api/
# admin-rest/2025-10/resources/product and .../product-variant). Money travels as strings ("19.99").
VARIANT: Shape = {
    "id": required(TEXT),
    "sku": optional(TEXT),
    "price": defaulted(TEXT),
    "compare_at_price": optional(TEXT),
    "inventory_quantity": defaulted(INT),
    "inventory_item_id": optional(TEXT),
    "option1": optional(TEXT),
    "option2": optional(TEXT),
    "option3": optional(TEXT),
    "image_id": optional(TEXT),
    "grams": optional(INT),
    "weight": optional(NUMBER),
    "weight_unit": optional(TEXT),
}
PRODUCT: Shape = {
    "id": required(TEXT),
    "title": required(TEXT),
    "updated_at": required(TIME),
    "created_at": optional(TIME),
    "body_html": optional(TEXT),
    "status": optional(TEXT),
    "vendor": optional(TEXT),
    "product_type": optional(TEXT),
    "options": defaulted({"name": required(TEXT), "values": defaulted(TEXT, many=True)}, many=True),
    "variants": defaulted(VARIANT, many=True),
    "images": defaulted(
        {"src": required(TEXT), "id": optional(TEXT), "width": optional(INT), "height": optional(INT)},
        many=True,
    ),
}
# The REST Fulfillment: what it ships and how; its destination address is not kept.
FULFILLMENT: Shape = {
    "id": required(TEXT),
    "order_id": required(TEXT),
    "status": optional(TEXT),
    "tracking_company": optional(TEXT),
    "tracking_number": optional(TEXT),
    "line_items": defaulted(
        {"id": required(TEXT), "variant_id": optional(TEXT), "quantity": defaulted(INT)}, many=True
    ),
}
CUSTOMER: Shape = {"id": optional(TEXT)}  # its email and phone are not kept

# The topics we subscribe to (the Shopify app's subscriptions: infra/shopify_app_toml.py), each with
# the fields kept of its payload. The processor's models (webhooks/shopify.py TOPIC_PAYLOADS) read
# these and no others.
TOPIC_FIELDS: Mapping[str, Shape] = {
    "products/create": PRODUCT,
    "products/update": PRODUCT,
    "products/delete": {"id": required(TEXT)},
    "inventory_levels/update": {
        "inventory_item_id": required(TEXT),
        "location_id": required(TEXT),
        "available": optional(INT),
        "updated_at": optional(TIME),
    },
    "orders/fulfilled": {"id": required(TEXT), "fulfillments": defaulted(FULFILLMENT, many=True)},
    "fulfillments/create": FULFILLMENT,
    "fulfillments/update": FULFILLMENT,
    # myshopify_domain: the shop, inside what the HMAC signs (checked below).
    "app/uninstalled": {"id": optional(TEXT), "myshopify_domain": optional(TEXT)},
    "app_subscriptions/update": {
        "app_subscription": required(
            {
                "admin_graphql_api_id": required(TEXT),
                "name": required(TEXT),
                "status": required(TEXT),
                "created_at": optional(TIME),
                "updated_at": optional(TIME),
            }
        )
    },
    "customers/data_request": {
        "shop_domain": required(TEXT),
        "customer": required(CUSTOMER),
        "orders_requested": defaulted(TEXT, many=True),
        "data_request": required({"id": required(TEXT)}),
    },
    "customers/redact": {
        "shop_domain": required(TEXT),
        "customer": required(CUSTOMER),
        "orders_to_redact": defaulted(TEXT, many=True),
    },
    "shop/redact": {"shop_domain": required(TEXT)},
}
# The topics that erase or uninstall: their shop is taken from the signed body as well.
SIGNED_SHOP_TOPICS = PRIVACY_TOPICS | {"app/uninstalled"}
# Topics Shopify sends for one event that mean the same work for us: one of them applied is enough.
SAME_EFFECT = {"orders/fulfilled": "fulfillment", "fulfillments/create": "fulfillment"}


@dataclass(frozen=True)
class ShopifyDelivery:
    topic: str
    shop: str
    delivery_id: str
    triggered_at: datetime | None
    kept: dict[str, Any] | None  # the payload's kept fields; None for a topic we do not subscribe to

    @property
    def subscribed(self) -> bool:
        return self.kept is not None

    def message(self, received_at: int) -> str:
        """The events queue's message (only for a subscribed topic)."""
        assert self.kept is not None
        occurred = int(self.triggered_at.timestamp()) if self.triggered_at else received_at
        return queued_message(
            Source.SHOPIFY, self.delivery_id, self.topic, occurred, self.kept, shop=self.shop
        )


def from_https(headers: Mapping[str, str], raw_body: bytes, secret: str) -> ShopifyDelivery:
    """Verify the HMAC over the raw body first, then parse. ``headers`` are lowercase."""
    if not shopify_signature_valid(raw_body, headers.get("x-shopify-hmac-sha256"), secret):
        raise SignatureError("X-Shopify-Hmac-Sha256 is missing or does not match the body")
    return _parse(headers, raw_body, parse_json_object(raw_body))


def from_eventbridge(event: Mapping[str, Any]) -> ShopifyDelivery:
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


def _parse(headers: Mapping[str, Any], raw_body: bytes, payload: dict[str, Any]) -> ShopifyDelivery:
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
    kept = _kept(topic, payload) if topic in TOPIC_FIELDS else None
    _check_signed_shop(topic, shop, kept)
    return ShopifyDelivery(topic, shop, delivery_id, triggered_at, kept)


def _kept(topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    kept = project(TOPIC_FIELDS[topic], payload, problems)
    if problems:
        raise MalformedWebhookError(f"{topic} payload: {'; '.join(problems)}")
    return kept


def _delivery_id(headers: Mapping[str, str], topic: str, raw_body: bytes) -> str:
    """The dedupe key: the event's id (X-Shopify-Event-Id) with its topic, so that one event met
    through both doors, or through two subscriptions of one topic (each with its own webhook id),
    applies once (shopify.dev, "Ignore duplicate webhooks"); the webhook id, or the body's digest,
    when no event id came."""
    event_id = headers.get("x-shopify-event-id", "").strip()
    if event_id:
        return f"event:{event_id}:{SAME_EFFECT.get(topic, topic)}"
    return headers.get("x-shopify-webhook-id", "").strip() or body_digest(topic.encode() + raw_body)


def _check_signed_shop(topic: str, shop: str, kept: Mapping[str, Any] | None) -> None:
    """The HMAC covers the body, not the headers: a signed body replayed with another shop's
    X-Shopify-Shop-Domain must not erase or uninstall that shop. Where the body names its shop
    (the privacy topics' ``shop_domain``, app/uninstalled's ``myshopify_domain``), it must be the
    header's."""
    if topic not in SIGNED_SHOP_TOPICS:
        return
    signed = (kept or {}).get("shop_domain") or (kept or {}).get("myshopify_domain")
    if str(signed or "").strip().lower() != shop:
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
