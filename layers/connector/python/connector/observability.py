"""Logger and metrics shared by every function (JSON logs, CloudWatch EMF metrics), and the one list
of the custom metrics we emit: the CDK app's alarms and dashboard read the same names."""

from __future__ import annotations

from enum import StrEnum

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "TikTokShopConnector"

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)


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


def count(metric: Metric, value: int = 1, per: str | None = None) -> None:
    metrics.add_metric(name=metric_name(metric, per), unit=MetricUnit.Count, value=value)
