"""The scheduled tasks: what EventBridge Scheduler invokes on AWS and what timers fire under
`make run`. ``TASKS`` is their one registry (name, period, metric, what runs), read by the scheduler
function, the CDK app and the local timers. Each runs over every installed shop (or once, for the
plan roll-over) and is safe to run twice.

A task over every shop fans out on the scheduled-work queue, so that its run grows with the shops
and a failure is retried alone: the tick queues the first page of installed shops; a page queues
one message per shop and one for the next page; a shop's message runs the task for that shop, and
a step that stops midway (the recount, a page at a time) queues where it continues. Failed messages
are retried by SQS and end in the dead-letter queue, like jobs."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from connector.clients.tiktok.errors import TikTokAuthorizationLostError
from connector.dal.store import RECOUNT_PAGE, RECOUNT_START, CommitOutcome
from connector.domain.entities import ActivityType, InstallState, Shop, TikTokConnection
from connector.domain.status import ProductStatus
from connector.listing.warehouses import sales_warehouses
from connector.observability import Metric, count, logger
from connector.sales_reconciliation import reconcile_sales
from connector.values import Value
from connector.wiring import Ports

if TYPE_CHECKING:
    from connector.processing.applier import Applier
    from connector.webhooks.message import QueuedWebhook
    from connector.webhooks.tiktok import TikTokType

# A shop's message mostly runs a task that needs none of the webhook applier, the job model or the
# webhook registration: the tasks that do import them where they run (see the comments there).

# Poll a little behind the last read: TikTok may record an update a moment after its update_time.
POLL_OVERLAP_SECONDS = 300


# TikTok access tokens last days; refreshing a day ahead keeps every call on a valid one.
TOKEN_REFRESH_AHEAD = timedelta(days=1)
# An activity that counted nothing for this long is stuck (its chunk failed into the dead-letter queue).
STALL = timedelta(minutes=15)
MAX_RESUMES = 2
# Installed shops listed per message of a fan-out (each becomes one message of its own).
SHOPS_PER_PAGE = 100
# A fanned-out page is remembered as long as SQS keeps a message (4 days): its redelivery queues nothing.
PAGE_MEMORY_SECONDS = 4 * 24 * 3600
# Search Products' largest page.
TIKTOK_PAGE_SIZE = 100

# Where a shop's run of a task continues in its next message (JSON); None when it is done.
Resume = dict[str, Any]
ShopStep = Callable[[Ports, Shop, int, Resume | None], tuple[int, Resume | None]]


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
    for activity in store.activities.list_activities(shop.domain, finished=False, limit=100):
        last = activity.progressed_at or activity.started_at
        if last is None or at - last < STALL:
            continue
        swept += 1
        if activity.type is ActivityType.IMPORT and activity.resumes < MAX_RESUMES:
            from connector.jobs import Job, JobKind  # the job model, for a stuck import (rare)

            params = {"activity_id": activity.activity_id, "cursor": activity.resume_cursor}
            key = f"{activity.activity_id}:resume:{activity.resumes + 1}"
            ports.enqueue_job(Job(kind=JobKind.IMPORT, shop=shop.domain, idempotency_key=key, params=params))
            store.activities.note_activity_resumed(shop.domain, activity.activity_id)
            continue
        reason = (
            f"stopped: no progress for {int((at - last).total_seconds() // 60)} minutes with "
            f"{activity.processed} of {activity.total} done; the rest failed repeatedly and waits "
            "in the dead-letter queue"
        )
        store.activities.fail_activity(shop.domain, activity.activity_id, reason, at)
    return swept


def poll_pending_products(ports: Ports, shop: Shop, now: int) -> int:
    """Catch an audit webhook TikTok never sent: our products still awaiting TikTok's audit are
    compared with what TikTok lists as pending (Search Products by status PENDING, 100 a call);
    only those TikTok no longer lists go through the audit webhook's own path (Get Product,
    ordering guard, dedupe). A shop with nothing pending asks TikTok nothing."""
    from connector.processing.applier import Applier  # the webhooks' apply path: the polls only

    if shop.tiktok_connection is not TikTokConnection.CONNECTED:
        return 0
    ours: set[str] = set()
    cursor = None
    while True:
        page = ports.store.list_products(shop.domain, ProductStatus.PENDING, 100, cursor)
        ours |= {p.tiktok_product_id for p in page.items if p.tiktok_product_id}
        cursor = page.next_key
        if cursor is None:
            break
    if not ours:
        return 0
    api, still_pending, token = ports.tiktok_api(shop), set[str](), None
    while not ours <= still_pending:  # stop once every one of ours is seen still pending
        listed = api.search_products(status="PENDING", page_size=TIKTOK_PAGE_SIZE, page_token=token)
        still_pending |= {p.product_id for p in listed.products}
        token = listed.next_page_token or None
        if token is None:
            break
    audited = sorted(ours - still_pending)
    return _apply_all(
        Applier(ports),
        (_polled_product(shop, product_id, now, f"poll:{product_id}:{now}") for product_id in audited),
    )


def poll_deleted_products(ports: Ports, shop: Shop, now: int) -> int:
    """Ask TikTok which of our listings the seller deleted since the last poll (Search Products by
    status DELETED and update time) and apply each through the product webhook's own path: catches
    a deletion webhook TikTok never sent, so the product's plan slot is freed all the same."""
    from connector.processing.applier import Applier  # the webhooks' apply path: the polls only

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
    # The plans' arithmetic and the job model: this task runs once an hour, not per shop.
    from connector.domain.plans import cycle_rolled
    from connector.jobs import Job, JobKind

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


def reconcile_counters(
    ports: Ports, shop: Shop, now: int, resume: Resume | None, page_size: int = RECOUNT_PAGE
) -> tuple[int, Resume | None]:
    """Compare the counters with a recount and repair the difference; returns the drift (sum of
    absolute differences). The recount reads ``page_size`` items a step (a message each): a step
    that does not reach the end returns what it counted and where the next one starts. A shop whose
    counters moved between the first step and the last is left for the next run, since the recount
    may have raced those writes."""
    store = ports.store
    if resume is None:
        reconcile_sales(store, shop.domain)  # the sales figures too, reported on their own
        before, counted, position = store.status_counts(shop.domain).values, Counter[str](), RECOUNT_START
    else:
        before, counted = resume["before"], Counter[str](resume["counted"])
        position = (resume["kind"], resume["key"])
    page, following = store.recount_page(shop.domain, position, page_size)
    counted.update(page)
    if following is not None:
        kind, key = following
        return 0, {"before": before, "counted": dict(counted), "kind": kind, "key": key}
    after = store.status_counts(shop.domain)
    if before != after.values:
        return 0, None
    drift = {name: counted.get(name, 0) - after.values.get(name, 0) for name in after.values}
    store.repair_counters(shop.domain, drift)
    total = sum(abs(delta) for delta in drift.values())
    if total:
        logger.warning("counter drift repaired", shop=shop.domain, drift=total)
    return total, None


def poll_tiktok_orders(ports: Ports, shop: Shop, now: int) -> int:
    """Read the orders TikTok changed since the last poll and apply them like webhooks: the same
    ordering guard and dedupe, so a webhook that arrives too, or never, changes nothing."""
    from connector.processing.applier import Applier  # the webhooks' apply path: the polls only
    from connector.webhooks.tiktok import TikTokType

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


def check_tiktok_webhooks(ports: Ports, shop: Shop, now: int) -> int:
    """connector.tiktok_webhook_subscriptions.check, imported when this daily task runs."""
    from connector.tiktok_webhook_subscriptions import check

    return check(ports, shop, now)


def _apply_all(applier: Applier, messages: Iterable[QueuedWebhook]) -> int:
    """Apply what a poll found; how many changed something (the rest the webhooks had brought)."""
    return sum(1 for message in messages if applier.apply(message).value == "applied")


def _polled_product(shop: Shop, tiktok_product_id: str, at: int, delivery_id: str) -> QueuedWebhook:
    """A product's status changed on TikTok (as of ``at``): the audit webhook's path asks Get Product."""
    from connector.webhooks.tiktok import TikTokType  # the TikTok webhooks' reading: the polls only

    data = {"product_id": tiktok_product_id, "status": "PRODUCT_STATUS_CHANGED", "update_time": at}
    return _polled(shop, TikTokType.PRODUCT_STATUS_CHANGE, data, delivery_id, at)


def _polled(
    shop: Shop, type_: TikTokType, data: dict[str, object], delivery_id: str, at: int
) -> QueuedWebhook:
    """What a poll found, as the TikTok webhook that would have said it: one apply path for both."""
    from connector.webhooks.message import QueuedWebhook, Source

    notification = {"type": type_.value, "shop_id": shop.tiktok_shop_id or "", "timestamp": at, "data": data}
    return QueuedWebhook(
        source=Source.TIKTOK,
        delivery_id=delivery_id,
        shop=shop.domain,
        topic=str(type_.value),
        occurred_at=at,
        body=json.dumps(notification),
    )


def _whole(run: Callable[[Ports, Shop, int], int]) -> ShopStep:
    """A task whose run for a shop is one step: it never stops midway."""

    def step(ports: Ports, shop: Shop, now: int, resume: Resume | None) -> tuple[int, Resume | None]:
        return run(ports, shop, now), None

    return step


class ScheduledTask(Value, frozen=True):
    name: str  # what the scheduler function receives as {"task": name}
    minutes: int  # how often
    metric: Metric  # counts what a run did
    each_shop: ShopStep | None = None  # run for every installed shop, a message each
    once: Callable[[Ports, int], int] | None = None  # or once for the whole table


TASKS: dict[str, ScheduledTask] = {
    task.name: task
    for task in (
        ScheduledTask("poll_tiktok_orders", 5, Metric.ORDERS_CAUGHT_BY_POLL, _whole(poll_tiktok_orders)),
        ScheduledTask("reconcile_counters", 24 * 60, Metric.COUNTER_DRIFT, reconcile_counters),
        ScheduledTask("roll_plan_cycles", 60, Metric.PLAN_CYCLES_ROLLED, once=roll_plan_cycles),
        ScheduledTask(
            "poll_pending_products", 15, Metric.AUDITS_CAUGHT_BY_POLL, _whole(poll_pending_products)
        ),
        ScheduledTask(
            "poll_deleted_products", 60, Metric.DELETIONS_CAUGHT_BY_POLL, _whole(poll_deleted_products)
        ),
        ScheduledTask(
            "refresh_tiktok_tokens", 60, Metric.TIKTOK_TOKENS_REFRESHED, _whole(refresh_tiktok_tokens)
        ),
        ScheduledTask(
            "sweep_stuck_activities", 5, Metric.STUCK_ACTIVITIES_SWEPT, _whole(sweep_stuck_activities)
        ),
        ScheduledTask("refresh_warehouses", 24 * 60, Metric.WAREHOUSES_CHANGED, _whole(refresh_warehouses)),
        ScheduledTask(
            "check_tiktok_webhooks", 24 * 60, Metric.TIKTOK_WEBHOOKS_REGISTERED, _whole(check_tiktok_webhooks)
        ),
    )
}


class ScheduledWork(BaseModel):
    """One message of a task's fan-out: a page of installed shops (``shop`` None; ``page`` is the
    listing's key to start after, None for the first), or the task for one shop, continued from
    ``resume`` when an earlier step stopped midway."""

    model_config = ConfigDict(frozen=True)

    task: str
    tick: int  # when the schedule fired (epoch seconds): every message of one run carries it
    shop: str | None = None
    page: dict[str, Any] | None = None
    resume: Resume | None = None


def _task(name: str) -> ScheduledTask:
    task = TASKS.get(name)
    if task is None:
        raise ValueError(f"unknown task {name!r}")
    return task


def start_task(name: str, ports: Ports, now: int) -> int:
    """A tick of the schedule: a task over every shop queues its first page of shops (the rest
    follows on the queue) and returns 0; a task over the table runs here and returns what it did."""
    task = _task(name)
    if task.once is not None:
        done = task.once(ports, now)
        count(task.metric, done)
        return done
    _send(ports, ScheduledWork(task=name, tick=now))
    return 0


def run_work(work: ScheduledWork, ports: Ports) -> int:
    """One message of a fan-out: a page of shops queued (how many), or one shop's step (what it did)."""
    task = _task(work.task)
    if task.each_shop is None:
        raise ValueError(f"task {work.task!r} does not run per shop")
    if work.shop is None:
        return _fan_out(work, ports)
    return _run_for_shop(task.each_shop, task, work, ports)


def _fan_out(work: ScheduledWork, ports: Ports) -> int:
    """A message for each shop of the page, then one for the next page. Noted when all are queued,
    so a repeated delivery queues nothing again; one that failed midway queues its page again (a
    shop's run is safe twice)."""
    store = ports.store
    page_id = f"{work.tick}:{_digest(work.page)}"
    if store.has_schedule_page(work.task, page_id):
        return 0
    page = store.installed_shop_domains(SHOPS_PER_PAGE, work.page)
    for domain in page.items:
        _send(ports, work.model_copy(update={"shop": domain, "page": None}))
    if page.next_key is not None:
        _send(ports, work.model_copy(update={"page": page.next_key}))
    store.note_schedule_page(work.task, page_id, expires_at=work.tick + PAGE_MEMORY_SECONDS)
    return len(page.items)


def _run_for_shop(step: ShopStep, task: ScheduledTask, work: ScheduledWork, ports: Ports) -> int:
    assert work.shop is not None
    shop = ports.store.get_shop(work.shop)
    if shop is None or shop.install_state is not InstallState.INSTALLED:
        return 0  # uninstalled since its page was read
    try:
        done, resume = step(ports, shop, work.tick, work.resume)
    except TikTokAuthorizationLostError:
        # TikTok refused the tokens and their refresh: the dashboard asks the merchant to connect
        # again, and the shop's other tasks skip it meanwhile (not a failure of ours).
        ports.store.lose_tiktok_connection(shop.domain)
        return 0
    except Exception:
        # Counted and sent back: SQS retries the message, then keeps it in the dead-letter queue.
        logger.exception("scheduled task failed for a shop", task=task.name, shop=shop.domain)
        count(Metric.SCHEDULE_FAILURES, 1, per=task.name)
        raise
    if resume is not None:
        _send(ports, work.model_copy(update={"resume": resume}))
    count(task.metric, done)
    return done


def _send(ports: Ports, work: ScheduledWork) -> None:
    ports.scheduled_work.send(work.model_dump_json())


def _digest(page: dict[str, Any] | None) -> str:
    """A short name for where a page of shops starts ("first" for the first)."""
    if page is None:
        return "first"
    return hashlib.sha256(json.dumps(page, sort_keys=True).encode()).hexdigest()[:16]
