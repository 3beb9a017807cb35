"""Work for TikTok that waits while a shop's TikTok connection is down, and resumes when it is back."""

from __future__ import annotations

from connector.jobs import Job, JobKind
from connector.observability import logger
from connector.wiring import Ports

# What reconnecting sends again in full (every listing's stock and synced fields, see
# connector.merchant.actions.start_resync): while disconnected these are dropped, not kept.
RESENT_ON_RECONNECT = frozenset({JobKind.INVENTORY_SYNC, JobKind.STOCK_PUSH, JobKind.PRODUCT_SYNC})


def wait_for_connection(ports: Ports, job: Job) -> None:
    """Keep the job until the shop connects again (nothing of it is marked failed meanwhile)."""
    if job.kind not in RESENT_ON_RECONNECT:
        key = f"{job.queued_at:012d}:{job.kind.value}:{job.idempotency_key}"
        ports.store.park_job(job.shop, key, job.model_dump_json())
    logger.info("job waits for the tiktok connection", kind=job.kind.value, shop=job.shop)


def resume_parked(ports: Ports, shop: str) -> int:
    """Queue again, in the order they came, the jobs that waited for the shop's connection; how many."""
    parked = ports.store.parked_jobs(shop)
    for key, body in parked:
        ports.enqueue_job(Job.model_validate_json(body))
        ports.store.unpark_job(shop, key)
    return len(parked)
