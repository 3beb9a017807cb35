"""The connector's one stack: one construct per concern, one least-privilege role per function."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from aws_cdk import CfnOutput, Duration, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from connector import routes
from connector.observability import NAMESPACE
from connector.queues import BODY_KEY_PREFIX
from connector.secrets import Secret
from infra.build import Assets
from infra.components.api import ApiConstruct
from infra.components.data import DataConstruct
from infra.components.doors import WebhookDoors
from infra.components.functions import FunctionFactory, Layers, add_environment
from infra.components.hosting import WEB_DIR, HostingConstruct
from infra.components.ingestion import ShopifyPartnerEvents
from infra.components.jobs import JobsConstruct
from infra.components.monitoring import MonitoringConstruct
from infra.components.nag import acknowledge
from infra.components.queues import QueuesConstruct
from infra.components.schedules import SchedulesConstruct
from infra.components.secrets import SecretsConstruct
from infra.queue_consumers import EVENTS, SCHEDULED_WORK
from infra.shopify_app_toml import AppUrls
from infra.shopify_app_toml import write as write_shopify_app_toml

# The dashboard function's most concurrent invocations (a merchant's page makes a few calls at a time).
DASHBOARD_CONCURRENCY = 50

# DynamoDB actions per function, from the Store methods each one's code path calls
# (connector/dal/store.py and its activity_progress.py). TransactWriteItems is authorized by the
# Put/Update actions it holds.
SERVE_DASHBOARD = (
    "dynamodb:DescribeTable",  # ping (GET /health)
    "dynamodb:GetItem",  # shop, plan, product, order
    "dynamodb:BatchGetItem",  # get_products (upload of chosen products)
    "dynamodb:Query",  # counter shards, listings on the indexes, activities
    "dynamodb:PutItem",  # provisioning, plan, activity, OAuth state, TikTok link
    "dynamodb:UpdateItem",  # settings, reinstall
    "dynamodb:DeleteItem",  # consume_oauth_state
)
APPLY_EVENTS = (
    "dynamodb:GetItem",  # shop, product, order, plan, delivery markers
    "dynamodb:BatchGetItem",  # the batch's prefetch
    "dynamodb:Query",  # a customer's orders, a shop's items for erasure
    "dynamodb:PutItem",  # commits (in and out of transactions), data requests, markers
    "dynamodb:UpdateItem",  # counter shards, uninstall, TikTok connection state
    "dynamodb:DeleteItem",  # a product deleted on TikTok: its links and quota hold
    "dynamodb:BatchWriteItem",  # shop/redact erasure
)
RUN_JOBS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",  # quota holds given back, order-sync claims released, listings unlinked
)
# The scheduler lists shops and due plans on the indexes, and applies what its polls find like jobs.
RUN_SCHEDULES = RUN_JOBS


class ConnectorStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assets: Assets,
        web_dir: Path = WEB_DIR,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.data = DataConstruct(self, "Data")
        self.secrets = SecretsConstruct(self, "Secrets")
        self.factory = FunctionFactory(
            Layers(
                self,
                "Layers",
                connector_dir=assets.code.connector_layer,
                dependencies_dir=assets.dependencies_layer,
            ),
            assets.code.functions,
        )
        self.queues = QueuesConstruct(self, "Queues")
        self.table = self.data.table
        hosting = HostingConstruct(self, "Hosting", web_dir=web_dir)
        base = {"TABLE_NAME": self.table.table_name, "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE}
        base |= {
            "SHOPIFY_API_KEY": self.node.try_get_context("shopifyApiKey") or "",
            "TIKTOK_APP_KEY": self.node.try_get_context("tiktokAppKey") or "",
        }
        self.functions = self.factory.functions  # every function built, by folder name
        self.dead_letter_queues: dict[str, sqs.IQueue] = {
            "Events": self.queues.events_dlq,
            "Jobs": self.queues.jobs_dlq,
            "Syncs": self.queues.syncs_dlq,
            "ScheduledWork": self.queues.scheduled_work_dlq,
        }
        bodies = {"QUEUED_BODIES_BUCKET": self.queues.bodies.bucket_name}
        # The doors read no table (the processor decides which shop a delivery is for).
        doors = {name: value for name, value in base.items() if name != "TABLE_NAME"}
        self.doors = self._doors({**doors, **bodies, "EVENTS_QUEUE_URL": self.queues.events.queue_url})
        sends_jobs = {
            **base,
            "JOBS_QUEUE_URL": self.queues.jobs.queue_url,
            "SYNCS_QUEUE_URL": self.queues.syncs.queue_url,
        }
        # The authorize link names the app's service id (Partner Center), not its app key.
        service_id = self.node.try_get_context("tiktokServiceId") or ""
        self._dashboard({**sends_jobs, "DASHBOARD_ORIGIN": hosting.origin, "TIKTOK_SERVICE_ID": service_id})
        self._processor({**sends_jobs, **bodies})
        self._jobs(sends_jobs)
        self._schedules({**sends_jobs, "SCHEDULED_WORK_QUEUE_URL": self.queues.scheduled_work.queue_url})

        self.api = ApiConstruct(
            self, "Api", self._served_by(routes.Gateway.REST), allowed_origin=hosting.origin
        )
        self.functions["dashboard"].add_environment("PUBLIC_API_URL", self.api.base_url)
        # Where TikTok is told to send a shop's webhooks: connecting (dashboard), the daily check
        # (scheduler) and work queued from either (jobs).
        for name in ("dashboard", "jobs", "scheduler"):
            self.functions[name].add_environment("TIKTOK_WEBHOOK_URL", self.doors.url("tiktok_webhook"))
        hosting.publish(self.api.base_url, base["SHOPIFY_API_KEY"])
        MonitoringConstruct(
            self,
            "Monitoring",
            functions=self.functions,
            dead_letter_queues=self.dead_letter_queues,
            work_queues={
                "Events": self.queues.events,
                "Jobs": self.queues.jobs,
                "Syncs": self.queues.syncs,
                "ScheduledWork": self.queues.scheduled_work,
            },
            api=self.api.api,
        )
        self._outputs(hosting)
        self._shopify_app_toml(base["SHOPIFY_API_KEY"])

    def _shopify_app_toml(self, client_id: str) -> None:
        """shopify.app.toml beside the template, once the deploy-time addresses are known: the
        template holds only tokens for them, so they come as context (shopifyWebhookUrl,
        dashboardUrl: the ShopifyWebhookUrl and DashboardUrl outputs of a first deploy, or a custom
        domain)."""
        api_url, page_url = (self.node.try_get_context(k) for k in ("shopifyWebhookUrl", "dashboardUrl"))
        if not (client_id and api_url and page_url):
            return
        scopes = self.node.try_get_context("shopifyScopes") or ""
        stage = Stage.of(self)
        assert stage is not None  # a stack always lives in an app
        write_shopify_app_toml(stage.outdir, client_id, AppUrls(api_url, page_url), scopes)

    def _doors(self, environment: dict[str, str]) -> WebhookDoors:
        """The webhook functions (verify, check, queue: no table), each on its function URL."""
        for name, secret in (
            ("shopify_webhook", Secret.SHOPIFY_API_SECRET),
            ("tiktok_webhook", Secret.TIKTOK_APP_SECRET),
        ):
            door = self.factory.build(self, name, environment, traced=False)
            add_environment(door, self.secrets.grant_read(door, secret))
            self.queues.events.grant_send_messages(door)
            self._grant_bodies(door, "s3:PutObject")
        partner_source = self.node.try_get_context("shopifyPartnerEventSource")
        if partner_source:
            partner = ShopifyPartnerEvents(
                self, "ShopifyPartnerEvents", partner_source, self.functions["shopify_webhook"]
            )
            self.dead_letter_queues["PartnerEvents"] = partner.failed
        return WebhookDoors(self, "Doors", self.functions)

    def _dashboard(self, environment: dict[str, str]) -> None:
        # 29 s: API Gateway's integration timeout.
        dashboard = self.factory.build(self, "dashboard", environment, timeout_seconds=29)
        # A cap, so that a flood on the dashboard's routes cannot take the account's concurrency
        # from the webhook doors and the workers (which have no cap: their queues absorb bursts).
        cast(
            lambda_.CfnFunction, dashboard.node.default_child
        ).reserved_concurrent_executions = DASHBOARD_CONCURRENCY
        self._grant(dashboard, SERVE_DASHBOARD, list(Secret), send_to=self._job_queues, indexes=True)

    def _processor(self, environment: dict[str, str]) -> None:
        processor = self.factory.build(self, "processor", environment, timeout_seconds=EVENTS.timeout_seconds)
        self._grant(
            processor,
            APPLY_EVENTS,
            [Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY],
            send_to=self._job_queues,
        )
        self._grant_bodies(processor, "s3:GetObject")
        processor.add_event_source(
            event_sources.SqsEventSource(
                self.queues.events,
                batch_size=EVENTS.batch_size,
                max_batching_window=Duration.seconds(EVENTS.batching_window_seconds),
                report_batch_item_failures=True,
            )
        )

    def _jobs(self, environment: dict[str, str]) -> None:
        queues = {"jobs": self.queues.jobs, "syncs": self.queues.syncs}
        jobs = JobsConstruct(self, "JobsWorker", self.factory, queues, environment).function
        self._grant(
            jobs,
            RUN_JOBS,
            [Secret.SHOPIFY_API_SECRET, Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY],
            send_to=self._job_queues,  # work runs in chunks: each chunk queues the next
            indexes=True,  # "upload all not uploaded" lists products by status
        )

    def _schedules(self, environment: dict[str, str]) -> None:
        scheduler = self.factory.build(
            self, "scheduler", environment, timeout_seconds=SCHEDULED_WORK.timeout_seconds, memory_mb=1024
        )
        self._grant(
            scheduler,
            RUN_SCHEDULES,
            [Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY],
            # its own fan-out: a page queues its shops and the next page, a step its next step
            send_to=[*self._job_queues, self.queues.scheduled_work],
            indexes=True,  # installed shops, products pending audit by status
        )
        scheduler.add_event_source(
            event_sources.SqsEventSource(
                self.queues.scheduled_work,
                batch_size=SCHEDULED_WORK.batch_size,
                max_concurrency=SCHEDULED_WORK.max_concurrency,
                report_batch_item_failures=True,
            )
        )
        schedules = SchedulesConstruct(self, "Schedules", scheduler)
        self.dead_letter_queues["Schedules"] = schedules.dead_letters

    def _served_by(self, gateway: routes.Gateway) -> dict[str, lambda_.IFunction]:
        served = routes.functions_served(gateway)
        missing = set(served) - set(self.functions)
        if missing:
            raise ValueError(f"routes name functions the stack does not build: {sorted(missing)}")
        return {name: self.functions[name] for name in served}

    def _grant(
        self,
        function: lambda_.Function,
        table_actions: tuple[str, ...],
        readable: list[Secret],
        send_to: list[sqs.Queue],
        indexes: bool = False,
    ) -> None:
        """Exactly what the function's code uses: these table actions, secrets and queues."""
        assert function.role is not None
        self.data.grant(function.role, *table_actions, indexes=indexes)
        add_environment(function, self.secrets.grant_read(function, *readable))
        for queue in send_to:
            queue.grant_send_messages(function)

    @property
    def _job_queues(self) -> list[sqs.Queue]:
        """Where a function that asks for work sends it (connector.wiring.Ports.enqueue_job)."""
        return [self.queues.jobs, self.queues.syncs]

    def _grant_bodies(self, function: lambda_.Function, action: str) -> None:
        """One action on the large bodies the queues point to (the doors put, the processor gets)."""
        objects = self.queues.bodies.arn_for_objects(f"{BODY_KEY_PREFIX}*")
        function.add_to_role_policy(iam.PolicyStatement(actions=[action], resources=[objects]))
        assert function.role is not None
        bucket = self.resolve(cast(s3.CfnBucket, self.queues.bodies.node.default_child).logical_id)
        acknowledge(
            function.role,
            f"IAM5[Resource::<{bucket}.Arn>/{BODY_KEY_PREFIX}*]",
            "Each large body is a new object under this prefix, named by a random key at send time.",
        )

    def _outputs(self, hosting: HostingConstruct) -> None:
        base = self.api.base_url
        CfnOutput(self, "ApiUrl", value=base, description="The API (PUBLIC_API_URL)")
        for output, function, sender in (
            ("ShopifyWebhookUrl", "shopify_webhook", "Shopify"),
            ("TikTokWebhookUrl", "tiktok_webhook", "TikTok Shop"),
        ):
            CfnOutput(
                self, output, value=self.doors.url(function), description=f"{sender} webhooks (its door)"
            )
        CfnOutput(
            self,
            "TikTokRedirectUrl",
            value=f"{base}/auth/tiktok/callback",
            description="TikTok Shop app redirect URL",
        )
        CfnOutput(self, "DashboardUrl", value=hosting.origin, description="The app URL to set in Shopify")
