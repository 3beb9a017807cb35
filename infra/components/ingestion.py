"""Ingestion: Shopify's EventBridge partner door (the HTTPS doors are API routes)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class ShopifyPartnerEvents(Construct):
    """Routes the Shopify partner event source's events to the Shopify webhook function."""

    def __init__(
        self, scope: Construct, construct_id: str, event_source_name: str, target: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        bus = events.EventBus(
            self, "Bus", event_bus_name=event_source_name, event_source_name=event_source_name
        )
        failed = sqs.Queue(
            self,
            "FailedDeliveries",
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
        )
        events.Rule(
            self,
            "ShopifyWebhooks",
            event_bus=bus,
            event_pattern=events.EventPattern(source=events.Match.prefix("aws.partner/shopify.com")),
            targets=[targets.LambdaFunction(target, dead_letter_queue=failed, retry_attempts=8)],
        )
