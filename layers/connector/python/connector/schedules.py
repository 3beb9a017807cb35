"""The scheduled tasks: what EventBridge Scheduler invokes on AWS and what timers fire under
`make run`. Each runs over every installed shop and is safe to run twice."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from connector.clients.tiktok.auth import TikTokClient
from connector.crypto import TokenCipher
from connector.dal.store import CommitOutcome, Store
from connector.domain.entities import ActivityType, Shop, TikTokConnection
from connector.domain.plans import cycle_rolled
from connector.domain.status import ProductStatus
from connector.jobs import Job, JobKind
from connector.observability import count, logger
from connector.processing.applier import Applier, Ports
from connector.tiktok_session import shop_api
from connector.webhooks.message import QueuedWebhook, Source
from connector.webhooks.tiktok import TikTokType

# Poll a little behind the last read: TikTok may record an update a moment after its update_time.
POLL_OVERLAP_SECONDS = 300


@dataclass(frozen=True)
class ScheduleTask:
    name: str
    minutes: int  # how often


TASKS = (
    ScheduleTask("poll_tiktok_orders", 5),
    ScheduleTask("reconcile_counters", 24 * 60),
    ScheduleTask("roll_plan_cycles", 60),
    ScheduleTask("poll_pending_products", 15),
    ScheduleTask("poll_deleted_products", 60),
    ScheduleTask("refresh_tiktok_tokens", 60),
    ScheduleTask("sweep_stuck_activities", 5),
)

# TikTok access tokens last days; refreshing a day ahead keeps every call on a valid one.
TOKEN_REFRESH_AHEAD = timedelta(days=1)
# An activity that counted nothing for this long is stuck (its chunk failed into the dead-letter queue).
STALL = timedelta(minutes=15)
MAX_RESUMES = 2


def refresh_tiktok_tokens(
    store: Store, tiktok: TikTokClient, cipher: TokenCipher, shop: Shop, now: datetime
) -> int:
    """Refresh the shop's TikTok access token when it expires within a day (or its expiry is not
    known); the new tokens are stored encrypted by the refresh itself."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    expires = shop.tiktok_access_token_expires_at
    if expires is not None and expires - now > TOKEN_REFRESH_AHEAD:
        return 0
    shop_api(tiktok, cipher, store, shop).refresh()
    return 1


def sweep_stuck_activities(
    store: Store, enqueue_job: Callable[[Job], None], shop: Shop, now: datetime
) -> int:
    """Ongoing activities that counted nothing for 15 minutes: an import resumes from the page it
    reached (its pages and items are counted once, so a resumed page adds nothing twice), at most
    twice; anything else fails with the reason, so the dashboard never shows work that is not
    happening. Returns how many it touched."""
    swept = 0
    for activity in store.list_activities(shop.domain, finished=False, limit=100):
        last = activity.progressed_at or activity.started_at
        if last is None or now - last < STALL:
            continue
        swept += 1
        if activity.type is ActivityType.IMPORT and activity.resumes < MAX_RESUMES:
            params = {"activity_id": activity.activity_id, "cursor": activity.resume_cursor}
            key = f"{activity.activity_id}:resume:{activity.resumes + 1}"
            enqueue_job(Job(kind=JobKind.IMPORT, shop=shop.domain, idempotency_key=key, params=params))
            store.note_activity_resumed(shop.domain, activity.activity_id)
            continue
        reason = (
            f"stopped: no progress for {int((now - last).total_seconds() // 60)} minutes with "
            f"{activity.processed} of {activity.total} done; the rest failed repeatedly and waits "
            "in the dead-letter queue"
        )
        store.fail_activity(shop.domain, activity.activity_id, reason, now)
    return swept


def poll_pending_products(store: Store, applier: Applier, shop: Shop, now: int) -> int:
    """Ask TikTok about every product still awaiting its audit, through the audit webhook's own
    path (Get Product, ordering guard, dedupe): catches an audit webhook TikTok never sent."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    applied, cursor = 0, None
    while True:
        page = store.list_products(shop.domain, ProductStatus.PENDING, 100, cursor)
        applied += _apply_all(
            applier,
            (
                _polled_product(shop, p.tiktok_product_id, now, f"poll:{p.tiktok_product_id}:{now}")
                for p in page.items
                if p.tiktok_product_id
            ),
        )
        cursor = page.next_key
        if cursor is None:
            return applied


def poll_deleted_products(
    store: Store, tiktok: TikTokClient, cipher: TokenCipher, applier: Applier, shop: Shop, now: int
) -> int:
    """Ask TikTok which of our listings the seller deleted since the last poll (Search Products by
    status DELETED and update time) and apply each through the product webhook's own path: catches
    a deletion webhook TikTok never sent, so the product's plan slot is freed all the same."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    api = shop_api(tiktok, cipher, store, shop)
    since = max(0, shop.tiktok_deletions_polled_until - POLL_OVERLAP_SECONDS)
    applied, token = 0, None
    while True:
        page = api.search_products(status="DELETED", update_time_ge=since, page_token=token)
        applied += _apply_all(
            applier,
            (
                _polled_product(
                    shop, p.product_id, p.update_time, f"poll:{p.product_id}:{p.update_time}:deleted"
                )
                for p in page.products
                # not ours, or already known to be gone: nothing to apply
                if store.product_for_tiktok(shop.domain, p.product_id) is not None
            ),
        )
        token = page.next_page_token or None
        if token is None:
            break
    store.update_shop(shop.domain, tiktok_deletions_polled_until=now)
    return applied


def roll_plan_cycles(store: Store, enqueue_job: Callable[[Job], None], today: date) -> int:
    """Start the next cycle of every plan whose billing date has come, exactly once: the write is
    conditional on the plan's version, and a second run finds the billing date in the future."""
    rolled = 0
    for plan in store.plans_due(today):
        following = cycle_rolled(plan, today)
        if following is None:
            continue
        # Queued first: if the write below loses, the job finds nothing new to release.
        key = f"cycle:{plan.shop}:{following.cycle_started.isoformat()}"
        enqueue_job(Job(kind=JobKind.RELEASE_HELD_ORDERS, shop=plan.shop, idempotency_key=key, params={}))
        if store.commit_plan(following) is CommitOutcome.APPLIED:
            rolled += 1
    return rolled


def reconcile_counters(store: Store, shop: Shop) -> int:
    """Compare the counters with a recount and repair the difference; returns the drift (sum of
    absolute differences). A shop whose counters moved during the recount is left for the next run,
    since the recount may have raced those writes."""
    before = store.status_counts(shop.domain)
    counted = store.recount(shop.domain)
    after = store.status_counts(shop.domain)
    if before != after:
        return 0
    drift = {name: counted.values.get(name, 0) - after.values.get(name, 0) for name in after.values}
    store.repair_counters(shop.domain, drift)
    total = sum(abs(delta) for delta in drift.values())
    if total:
        logger.warning("counter drift repaired", shop=shop.domain, drift=total)
    return total


def poll_tiktok_orders(
    store: Store, tiktok: TikTokClient, cipher: TokenCipher, applier: Applier, shop: Shop, now: int
) -> int:
    """Read the orders TikTok changed since the last poll and apply them like webhooks: the same
    ordering guard and dedupe, so a webhook that arrives too, or never, changes nothing."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    api = shop_api(tiktok, cipher, store, shop)
    since = max(0, shop.tiktok_orders_polled_until - POLL_OVERLAP_SECONDS)
    applied, token = 0, None
    while True:
        page = api.search_orders(update_time_ge=since, update_time_lt=now, page_token=token)
        applied += _apply_all(
            applier,
            (
                _polled(
                    shop,
                    TikTokType.ORDER_STATUS_CHANGE,
                    {"order_id": o.order_id, "order_status": o.status, "update_time": o.update_time},
                    f"poll:{o.order_id}:{o.update_time}:{o.status}",
                    o.update_time,
                )
                for o in page.orders
            ),
        )
        token = page.next_page_token or None
        if token is None:
            break
    store.update_shop(shop.domain, tiktok_orders_polled_until=now)
    return applied


def _apply_all(applier: Applier, messages: Iterable[QueuedWebhook]) -> int:
    """Apply what a poll found; how many changed something (the rest the webhooks had brought)."""
    return sum(1 for message in messages if applier.apply(message).value == "applied")


def _polled_product(shop: Shop, tiktok_product_id: str, at: int, delivery_id: str) -> QueuedWebhook:
    """A product's status changed on TikTok (as of ``at``): the audit webhook's path asks Get Product."""
    data = {"product_id": tiktok_product_id, "status": "PRODUCT_STATUS_CHANGED", "update_time": at}
    return _polled(shop, TikTokType.PRODUCT_STATUS_CHANGE, data, delivery_id, at)


def _polled(
    shop: Shop, type_: TikTokType, data: dict[str, object], delivery_id: str, at: int
) -> QueuedWebhook:
    """What a poll found, as the TikTok webhook that would have said it: one apply path for both."""
    notification = {"type": type_.value, "shop_id": shop.tiktok_shop_id or "", "timestamp": at, "data": data}
    return QueuedWebhook(
        source=Source.TIKTOK,
        delivery_id=delivery_id,
        shop=shop.domain,
        topic=str(type_.value),
        occurred_at=at,
        body=json.dumps(notification),
    )


def run_task(
    name: str, store: Store, tiktok: TikTokClient, cipher: TokenCipher, ports: Ports, now: int
) -> dict[str, int]:
    """Run one task over every installed shop; one shop's failure does not stop the others."""
    task: Callable[[Shop], int]
    if name == "roll_plan_cycles":
        rolled = roll_plan_cycles(store, ports.enqueue_job, datetime.fromtimestamp(now, UTC).date())
        count("PlanCyclesRolled", rolled)
        return {"plans": rolled}
    if name == "reconcile_counters":
        task = lambda shop: reconcile_counters(store, shop)  # noqa: E731
        metric = "CounterDrift"
    elif name == "poll_pending_products":
        products_applier = Applier(ports)
        task = lambda shop: poll_pending_products(store, products_applier, shop, now)  # noqa: E731
        metric = "AuditsCaughtByPoll"
    elif name == "poll_deleted_products":
        deletions_applier = Applier(ports)
        task = lambda shop: poll_deleted_products(store, tiktok, cipher, deletions_applier, shop, now)  # noqa: E731
        metric = "DeletionsCaughtByPoll"
    elif name == "refresh_tiktok_tokens":
        at = datetime.fromtimestamp(now, UTC)
        task = lambda shop: refresh_tiktok_tokens(store, tiktok, cipher, shop, at)  # noqa: E731
        metric = "TikTokTokensRefreshed"
    elif name == "sweep_stuck_activities":
        at = datetime.fromtimestamp(now, UTC)
        task = lambda shop: sweep_stuck_activities(store, ports.enqueue_job, shop, at)  # noqa: E731
        metric = "StuckActivitiesSwept"
    elif name == "poll_tiktok_orders":
        applier = Applier(ports)
        task = lambda shop: poll_tiktok_orders(store, tiktok, cipher, applier, shop, now)  # noqa: E731
        metric = "OrdersCaughtByPoll"
    else:
        raise ValueError(f"unknown task {name!r}")
    results, failed = {}, 0
    for shop in store.installed_shops():
        try:
            results[shop.domain] = task(shop)
        except Exception:  # noqa: BLE001 - reported and counted; the other shops still run
            logger.exception("scheduled task failed for a shop", task=name, shop=shop.domain)
            failed += 1
    count(metric, sum(results.values()))
    if failed:
        count(f"ScheduleFailures_{name}", failed)
    return results
