"""TikTok's order topics: an order's status, its cancellations, its returns."""

from __future__ import annotations

from connector.domain import changes
from connector.domain.entities import Order
from connector.jobs import JobKind
from connector.processing.applier import Applier, Outcome, require
from connector.processing.follow_ups import job_of
from connector.webhooks.message import QueuedWebhook
from connector.webhooks.tiktok import (
    CancellationData,
    Notification,
    OrderStatusData,
    ReturnData,
    data_of,
)


def changed_id(message: QueuedWebhook) -> str:
    """The order an order event is about (its data is not validated here)."""
    return str(Notification.model_validate_json(message.body).data["order_id"])


def order_status(applier: Applier, message: QueuedWebhook) -> Outcome:
    data = data_of(message.body, OrderStatusData)

    def sync_to_shopify(order: Order) -> None:
        # Paid and not in Shopify yet: queued before the write that records the delivery, so a
        # failed send is retried with the event; the job checks the order again and creates the
        # Shopify order exactly once however often it is queued.
        if changes.ready_for_shopify(order):
            applier.job(job_of(message, JobKind.ORDER_SYNC, {"order_id": data.order_id}))
        elif changes.to_cancel_in_shopify(order):
            applier.job(job_of(message, JobKind.CANCEL_IN_SHOPIFY, {"order_id": data.order_id}))

    return applier.change_order(
        message,
        data.order_id,
        lambda current: changes.order_status_change(
            current, message.shop, data.order_id, data.order_status, data.update_time
        ),
        before_commit=sync_to_shopify,
    )


def cancellation(applier: Applier, message: QueuedWebhook) -> Outcome:
    data = data_of(message.body, CancellationData)
    at = data.create_time or message.occurred_at

    def cancel_in_shopify(order: Order) -> None:
        # A cancellation TikTok granted: the job asks TikTok whether the whole order is cancelled.
        granted = (order.cancellation_status or "") in changes.CANCELLATION_GRANTED
        if granted and order.shopify_order_id is not None and not order.cancelled_in_shopify:
            applier.job(job_of(message, JobKind.CANCEL_IN_SHOPIFY, {"order_id": data.order_id}))

    return applier.change_order(
        message,
        data.order_id,
        require(lambda o: changes.cancellation_change(o, data.cancel_status, at)),
        before_commit=cancel_in_shopify,
    )


def return_change(applier: Applier, message: QueuedWebhook) -> Outcome:
    data = data_of(message.body, ReturnData)
    at = data.update_time or data.create_time or message.occurred_at

    def restock(order: Order) -> None:
        # Its units back in Shopify's stock, and what the return took back counted in its sales.
        in_shopify_or_sold = order.shopify_order_id is not None or order.sale is not None
        if order.return_status == changes.RETURN_COMPLETE and in_shopify_or_sold:
            applier.job(job_of(message, JobKind.RESTOCK_RETURN, {"order_id": data.order_id}))

    return applier.change_order(
        message,
        data.order_id,
        require(lambda o: changes.return_change(o, data.return_status, at)),
        before_commit=restock,
    )
