"""What the merchant can ask for. Each action records an activity and queues the work for the jobs
function, so the answer is immediate (202) and the dashboard follows the activity's progress."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from connector.api import schemas
from connector.clients.shopify.errors import ShopifyError
from connector.dal.store import Delivery
from connector.domain.entities import (
    ACTIVITY_LABELS,
    Activity,
    ActivityState,
    ActivityType,
    PackageDimensions,
    Shop,
    SyncSettings,
    TikTokConnection,
)
from connector.domain.plans import catalogue
from connector.domain.status import FINAL_ORDER_STATUSES
from connector.jobs import Job, JobKind
from connector.merchant import billing, pages, views
from connector.merchant.errors import (
    ActivityRunningError,
    ConflictError,
    NotFoundError,
    UnprocessableError,
)
from connector.observability import logger
from connector.values import replace
from connector.wiring import Ports, ShopGoneError

# A save of the same settings change this soon after the first is that save again, not a change of
# its own (see start_reprice).
SAME_SAVE_WINDOW = timedelta(minutes=10)
RECENT_ACTIVITIES = 20


def new_activity_id() -> str:
    """Time-ordered, so that newer activities sort after older ones."""
    return f"{int(time.time() * 1000):013d}-{secrets.token_hex(4)}"


def _start(
    ports: Ports,
    shop: str,
    type_: ActivityType,
    kind: JobKind,
    total: int | None,
    activity_id: str | None = None,
    **params: object,
) -> Activity:
    """``total`` None: the work counts its items as it finds them (an import, "upload all")."""
    activity = Activity(
        shop=shop,
        activity_id=activity_id or new_activity_id(),
        type=type_,
        state=ActivityState.ONGOING,
        total=total or 0,
        total_final=total is not None,
        started_at=datetime.now(UTC),
    )
    running = ports.store.activities.start_activity(activity)
    if running is not None:
        raise _already_running(running)
    ports.enqueue_job(
        Job(
            kind=kind,
            shop=shop,
            idempotency_key=activity.activity_id,
            params={"activity_id": activity.activity_id, **params},
        )
    )
    return activity


def _already_running(running: Activity) -> ActivityRunningError:
    """409 for a second import or upload of a shop: which one runs, and how far it is."""
    progress = (
        "counting what to do"
        if running.total == 0 and not running.total_final
        else f"{running.processed:,} of {running.total:,} done"
    )
    message = (
        f"{ACTIVITY_LABELS[running.type]} is already running ({progress}): "
        "another can start once it has finished"
    )
    return ActivityRunningError(message, views.activity_view(running).model_dump(mode="json"))


def start_import(ports: Ports, shop: Shop) -> Activity:
    return _start(ports, shop.domain, ActivityType.IMPORT, JobKind.IMPORT, total=None)


def start_upload(ports: Ports, shop: Shop, request: schemas.UploadRequest) -> Activity:
    if request.all_not_uploaded:
        return _start(
            ports, shop.domain, ActivityType.UPLOAD, JobKind.UPLOAD, total=None, all_not_uploaded=True
        )
    wanted = list(dict.fromkeys(request.product_ids or ()))
    found = ports.store.get_products(shop.domain, wanted)
    missing = [pid for pid in wanted if pid not in found or found[pid].deleted]
    if missing:
        raise UnprocessableError(f"unknown products: {', '.join(missing[:5])}")
    return _start(
        ports, shop.domain, ActivityType.UPLOAD, JobKind.UPLOAD, total=len(wanted), shopify_product_ids=wanted
    )


def set_product_active(ports: Ports, shop: Shop, product_id: str, active: bool) -> Activity:
    product = ports.store.get_product(shop.domain, product_id)
    if product is None or product.deleted:
        raise NotFoundError(f"no product {product_id}")
    if product.tiktok_product_id is None:
        raise ConflictError(f"product {product_id} is not on TikTok Shop yet: upload it first")
    type_, kind = (
        (ActivityType.ACTIVATE, JobKind.ACTIVATE) if active else (ActivityType.DEACTIVATE, JobKind.DEACTIVATE)
    )
    return _start(ports, shop.domain, type_, kind, total=1, shopify_product_ids=[product_id])


def cancel_order(ports: Ports, shop: Shop, order_id: str, reason: str) -> Activity:
    order = ports.store.get_order(shop.domain, order_id)
    if order is None:
        raise NotFoundError(f"no order {order_id}")
    reasons = {r["id"]: r for r in views.content()["cancel_reasons"]}
    if reason not in reasons:
        raise UnprocessableError(f"reason must be one of TikTok's: {', '.join(reasons)}")
    if order.status in FINAL_ORDER_STATUSES:
        raise ConflictError(f"order {order_id} is {order.status} and can no longer be cancelled")
    if order.status not in reasons[reason]["statuses"]:
        raise UnprocessableError(f"TikTok does not accept '{reason}' for an order that is {order.status}")
    return _start(
        ports,
        shop.domain,
        ActivityType.CANCEL_ORDER,
        JobKind.CANCEL_ORDER,
        total=1,
        order_id=order_id,
        reason=reason,
    )


def _start_orders_from(ports: Ports, shop: Shop, since: date | None) -> Shop:
    """Orders created from ``since`` (a UTC day) on go to Shopify: an earlier start makes the order
    poll read again from there; None keeps the start as it is."""
    current = datetime.fromtimestamp(shop.orders_since, UTC).date() if shop.orders_since else None
    if since is None or since == current:  # the day shown, sent back with the other settings
        return shop
    start = int(datetime.combine(since, datetime.min.time(), UTC).timestamp())
    if start > int(ports.now().timestamp()):
        raise UnprocessableError("orders_since: a day that has not come yet")
    polled = min(shop.tiktok_orders_polled_until, start) if shop.tiktok_orders_polled_until else start
    ports.store.update_shop(shop.domain, orders_since=start, tiktok_orders_polled_until=polled)
    return replace(shop, orders_since=start, tiktok_orders_polled_until=polled)


def order_history(ports: Ports, shop: Shop, since: date) -> schemas.OrderHistoryOut:
    """How many TikTok orders an earlier start would bring into Shopify (Get Order List's count of
    orders created from ``since`` up to the current start)."""
    start = int(datetime.combine(since, datetime.min.time(), UTC).timestamp())
    end = shop.orders_since or int(ports.now().timestamp())
    if shop.tiktok_connection is not TikTokConnection.CONNECTED or start >= end:
        return schemas.OrderHistoryOut(since=since, orders=0)
    page = ports.tiktok_api(shop).search_orders(create_time_ge=start, create_time_lt=end, page_size=1)
    return schemas.OrderHistoryOut(since=since, orders=page.total_count)


def retry_order(ports: Ports, shop: Shop, order_id: str) -> Activity:
    """An order Shopify refused (its reason shown) is tried again: its problem is cleared and one
    order sync queued, which claims and counts it as the first try did."""
    order = ports.store.get_order(shop.domain, order_id)
    if order is None:
        raise NotFoundError(f"no order {order_id}")
    if order.sync_problem is None:
        raise ConflictError(f"order {order_id} has nothing to retry")
    from connector.activities.orders import record_order  # the order flow's, for this route only

    record_order(ports, shop, order_id, sync_problem=None)
    return _start(ports, shop.domain, ActivityType.ORDER_SYNC, JobKind.ORDER_SYNC, total=1, order_id=order_id)


def update_settings(ports: Ports, shop: Shop, wanted: schemas.SettingsIO) -> schemas.SettingsOut:
    warehouses = {w.warehouse_id for w in shop.tiktok_warehouses}
    if wanted.warehouse_id is not None and wanted.warehouse_id not in warehouses:
        raise UnprocessableError("warehouse_id: not one of the shop's TikTok Shop sales warehouses")
    for mapped in wanted.location_warehouses:
        if mapped.warehouse_id not in warehouses:
            raise UnprocessableError(f"location_warehouses: {mapped.warehouse_id} is not a sales warehouse")
    locations = [m.location_id for m in wanted.location_warehouses]
    if len(set(locations)) < len(locations):
        raise UnprocessableError("location_warehouses: a location goes to one warehouse")
    size = wanted.package_dimensions
    settings = SyncSettings(
        auto_upload=wanted.auto_upload,
        sync_fields=tuple(dict.fromkeys(wanted.sync_fields)),
        price_rule_kind=wanted.price_rule.kind,
        price_rule_direction=wanted.price_rule.direction,
        price_rule_value=Decimal(wanted.price_rule.value),
        inventory_buffer_kind=wanted.inventory_buffer.kind,
        inventory_buffer_value=wanted.inventory_buffer.value,
        warehouse_id=wanted.warehouse_id,
        package_dimensions=None
        if size is None
        else PackageDimensions(size.length_cm, size.width_cm, size.height_cm),
        # One category per name (case ignored): the last given wins.
        category_mappings=tuple(
            {m.name.casefold(): (m.name, m.category_id) for m in wanted.category_mappings}.values()
        ),
        location_warehouses=tuple((m.location_id, m.warehouse_id) for m in wanted.location_warehouses),
    )
    _check_new_mappings(ports, shop, settings.category_mappings)
    shop = _start_orders_from(ports, shop, wanted.orders_since)
    # Saved first: the reprice reads the settings it sends when it runs.
    ports.store.save_settings(shop.domain, settings)
    start_reprice(ports, shop, settings)
    return settings_view(ports, replace(shop, settings=settings))


def start_resync(ports: Ports, shop: Shop) -> Activity | None:
    """After a reconnection: every listing's stock and synced fields sent again (what was dropped
    while TikTok refused us), as a reprice of both does it; None when nothing is on TikTok."""
    if not _listed_on_tiktok(ports, shop.domain):
        return None
    # reprice: each listing brought in step over the synced fields (the price or not)
    restock = "inventory" in shop.settings.sync_fields
    return _reprice_activity(ports, shop.domain, "reconnect", reprice=True, restock=restock)


def _listed_on_tiktok(ports: Ports, domain: str) -> bool:
    on_tiktok = ports.store.status_counts(domain).products()
    return on_tiktok["live"] + on_tiktok["pending"] + on_tiktok["inactive"] > 0


def _reprice_activity(ports: Ports, domain: str, name: str, *, reprice: bool, restock: bool) -> Activity:
    activity_id = f"{int(ports.now().timestamp() * 1000):013d}-reprice-{name}"
    return _start(
        ports,
        domain,
        ActivityType.REPRICE,
        JobKind.REPRICE,
        total=None,
        activity_id=activity_id,
        reprice=reprice,
        restock=restock,
    )


def start_reprice(ports: Ports, shop: Shop, settings: SyncSettings) -> Activity | None:
    """Send a changed price rule or stock buffer to every listing on TikTok Shop, in one activity
    (``connector.activities.reprice``); ``shop`` holds the settings before the save. None when
    nothing is to be sent: neither changed (or what changed is not synced), the shop is not
    connected, or nothing of it is on TikTok Shop.

    A save of the same change again (a retried request, a second click) starts nothing: "the same
    change" is the same rule and buffer before and after, over the same latest reprice. One that
    comes after the first's activity started finds it the latest (within ``SAME_SAVE_WINDOW``); one
    at the same moment loses the claim on the change (a marker written once). A change back and
    forth is a new change each time, the latest reprice being another by then."""
    before, after = _sent(shop.settings), _sent(settings)
    reprice = before[0] != after[0] and "price" in settings.sync_fields
    restock = before[1] != after[1] and "inventory" in settings.sync_fields
    if not (reprice or restock) or shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return None
    if not _listed_on_tiktok(ports, shop.domain):
        return None  # nothing listed yet: uploads take the new settings as they are
    change = hashlib.sha256(json.dumps([before, after, reprice, restock]).encode()).hexdigest()[:16]
    now = ports.now()
    latest = _latest_reprice(ports, shop.domain)
    if (
        latest is not None
        and latest.activity_id.endswith(f"-reprice-{change}")
        and latest.started_at is not None
        and now - latest.started_at < SAME_SAVE_WINDOW
    ):
        return latest
    window = int(SAME_SAVE_WINDOW.total_seconds())
    moment = int(now.timestamp())
    claim = Delivery(
        source="settings",
        delivery_id=f"reprice:{change}:{latest.activity_id if latest else '-'}:{moment // window}",
        expires_at=moment + 2 * window,
    )
    if not ports.store.record_delivery(shop.domain, claim):
        return None  # the same save at the same moment: the other request starts it
    return _reprice_activity(ports, shop.domain, change, reprice=reprice, restock=restock)


def _sent(settings: SyncSettings) -> tuple[list[str] | None, list[str] | None]:
    """What the price rule and the buffer make of what is sent, None for a rule or buffer of 0
    (which changes nothing, whatever its kind or direction)."""
    rule = (
        [
            settings.price_rule_kind.value,
            settings.price_rule_direction.value,
            format(settings.price_rule_value.normalize(), "f"),
        ]
        if settings.price_rule_value
        else None
    )
    buffer = (
        [settings.inventory_buffer_kind.value, str(settings.inventory_buffer_value)]
        if settings.inventory_buffer_value
        else None
    )
    return rule, buffer


def _latest_reprice(ports: Ports, shop: str) -> Activity | None:
    """The shop's latest reprice among its recent activities, running or finished."""
    recent = [
        activity
        for finished in (False, True)
        for activity in ports.store.activities.list_activities(
            shop, finished=finished, limit=RECENT_ACTIVITIES
        )
        if activity.type is ActivityType.REPRICE
    ]
    return max(recent, key=lambda activity: activity.activity_id, default=None)


def settings_view(ports: Ports, shop: Shop) -> schemas.SettingsOut:
    """The settings with what they choose from: TikTok's sales warehouses, Shopify's locations (read
    from Shopify, kept a while; none when Shopify cannot be asked now: the rest still shows)."""
    try:
        locations = ports.listing_facts.locations(ports.shopify_admin(shop), shop.domain)
    except (ShopifyError, ShopGoneError):
        logger.warning("shopify locations not read for settings", extra={"shop": shop.domain})
        locations = ()
    return pages.settings_view(shop, locations)


def _check_new_mappings(ports: Ports, shop: Shop, mappings: tuple[tuple[str, str], ...]) -> None:
    """A mapping to a category the shop cannot list in is refused (422), as TikTok would refuse
    every product it maps; only new ones are asked about (Get Categories, kept a while)."""
    new = [m for m in mappings if m not in shop.settings.category_mappings]
    if not new or shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return
    # Only a new mapping needs the listing machinery (nh3, TikTok's models): loaded here, not with
    # the dashboard function.
    from connector.listing.maker import ListingMaker

    maker = ListingMaker(ports, shop, ports.tiktok_api(shop))
    for name, category_id in new:
        problem = maker.leaf_category_problem(category_id)
        if problem is not None:
            raise UnprocessableError(f"category_mappings: {name}: {problem}")


def upgrade(ports: Ports, shop: Shop, plan_id: str) -> schemas.UpgradeOut:
    """Ask Shopify to bill the chosen plan; the merchant approves on the confirmation page, and the
    app_subscriptions/update webhook then switches the plan."""
    plans = catalogue()
    try:
        offer = plans.offer(plan_id)
    except KeyError:
        raise UnprocessableError(f"plan must be one of: {', '.join(o.id for o in plans.offers)}") from None
    current = ports.store.get_plan(shop.domain)
    if current is not None and current.name == offer.id:
        raise ConflictError(f"the shop is already on {offer.name}")
    if shop.shopify_token_ciphertext is None:
        raise ConflictError("the shop has no Shopify access token: open the app from Shopify Admin again")
    return_url = f"{ports.settings.dashboard_url}?upgraded={plan_id}"
    subscription = ports.shopify_admin(shop).create_app_subscription(
        offer.name, offer.amount, plans.currency, return_url, ports.settings.shopify_billing_test
    )
    billing.record_created(ports, shop.domain, subscription)
    return schemas.UpgradeOut(confirmation_url=subscription.confirmation_url)
