"""The jobs a delivery queues, keyed by it: a redelivered webhook never does the work twice."""

from __future__ import annotations

from typing import Any

from connector.jobs import Job, JobKind
from connector.webhooks.message import QueuedWebhook


def job_of(message: QueuedWebhook, kind: JobKind, params: dict[str, Any]) -> Job:
    key = f"{message.source.value}:{message.delivery_id}:{kind.value}"
    return Job(kind=kind, shop=message.shop, idempotency_key=key, params=params)
