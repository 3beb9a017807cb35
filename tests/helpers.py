"""Builders shared by the tests: connected shops, queued messages, table snapshots."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from connector.dal import keys
from connector.dal.store import Store
from connector.domain.entities import InstallState, Plan, Shop, SyncSettings, TikTokConnection
from connector.jobs import Job
from connector.processing.applier import Ports
from connector.webhooks.message import QueuedWebhook, Source
from functions.processor.handler import lambda_handler_with
from local.lambda_context import LocalLambdaContext


def forget_cached_configuration() -> None:
    """Drop every per-process cache built from the environment (settings, clients, store)."""
    from connector.clients.shopify.admin import shopify_client_from_settings
    from connector.clients.tiktok.auth import tiktok_client_from_settings
    from connector.dal import factory
    from connector.processing.tiktok_products import tiktok_product_status_reader

    factory.reset()
    for cached in (shopify_client_from_settings, tiktok_client_from_settings, tiktok_product_status_reader):
        cached.cache_clear()


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
    store.commit_plan(Plan(shop, "free", billing_date=date(2026, 12, 26), cycle_started=date(2026, 11, 26)))
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

    def status_of(self, shop: Any, tiktok_product_id: str, since: int = 0) -> tuple[str | None, str | None]:
        self.asked.append(tiktok_product_id)
        return self.answers[tiktok_product_id]


class Harness:
    def __init__(self, store: Store, products: FakeTikTokProducts | None = None) -> None:
        self.jobs: list[Job] = []
        self.ports = Ports(
            store=store, enqueue_job=self.jobs.append, tiktok_products=products, sleep=lambda _: None
        )

    def deliver(self, *messages: Any, receive_count: int = 1) -> dict[str, Any]:
        event = sqs_event(list(messages), receive_count)
        try:
            return lambda_handler_with(self.ports, event, LocalLambdaContext("processor"))
        except BatchProcessingError:  # Powertools raises when every record failed: all go back
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


def connect_to_sandbox(store: Store, shop: str, sandbox: Any) -> tuple[str, Any]:
    """Link a shop to a new shop of the TikTok sandbox, as the OAuth callback would; returns the
    TikTok shop id and the grant."""
    from connector.connections import connect_tiktok
    from connector.crypto import token_cipher

    grant = sandbox.issue_token(sandbox.add_shop(name=shop).shop_id)
    profile = store.get_shop(shop) or Shop(domain=shop, install_state=InstallState.INSTALLED)
    connect_tiktok(
        store,
        token_cipher(),
        profile,
        tiktok_shop_id=grant.shop_id,
        shop_cipher=grant.shop_cipher,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        access_token_expires_at=grant.access_token_expire_in,
    )
    return grant.shop_id, grant


def merchant_call(api_url: str, shop: str, method: str, path: str, **kwargs: Any) -> Any:
    """An API call with a fresh session token of ``shop``, as the dashboard page makes it."""
    import time

    import jwt
    import requests

    from local.dynamodb import LOCAL_APP_CONFIG

    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": LOCAL_APP_CONFIG["SHOPIFY_API_KEY"],
        "exp": now + 60,
        "nbf": now - 1,
    }
    token = jwt.encode(claims, LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"], algorithm="HS256")
    return requests.request(
        method, api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30, **kwargs
    )


def provision_connected(api_url: str, store: Store, shop: str, tiktok: Any) -> None:
    """Provision the shop through the API, link it to the TikTok sandbox, and give it the biggest
    plan so that quotas do not get in the way of what a test is about."""
    assert merchant_call(api_url, shop, "GET", "/v1/dashboard").status_code == 200
    connect_to_sandbox(store, shop, tiktok)
    plan = store.get_plan(shop)
    assert plan is not None
    store.commit_plan(replace(plan, name="growth_plus"))


def upload_all(api_url: str, shop: str, tiktok: Any, events: Any, jobs: Any) -> None:
    """Upload every Not Uploaded product through the API and let TikTok's audits settle."""
    merchant_call(api_url, shop, "POST", "/v1/products/upload", json={"all_not_uploaded": True})
    jobs.drain(timeout=60)
    assert tiktok.wait_idle()  # audits done, their webhooks sent
    events.drain()


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
