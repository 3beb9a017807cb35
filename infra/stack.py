"""The connector's one stack: one construct per concern, one least-privilege role per function."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from constructs import Construct

from connector import routes
from connector.secrets import Secret
from infra.components.api import ApiConstruct
from infra.components.data import DataConstruct
from infra.components.functions import Layers, connector_function
from infra.components.ingestion import ShopifyPartnerEvents
from infra.components.queues import QueuesConstruct
from infra.components.secrets import SecretsConstruct

PROCESSOR_TIMEOUT_SECONDS = 30
# DynamoDB actions per role: reads for the doors, reads and conditional writes for the processor.
READ_SHOP = ("dynamodb:GetItem",)
APPLY_EVENTS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


class ConnectorStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, dependencies_dir: Path, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        data = DataConstruct(self, "Data")
        secrets = SecretsConstruct(self, "Secrets")
        layers = Layers(self, "Layers", dependencies_dir=dependencies_dir)
        queues = QueuesConstruct(self, "Queues", consumer_timeout=Duration.seconds(PROCESSOR_TIMEOUT_SECONDS))
        app_identity = {
            "SHOPIFY_API_KEY": self.node.try_get_context("shopifyApiKey") or "",
            "TIKTOK_APP_KEY": self.node.try_get_context("tiktokAppKey") or "",
        }
        base = {"TABLE_NAME": data.table.table_name, "POWERTOOLS_METRICS_NAMESPACE": "TikTokShopConnector"}

        dashboard = connector_function(self, "dashboard", layers, base)
        data.table.grant(dashboard, "dynamodb:DescribeTable")

        shopify_webhook = connector_function(
            self,
            "shopify_webhook",
            layers,
            {**base, **app_identity, "EVENTS_QUEUE_URL": queues.events.queue_url},
        )
        _add_environment(shopify_webhook, secrets.grant_read(shopify_webhook, Secret.SHOPIFY_API_SECRET))

        tiktok_webhook = connector_function(
            self,
            "tiktok_webhook",
            layers,
            {**base, **app_identity, "EVENTS_QUEUE_URL": queues.events.queue_url},
        )
        _add_environment(tiktok_webhook, secrets.grant_read(tiktok_webhook, Secret.TIKTOK_APP_SECRET))
        for door in (shopify_webhook, tiktok_webhook):
            data.table.grant(door, *READ_SHOP)
            queues.events.grant_send_messages(door)

        processor = connector_function(
            self,
            "processor",
            layers,
            {**base, **app_identity, "JOBS_QUEUE_URL": queues.jobs.queue_url},
            timeout_seconds=PROCESSOR_TIMEOUT_SECONDS,
        )
        _add_environment(
            processor, secrets.grant_read(processor, Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY)
        )
        data.table.grant(processor, *APPLY_EVENTS)
        queues.jobs.grant_send_messages(processor)
        processor.add_event_source(
            event_sources.SqsEventSource(
                queues.events,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
            )
        )

        partner_source = self.node.try_get_context("shopifyPartnerEventSource")
        if partner_source:
            ShopifyPartnerEvents(self, "ShopifyPartnerEvents", partner_source, shopify_webhook)

        behind_api = {
            "dashboard": dashboard,
            "shopify_webhook": shopify_webhook,
            "tiktok_webhook": tiktok_webhook,
        }
        missing = set(routes.functions_served()) - set(behind_api)
        if missing:
            raise ValueError(f"routes name functions the stack does not build: {sorted(missing)}")
        self.api = ApiConstruct(self, "Api", behind_api)
        self.functions = {**behind_api, "processor": processor}
        self.queues = queues
        self.table = data.table


def _add_environment(function: lambda_.Function, environment: dict[str, str]) -> None:
    for name, value in environment.items():
        function.add_environment(name, value)
