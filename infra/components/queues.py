"""Queues: verified webhooks (events), outward work (jobs) and the schedules' fan-out (scheduled
work), each with a dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.nag import acknowledge

# A record that fails this many receives goes to the dead-letter queue, never to /dev/null.
MAX_RECEIVES = 5
DEAD_LETTER_RETENTION = Duration.days(14)


class QueuesConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        events_timeout: Duration,
        jobs_timeout: Duration,
        scheduled_work_timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.events, self.events_dlq = self._queue_with_dlq("Events", events_timeout)
        self.jobs, self.jobs_dlq = self._queue_with_dlq("Jobs", jobs_timeout)
        self.scheduled_work, self.scheduled_work_dlq = self._queue_with_dlq(
            "ScheduledWork", scheduled_work_timeout
        )

    def _queue_with_dlq(self, name: str, consumer_timeout: Duration) -> tuple[sqs.Queue, sqs.Queue]:
        dlq = dead_letter_queue(self, f"{name}DeadLetters")
        queue = sqs.Queue(
            self,
            name,
            # AWS's guidance: at least six times the consumer's timeout.
            visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * 6),
            retention_period=Duration.days(4),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=MAX_RECEIVES),
        )
        return queue, dlq


def dead_letter_queue(scope: Construct, construct_id: str, *, for_what: str | None = None) -> sqs.Queue:
    """An encrypted, SSL-only queue that keeps failures for 14 days.

    ``for_what`` names the non-SQS sender (EventBridge, Scheduler) when the queue is not an SQS
    redrive target, which cdk-nag cannot see is a dead-letter queue.
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        retention_period=DEAD_LETTER_RETENTION,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )
    if for_what:
        acknowledge(
            queue, "SQS3", f"This queue is the dead-letter queue of {for_what}; it has none of its own."
        )
    return queue
