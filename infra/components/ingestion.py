"""Ingestion: Shopify's EventBridge partner door (the HTTPS doors are API routes)."""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.components.queues import dead_letter_queue

# EventBridge's retries before an event lands in the failed-deliveries queue.
RETRY_ATTEMPTS = 8


class ShopifyPartnerEvents(Construct):
    """Routes the Shopify partner event source's events to the Shopify webhook function."""

    def __init__(
        self, scope: Construct, construct_id: str, event_source_name: str, target: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        # A partner event bus takes the partner event source's name (EventBridge requires it).
        bus = events.EventBus(self, "Bus", event_source_name=event_source_name)
        self.failed = dead_letter_queue(
            self, "FailedDeliveries", for_what="the Shopify partner event rule's Lambda target"
        )
        events.Rule(
            self,
            "ShopifyWebhooks",
            event_bus=bus,
            event_pattern=events.EventPattern(source=events.Match.prefix("aws.partner/shopify.com")),
            targets=[
                targets.LambdaFunction(target, dead_letter_queue=self.failed, retry_attempts=RETRY_ATTEMPTS)
            ],
        )
