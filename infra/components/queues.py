"""Queues: verified webhooks (events), outward bulk work (jobs), order and stock work (syncs) and
the schedules' fan-out (scheduled work), each with a dead-letter queue; the bucket for webhook
bodies too large for a message."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from connector.queues import BODY_KEY_PREFIX, MAX_MESSAGE_BYTES
from infra.components.nag import acknowledge
from infra.queue_consumers import EVENTS, JOBS, SCHEDULED_WORK, SYNCS, QueueConsumer

QUEUE_RETENTION_DAYS = 4
DEAD_LETTER_RETENTION_DAYS = 14
DEAD_LETTER_RETENTION = Duration.days(DEAD_LETTER_RETENTION_DAYS)


class QueuesConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.events, self.events_dlq = self._queue_with_dlq("Events", EVENTS)
        self.jobs, self.jobs_dlq = self._queue_with_dlq("Jobs", JOBS)
        self.syncs, self.syncs_dlq = self._queue_with_dlq("Syncs", SYNCS)
        self.scheduled_work, self.scheduled_work_dlq = self._queue_with_dlq("ScheduledWork", SCHEDULED_WORK)
        self.bodies = self._bodies_bucket()

    def _queue_with_dlq(self, name: str, consumer: QueueConsumer) -> tuple[sqs.Queue, sqs.Queue]:
        dlq = dead_letter_queue(self, f"{name}DeadLetters")
        queue = sqs.Queue(
            self,
            name,
            visibility_timeout=Duration.seconds(consumer.visibility_timeout_seconds),
            max_message_size_bytes=MAX_MESSAGE_BYTES,
            retention_period=Duration.days(QUEUE_RETENTION_DAYS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=consumer.max_receives),
        )
        return queue, dlq

    def _bodies_bucket(self) -> s3.Bucket:
        """Webhook bodies too large for a queue message, each under a pointer the message carries;
        kept as long as the message may be (its dead-letter queue's retention), then expired."""
        bucket = s3.Bucket(
            self,
            "QueuedBodies",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    prefix=BODY_KEY_PREFIX, expiration=Duration.days(DEAD_LETTER_RETENTION_DAYS + 1)
                )
            ],
        )
        acknowledge(
            bucket,
            "S1",
            "Transient webhook bodies written by the webhook functions and read by the processor only; "
            "access is by those two roles, whose calls the functions' own logs and metrics record.",
        )
        return bucket


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
