"""The one list of the custom metrics we emit, by name: the functions, the CDK app's alarms and its
dashboard read the same names. Standard library only, so the webhook doors can read it too."""

from __future__ import annotations

from enum import StrEnum

NAMESPACE = "TikTokShopConnector"


class Metric(StrEnum):
    """Every custom metric (a count). Those marked "per" are emitted once per outcome, kind or code,
    as ``{name}_{per}`` (e.g. ``ShopifyWebhook_queued``)."""

    SHOPIFY_WEBHOOK = "ShopifyWebhook"  # per acceptance: queued, duplicate, unknown_shop, ...
    TIKTOK_WEBHOOK = "TikTokWebhook"  # per acceptance
    WEBHOOK_REJECTED = "WebhookRejected"  # per error code: bad signature, malformed, ...
    APPLIED = "Applied"  # per applier outcome: applied, duplicate, stale, ...
    JOB = "Job"  # per job kind, when done
    ORDERS_CAUGHT_BY_POLL = "OrdersCaughtByPoll"  # order changes a webhook had not brought
    AUDITS_CAUGHT_BY_POLL = "AuditsCaughtByPoll"
    DELETIONS_CAUGHT_BY_POLL = "DeletionsCaughtByPoll"
    COUNTER_DRIFT = "CounterDrift"  # counter units the reconciliation repaired: should stay 0
    SALES_DRIFT = "SalesDrift"  # shop-day sales figures the reconciliation repaired: should stay 0
    PLAN_CYCLES_ROLLED = "PlanCyclesRolled"
    TIKTOK_TOKENS_REFRESHED = "TikTokTokensRefreshed"
    WAREHOUSES_CHANGED = "TikTokWarehousesChanged"
    TIKTOK_WEBHOOKS_REGISTERED = "TikTokWebhooksRegistered"  # event types the daily check registered again
    STUCK_ACTIVITIES_SWEPT = "StuckActivitiesSwept"
    SCHEDULE_FAILURES = "ScheduleFailures"  # per task: shops it failed for


def metric_name(metric: Metric, per: str | None = None) -> str:
    return metric.value if per is None else f"{metric.value}_{per}"
