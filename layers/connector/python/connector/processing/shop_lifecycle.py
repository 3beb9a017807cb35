"""The topics a shop sends once in a long while: Shopify's uninstall, billing and privacy topics,
TikTok's end of the seller's authorization."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.dal.store import CommitOutcome
from connector.domain import changes, plans
from connector.domain.entities import Plan, SubscriptionState
from connector.jobs import JobKind
from connector.processing.applier import MAX_ATTEMPTS, Applier, ConflictError, Outcome, require
from connector.processing.follow_ups import job_of
from connector.webhooks.message import QueuedWebhook
from connector.webhooks.shopify import (
    AppSubscription,
    AppSubscriptionPayload,
    CustomerRedactPayload,
    DataRequestPayload,
)
from connector.webhooks.tiktok import AuthorizationExpiryData, Notification


def uninstalled(applier: Applier, message: QueuedWebhook) -> Outcome:
    at = datetime.fromtimestamp(message.occurred_at, UTC)
    return Outcome.APPLIED if applier.store.mark_uninstalled(message.shop, at) else Outcome.STALE


def subscription(applier: Applier, message: QueuedWebhook) -> Outcome:
    changed = AppSubscriptionPayload.model_validate_json(message.body).app_subscription
    for _ in range(MAX_ATTEMPTS):
        plan = applier.store.get_plan(message.shop)
        if plan is None:
            return Outcome.IGNORED
        update = _subscription_state(plan, changed, message)
        recorded = plans.subscription_changed(plan, update)
        if recorded is None:
            return Outcome.STALE
        current = plans.current_subscription(recorded)
        if current == update and update.status == "ACTIVE":
            # Limits may have risen (or billing thawed): held orders flow, in arrival order; and
            # the cycle follows the subscription's billing period, which only Shopify's API tells.
            applier.job(job_of(message, JobKind.RELEASE_HELD_ORDERS, {}))
            applier.job(job_of(message, JobKind.BILLING_PERIOD, {"subscription_id": current.id}))
        if applier.store.commit_plan(recorded) is CommitOutcome.APPLIED:
            return Outcome.APPLIED
    raise ConflictError("plan kept changing")


def _subscription_state(
    plan: Plan, subscription: AppSubscription, message: QueuedWebhook
) -> SubscriptionState:
    """The update as the domain orders it; a payload without times (never Shopify's) falls back on
    what is known of the subscription, then on the delivery's time."""
    known = next((s for s in plan.subscriptions if s.id == subscription.admin_graphql_api_id), None)
    delivered = datetime.fromtimestamp(message.occurred_at, UTC)
    updated_at = subscription.updated_at or delivered
    created_at = subscription.created_at or (known.created_at if known else updated_at)
    return SubscriptionState(
        id=subscription.admin_graphql_api_id,
        name=subscription.name,
        status=subscription.status.strip().upper(),
        created_at=_aware(created_at),
        updated_at=_aware(updated_at),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def data_request(applier: Applier, message: QueuedWebhook) -> Outcome:
    payload = DataRequestPayload.model_validate_json(message.body)
    orders = applier.store.orders_of_shopify_orders(message.shop, payload.orders_requested)
    held = [changes.HELD_FOR_A_CUSTOMER] if orders else []
    applier.store.save_data_request(
        message.shop,
        payload.data_request.id,
        payload.customer.id,
        sorted(o.tiktok_order_id for o in orders),
        held,
        message.occurred_at,
    )
    return Outcome.APPLIED


def customer_redact(applier: Applier, message: QueuedWebhook) -> Outcome:
    payload = CustomerRedactPayload.model_validate_json(message.body)
    orders = applier.store.orders_of_shopify_orders(message.shop, payload.orders_to_redact)
    applier.store.unlink_shopify_orders(message.shop, payload.orders_to_redact)
    for order in orders:
        applier.seen(order)
        applier.change_order(message, order.tiktok_order_id, require(changes.redact_customer), record=False)
    return Outcome.APPLIED


def shop_redact(applier: Applier, message: QueuedWebhook) -> Outcome:
    applier.store.erase_shop(message.shop)
    return Outcome.APPLIED


def tiktok_deauthorized(applier: Applier, message: QueuedWebhook) -> Outcome:
    applied = applier.store.revoke_tiktok(message.shop, message.occurred_at)
    return Outcome.APPLIED if applied else Outcome.IGNORED


def tiktok_authorization_expiry(applier: Applier, message: QueuedWebhook) -> Outcome:
    notification = Notification.model_validate_json(message.body)
    data = AuthorizationExpiryData.model_validate(notification.data)
    expires = datetime.fromtimestamp(data.expiration_time, UTC)
    applied = applier.store.update_shop(message.shop, tiktok_authorization_expires_at=expires)
    return Outcome.APPLIED if applied else Outcome.IGNORED
