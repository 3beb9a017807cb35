"""Read models of the dashboard, each a fixed number of DynamoDB requests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from connector.api import schemas
from connector.cursor import decode_cursor, encode_cursor
from connector.dal.store import Page, PageKey, Store
from connector.domain.entities import (
    ACTIVITY_LABELS,
    Activity,
    Order,
    Plan,
    Product,
    Shop,
    StatusCounts,
    TikTokConnection,
)
from connector.domain.plans import catalogue, usage
from connector.domain.status import (
    FINAL_ORDER_STATUSES,
    ORDER_STATUS_LABELS,
    PRODUCT_STATUS_LABELS,
    OrderStatus,
    ProductStatus,
)

if TYPE_CHECKING:  # an annotation only: the Shopify client's models stay out of every request
    from connector.clients.shopify.models import ShopifyLocation

E = TypeVar("E")
V = TypeVar("V")
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
            activity_view(a) for a in store.list_activities(shop, finished=False, limit=RECENT_ACTIVITIES)
        ],
        completed=[
            activity_view(a) for a in store.list_activities(shop, finished=True, limit=RECENT_ACTIVITIES)
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


def product_view(product: Product) -> schemas.ProductOut:
    return schemas.ProductOut(
        id=product.shopify_product_id,
        title=product.title,
        status=ProductStatus(product.status),
        tiktok_product_id=product.tiktok_product_id,
        tiktok_status=product.tiktok_status,
        failure_reason=product.failure_reason,
        missing=list(product.missing),
        waiting_reason=product.waiting_reason,
        edit_rejected_reason=product.edit_rejected_reason,
        shopify_status=product.shopify_status,
        tiktok_category_id=product.tiktok_category_id,
        variants=len(product.variants),
        updated_at=max(product.status_time, product.shopify_updated_at),
    )


def order_view(order: Order) -> schemas.OrderOut:
    return schemas.OrderOut(
        id=order.tiktok_order_id,
        status=OrderStatus(order.status),
        tiktok_status=order.tiktok_status,
        shopify_order_id=order.shopify_order_id,
        update_time=order.update_time,
        created_at=order.created_at,
        cancellation_status=order.cancellation_status,
        return_status=order.return_status,
        held_for_quota=order.held_for_quota,
        sync_problem=order.sync_problem,
        fulfilled_by_tiktok=order.fulfilled_by_tiktok,
        unmatched_skus=list(order.unmatched_skus),
        cancelled_in_shopify=order.cancelled_in_shopify,
    )


def products(
    store: Store, shop: str, status: str | None, limit: int, cursor: str | None, secret: bytes
) -> schemas.ProductPage:
    items, following = _page(
        store.list_products, product_view, shop, "PRODUCT", status, limit, cursor, secret
    )
    return schemas.ProductPage(items=items, next_cursor=following)


def orders(
    store: Store, shop: str, status: str | None, limit: int, cursor: str | None, secret: bytes
) -> schemas.OrderPage:
    items, following = _page(store.list_orders, order_view, shop, "ORDER", status, limit, cursor, secret)
    return schemas.OrderPage(items=items, next_cursor=following)


def _page(
    lister: Callable[[str, str | None, int, PageKey | None], Page[E]],
    view: Callable[[E], V],
    shop: str,
    kind: str,
    status: str | None,
    limit: int,
    cursor: str | None,
    secret: bytes,
) -> tuple[list[V], str | None]:
    """One page of a listing; the cursor is signed for this shop, kind and filter only."""
    scope = f"{shop}|{kind}|{status or ''}"
    start = decode_cursor(cursor, secret=secret, scope=scope) if cursor else None
    page = lister(shop, status, limit, start)
    following = encode_cursor(page.next_key, secret=secret, scope=scope) if page.next_key else None
    return [view(item) for item in page.items], following


def settings_view(shop: Shop, locations: Sequence[ShopifyLocation] = ()) -> schemas.SettingsOut:
    s, size = shop.settings, shop.settings.package_dimensions
    return schemas.SettingsOut(
        sync_fields=list(s.sync_fields),
        price_rule=schemas.PriceRule(
            kind=s.price_rule_kind, direction=s.price_rule_direction, value=s.price_rule_value
        ),
        inventory_buffer=schemas.InventoryBuffer(
            kind=s.inventory_buffer_kind, value=s.inventory_buffer_value
        ),
        auto_upload=s.auto_upload,
        warehouse_id=s.warehouse_id,
        package_dimensions=None
        if size is None
        else schemas.Dimensions(length_cm=size.length_cm, width_cm=size.width_cm, height_cm=size.height_cm),
        category_mappings=[
            schemas.CategoryMapping(name=name, category_id=category) for name, category in s.category_mappings
        ],
        location_warehouses=[
            schemas.LocationWarehouse(location_id=location, warehouse_id=warehouse)
            for location, warehouse in s.location_warehouses
        ],
        orders_since=datetime.fromtimestamp(shop.orders_since, UTC).date() if shop.orders_since else None,
        warehouses=[
            schemas.WarehouseOut(id=w.warehouse_id, name=w.name, is_default=w.is_default)
            for w in shop.tiktok_warehouses
        ],
        locations=[
            schemas.LocationOut(id=loc.id, name=loc.name, fulfills_online_orders=loc.fulfills_online_orders)
            for loc in locations
            if loc.active
        ],
    )
