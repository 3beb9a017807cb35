"""Builders shared by the tests: connected shops, queued messages, table snapshots."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import jwt
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from connector.clients.tiktok.models import InventoryLevel, NewProduct, NewSku
from connector.clients.tiktok.models import PackageDimensions as PackageDimensionsBody
from connector.clients.tiktok.shop import ShopClient
from connector.dal import keys
from connector.dal.store import Store
from connector.domain.changes import LIVE_ON_TIKTOK, ListedStatus
from connector.domain.entities import (
    InstallState,
    PackageDimensions,
    Plan,
    Shop,
    SyncSettings,
    TikTokConnection,
)
from connector.domain.shopify_order import ShopifyOrderDraft
from connector.jobs import Job
from connector.settings import Settings
from connector.values import replace
from connector.webhooks.message import QueuedWebhook, Source
from connector.webhooks.tiktok import EVENT_TYPES
from connector.wiring import Ports, process_ports, use_process_ports
from functions.processor.handler import lambda_handler_with
from local.dynamodb import LOCAL_APP_CONFIG
from local.lambda_context import LocalLambdaContext
from local.queue import InProcessQueue, RecordingQueue
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox


@contextmanager
def process_ports_with(**given: Any) -> Iterator[Ports]:
    """This process's ports (what the local handlers use) with ``given`` in place, for one test."""
    previous = process_ports()
    ports = previous.replace(**given)
    use_process_ports(ports)
    try:
        yield ports
    finally:
        previous.bind_table()  # a test's settings may have bound the rows to another table
        use_process_ports(previous)


def forget_cached_configuration() -> None:
    """Build this process's ports again from the environment as it is now (settings, clients, store),
    keeping the queues and whatever else was given."""
    use_process_ports(process_ports().replace(settings=Settings.from_environ()))


def connected_shop(store: Store, shop: str, **settings: Any) -> str:
    """An installed shop with a connected TikTok shop; returns the TikTok shop id."""
    tiktok_shop_id = str(uuid.uuid4().int)[:19]
    store.save_shop(
        Shop(
            domain=shop,
            install_state=InstallState.INSTALLED,
            tiktok_shop_id=tiktok_shop_id,
            tiktok_shop_cipher="ROW_" + tiktok_shop_id,
            tiktok_connection=TikTokConnection.CONNECTED,
            settings=SyncSettings(**settings),
            installed_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    store.link_tiktok_shop(shop, tiktok_shop_id)
    store.commit_plan(
        Plan(
            shop,
            "free",
            billing_at=datetime(2026, 12, 26, tzinfo=UTC),
            cycle_started_at=datetime(2026, 11, 26, tzinfo=UTC),
        )
    )
    return tiktok_shop_id


def shop_items(shop: str) -> list[dict[str, Any]]:
    """Every item of a shop's partition, as stored (for 'nothing changed' assertions)."""
    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"], region_name="us-east-1")
    pages = client.get_paginator("query").paginate(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.shop_pk(shop)}},
        ConsistentRead=True,
    )
    return [item for page in pages for item in page["Items"]]


def shopify_message(
    shop: str, topic: str, body: dict[str, Any], delivery_id: str | None = None
) -> QueuedWebhook:
    return QueuedWebhook(
        source=Source.SHOPIFY,
        delivery_id=delivery_id or str(uuid.uuid4()),
        shop=shop,
        topic=topic,
        occurred_at=1_795_700_000,
        body=json.dumps(body),
    )


def tiktok_message(
    shop: str, type_: int, data: dict[str, Any], delivery_id: str | None = None, tiktok_shop_id: str = "1"
) -> QueuedWebhook:
    notification_id = delivery_id or str(uuid.uuid4().int)[:19]
    body = {
        "type": type_,
        "tts_notification_id": notification_id,
        "shop_id": tiktok_shop_id,
        "timestamp": 1_795_700_000,
        "data": data,
    }
    return QueuedWebhook(
        source=Source.TIKTOK,
        delivery_id=notification_id,
        shop=shop,
        topic=str(type_),
        occurred_at=1_795_700_000,
        body=json.dumps(body),
    )


def at_once(calls: list[Callable[[], Any]]) -> list[BaseException]:
    """Run the calls on threads at once, each on its own; answers what they raised."""
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - answered to the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def sqs_event(messages: list[QueuedWebhook], receive_count: int = 1) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}-{m.delivery_id}",
                "receiptHandle": "r",
                "body": m.model_dump_json(),
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:events",
                "awsRegion": "us-east-1",
            }
            for i, m in enumerate(messages)
        ]
    }


def product_body(product_id: str, title: str, updated_at: int, price: str = "10.00") -> dict[str, Any]:
    stamp = datetime.fromtimestamp(updated_at, UTC).isoformat()
    return {
        "id": int(product_id),
        "title": title,
        "updated_at": stamp,
        "variants": [
            {"id": int(product_id) + 1, "sku": f"SKU-{product_id}", "price": price, "inventory_quantity": 3}
        ],
    }


class FakeTikTokProducts:
    """TikTok's Get Product, as the processor's port sees it."""

    def __init__(self, answers: dict[str, tuple[str | None, str | None]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def status_of(self, shop: Any, tiktok_product_id: str, since: int = 0) -> ListedStatus:
        self.asked.append(tiktok_product_id)
        status, reason = self.answers[tiktok_product_id]
        return ListedStatus(status, reason, on_sale=status == LIVE_ON_TIKTOK)


class JobRecorder(RecordingQueue):
    """A jobs queue whose consumer is the test: what was queued, as jobs."""

    @property
    def jobs(self) -> list[Job]:
        return [Job.model_validate_json(body) for body in self.messages]


class Harness:
    def __init__(self, store: Store, products: FakeTikTokProducts | None = None) -> None:
        self.queued = JobRecorder()
        given: dict[str, Any] = {"tiktok_products": products} if products is not None else {}
        self.ports = Ports(store=store, jobs=self.queued, sleep=lambda _: None, **given)

    @property
    def jobs(self) -> list[Job]:
        return self.queued.jobs

    def deliver(self, *messages: Any, receive_count: int = 1) -> dict[str, Any]:
        event = sqs_event(list(messages), receive_count)
        try:
            return lambda_handler_with(self.ports, event, LocalLambdaContext("processor"))
        except BatchProcessingError:  # Powertools raises when every record failed: all go back
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


DEFAULT_PACKAGE = PackageDimensions(20, 15, 10)


def connect_to_sandbox(store: Store, shop: str, sandbox: Any, region: str = "US") -> tuple[str, Any]:
    """Link a shop to a new shop of the TikTok sandbox, as the OAuth callback would; returns the
    TikTok shop id and the grant."""
    from connector.connections import connect_tiktok

    grant = sandbox.issue_token(sandbox.add_shop(name=shop, region=region).shop_id)
    profile = store.get_shop(shop) or Shop(domain=shop, install_state=InstallState.INSTALLED)
    connect_tiktok(
        process_ports().replace(store=store),
        profile,
        tiktok_shop_id=grant.shop_id,
        shop_cipher=grant.shop_cipher,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        access_token_expires_at=grant.access_token_expire_in,
        refresh_token_expires_at=grant.refresh_token_expire_in,
        region=region,
    )
    # As a merchant sets up: a default package size, which TikTok requires outside ID, TH and VN.
    connected = store.get_shop(shop)
    assert connected is not None
    if connected.settings.package_dimensions is None:
        store.save_settings(shop, replace(connected.settings, package_dimensions=DEFAULT_PACKAGE))
    return grant.shop_id, grant


# Nothing listens here: a sandbox test of its own reads what was sent from ``sandbox.webhooks``.
UNHEARD_WEBHOOK_ADDRESS = "http://127.0.0.1:9/webhooks/tiktok"


def register_webhooks(api: ShopClient, address: str = UNHEARD_WEBHOOK_ADDRESS) -> None:
    """Point a sandbox shop's webhooks of every handled event type at ``address`` (Update Shop
    Webhook), as connecting a shop does, for tests that hold a TikTok client instead of a shop."""
    for event_type in EVENT_TYPES:
        api.update_shop_webhook(event_type, address)


def session_token(
    shop: str,
    client_id: str = LOCAL_APP_CONFIG["SHOPIFY_API_KEY"],
    secret: str = LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"],
    algorithm: str = "HS256",
    **overrides: Any,
) -> str:
    """An App Bridge session token of ``shop`` as Shopify mints it, for the local app unless told
    otherwise; ``overrides`` change claims, and a claim given as None is left out."""
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": client_id,
        "sub": "7",
        "exp": now + 60,
        "nbf": now - 1,
        "iat": now,
        "jti": "j",
        "sid": "s",
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm=algorithm)


def merchant_call(api_url: str, shop: str, method: str, path: str, **kwargs: Any) -> Any:
    """An API call with a fresh session token of ``shop``, as the dashboard page makes it."""
    headers = {"Authorization": f"Bearer {session_token(shop)}"}
    return requests.request(method, api_url + path, headers=headers, timeout=30, **kwargs)


def provision_connected(api_url: str, store: Store, shop: str, tiktok: Any) -> None:
    """Provision the shop through the API, connect it to the TikTok sandbox as its merchant does,
    and give it the biggest plan so that quotas do not get in the way of what a test is about."""
    assert merchant_call(api_url, shop, "GET", "/v1/dashboard").status_code == 200
    connect_through_tiktok(api_url, store, shop, tiktok)
    change_plan(store, shop, name="growth_plus")


def connect_through_tiktok(api_url: str, store: Store, shop: str, tiktok: Any, region: str = "US") -> str:
    """Connect a new TikTok sandbox shop over HTTP, as the merchant and the seller do: the authorize
    link of the region, the seller's approval, TikTok's redirect to our callback, and the link made
    in the merchant's session; a default package size, as a merchant sets up. The TikTok shop id."""
    tiktok_shop_id, state = back_from_tiktok(api_url, shop, tiktok, region)
    linked = merchant_call(api_url, shop, "POST", "/v1/connections/tiktok/complete", json={"state": state})
    assert linked.status_code == 200 and linked.json()["status"] == "connected", linked.text
    connected = store.get_shop(shop)
    assert connected is not None
    if connected.settings.package_dimensions is None:
        store.save_settings(shop, replace(connected.settings, package_dimensions=DEFAULT_PACKAGE))
    return tiktok_shop_id


def back_from_tiktok(api_url: str, shop: str, tiktok: Any, region: str = "US") -> tuple[str, str]:
    """A new TikTok sandbox shop whose seller approves the shop's authorize link: TikTok's redirect
    followed through our callback; the TikTok shop id and the state the page then completes."""
    tiktok_shop = tiktok.add_shop(name=shop, region=region)
    seller_region = "US" if region == "US" else "OTHER"
    asked = merchant_call(
        api_url, shop, "POST", "/v1/connections/tiktok", json={"seller_region": seller_region}
    )
    approved = requests.get(
        asked.json()["authorize_url"],
        params={"shop_id": tiktok_shop.shop_id},
        allow_redirects=False,
        timeout=10,
    )
    callback = requests.get(approved.headers["Location"], allow_redirects=False, timeout=10)
    return str(tiktok_shop.shop_id), parse_qs(urlsplit(callback.headers["Location"]).query)["tiktok_state"][0]


def change_plan(store: Store, shop: str, **changes: Any) -> None:
    """Commit the shop's plan with ``changes`` (another plan, the usage so far, its dates)."""
    plan = store.get_plan(shop)
    assert plan is not None
    store.commit_plan(replace(plan, **changes))


def settle(tiktok: Any, events: Any, jobs: Any, timeout: float = 60.0) -> None:
    """Until nothing moves: jobs call TikTok, whose audits send webhooks, whose events queue jobs.
    Quiet is a whole round in which TikTok answered no call and sent no webhook."""

    def activity() -> tuple[int, int]:
        return sum(dict(tiktok.calls).values()), len(tiktok.webhooks)  # a copy: threads add calls

    for _ in range(20):
        before = activity()
        events.drain(timeout=timeout)
        jobs.drain(timeout=timeout)
        assert tiktok.wait_idle(timeout=timeout)  # audits done, their webhooks sent
        if activity() == before:
            events.drain(timeout=timeout)  # what a Shopify webhook of the last round queued
            jobs.drain(timeout=timeout)
            return
    raise AssertionError("the jobs, the events and TikTok did not settle in 20 rounds")


def upload_all(api_url: str, shop: str, tiktok: Any, events: Any, jobs: Any) -> None:
    """Upload every Not Uploaded product through the API and let TikTok's audits settle."""
    merchant_call(api_url, shop, "POST", "/v1/products/upload", json={"all_not_uploaded": True})
    settle(tiktok, events, jobs)


def tiktok_order_line(store: Store, shop: str, sale_price: str = "10.00") -> dict[str, Any]:
    """A TikTok order line for the shop's first product on TikTok (its first variant)."""
    product = next(p for p in store.list_products(shop, None, 10).items if p.tiktok_product_id)
    variant = product.variants[0]
    seller_sku = variant.sku or variant.variant_id
    return {"product_id": product.tiktok_product_id, "seller_sku": seller_sku, "sale_price": sale_price}


def finished_activity(api_url: str, shop: str, activity_id: str) -> dict[str, Any]:
    """The activity as the dashboard lists it once completed (the ongoing ones shown on failure)."""
    listed = merchant_call(api_url, shop, "GET", "/v1/activities", params={"state": "completed"}).json()
    found = [a for a in listed if a["id"] == activity_id]
    assert found, merchant_call(api_url, shop, "GET", "/v1/activities", params={"state": "ongoing"}).json()
    return dict(found[0])


@dataclass
class ConnectedCatalog:
    """A shop connected to both sandboxes, with its Shopify catalog, ready to import."""

    api_url: str
    shop: str
    jobs: Any  # the jobs queue's in-process consumer

    def run_import(self) -> dict[str, Any]:
        """Start an import as the merchant does, let the jobs run out, answer the finished activity."""
        started = merchant_call(self.api_url, self.shop, "POST", "/v1/imports").json()["activity"]
        self.jobs.drain(timeout=300)
        return finished_activity(self.api_url, self.shop, started["id"])


@dataclass
class LocalStack:
    """The local stack around a test's shop, as `make run` has it: the API, the table, both partner
    sandboxes, the events queue consumed by the processor function and the jobs queue consumed by
    the jobs function. ``store`` and ``shop`` are the test's own ``store`` and ``shop`` fixtures."""

    api_url: str
    store: Store
    shop: str
    shopify: ShopifySandbox
    tiktok: TikTokSandbox
    jobs: InProcessQueue
    events: InProcessQueue

    def settle(self) -> None:
        """Every queued job and webhook done, TikTok's audits and their webhooks too (``settle``)."""
        settle(self.tiktok, self.events, self.jobs)

    def merchant_call(self, method: str, path: str, **kwargs: Any) -> Any:
        """An API call of the shop's merchant, as the dashboard page makes it."""
        return merchant_call(self.api_url, self.shop, method, path, **kwargs)

    def upload_all(self) -> None:
        """Upload every Not Uploaded product through the API and let TikTok's audits settle."""
        upload_all(self.api_url, self.shop, self.tiktok, self.events, self.jobs)

    def finished_activity(self, activity_id: str) -> dict[str, Any]:
        """The activity as the dashboard lists it once completed."""
        return finished_activity(self.api_url, self.shop, activity_id)

    def order_line(self, sale_price: str = "10.00", stock: int = 100) -> dict[str, Any]:
        """A TikTok order line for the shop's first product on TikTok, whose variant Shopify holds
        ``stock`` of at its first location (Shopify's orders take their units, obeying its policy)."""
        product = next(p for p in self.store.list_products(self.shop, None, 10).items if p.tiktok_product_id)
        location = self.shopify.locations(self.shop)[0]
        self.shopify.set_available(self.shop, product.variants[0].inventory_item_id or "", location.id, stock)
        self.events.drain()
        self.jobs.drain(timeout=30)
        return tiktok_order_line(self.store, self.shop, sale_price)

    def change_settings(self, **changes: Any) -> dict[str, Any]:
        """Change some settings as the dashboard's form does: read them all, send them all back;
        what was sent."""
        settings = self.merchant_call("GET", "/v1/settings").json()
        for shown in ("warehouses", "locations"):  # what the settings choose from, not settings
            settings.pop(shown)
        settings.update(changes)
        answer = self.merchant_call("PUT", "/v1/settings", json=settings)
        assert answer.status_code == 200, answer.text
        return settings


@dataclass(frozen=True)
class ListingBasics:
    """What a Create Product needs from TikTok for one sandbox shop, read once: an image uploaded
    through Upload Product Image and the shop's default sales warehouse."""

    image_uri: str
    warehouse_id: str

    def product(
        self,
        title: str = "Organic cotton tee",
        *,
        price: str = "19.90",
        seller_sku: str = "TEE-M",
        **changes: Any,
    ) -> NewProduct:
        """A listing TikTok's reference accepts in a US shop: Candles (a leaf of the v2 tree, no
        required attributes), one SKU in the warehouse, a package weight and size."""
        fields: dict[str, Any] = {
            "title": title,
            "description": "<p>A soft tee.</p>",
            "category_id": "600004",
            "category_version": "v2",
            "main_image_uris": (self.image_uri,),
            "skus": (NewSku(seller_sku, price, "USD", (InventoryLevel("", 5, self.warehouse_id),)),),
            "package_weight_value": "0.3",
            "package_dimensions": PackageDimensionsBody("20", "15", "5", "CENTIMETER"),
        }
        return NewProduct(**{**fields, **changes})


def listing_basics(api: Any) -> ListingBasics:
    from local.sandboxes.shopify_images import image_bytes

    image = api.upload_image(image_bytes("png", 800, 800))
    warehouse = next(w for w in api.get_warehouses() if w.for_sales and w.is_default)
    return ListingBasics(image.uri, warehouse.warehouse_id)


def plain_order_draft(lines: list[tuple[int, int, str]], source_identifier: str) -> ShopifyOrderDraft:
    """A plain order of variant lines (variant id, quantity, unit price), stock left as it is."""
    order = {
        "currency": "USD",
        "sourceName": "tiktok",
        "sourceIdentifier": source_identifier,
        "lineItems": [
            {
                "variantId": f"gid://shopify/ProductVariant/{variant}",
                "quantity": quantity,
                "priceSet": {"shopMoney": {"amount": price, "currencyCode": "USD"}},
            }
            for variant, quantity, price in lines
        ],
    }
    total = sum((Decimal(price) * quantity for _, quantity, price in lines), Decimal(0))
    return ShopifyOrderDraft(order, {}, (), source_identifier, "USD", total, total)
