"""Jobs: the function that carries out queued work (imports, uploads, inventory, orders) outward."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.functions import FunctionFactory
from infra.queue_consumers import JOBS, SYNCS


class JobsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        factory: FunctionFactory,
        queues: Mapping[str, sqs.IQueue],
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.function: lambda_.Function = factory.build(
            self, "jobs", environment, timeout_seconds=JOBS.timeout_seconds, memory_mb=1024
        )
        # One function, one mapping per queue: each with its own maximum concurrency, so bulk work
        # fills at most its own share and order and stock work always has its own.
        for consumer in (JOBS, SYNCS):
            assert consumer.timeout_seconds == JOBS.timeout_seconds  # one function, one timeout
            self.function.add_event_source(
                event_sources.SqsEventSource(
                    queues[consumer.queue],
                    batch_size=consumer.batch_size,
                    max_concurrency=consumer.max_concurrency,
                    report_batch_item_failures=True,
                )
            )
