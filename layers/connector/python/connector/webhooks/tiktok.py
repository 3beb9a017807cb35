"""TikTok Shop webhooks: ``{type, tts_notification_id, shop_id, timestamp, data}``.

Types and ``data`` fields follow TikTok Shop's webhook reference (partner.tiktokshop.com, "TTS
webhooks"): 1 order status change, 5 product status change, 6 seller deauthorization, 7 upcoming
authorization expiration, 11 cancellation status change, 12 return status change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from connector.webhooks.errors import MalformedWebhookError, SignatureError
from connector.webhooks.message import (
    QueuedWebhook,
    Source,
    body_digest,
    parse_json_object,
    validation_message,
)
from connector.webhooks.signatures import tiktok_signature_valid


class TikTokType(IntEnum):
    ORDER_STATUS_CHANGE = 1
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12
    PRODUCT_AUDIT_STATUS_CHANGE = 37


class _Payload(BaseModel):
    # TikTok sends some ids as JSON numbers beyond 2^53: they become exact strings here.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", frozen=True)


class Notification(_Payload):
    type: int
    tts_notification_id: str | None = None
    shop_id: str
    timestamp: int
    data: dict[str, Any]


class OrderStatusData(_Payload):
    order_id: str
    order_status: str
    update_time: int
    is_on_hold_order: bool = False


class ProductStatusData(_Payload):
    product_id: str
    status: str  # an audit event (PRODUCT_FIRST_PASS_REVIEW, ...), not the product's status
    suspended_reason: str = ""
    update_time: int


class Audit(_Payload):
    status: str
    # The guide's table says pre_approved_reasons ([]string); its example spells a single
    # pre_approved_reason: both are read.
    pre_approved_reasons: list[str] = []
    pre_approved_reason: str | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        single = [self.pre_approved_reason] if self.pre_approved_reason else []
        return tuple(dict.fromkeys([*self.pre_approved_reasons, *single]))


class ProductAuditData(_Payload):
    """Type 37 (guides/webhooks/37-product-audit-status-change.md)."""

    product_id: str
    audit: Audit
    update_time: int


class DeauthorizationData(_Payload):
    message: str = ""


class AuthorizationExpiryData(_Payload):
    message: str = ""
    expiration_time: int  # TikTok sends it as a string of epoch seconds


class CancellationData(_Payload):
    order_id: str
    cancel_status: str
    cancel_id: str | None = None
    cancellations_role: str | None = None
    create_time: int | None = None


class ReturnData(_Payload):
    order_id: str
    return_status: str
    return_id: str | None = None
    return_type: str | None = None
    return_role: str | None = None
    update_time: int | None = None
    create_time: int | None = None


TYPE_DATA: Mapping[int, type[_Payload]] = {
    TikTokType.ORDER_STATUS_CHANGE: OrderStatusData,
    TikTokType.PRODUCT_STATUS_CHANGE: ProductStatusData,
    TikTokType.SELLER_DEAUTHORIZATION: DeauthorizationData,
    TikTokType.UPCOMING_AUTHORIZATION_EXPIRATION: AuthorizationExpiryData,
    TikTokType.CANCELLATION_STATUS_CHANGE: CancellationData,
    TikTokType.RETURN_STATUS_CHANGE: ReturnData,
    TikTokType.PRODUCT_AUDIT_STATUS_CHANGE: ProductAuditData,
}


# The event types a connected shop's webhooks are registered for: every type the door takes, by the
# name Update / Get Shop Webhook give it (api/event/update-shop-webhook.spec.json, event_type): the
# names of TikTokType are TikTok's own.
EVENT_TYPES: tuple[str, ...] = tuple(TikTokType(type_).name for type_ in TYPE_DATA)


@dataclass(frozen=True)
class TikTokWebhook:
    notification: Notification
    delivery_id: str
    raw_body: bytes
    data: _Payload | None  # None for a type we do not subscribe to

    @property
    def subscribed(self) -> bool:
        return self.data is not None

    def to_message(self, shop: str) -> QueuedWebhook:
        return QueuedWebhook(
            source=Source.TIKTOK,
            delivery_id=self.delivery_id,
            shop=shop,
            topic=str(self.notification.type),
            occurred_at=self.notification.timestamp,
            body=self.raw_body.decode(),
        )


def parse_data(type_: int, data: Mapping[str, Any]) -> _Payload:
    try:
        return TYPE_DATA[type_].model_validate(data)
    except ValidationError as error:
        raise MalformedWebhookError(f"type {type_} data: {validation_message(error)}") from None


def from_https(headers: Mapping[str, str], raw_body: bytes, app_key: str, app_secret: str) -> TikTokWebhook:
    """Verify the Authorization signature over the raw body first, then parse."""
    if not tiktok_signature_valid(raw_body, headers.get("Authorization"), app_key, app_secret):
        raise SignatureError("Authorization is missing or does not match the body")
    try:
        notification = Notification.model_validate(parse_json_object(raw_body))
    except ValidationError as error:
        raise MalformedWebhookError(validation_message(error)) from None
    data = parse_data(notification.type, notification.data) if notification.type in TYPE_DATA else None
    # TikTok may omit the notification id; an identical body is then the same delivery.
    delivery_id = notification.tts_notification_id or body_digest(raw_body)
    return TikTokWebhook(notification, delivery_id, raw_body, data)
