"""The composition root: the one place that builds what the handlers' logic needs from outside
(the store, the two queues, the partner clients, the token cipher, the clock) from settings and
secrets, and hands it over as one object.

Every dependency is built on first use, so a function pays only for what its path needs (a webhook
door never loads the partner clients, the processor loads TikTok's only on an audit webhook). A
test or the local runner passes in the ones it replaces, by name:
``Ports(store=store, jobs=RecordingQueue(), sleep=lambda _: None)``; nothing is monkeypatched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Protocol

from connector.queues import MessageQueue, QueuedBodies, send_all, sqs_queue
from connector.secrets import Secret, get_secret
from connector.settings import Settings

# Imported where first used: the clients load requests and cryptography, the store PynamoDB, the
# domain and jobs pydantic, the logger Powertools; a webhook door builds these ports and needs none.
if TYPE_CHECKING:
    from connector.clients.shopify.admin import ShopifyAdminClient
    from connector.clients.shopify.shop import ShopifyShopClient
    from connector.clients.tiktok.auth import TikTokClient
    from connector.clients.tiktok.shop import ShopClient
    from connector.crypto import TokenCipher
    from connector.dal.store import Store
    from connector.domain.changes import ListedStatus
    from connector.domain.entities import Shop
    from connector.jobs import Job
    from connector.listing.facts import ListingFacts


class ShopGoneError(RuntimeError):
    """The shop was uninstalled or erased since the work was queued."""


class TikTokProductStatus(Protocol):
    """Reads a product's current status from TikTok (type-5 webhooks do not carry it)."""

    def status_of(self, shop: Shop, tiktok_product_id: str, since: int) -> ListedStatus:
        """(TikTok's raw status, failure reason). The status is DELETED for a product deleted since
        ``since``, None when TikTok does not say (a frozen product)."""
        ...


class Ports:
    """What a handler's logic uses from outside. Built from ``settings`` (the environment when not
    given) and the app's secrets; any dependency may be given instead, by its attribute name."""

    def __init__(self, settings: Settings | None = None, **given: Any) -> None:
        unknown = sorted(
            name for name in given if not isinstance(getattr(Ports, name, None), cached_property)
        )
        if unknown:
            raise TypeError(f"Ports has no dependency named {', '.join(unknown)}")
        self.settings = settings if settings is not None else Settings.from_environ()
        self.given = dict(given)
        self.__dict__.update(given)  # a given dependency takes the place of its cached_property

    def replace(self, **changes: Any) -> Ports:
        """These ports with ``changes`` given instead (``settings`` among them, if wanted). With the
        same settings, the clients, store and cipher built here serve the new ports too; anything
        else is built again on first use."""
        settings = changes.pop("settings", self.settings)
        replaced = Ports(settings, **{**self.given, **changes})
        if settings is self.settings:
            for name in _FROM_SETTINGS:
                if name in self.__dict__ and name not in replaced.given:
                    replaced.__dict__[name] = self.__dict__[name]
        return replaced

    # --- the dependencies --------------------------------------------------------------------
    @cached_property
    def store(self) -> Store:
        from connector.dal.store import Store

        self.bind_table()
        return Store(counter_shards=self.settings.counter_shards)

    def bind_table(self) -> None:
        """Point the row models at these settings' table: PynamoDB binds them process-wide, so ports
        with another table (a test's) must bind theirs back when they take over again."""
        from connector.dal.rows import bind_rows

        bind_rows(self.settings.table_name, self.settings.aws_region, self.settings.dynamodb_endpoint)

    @cached_property
    def events(self) -> MessageQueue:
        """Verified webhooks, for the processor."""
        return sqs_queue(
            self.settings.required("events_queue_url"), self.settings.aws_region, self.queued_bodies
        )

    @cached_property
    def queued_bodies(self) -> QueuedBodies | None:
        """Where webhook bodies too large for a queue message wait for the processor."""
        bucket = self.settings.queued_bodies_bucket
        return QueuedBodies(bucket, self.settings.aws_region) if bucket else None

    @cached_property
    def jobs(self) -> MessageQueue:
        """Merchant and automatic bulk work, for the jobs function."""
        return sqs_queue(self.settings.required("jobs_queue_url"), self.settings.aws_region)

    @cached_property
    def syncs(self) -> MessageQueue:
        """Order and stock work (``SYNC_KINDS``), for the jobs function through a queue of its own.
        Where no syncs queue is configured (a test or local run given one jobs queue), the jobs
        queue takes them too."""
        if self.settings.syncs_queue_url is None and "jobs" in self.given:
            return self.jobs
        return sqs_queue(self.settings.required("syncs_queue_url"), self.settings.aws_region)

    @cached_property
    def scheduled_work(self) -> MessageQueue:
        """The scheduled tasks' fan-out (pages of shops, one shop's run), for the scheduler function."""
        return sqs_queue(self.settings.required("scheduled_work_queue_url"), self.settings.aws_region)

    @cached_property
    def shopify(self) -> ShopifyAdminClient:
        from connector.clients.shopify.admin import ShopifyAdminClient

        return ShopifyAdminClient(
            api_key=self.settings.shopify_api_key,
            api_secret=self.secret(Secret.SHOPIFY_API_SECRET),
            admin_base_url=self.settings.shopify_admin_base_url,
        )

    @cached_property
    def tiktok(self) -> TikTokClient:
        from connector.clients.tiktok.auth import TikTokClient

        return TikTokClient(
            app_key=self.settings.tiktok_app_key,
            app_secret=self.secret(Secret.TIKTOK_APP_SECRET),
            api_base_url=self.settings.tiktok_api_base_url,
            auth_base_url=self.settings.tiktok_auth_base_url,
        )

    @cached_property
    def cipher(self) -> TokenCipher:
        from connector.crypto import TokenCipher

        return TokenCipher(self.secret(Secret.TOKEN_ENCRYPTION_KEY))

    @cached_property
    def tiktok_products(self) -> TikTokProductStatus:
        from connector.processing.tiktok_products import TikTokProductStatusReader

        return TikTokProductStatusReader(self)

    @cached_property
    def listing_facts(self) -> ListingFacts:
        """What TikTok says of categories and brands, and Shopify of selling locations, kept a while."""
        from connector.listing.facts import ListingFacts

        return ListingFacts(time.monotonic)

    @cached_property
    def fetch_image(self) -> Callable[[str], bytes]:
        """Downloads a product image from Shopify's CDN (and no other host), up to TikTok's size."""
        from connector.clients.images import fetch_image
        from connector.listing.images import MAX_IMAGE_BYTES

        return partial(fetch_image, allowed_hosts=self.settings.image_hosts, max_bytes=MAX_IMAGE_BYTES)

    @cached_property
    def now(self) -> Callable[[], datetime]:
        return lambda: datetime.now(UTC)

    @cached_property
    def sleep(self) -> Callable[[float], None]:
        return time.sleep

    # --- what the logic asks of them ---------------------------------------------------------
    def secret(self, secret: Secret) -> str:
        """A secret's value (the environment locally, Secrets Manager on AWS; cached there)."""
        return get_secret(secret)

    def enqueue_job(self, job: Job) -> None:
        self._queue_of(job).send(job.model_dump_json(), delay_seconds=job.delay_seconds)

    def enqueue_jobs(self, jobs: Sequence[Job]) -> list[bool]:
        """Queue these jobs, ten to a request where the queue takes batches; which were queued."""
        by_queue: dict[int, tuple[MessageQueue, list[int]]] = {}
        for n, job in enumerate(jobs):
            queue = self._queue_of(job)
            by_queue.setdefault(id(queue), (queue, []))[1].append(n)
        sent = [False] * len(jobs)
        for queue, chosen in by_queue.values():
            results = send_all(queue, [(jobs[n].model_dump_json(), jobs[n].delay_seconds) for n in chosen])
            for n, queued in zip(chosen, results, strict=True):
                sent[n] = queued
        return sent

    def _queue_of(self, job: Job) -> MessageQueue:
        from connector.jobs import SYNC_KINDS

        return self.syncs if job.kind in SYNC_KINDS else self.jobs

    def shop(self, domain: str) -> Shop:
        """An installed shop's profile, for work on its behalf."""
        from connector.domain.entities import InstallState

        shop = self.store.get_shop(domain)
        if shop is None or shop.install_state is InstallState.UNINSTALLED:
            raise ShopGoneError(f"{domain} is not installed")
        return shop

    def shopify_admin(self, shop: Shop) -> ShopifyShopClient:
        """Shopify's Admin API as the shop, with its stored (encrypted) offline token, refreshed
        ahead of expiry and after a 401, one refresh at a time per shop."""
        from connector.shopify_session import ShopifyTokenKeeper

        return self.shopify.for_shop(shop.domain, ShopifyTokenKeeper(self, shop))

    def tiktok_api(self, shop: Shop) -> ShopClient:
        """TikTok Shop's API as the shop, with its stored tokens; refreshed tokens are stored back."""
        from connector.tiktok_session import shop_api

        return shop_api(self.tiktok, self.cipher, self.store, shop)


# What Ports builds from its settings and secrets alone (nothing of another dependency).
_FROM_SETTINGS = ("store", "shopify", "tiktok", "cipher")
_process_ports: Ports | None = None
Event = dict[str, Any]


def process_ports() -> Ports:
    """The ports of this process (one Lambda execution environment), built on its first invocation:
    a required setting that is missing fails here, naming it."""
    global _process_ports
    if _process_ports is None:
        _process_ports = Ports()
    return _process_ports


def use_process_ports(ports: Ports | None) -> None:
    """Make ``ports`` this process's composition (the local runner and the tests, which play Lambda's
    environment with in-process queues); None builds it from the environment again on next use."""
    global _process_ports
    _process_ports = ports


def entry_point(
    logic: Callable[[Ports, Event, Any], Event], *, emits_metrics: bool = True
) -> Callable[[Event, Any], Event]:
    """A function's Lambda entry point: its logic (``lambda_handler_with``) given this process's
    ports, JSON logs carrying the invocation's context, and its metrics flushed after each call."""
    from connector.observability import logger, metrics

    def lambda_handler(event: Event, context: Any) -> Event:
        return logic(process_ports(), event, context)

    handler: Callable[[Event, Any], Event] = logger.inject_lambda_context(lambda_handler, clear_state=True)
    return metrics.log_metrics(handler) if emits_metrics else handler
