"""A TikTok Shop delivery at the door: ``{type, tts_notification_id, shop_id, timestamp, data}``,
verified, checked and trimmed to the fields the processor reads.

Types and ``data`` fields follow TikTok Shop's webhook reference (partner.tiktokshop.com, "TTS
webhooks"): 1 order status change, 5 product status change, 6 seller deauthorization, 7 upcoming
authorization expiration, 11 cancellation status change, 12 return status change, 37 product audit
status change. The processor's models of the same data are in webhooks/tiktok.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from connector.webhooks.envelope import Source, body_digest, parse_json_object, queued_message
from connector.webhooks.errors import MalformedWebhookError, SignatureError
from connector.webhooks.projection import Kind, Problems, Shape, defaulted, optional, project, required
from connector.webhooks.signatures import tiktok_signature_valid

TEXT, INT, BOOL = Kind.TEXT, Kind.INT, Kind.BOOL


class TikTokType(IntEnum):
    ORDER_STATUS_CHANGE = 1
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12
    PRODUCT_AUDIT_STATUS_CHANGE = 37


# TikTok sends some ids as JSON numbers beyond 2^53: they are kept as sent, exact.
NOTIFICATION: Shape = {
    "type": required(INT),
    "tts_notification_id": optional(TEXT),
    "shop_id": required(TEXT),
    "timestamp": required(INT),
    "data": required(Kind.OBJECT),
}
# The types we subscribe to, each with the fields kept of its data (the processor's models,
# webhooks/tiktok.py TYPE_DATA, read these and no others).
TYPE_FIELDS: Mapping[int, Shape] = {
    TikTokType.ORDER_STATUS_CHANGE: {
        "order_id": required(TEXT),
        "order_status": required(TEXT),
        "update_time": required(INT),
        "is_on_hold_order": defaulted(BOOL),
    },
    TikTokType.PRODUCT_STATUS_CHANGE: {
        "product_id": required(TEXT),
        "status": required(TEXT),  # an audit event (PRODUCT_FIRST_PASS_REVIEW, ...), not a status
        "suspended_reason": defaulted(TEXT),
        "update_time": required(INT),
    },
    TikTokType.SELLER_DEAUTHORIZATION: {"message": defaulted(TEXT)},
    TikTokType.UPCOMING_AUTHORIZATION_EXPIRATION: {
        "message": defaulted(TEXT),
        "expiration_time": required(INT),  # TikTok sends it as a string of epoch seconds
    },
    TikTokType.CANCELLATION_STATUS_CHANGE: {
        "order_id": required(TEXT),
        "cancel_status": required(TEXT),
        "cancel_id": optional(TEXT),
        "cancellations_role": optional(TEXT),
        "create_time": optional(INT),
    },
    TikTokType.RETURN_STATUS_CHANGE: {
        "order_id": required(TEXT),
        "return_status": required(TEXT),
        "return_id": optional(TEXT),
        "return_type": optional(TEXT),
        "return_role": optional(TEXT),
        "update_time": optional(INT),
        "create_time": optional(INT),
    },
    TikTokType.PRODUCT_AUDIT_STATUS_CHANGE: {  # guides/webhooks/37-product-audit-status-change.md
        "product_id": required(TEXT),
        "audit": required(
            {
                "status": required(TEXT),
                # The guide's table says pre_approved_reasons ([]string); its example spells a
                # single pre_approved_reason: both are kept.
                "pre_approved_reasons": defaulted(TEXT, many=True),
                "pre_approved_reason": optional(TEXT),
            }
        ),
        "update_time": required(INT),
    },
}
# The event types a connected shop's webhooks are registered for: every type the door takes, by the
# name Update / Get Shop Webhook give it (api/event/update-shop-webhook.spec.json, event_type): the
# names of TikTokType are TikTok's own.
EVENT_TYPES: tuple[str, ...] = tuple(TikTokType(type_).name for type_ in TYPE_FIELDS)


@dataclass(frozen=True)
class TikTokDelivery:
    type: int
    tiktok_shop_id: str
    delivery_id: str
    occurred_at: int
    kept: dict[str, Any] | None  # the notification with its data's kept fields; None: unsubscribed

    @property
    def subscribed(self) -> bool:
        return self.kept is not None

    def message(self) -> str:
        """The events queue's message (only for a subscribed type). The processor finds the
        Shopify shop from the TikTok shop id, with the batch's other reads."""
        assert self.kept is not None
        return queued_message(
            Source.TIKTOK,
            self.delivery_id,
            str(self.type),
            self.occurred_at,
            self.kept,
            tiktok_shop_id=self.tiktok_shop_id,
        )


def from_https(headers: Mapping[str, str], raw_body: bytes, app_key: str, app_secret: str) -> TikTokDelivery:
    """Verify the Authorization signature over the raw body first, then parse. ``headers`` are
    lowercase."""
    if not tiktok_signature_valid(raw_body, headers.get("authorization"), app_key, app_secret):
        raise SignatureError("Authorization is missing or does not match the body")
    problems = Problems()
    notification = project(NOTIFICATION, parse_json_object(raw_body), problems)
    if problems:
        raise MalformedWebhookError("; ".join(problems))
    type_ = int(notification["type"])
    if type_ in TYPE_FIELDS:
        notification["data"] = project(TYPE_FIELDS[type_], notification["data"], problems)
        if problems:
            raise MalformedWebhookError(f"type {type_} data: {'; '.join(problems)}")
    # TikTok may omit the notification id; an identical body is then the same delivery.
    delivery_id = str(notification.get("tts_notification_id") or "") or body_digest(raw_body)
    kept = notification if type_ in TYPE_FIELDS else None
    return TikTokDelivery(
        type_, str(notification["shop_id"]), delivery_id, int(notification["timestamp"]), kept
    )
