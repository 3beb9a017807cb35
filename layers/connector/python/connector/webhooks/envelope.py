"""What a door makes of a verified delivery: the queued message, as the JSON the processor's
``QueuedWebhook`` (webhooks/message.py) parses, built with the standard library alone (the doors'
cold start has no room for pydantic; tests/unit/test_projection.py parses what they build)."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any

from connector.webhooks.errors import MalformedWebhookError


class Source(StrEnum):
    SHOPIFY = "shopify"
    TIKTOK = "tiktok"


class Acceptance(StrEnum):
    """What became of a delivery: a door queues it or finds its topic unsubscribed; the processor
    ignores it when its shop is unknown or gone. Each is counted per sender (``ShopifyWebhook_queued``)."""

    QUEUED = "queued"
    UNSUBSCRIBED = "unsubscribed"  # a topic or type we do not handle
    UNKNOWN_SHOP = "unknown_shop"
    UNINSTALLED_SHOP = "uninstalled_shop"


# Shopify's mandatory privacy topics: they must be honoured even after the app is uninstalled (the
# Shopify door checks their signed shop; the processor applies them to an uninstalled shop). Here,
# not in shopify_delivery.py, so the processor does not load the door's field tables.
PRIVACY_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


def queued_message(
    source: Source,
    delivery_id: str,
    topic: str,
    occurred_at: int,
    body: dict[str, Any],
    *,
    shop: str = "",
    tiktok_shop_id: str | None = None,
) -> str:
    """The events queue's message: the delivery with its kept payload as compact JSON text."""
    message = {
        "source": source.value,
        "delivery_id": delivery_id,
        "shop": shop,
        "tiktok_shop_id": tiktok_shop_id,
        "topic": topic,
        "occurred_at": occurred_at,
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    }
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def body_digest(raw_body: bytes) -> str:
    """A stand-in delivery id for senders that omit theirs: equal bodies are the same delivery."""
    return "sha256-" + hashlib.sha256(raw_body).hexdigest()


def parse_json_object(raw_body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 naming what is wrong."""
    if not raw_body:
        raise MalformedWebhookError("body is empty")
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise MalformedWebhookError("body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhookError("body is not a JSON object")
    return payload
