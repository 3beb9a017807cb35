"""Signed Shopify webhooks from the sandbox: REST-shaped payloads (numeric ids) and the HTTPS headers.

Headers and signature as shopify.dev/docs/apps/build/webhooks/verify-deliveries and
delivery-structure describe them: X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body,
keyed by the app's client secret. Payload shapes follow the REST webhook reference samples.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from local.sandboxes.shopify_catalog import (
    SandboxFulfillment,
    SandboxOrder,
    SandboxOrderLine,
    SandboxProduct,
    SandboxSubscription,
    SandboxVariant,
)

# REST weight_unit names for GraphQL WeightUnit values
# (shopify.dev/docs/api/admin-rest/2025-10/resources/product-variant)
REST_WEIGHT_UNITS = {"GRAMS": "g", "KILOGRAMS": "kg", "OUNCES": "oz", "POUNDS": "lb"}
GRAMS_PER_UNIT = {
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Delivery:
    topic: str
    shop: str
    webhook_id: str
    status: int | None  # None: the receiver could not be reached
    wrong_secret: bool


class WebhookSender:
    """Posts signed webhooks to one URL and keeps a log of every delivery."""

    def __init__(self, api_secret: str, api_version: str, url: str | None, timeout: float = 5.0) -> None:
        self.api_secret = api_secret
        self.api_version = api_version
        self.url = url
        self.timeout = timeout  # Shopify gives a receiver 5 s
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()

    def headers(self, shop: str, topic: str, body: bytes, *, wrong_secret: bool = False) -> dict[str, str]:
        secret = "not-the-app-secret" if wrong_secret else self.api_secret
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, secret),
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC)
            .isoformat(timespec="microseconds")
            .replace("+00:00", "Z"),
            "X-Shopify-API-Version": self.api_version,
        }

    def send(
        self, shop: str, topic: str, payload: dict[str, Any], *, wrong_secret: bool = False
    ) -> int | None:
        """Deliver now; the receiver's HTTP status, or None when it could not be reached."""
        if not self.url:
            raise RuntimeError("the sandbox has no webhook_url to deliver to")
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = self.headers(shop, topic, body, wrong_secret=wrong_secret)
        try:
            status: int | None = requests.post(
                self.url, data=body, headers=headers, timeout=self.timeout
            ).status_code
        except requests.RequestException:
            status = None
        with self._lock:
            self.deliveries.append(
                Delivery(topic, shop, headers["X-Shopify-Webhook-Id"], status, wrong_secret)
            )
        return status

    def send_in_background(
        self, shop: str, topic: str, payload: dict[str, Any], *, wrong_secret: bool = False
    ) -> threading.Thread:
        thread = threading.Thread(
            target=self.send, args=(shop, topic, payload), kwargs={"wrong_secret": wrong_secret}, daemon=True
        )
        thread.start()
        return thread


def product_payload(product: SandboxProduct) -> dict[str, Any]:
    """products/create and products/update: the REST Product resource, as the webhook reference's
    sample shows it (shopify.dev/docs/api/webhooks/2025-10?reference=toml#list-products/create):
    options with their values, variants with option1..3, image_id, grams, weight and weight_unit,
    compare_at_price; images with src, width, height and the ids of the variants showing them."""
    images: list[dict[str, Any]] = [
        {
            "id": image.id,
            "admin_graphql_api_id": f"gid://shopify/ProductImage/{image.id}",
            "product_id": product.id,
            "position": position,
            "src": image.url,
            "alt": image.alt_text,
            "width": image.width,
            "height": image.height,
            "created_at": timestamp(product.created_at),
            "updated_at": timestamp(product.updated_at),
            "variant_ids": [v.id for v in product.variants if v.image_id == image.id],
        }
        for position, image in enumerate(product.images, start=1)
    ]
    variants = [
        _variant_payload(product, variant, position) for position, variant in enumerate(product.variants, 1)
    ]
    return {
        "id": product.id,
        "admin_graphql_api_id": product.gid,
        "title": product.title,
        "body_html": product.description_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "handle": product.handle,
        "status": product.status.lower(),
        "tags": ", ".join(product.tags),
        "published_scope": "global",
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
        "published_at": timestamp(product.created_at) if product.status == "ACTIVE" else None,
        "variants": variants[:100],  # "full variants payload for the first 100 records"
        "variant_gids": [
            {"admin_graphql_api_id": v["admin_graphql_api_id"], "updated_at": v["updated_at"]}
            for v in variants
        ],
        "options": [
            {
                "id": product.id * 10 + position,
                "product_id": product.id,
                "name": option.name,
                "position": position,
                "values": list(option.values),
            }
            for position, option in enumerate(product.options, start=1)
        ],
        "images": images,
        "image": images[0] if images else None,
    }


def _variant_payload(product: SandboxProduct, variant: SandboxVariant, position: int) -> dict[str, Any]:
    values = [value for _, value in variant.selected_options] + [None, None, None]
    grams = variant.weight * GRAMS_PER_UNIT[variant.weight_unit]
    return {
        "id": variant.id,
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant.id}",
        "product_id": product.id,
        "title": variant.title,
        "sku": variant.sku,
        "price": f"{variant.price:.2f}",
        "compare_at_price": None if variant.compare_at_price is None else f"{variant.compare_at_price:.2f}",
        "position": position,
        "inventory_policy": "deny",
        "inventory_item_id": variant.inventory_item_id,
        "inventory_quantity": variant.inventory_quantity,
        "old_inventory_quantity": variant.inventory_quantity,
        "taxable": True,
        "barcode": None,
        "option1": values[0],
        "option2": values[1],
        "option3": values[2],
        "image_id": variant.image_id,
        "grams": int(grams.to_integral_value()),
        "weight": float(variant.weight),
        "weight_unit": REST_WEIGHT_UNITS[variant.weight_unit],
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(variant.updated_at),
    }


def product_delete_payload(product_id: int) -> dict[str, Any]:
    return {"id": product_id}


def inventory_level_payload(
    inventory_item_id: int, location_id: int, available: int, updated_at: datetime
) -> dict[str, Any]:
    """inventory_levels/update: one item's ``available`` at one location."""
    return {
        "inventory_item_id": inventory_item_id,
        "location_id": location_id,
        "available": available,
        "updated_at": timestamp(updated_at),
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={inventory_item_id}"
        ),
    }


def order_fulfilled_payload(
    order: SandboxOrder, tracking_number: str, tracking_company: str, fulfilled_at: datetime
) -> dict[str, Any]:
    """orders/fulfilled: the REST Order resource with one successful fulfillment of every line."""
    line_items = [
        {**_line_payload(line), "fulfillment_status": "fulfilled", "fulfillable_quantity": 0}
        for line in order.lines
    ]
    url = tracking_url(tracking_number)
    fulfillment_id = order.id * 10 + 1
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": order.name,
        "order_number": order.number,
        "email": order.email,
        "currency": order.currency,
        "total_price": f"{order.total:.2f}",
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "source_name": order.source_name,
        "source_identifier": order.source_identifier,
        "tags": ", ".join(order.tags),
        "note": order.note,
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(fulfilled_at),
        "line_items": line_items,
        "fulfillments": [
            {
                "id": fulfillment_id,
                "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                "order_id": order.id,
                "name": f"{order.name}.1",
                "status": "success",
                "shipment_status": None,
                "created_at": timestamp(fulfilled_at),
                "updated_at": timestamp(fulfilled_at),
                "tracking_company": tracking_company,
                "tracking_number": tracking_number,
                "tracking_numbers": [tracking_number],
                "tracking_url": url,
                "tracking_urls": [url],
                "line_items": line_items,
            }
        ],
    }


def tracking_url(number: str) -> str:
    return f"https://tracking.example.com/{number}"


def _line_payload(line: SandboxOrderLine, quantity: int | None = None) -> dict[str, Any]:
    """A REST order line item (quantity: the fulfilled one, in a fulfillment)."""
    return {
        "id": line.id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line.id}",
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "sku": line.sku,
        "title": line.title,
        "variant_title": line.variant_title,
        "vendor": line.vendor,
        "name": f"{line.title} - {line.variant_title}" if line.variant_title else line.title,
        "quantity": line.quantity if quantity is None else quantity,
        "current_quantity": line.quantity - line.refunded,
        "price": f"{line.price:.2f}",
        "requires_shipping": line.requires_shipping,
        "taxable": line.taxable,
        "gift_card": False,
        "fulfillment_service": "manual",
        "fulfillable_quantity": line.unfulfilled,
        "fulfillment_status": None
        if not line.fulfilled
        else ("fulfilled" if not line.unfulfilled else "partial"),
    }


def fulfillment_payload(order: SandboxOrder, fulfillment: SandboxFulfillment) -> dict[str, Any]:
    """fulfillments/create and fulfillments/update: the REST Fulfillment resource."""
    numbers = list(fulfillment.tracking_numbers)
    lines = [(order.line(line_id), quantity) for line_id, quantity in fulfillment.lines.items()]
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment.id}",
        "order_id": order.id,
        "name": fulfillment.name,
        "status": fulfillment.status,
        "service": "manual",
        "shipment_status": None,
        "location_id": None,
        "email": order.email,
        "created_at": timestamp(fulfillment.created_at),
        "updated_at": timestamp(fulfillment.updated_at),
        "tracking_company": fulfillment.tracking_company,
        "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": numbers,
        "tracking_url": tracking_url(numbers[0]) if numbers else None,
        "tracking_urls": [tracking_url(number) for number in numbers],
        "line_items": [_line_payload(line, quantity) for line, quantity in lines if line is not None],
    }


def order_payload(order: SandboxOrder) -> dict[str, Any]:
    """orders/fulfilled (and the control endpoint's view): the REST Order resource as the order is."""
    refunded = order.refunded
    if refunded > 0:
        financial = "refunded" if refunded >= order.total else "partially_refunded"
    else:
        financial = (order.financial_status or "paid").lower()
    fulfilled = [line for line in order.lines if line.fulfilled]
    status = (
        None
        if not fulfilled
        else ("fulfilled" if all(not line.unfulfilled for line in order.lines) else "partial")
    )
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": order.name,
        "order_number": order.number,
        "email": order.email,
        "phone": order.phone,
        "currency": order.currency,
        "subtotal_price": f"{order.subtotal:.2f}",
        "total_shipping_price_set": {
            "shop_money": {"amount": f"{order.shipping:.2f}", "currency_code": order.currency}
        },
        "total_tax": f"{order.tax:.2f}",
        "total_discounts": f"{order.discount:.2f}",
        "total_price": f"{order.total:.2f}",
        "financial_status": financial,
        "fulfillment_status": status,
        "source_name": order.source_name,
        "source_identifier": order.source_identifier,
        "tags": ", ".join(order.tags),
        "note": order.note,
        "cancelled_at": timestamp(order.cancelled_at) if order.cancelled_at else None,
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at or order.created_at),
        "processed_at": timestamp(order.processed_at or order.created_at),
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "line_items": [_line_payload(line) for line in order.lines],
        "fulfillments": [fulfillment_payload(order, f) for f in order.fulfillments],
        "refunds": [
            {
                "id": refund.id,
                "created_at": timestamp(refund.created_at),
                "note": refund.note,
                "refund_line_items": [
                    {
                        "line_item_id": item.line_id,
                        "quantity": item.quantity,
                        "restock_type": item.restock_type.lower(),
                        "location_id": item.location_id,
                    }
                    for item in refund.lines
                ],
                "transactions": refund.transactions,
            }
            for refund in order.refunds
        ],
    }


def app_subscription_payload(subscription: SandboxSubscription, shop_id: int) -> dict[str, Any]:
    """app_subscriptions/update."""
    return {
        "app_subscription": {
            "admin_graphql_api_id": f"gid://shopify/AppSubscription/{subscription.id}",
            "name": subscription.name,
            "status": subscription.status,
            "admin_graphql_api_shop_id": f"gid://shopify/Shop/{shop_id}",
            "created_at": timestamp(subscription.created_at),
            "updated_at": timestamp(subscription.updated_at),
            "currency": subscription.currency,
            "capped_amount": None,
            "price": f"{subscription.price:.2f}",
            "interval": subscription.interval.lower(),
            "plan_handle": None,
        }
    }
