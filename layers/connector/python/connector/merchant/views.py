"""Read models of the dashboard, each a fixed number of DynamoDB requests: its summary, the plan,
the onboarding and the activities (the product and order pages and the settings: pages.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from connector.api import schemas
from connector.dal.store import Store
from connector.domain.entities import (
    ACTIVITY_LABELS,
    Activity,
    Plan,
    Shop,
    StatusCounts,
    TikTokConnection,
)
from connector.domain.plans import catalogue, usage
from connector.domain.status import (
    FINAL_ORDER_STATUSES,
    ORDER_STATUS_LABELS,
    PRODUCT_STATUS_LABELS,
)

CONTENT_FILE = Path(__file__).resolve().parent.parent / "config" / "dashboard.json"
RECENT_ACTIVITIES = 10


@lru_cache(maxsize=1)
def content() -> dict[str, Any]:
    """Prerequisites, FAQs and cancel reasons: text the dashboard shows, kept out of code."""
    loaded: dict[str, Any] = json.loads(CONTENT_FILE.read_text())
    return loaded


def dashboard(store: Store, shop: Shop, now: datetime) -> schemas.DashboardOut:
    """The summary: the profile (already read), plan, counters, and both activity lists; five reads
    whatever the catalog size."""
    counts = store.status_counts(shop.domain)
    plan = _plan_of(store, shop.domain)
    return schemas.DashboardOut(
        shop=shop.domain,
        products=schemas.ProductCounts(**counts.products()),
        orders=schemas.OrderCounts(**counts.orders()),
        activities=activities(store, shop.domain),
        plan=plan_view(plan, counts),
        connection=connection_health(shop, now),
        prerequisites=prerequisites(shop, counts),
        faqs=[schemas.Faq(**faq) for faq in content()["faqs"]],
        cancel_reasons=[schemas.CancelReason(**reason) for reason in content()["cancel_reasons"]],
        vocabulary=vocabulary(),
        tiktok_webhooks_missing=list(shop.tiktok_webhooks_missing),
    )


# An authorization ending this soon is shown with its call to reconnect before it lapses.
EXPIRY_WARNING = timedelta(days=30)
CONNECTION_MESSAGES = {
    TikTokConnection.NOT_CONNECTED: "Connect your TikTok shop to list products and receive orders.",
    TikTokConnection.REVOKED: (
        "TikTok Shop says the app's authorization was removed. Work for TikTok is paused: "
        "connect again to resume it; stock and prices are sent again then."
    ),
    TikTokConnection.EXPIRED: (
        "TikTok Shop no longer accepts the app's authorization. Work for TikTok is paused: "
        "connect again to resume it; stock and prices are sent again then."
    ),
}


def connection_health(shop: Shop, now: datetime) -> schemas.ConnectionHealth:
    """The TikTok connection's state and when its authorization ends, with what to do about it."""
    ends = [at for at in (shop.tiktok_authorization_expires_at, shop.tiktok_refresh_token_expires_at) if at]
    expires_at = min(ends) if ends else None
    state = shop.tiktok_connection
    message = CONNECTION_MESSAGES.get(state)
    expiring = (
        state is TikTokConnection.CONNECTED and expires_at is not None and expires_at - now < EXPIRY_WARNING
    )
    if expiring:
        message = f"The TikTok authorization ends on {expires_at:%Y-%m-%d}: connect again before then."
    return schemas.ConnectionHealth(
        state=state,
        tiktok_shop_id=shop.tiktok_shop_id,
        region=shop.tiktok_region,
        authorization_expires_at=expires_at,
        reconnect_needed=state is not TikTokConnection.CONNECTED or expiring,
        message=message,
    )


@lru_cache(maxsize=1)
def vocabulary() -> schemas.Vocabulary:
    def labels(named: Mapping[Any, str]) -> list[schemas.Label]:
        return [schemas.Label(id=value, label=label) for value, label in named.items()]

    return schemas.Vocabulary(
        product_statuses=labels(PRODUCT_STATUS_LABELS),
        order_statuses=labels(ORDER_STATUS_LABELS),
        final_order_statuses=sorted(FINAL_ORDER_STATUSES),
        activity_types=labels(ACTIVITY_LABELS),
    )


def activities(store: Store, shop: str) -> schemas.Activities:
    return schemas.Activities(
        ongoing=[
            activity_view(a)
            for a in store.activities.list_activities(shop, finished=False, limit=RECENT_ACTIVITIES)
        ],
        completed=[
            activity_view(a)
            for a in store.activities.list_activities(shop, finished=True, limit=RECENT_ACTIVITIES)
        ],
    )


def activity_view(activity: Activity) -> schemas.ActivityOut:
    return schemas.ActivityOut(
        id=activity.activity_id,
        type=activity.type.value,
        state=activity.state.value,
        total=activity.total,
        processed=activity.processed,
        succeeded=activity.succeeded,
        failed=activity.failed,
        progress_percent=activity.progress_percent,
        started_at=activity.started_at,
        finished_at=activity.finished_at,
        errors=list(activity.errors),
    )


def plan_view(plan: Plan, counts: StatusCounts) -> schemas.PlanOut:
    plans = catalogue()
    offer = plans.offer(plan.name)
    used = usage(plan, counts)
    return schemas.PlanOut(
        plan=offer.id,
        name=offer.name,
        amount=str(offer.amount),
        currency=plans.currency,
        billing_date=plan.billing_date,
        billing_at=plan.billing_at,
        cycle_started_at=plan.cycle_started_at,
        products_limit=offer.products_limit,
        products_used=used.products_used,
        products_remaining=used.products_remaining,
        orders_limit=offer.orders_limit,
        orders_used=used.orders_used,
        orders_remaining=used.orders_remaining,
        subscription_status=plan.subscription_status,
        pending_plan=plan.pending_plan,
        upgrade_options=[
            schemas.UpgradeOption(
                plan=o.id,
                name=o.name,
                amount=str(o.amount),
                products_limit=o.products_limit,
                orders_limit=o.orders_limit,
            )
            for o in plans.upgrades_from(offer.id)
        ],
    )


def plan(store: Store, shop: str) -> schemas.PlanOut:
    return plan_view(_plan_of(store, shop), store.status_counts(shop))


def _plan_of(store: Store, shop: str) -> Plan:
    held = store.get_plan(shop)
    if held is None:
        raise LookupError(f"{shop} has no plan")  # provisioning always writes one
    return held


def prerequisites(shop: Shop, counts: StatusCounts) -> list[schemas.Prerequisite]:
    done = {
        "shopify_installed": shop.shopify_token_ciphertext is not None,
        "tiktok_connected": shop.tiktok_connection is TikTokConnection.CONNECTED,
        "products_imported": counts.products()["total"] > 0,
        "products_live": counts.products()["live"] > 0,
    }
    return [schemas.Prerequisite(**item, done=done[item["id"]]) for item in content()["prerequisites"]]


def onboarding(shop: Shop, counts: StatusCounts) -> schemas.OnboardingOut:
    steps = [schemas.OnboardingStep(id=p.id, title=p.title, done=p.done) for p in prerequisites(shop, counts)]
    first_open = next((i for i, s in enumerate(steps) if not s.done), len(steps))
    return schemas.OnboardingOut(
        step=first_open + 1,
        steps=steps,
        tiktok_connection=shop.tiktok_connection.value,
        tiktok_shop_id=shop.tiktok_shop_id,
    )
