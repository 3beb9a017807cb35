"""How each queue feeds its function: one table read by the stack (queues, event source mappings)
and by the local event-source-mapping loop (local/sqs.py), so the two cannot differ. Plain Python:
the local runner imports it without the CDK."""

from __future__ import annotations

from dataclasses import dataclass

# A record that fails this many receives goes to the dead-letter queue, never to /dev/null.
MAX_RECEIVES = 5


@dataclass(frozen=True)
class QueueConsumer:
    queue: str  # the queue's local name ("events", "jobs")
    function: str  # the function under functions/ that consumes it
    timeout_seconds: int  # the function's timeout
    batch_size: int
    batching_window_seconds: int = 0
    max_concurrency: int | None = None  # the mapping's maximum concurrency (None: Lambda's scaling)
    max_receives: int = MAX_RECEIVES

    @property
    def visibility_timeout_seconds(self) -> int:
        # AWS's guidance: at least six times the consumer's timeout.
        return self.timeout_seconds * 6


# Verified webhooks: small, independent records; a one-second window lets a storm share batches.
EVENTS = QueueConsumer("events", "processor", timeout_seconds=30, batch_size=10, batching_window_seconds=1)
# One chunk of TikTok/Shopify calls, back-offs included, per record. No batching window: an
# import's pages follow one another (each needs the last page's cursor), so a window would add its
# length to every page. Concurrent batches: TikTok and Shopify rate-limit per app and per shop, so
# more would only queue.
JOBS = QueueConsumer("jobs", "jobs", timeout_seconds=120, batch_size=5, max_concurrency=5)
# Order and stock work (connector.jobs.SYNC_KINDS), consumed by the same function with concurrency
# of its own: however long the jobs queue is, these wait only for each other.
SYNCS = QueueConsumer("syncs", "jobs", timeout_seconds=120, batch_size=5, max_concurrency=5)
# The schedules' fan-out: pages of shops and one shop's run a record, consumed by the scheduler
# function; concurrent batches bounded because TikTok limits calls per app.
SCHEDULED_WORK = QueueConsumer(
    "scheduled-work", "scheduler", timeout_seconds=300, batch_size=10, max_concurrency=10
)
