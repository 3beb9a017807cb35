"""TikTok Shop webhook data as the processor reads it: the notification and one model per type,
validating what the door kept (webhooks/tiktok_delivery.py: TYPE_FIELDS, which tests keep equal to
these models).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

# The types' names and the registered event types are the door's; read here too.
from connector.webhooks.tiktok_delivery import EVENT_TYPES, TikTokType

__all__ = ["EVENT_TYPES", "TYPE_DATA", "Notification", "TikTokType", "data_of"]


class _Payload(BaseModel):
    # TikTok sends some ids as JSON numbers beyond 2^53: they become exact strings here. A model
    # is built when the first webhook of its type is read (defer_build), not at import.
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", frozen=True, defer_build=True)


D = TypeVar("D", bound=_Payload)


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


def data_of(body: str, model: type[D]) -> D:
    """The data of a queued notification's ``body``, read with its type's model."""
    return model.model_validate(Notification.model_validate_json(body).data)


TYPE_DATA: Mapping[int, type[_Payload]] = {
    TikTokType.ORDER_STATUS_CHANGE: OrderStatusData,
    TikTokType.PRODUCT_STATUS_CHANGE: ProductStatusData,
    TikTokType.SELLER_DEAUTHORIZATION: DeauthorizationData,
    TikTokType.UPCOMING_AUTHORIZATION_EXPIRATION: AuthorizationExpiryData,
    TikTokType.CANCELLATION_STATUS_CHANGE: CancellationData,
    TikTokType.RETURN_STATUS_CHANGE: ReturnData,
    TikTokType.PRODUCT_AUDIT_STATUS_CHANGE: ProductAuditData,
}
