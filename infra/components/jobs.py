"""Jobs: the function that carries out queued work (imports, uploads, inventory, orders) outward."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.functions import FunctionFactory

TIMEOUT_SECONDS = 120  # one chunk of TikTok/Shopify calls, back-offs included
BATCH_SIZE = 5
# Concurrent batches: TikTok and Shopify rate-limit per app and per shop, so more would only queue.
MAX_CONCURRENCY = 5


class JobsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        factory: FunctionFactory,
        queue: sqs.IQueue,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.function: lambda_.Function = factory.build(
            self, "jobs", environment, timeout_seconds=TIMEOUT_SECONDS, memory_mb=1024
        )
        self.function.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=BATCH_SIZE,
                # No batching window: an import's pages follow one another (each needs the last
                # page's cursor), so a window would add its length to every page.
                max_concurrency=MAX_CONCURRENCY,
                report_batch_item_failures=True,
            )
        )
