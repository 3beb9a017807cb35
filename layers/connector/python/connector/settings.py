"""Runtime configuration, read from the environment when a process's ports are built
(connector.wiring), never at import time. A required variable that is missing fails there, named.

Secrets are not settings: connector.secrets reads them (env locally, Secrets Manager on AWS).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

# Environment variable -> Settings field. Unset variables keep the field's default.
_ENVIRONMENT = {
    "TABLE_NAME": "table_name",
    "AWS_REGION": "aws_region",
    "DYNAMODB_ENDPOINT": "dynamodb_endpoint",
    "COUNTER_SHARDS": "counter_shards",
    "SHOPIFY_API_KEY": "shopify_api_key",
    "TIKTOK_APP_KEY": "tiktok_app_key",
    "TIKTOK_API_BASE_URL": "tiktok_api_base_url",
    "TIKTOK_AUTH_BASE_URL": "tiktok_auth_base_url",
    "SHOPIFY_ADMIN_BASE_URL": "shopify_admin_base_url",
    "TIKTOK_SERVICE_ID": "tiktok_service_id",
    "TIKTOK_AUTHORIZE_URL": "tiktok_authorize_url",
    "TIKTOK_AUTHORIZE_URL_US": "tiktok_authorize_url_us",
    "SHOPIFY_APP_URL": "shopify_app_url",
    "PUBLIC_API_URL": "public_api_url",
    "TIKTOK_WEBHOOK_URL": "tiktok_webhook_url",
    "SHOPIFY_BILLING_TEST": "shopify_billing_test",
    "SHOPIFY_IMAGE_HOSTS": "shopify_image_hosts",
    "DASHBOARD_ORIGIN": "dashboard_origin",
    "EVENTS_QUEUE_URL": "events_queue_url",
    "JOBS_QUEUE_URL": "jobs_queue_url",
    "SYNCS_QUEUE_URL": "syncs_queue_url",
    "SCHEDULED_WORK_QUEUE_URL": "scheduled_work_queue_url",
    "QUEUED_BODIES_BUCKET": "queued_bodies_bucket",
}


# A stdlib dataclass, not a pydantic model: the webhook doors build their ports from these settings,
# and their cold start has no room for pydantic (benchmarks/cold_start.py); the few checks a
# setting needs are the ones from_environ makes.
@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every non-secret environment variable the shipped code reads, with its default."""

    table_name: str = "tiktok-connector"
    aws_region: str = "us-east-1"
    # Set locally and in tests (DynamoDB Local); unset on AWS, where boto's default endpoint applies.
    dynamodb_endpoint: str | None = None
    counter_shards: int = 10  # 1 to 100 (_RANGES)
    shopify_api_key: str  # the app's client id (session token audience); required
    tiktok_app_key: str  # required
    tiktok_api_base_url: str = "https://open-api.tiktokglobalshop.com"
    tiktok_auth_base_url: str = "https://auth.tiktok-shops.com"
    shopify_admin_base_url: str = "https://{shop}"  # a template: {shop} is the myshopify.com domain
    # The app's service id in Partner Center: what TikTok's authorize link names (not the app key).
    tiktok_service_id: str | None = None
    # Where merchants authorize the app: TikTok's page for sellers outside the US, and the US one
    # (guides/authorization-overview-202407.md; the 202309 guide's US example host is
    # services.us.tiktokshop.com, the 202407 overview's is this one, the newer we follow).
    tiktok_authorize_url: str = "https://services.tiktokshop.com/open/authorize"
    tiktok_authorize_url_us: str = "https://services.tiktokshops.us/open/authorize"
    # The embedded app in the merchant's Shopify Admin ({shop}, {api_key}): where TikTok's redirect
    # sends the browser on, so that the link is finished inside the merchant's session.
    shopify_app_url: str = "https://{shop}/admin/apps/{api_key}"
    # This API's own public address: TikTok's redirect and Shopify's billing return lead back here.
    public_api_url: str = "http://127.0.0.1:3000"
    # The TikTok door's address (its function URL on AWS); unset: this API's path to it (the local
    # server's).
    tiktok_webhook_url: str | None = None
    shopify_billing_test: bool = False  # Shopify test charges (development stores)
    # The hosts product images are downloaded from (comma-separated): Shopify's CDN, and no other,
    # so that a product's image URL cannot make us fetch an arbitrary address.
    shopify_image_hosts: str = "cdn.shopify.com"

    def authorize_url(self, us_seller: bool) -> str:
        return self.tiktok_authorize_url_us if us_seller else self.tiktok_authorize_url

    def embedded_app_url(self, shop: str) -> str:
        return self.shopify_app_url.format(shop=shop, api_key=self.shopify_api_key)

    @property
    def image_hosts(self) -> frozenset[str]:
        return frozenset(host.strip() for host in self.shopify_image_hosts.split(",") if host.strip())

    # Where the dashboard page is served from (CloudFront on AWS; this API's own origin locally):
    # the API's CORS origin, and where merchants land back after approving a charge.
    dashboard_origin: str | None = None

    @property
    def dashboard_url(self) -> str:
        return f"{self.dashboard_origin or self.public_api_url}/"

    events_queue_url: str | None = None  # SQS queue of verified webhooks (unset: in-process queue)
    jobs_queue_url: str | None = None  # bulk work: imports, uploads, what follows them
    syncs_queue_url: str | None = None  # orders, shipments, stock from Shopify (connector.jobs.SYNC_KINDS)
    scheduled_work_queue_url: str | None = None  # the schedules' pages of shops and per-shop runs
    queued_bodies_bucket: str | None = None  # S3 bucket for webhook bodies too large for a message

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            field: env[name] for name, field in _ENVIRONMENT.items() if env.get(name)
        }
        if "aws_region" not in values and env.get("AWS_DEFAULT_REGION"):
            values["aws_region"] = env["AWS_DEFAULT_REGION"]
        wrong = [field.name for field in dataclasses.fields(cls) if not _take(field, values)]
        if wrong:
            variables = {field: name for name, field in _ENVIRONMENT.items()}
            raise MissingSettingError(
                f"set {', '.join(sorted(variables[f] for f in wrong))}: missing or invalid"
            )
        return cls(**values)  # type: ignore[arg-type]

    def required(self, field: str) -> str:
        """An optional setting this path cannot do without (a queue's URL): its value, or an error
        that names the environment variable."""
        value = getattr(self, field)
        if not value:
            name = next(env for env, name in _ENVIRONMENT.items() if name == field)
            raise MissingSettingError(f"set {name}: this function needs it")
        return str(value)


class MissingSettingError(RuntimeError):
    """A setting the function needs is not in its environment."""


_RANGES = {"counter_shards": (1, 100)}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _take(field: dataclasses.Field[object], values: dict[str, object]) -> bool:
    """Convert ``values[field]`` from its text to the field's type in place; False when it is
    required and missing, or not of its type."""
    if field.name not in values:
        return field.default is not dataclasses.MISSING
    text = str(values[field.name]).strip()
    if field.type == "int":
        low, high = _RANGES.get(field.name, (0, 2**31))
        if not text.isdigit() or not low <= int(text) <= high:
            return False
        values[field.name] = int(text)
    elif field.type == "bool":
        if text.lower() not in _TRUE | _FALSE:
            return False
        values[field.name] = text.lower() in _TRUE
    return True
