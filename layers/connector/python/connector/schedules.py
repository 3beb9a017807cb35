"""The scheduled tasks: what EventBridge Scheduler invokes on AWS and what timers fire under
`make run`. ``TASKS`` is their one registry (name, period, metric, what runs), read by the scheduler
function, the CDK app and the local timers. Each runs over every installed shop (or once, for the
plan roll-over) and is safe to run twice."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.clients.tiktok.errors import TikTokAuthorizationLostError
from connector.dal.store import CommitOutcome
from connector.domain.entities import ActivityType, Shop, TikTokConnection
from connector.domain.plans import cycle_rolled
from connector.domain.status import ProductStatus
from connector.jobs import Job, JobKind
from connector.listing.warehouses import sales_warehouses
from connector.observability import Metric, count, logger
from connector.processing.applier import Applier
from connector.sales_reconciliation import reconcile_sales
from connector.tiktok_webhook_subscriptions import check as check_tiktok_webhooks
from connector.webhooks.message import QueuedWebhook, Source
from connector.webhooks.tiktok import TikTokType
from connector.wiring import Ports

# Poll a little behind the last read: TikTok may record an update a moment after its update_time.
POLL_OVERLAP_SECONDS = 300


# TikTok access tokens last days; refreshing a day ahead keeps every call on a valid one.
TOKEN_REFRESH_AHEAD = timedelta(days=1)
# An activity that counted nothing for this long is stuck (its chunk failed into the dead-letter queue).
STALL = timedelta(minutes=15)
MAX_RESUMES = 2


def refresh_tiktok_tokens(ports: Ports, shop: Shop, now: int) -> int:
    """Refresh the shop's TikTok access token when it expires within a day (or its expiry is not
    known); the new tokens are stored encrypted by the refresh itself."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    expires = shop.tiktok_access_token_expires_at
    if expires is not None and expires - datetime.fromtimestamp(now, UTC) > TOKEN_REFRESH_AHEAD:
        return 0
    ports.tiktok_api(shop).refresh()
    return 1


def refresh_warehouses(ports: Ports, shop: Shop, now: int) -> int:
    """Read the shop's TikTok sales warehouses again (Get Warehouse List): a warehouse the seller
    added, made default or disabled in Seller Center is what the next listings use. 1 if changed."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    warehouses = sales_warehouses(ports.tiktok_api(shop))
    if warehouses == shop.tiktok_warehouses:
        return 0
    ports.store.set_tiktok_facts(shop.domain, warehouses=warehouses)
    return 1


def sweep_stuck_activities(ports: Ports, shop: Shop, now: int) -> int:
    """Ongoing activities that counted nothing for 15 minutes: an import resumes from the page it
    reached (its pages and items are counted once, so a resumed page adds nothing twice), at most
    twice; anything else fails with the reason, so the dashboard never shows work that is not
    happening. Returns how many it touched."""
    store, at = ports.store, datetime.fromtimestamp(now, UTC)
    swept = 0
    for activity in store.list_activities(shop.domain, finished=False, limit=100):
        last = activity.progressed_at or activity.started_at
        if last is None or at - last < STALL:
            continue
        swept += 1
        if activity.type is ActivityType.IMPORT and activity.resumes < MAX_RESUMES:
            params = {"activity_id": activity.activity_id, "cursor": activity.resume_cursor}
            key = f"{activity.activity_id}:resume:{activity.resumes + 1}"
            ports.enqueue_job(Job(kind=JobKind.IMPORT, shop=shop.domain, idempotency_key=key, params=params))
            store.note_activity_resumed(shop.domain, activity.activity_id)
            continue
        reason = (
            f"stopped: no progress for {int((at - last).total_seconds() // 60)} minutes with "
            f"{activity.processed} of {activity.total} done; the rest failed repeatedly and waits "
            "in the dead-letter queue"
        )
        store.fail_activity(shop.domain, activity.activity_id, reason, at)
    return swept


def poll_pending_products(ports: Ports, shop: Shop, now: int) -> int:
    """Ask TikTok about every product still awaiting its audit, through the audit webhook's own
    path (Get Product, ordering guard, dedupe): catches an audit webhook TikTok never sent."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    applier, applied, cursor = Applier(ports), 0, None
    while True:
        page = ports.store.list_products(shop.domain, ProductStatus.PENDING, 100, cursor)
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


def poll_deleted_products(ports: Ports, shop: Shop, now: int) -> int:
    """Ask TikTok which of our listings the seller deleted since the last poll (Search Products by
    status DELETED and update time) and apply each through the product webhook's own path: catches
    a deletion webhook TikTok never sent, so the product's plan slot is freed all the same."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    store, api, applier = ports.store, ports.tiktok_api(shop), Applier(ports)
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


def roll_plan_cycles(ports: Ports, now: int) -> int:
    """Start the next cycle of every plan whose billing date has come, exactly once: the write is
    conditional on the plan's version, and a second run finds the billing date in the future."""
    store, moment, rolled = ports.store, datetime.fromtimestamp(now, UTC), 0
    for plan in store.plans_due(moment.date()):
        following = cycle_rolled(plan, moment)  # at its billing instant, not the day's start
        if following is None:
            continue
        # Queued first: if the write below loses, the job finds nothing new to release.
        key = f"cycle:{plan.shop}:{following.cycle_started_at.isoformat()}"
        ports.enqueue_job(
            Job(kind=JobKind.RELEASE_HELD_ORDERS, shop=plan.shop, idempotency_key=key, params={})
        )
        if store.commit_plan(following) is CommitOutcome.APPLIED:
            rolled += 1
    return rolled


def reconcile_counters(ports: Ports, shop: Shop, now: int) -> int:
    """Compare the counters with a recount and repair the difference; returns the drift (sum of
    absolute differences). A shop whose counters moved during the recount is left for the next run,
    since the recount may have raced those writes."""
    store = ports.store
    reconcile_sales(store, shop.domain)  # the sales figures too, reported on their own
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


def poll_tiktok_orders(ports: Ports, shop: Shop, now: int) -> int:
    """Read the orders TikTok changed since the last poll and apply them like webhooks: the same
    ordering guard and dedupe, so a webhook that arrives too, or never, changes nothing."""
    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    api, applier = ports.tiktok_api(shop), Applier(ports)
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
        if page.orders:  # pages come oldest change first: a long history never restarts from zero
            ports.store.update_shop(
                shop.domain, tiktok_orders_polled_until=max(o.update_time for o in page.orders)
            )
    ports.store.update_shop(shop.domain, tiktok_orders_polled_until=now)
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


@dataclass(frozen=True)
class ScheduledTask:
    name: str  # what the scheduler function receives as {"task": name}
    minutes: int  # how often
    metric: Metric  # counts what a run did
    each_shop: Callable[[Ports, Shop, int], int] | None = None  # run over every installed shop
    once: Callable[[Ports, int], int] | None = None  # or once for the whole table


TASKS: dict[str, ScheduledTask] = {
    task.name: task
    for task in (
        ScheduledTask("poll_tiktok_orders", 5, Metric.ORDERS_CAUGHT_BY_POLL, each_shop=poll_tiktok_orders),
        ScheduledTask("reconcile_counters", 24 * 60, Metric.COUNTER_DRIFT, each_shop=reconcile_counters),
        ScheduledTask("roll_plan_cycles", 60, Metric.PLAN_CYCLES_ROLLED, once=roll_plan_cycles),
        ScheduledTask(
            "poll_pending_products", 15, Metric.AUDITS_CAUGHT_BY_POLL, each_shop=poll_pending_products
        ),
        ScheduledTask(
            "poll_deleted_products", 60, Metric.DELETIONS_CAUGHT_BY_POLL, each_shop=poll_deleted_products
        ),
        ScheduledTask(
            "refresh_tiktok_tokens", 60, Metric.TIKTOK_TOKENS_REFRESHED, each_shop=refresh_tiktok_tokens
        ),
        ScheduledTask(
            "sweep_stuck_activities", 5, Metric.STUCK_ACTIVITIES_SWEPT, each_shop=sweep_stuck_activities
        ),
        ScheduledTask("refresh_warehouses", 24 * 60, Metric.WAREHOUSES_CHANGED, each_shop=refresh_warehouses),
        ScheduledTask(
            "check_tiktok_webhooks",
            24 * 60,
            Metric.TIKTOK_WEBHOOKS_REGISTERED,
            each_shop=check_tiktok_webhooks,
        ),
    )
}


def run_task(name: str, ports: Ports, now: int) -> dict[str, int]:
    """Run one task over every installed shop (one shop's failure does not stop the others), or once;
    what it did, by shop (or under "all")."""
    task = TASKS.get(name)
    if task is None:
        raise ValueError(f"unknown task {name!r}")
    if task.once is not None:
        done = task.once(ports, now)
        count(task.metric, done)
        return {"all": done}
    assert task.each_shop is not None
    results, failed = {}, 0
    for shop in ports.store.installed_shops():
        try:
            results[shop.domain] = task.each_shop(ports, shop, now)
        except TikTokAuthorizationLostError:
            # TikTok refused the tokens and their refresh: the dashboard asks the merchant to
            # connect again, and the shop's other tasks skip it meanwhile (not a failure of ours).
            ports.store.lose_tiktok_connection(shop.domain)
            results[shop.domain] = 0
        except Exception:  # noqa: BLE001 - reported and counted; the other shops still run
            logger.exception("scheduled task failed for a shop", task=name, shop=shop.domain)
            failed += 1
    count(task.metric, sum(results.values()))
    if failed:
        count(Metric.SCHEDULE_FAILURES, failed, per=name)
    return results
