"""Queues: verified webhooks (events) and outward work (jobs), each with a dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# A record that fails this many receives goes to the dead-letter queue, never to /dev/null.
MAX_RECEIVES = 5


class QueuesConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, consumer_timeout: Duration) -> None:
        super().__init__(scope, construct_id)
        self.events, self.events_dlq = self._queue_with_dlq("Events", consumer_timeout)
        self.jobs, self.jobs_dlq = self._queue_with_dlq("Jobs", consumer_timeout)

    def _queue_with_dlq(self, name: str, consumer_timeout: Duration) -> tuple[sqs.Queue, sqs.Queue]:
        dlq = sqs.Queue(
            self,
            f"{name}DeadLetters",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
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
