"""Automatic syncs (stock levels, product fields, orders, shipments) show on the dashboard as one
activity per kind and hour: each job adds its item once, and the activity completes when every item
it counted is done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from connector.clients.tiktok.errors import TikTokApiError
from connector.domain.entities import Activity, ActivityState, ActivityType
from connector.jobs import Job
from connector.wiring import Ports

PERIOD_SECONDS = 3600


def automatic_activity(shop: str, type_: ActivityType, queued_at: int) -> Activity:
    """The activity of the hour the work was queued in; its id sorts with the merchant's activities."""
    start = queued_at - queued_at % PERIOD_SECONDS
    return Activity(
        shop=shop,
        activity_id=f"{start * 1000:013d}-{type_.value}",
        type=type_,
        state=ActivityState.ONGOING,
        started_at=datetime.fromtimestamp(start, UTC),
    )


def tallied(
    job: Job, ports: Ports, type_: ActivityType, item_id: str, work: Callable[[], str | None]
) -> None:
    """Run one automatic item inside its activity. ``work`` returns None when done, or why it was
    not (a partner's refusal is recorded, not retried); other errors leave the item uncounted and
    propagate, so the job is retried and counted once when it ends."""
    activity = automatic_activity(job.shop, type_, job.queued_at)
    ports.store.activities.count_automatic_item(activity, item_id)
    try:
        problem = work()
    except TikTokApiError as refused:
        if not refused.refusal:
            raise
        problem = f"TikTok refused: {refused.message} (code {refused.code})"
    ports.store.activities.record_activity_item(
        job.shop, activity.activity_id, item_id, problem is None, problem
    )
    ports.store.activities.finish_activity_if_done(job.shop, activity.activity_id, ports.now())
