"""The queues as deployed: SQS and S3 over their real protocol (moto's server), sent to by the shipped
botocore code, consumed by the processor and jobs functions through the event-source-mapping loop
with the stack's batch sizes, redrive policy and partial batch failures."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connector.dal.store import Store
from connector.queues import MAX_MESSAGE_BYTES, POINTER_CLASS
from connector.settings import Settings
from connector.wiring import Ports, process_ports, use_process_ports
from functions.jobs.handler import lambda_handler as jobs_function
from functions.processor.handler import lambda_handler as processor
from infra.queue_consumers import EVENTS, JOBS, SYNCS
from local.events import shopify_request
from local.sqs import BODIES_BUCKET, AwsProtocolServer, EventSourceMapping, create_queues
from local.sqs import environment as sqs_environment
from tests.helpers import ConnectedCatalog, connected_shop, provision_connected, shopify_message

pytestmark = pytest.mark.integration
# The stack's is minutes; here a failed record is back in seconds (above the 1 s batching window).
VISIBILITY_SECONDS = 3


@dataclass(frozen=True)
class Deployed:
    server: AwsProtocolServer
    events: EventSourceMapping
    jobs: EventSourceMapping
    syncs: EventSourceMapping
    delivered: list[str]  # every body the events mapping handed the processor, in order

    def stored_bodies(self) -> list[str]:
        listed = self.server.client("s3").list_objects_v2(Bucket=BODIES_BUCKET)
        return [item["Key"] for item in listed.get("Contents", [])]


@pytest.fixture(scope="module")
def deployed(api_url: str) -> Iterator[Deployed]:
    """The stack's queues on the protocol server; this process's ports built, as on Lambda, from the
    environment that names them (queue URLs, bucket, endpoints)."""
    previous, monkeypatch = process_ports(), pytest.MonkeyPatch()
    with AwsProtocolServer() as server:
        queues = create_queues(server, [EVENTS, JOBS, SYNCS], visibility_timeout=VISIBILITY_SECONDS)
        try:
            for name, value in sqs_environment(server, queues).items():
                monkeypatch.setenv(name, value)
            use_process_ports(Ports(Settings.from_environ()))
            delivered: list[str] = []

            def recorded(event: dict[str, Any], context: Any) -> dict[str, Any]:
                delivered.extend(record["body"] for record in event["Records"])
                return processor(event, context)

            with (
                EventSourceMapping(queues["events"], EVENTS, recorded, server) as events,
                EventSourceMapping(queues["jobs"], JOBS, jobs_function, server) as jobs,
                EventSourceMapping(queues["syncs"], SYNCS, jobs_function, server) as syncs,
            ):
                try:
                    yield Deployed(server, events, jobs, syncs, delivered)
                finally:
                    for mapping in (events, jobs, syncs):  # their long polls wind down together
                        mapping.stopping()
        finally:
            use_process_ports(previous)
            previous.bind_table()
            monkeypatch.undo()


def _big_product_update(shop: str, variants: int) -> tuple[Any, dict[str, Any]]:
    """products/update of a product with hundreds of variants, every field Shopify's REST payload
    carries (most of which the processor never reads)."""
    body = json.loads(shopify_request("products-update").body)
    product_id = body["id"]
    body["body_html"] = "<p>" + "Hand-finished linen, washed soft. " * 5000 + "</p>"
    body["options"] = [{"name": "Size", "values": [f"S{n}" for n in range(variants)]}]
    body["variants"] = [
        {
            "id": 46000000000000000 + n,
            "admin_graphql_api_id": f"gid://shopify/ProductVariant/{46000000000000000 + n}",
            "product_id": product_id,
            "title": f"S{n}",
            "sku": f"LSS-{n}",
            "price": "39.90",
            "compare_at_price": "49.90",
            "option1": f"S{n}",
            "inventory_item_id": 48000000000000000 + n,
            "inventory_quantity": n % 17,
            "old_inventory_quantity": n % 17,
            "inventory_policy": "deny",
            "inventory_management": "shopify",
            "fulfillment_service": "manual",
            "requires_shipping": True,
            "taxable": True,
            "barcode": f"0{n:012d}",
            "grams": 250,
            "weight": 0.25,
            "weight_unit": "kg",
            "position": n + 1,
            "created_at": "2026-11-26T10:00:00-05:00",
            "updated_at": "2026-11-26T10:00:00-05:00",
            "presentment_prices": [
                {"price": {"amount": "39.90", "currency_code": c}, "compare_at_price": None}
                for c in ("USD", "CAD", "EUR", "GBP", "AUD", "JPY", "MXN")
            ],
            "metafields": [{"namespace": "custom", "key": "care", "value": "Machine wash cold " * 40}],
        }
        for n in range(variants)
    ]
    body["images"] = [
        {
            "id": 3000 + n,
            "src": f"https://cdn.shopify.com/s/files/demo/linen-{n}.jpg",
            "position": n + 1,
            "alt": "Linen shirt, front view, natural light",
            "variant_ids": [46000000000000000 + v for v in range(n * 2, n * 2 + 2)],
        }
        for n in range(200)
    ]
    return shopify_request("products-update", body=body, **{"X-Shopify-Shop-Domain": shop}), body


def test_a_2mb_signed_products_update_is_acknowledged_and_applied_through_a_pointer(
    deployed: Deployed, api_url: str, store: Store, shop: str
) -> None:
    connected_shop(store, shop)
    request, body = _big_product_update(shop, variants=900)
    assert len(request.body) > 2_000_000

    answer = request.post(api_url)
    deployed.events.drain()

    assert answer.status_code == 200, answer.text
    product = store.get_product(shop, str(body["id"]))
    assert product is not None and len(product.variants) == 900
    assert product.description.startswith("<p>Hand-finished linen")
    assert len(deployed.stored_bodies()) >= 1  # the trimmed body was still past a message's size
    delivered = deployed.delivered
    assert delivered and all(len(m.encode()) <= MAX_MESSAGE_BYTES for m in delivered)
    assert any(m.startswith(f'["{POINTER_CLASS}"') for m in delivered)


ADDRESS = {
    "first_name": "Avery",
    "last_name": "Quillfeather",
    "address1": "742 Evergreen Terrace",
    "city": "Springfield",
    "zip": "49007",
    "phone": "+1 555 0100 742",
}


def test_no_queued_message_holds_a_customers_address_or_contact(
    deployed: Deployed, api_url: str, store: Store, shop: str
) -> None:
    connected_shop(store, shop)
    fulfilled = json.loads(shopify_request("orders-fulfilled").body)
    fulfilled |= {
        "email": "avery@example.com",
        "shipping_address": ADDRESS,
        "billing_address": ADDRESS,
        "customer": {"id": 77, "email": "avery@example.com", "default_address": ADDRESS},
    }
    shipped = json.loads(shopify_request("fulfillments-create").body) | {"destination": ADDRESS}
    redact = json.loads(shopify_request("customers-redact").body)
    redact["shop_domain"] = shop
    redact["customer"] |= {"email": "avery@example.com", "phone": ADDRESS["phone"]}
    before = len(deployed.delivered)
    for topic, body in (
        ("orders-fulfilled", fulfilled),
        ("fulfillments-create", shipped),
        ("customers-redact", redact),
    ):
        answer = shopify_request(topic, body=body, **{"X-Shopify-Shop-Domain": shop}).post(api_url)
        assert answer.status_code == 200, answer.text
    deployed.events.drain()

    queued = deployed.delivered[before:]
    assert len(queued) == 3
    personal = [*ADDRESS.values(), "avery@example.com"]
    assert [value for message in queued for value in personal if value in message] == []


def test_a_poison_message_reaches_the_dead_letter_queue_after_max_receives_alone(
    deployed: Deployed, api_url: str, store: Store, shop: str
) -> None:
    connected_shop(store, shop)
    poison = f"not a webhook {uuid.uuid4()}"
    process_ports().events.send(poison)
    good = shopify_request("products-create", **{"X-Shopify-Shop-Domain": shop}).post(api_url)
    assert good.status_code == 200

    deadline = time.monotonic() + 60
    while poison not in deployed.events.dead_letters:
        assert time.monotonic() < deadline, "the poison message never reached the dead-letter queue"
        time.sleep(0.2)
    deployed.events.drain()

    deliveries = deployed.delivered
    assert deliveries.count(poison) == EVENTS.max_receives  # then SQS's redrive moved it
    assert sum(1 for m in deliveries if shop in m and "products/create" in m) == 1  # not retried with it
    assert store.get_product(shop, "8001234567890123456") is not None


def test_an_import_runs_through_the_jobs_queue_and_function(
    deployed: Deployed,
    api_url: str,
    store: Store,
    shop: str,
    tiktok_partner: Any,
    shopify_partner: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shopify_partner, "products_per_shop", 30)
    provision_connected(api_url, store, shop, tiktok_partner)
    invocations = deployed.jobs.invocations

    done = ConnectedCatalog(api_url, shop, deployed.jobs).run_import()

    assert (done["total"], done["succeeded"], done["failed"]) == (30, 30, 0)
    assert deployed.jobs.invocations > invocations


def test_a_delayed_message_waits_its_delay(deployed: Deployed, store: Store, shop: str) -> None:
    connected_shop(store, shop)
    body = json.loads(shopify_request("products-create").body)
    message = shopify_message(shop, "products/create", body)
    sent_at = time.monotonic()

    process_ports().events.send(message.model_dump_json(), delay_seconds=2)
    while store.get_product(shop, str(body["id"])) is None:
        assert time.monotonic() - sent_at < 30, "the delayed message never arrived"
        time.sleep(0.1)

    assert time.monotonic() - sent_at >= 2
