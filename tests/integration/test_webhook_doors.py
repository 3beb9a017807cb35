"""Both webhook doors over HTTP: signatures, malformed input, shop checks, and what gets queued."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

import pytest
import requests

from connector.dal.store import Store
from connector.domain.entities import InstallState, Shop
from connector.jobs import JobKind
from connector.observability import metrics
from connector.webhooks.message import QueuedWebhook
from connector.webhooks.signatures import shopify_signature
from connector.wiring import process_ports
from functions.shopify_webhook.handler import lambda_handler as shopify_handler
from local.dynamodb import LOCAL_APP_CONFIG
from local.events import load, shopify_request, tiktok_request
from local.lambda_context import LocalLambdaContext
from local.queue import InProcessQueue, RecordingQueue
from tests.helpers import Harness, JobRecorder, connected_shop, process_ports_with, shop_items

pytestmark = pytest.mark.integration
SHOPIFY_SECRET = LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"]


def _for_shop(shop: str, topic_file: str = "products-create", **kwargs):  # type: ignore[no-untyped-def]
    return shopify_request(topic_file, **{"X-Shopify-Shop-Domain": shop}, **kwargs)


def test_signature_matrix_and_nothing_written_on_rejection(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    connected_shop(store, shop)
    before = shop_items(shop)
    valid = _for_shop(shop)

    flipped = bytearray(valid.body)
    flipped[10] ^= 0x01
    tampered = requests.post(api_url + valid.path, data=bytes(flipped), headers=valid.headers, timeout=10)
    wrong_secret = _for_shop(shop, secret="not-the-secret").post(api_url)
    missing = requests.post(
        api_url + valid.path,
        data=valid.body,
        headers={k: v for k, v in valid.headers.items() if k != "X-Shopify-Hmac-Sha256"},
        timeout=10,
    )
    empty_headers = {**valid.headers, "X-Shopify-Hmac-Sha256": shopify_signature(b"", SHOPIFY_SECRET)}
    empty_signed = requests.post(api_url + valid.path, data=b"", headers=empty_headers, timeout=10)
    events_queue.drain()

    assert [tampered.status_code, wrong_secret.status_code, missing.status_code] == [401, 401, 401]
    assert tampered.json()["error"]["code"] == "invalid_signature"
    assert empty_signed.status_code == 400
    assert empty_signed.json()["error"] == {"code": "malformed_webhook", "message": "body is empty"}
    assert shop_items(shop) == before

    accepted = valid.post(api_url)
    events_queue.drain()
    assert accepted.status_code == 200
    assert accepted.json() == {"status": "queued"}
    assert store.get_product(shop, "8001234567890123456") is not None


def test_header_names_are_case_insensitive(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    connected_shop(store, shop)
    request = _for_shop(shop)
    lowered = {k.lower(): v for k, v in request.headers.items()}
    response = requests.post(api_url + request.path, data=request.body, headers=lowered, timeout=10)
    assert response.status_code == 200


def test_base64_encoded_body_from_its_function_url_is_verified_on_its_bytes(
    store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    connected_shop(store, shop)
    event = _for_shop(shop).door_event()
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    response = shopify_handler(event, LocalLambdaContext("shopify_webhook"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "queued"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_door_answers_405_to_anything_but_a_post_and_queues_nothing(
    store: Store, shop: str, method: str
) -> None:
    # A function URL hands its function every method (a gateway route took only POST)
    from functions.tiktok_webhook.handler import lambda_handler as tiktok_handler

    connected_shop(store, shop)
    queued = RecordingQueue()
    with process_ports_with(events=queued):
        for handler, request in (
            (shopify_handler, _for_shop(shop)),
            (tiktok_handler, tiktok_request("type-1")),
        ):
            event = request.door_event()  # signed as a delivery, but not sent as one
            assert handler(event, LocalLambdaContext("door"))["statusCode"] == 200  # as a POST
            event["requestContext"]["http"]["method"] = method
            response = handler(event, LocalLambdaContext("door"))
            assert (response["statusCode"], response["headers"]["Allow"]) == (405, "POST")
            assert json.loads(response["body"])["error"]["code"] == "method_not_allowed"
    assert len(queued.messages) == 2  # the two POSTs only


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'{"id": 1}', "products/create payload: title: Field required; updated_at: Field required"),
    ],
)
def test_malformed_bodies_get_400_naming_the_problem(
    api_url: str, shop: str, body: bytes, message: str
) -> None:
    request = _for_shop(shop)
    from connector.webhooks.signatures import shopify_signature

    headers = {
        **request.headers,
        "X-Shopify-Hmac-Sha256": shopify_signature(body, SHOPIFY_SECRET),
    }
    response = requests.post(api_url + request.path, data=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_missing_topic_or_bad_shop_domain_is_400(api_url: str) -> None:
    no_topic = shopify_request("products-create")
    headers = {k: v for k, v in no_topic.headers.items() if k != "X-Shopify-Topic"}
    assert (
        requests.post(api_url + no_topic.path, data=no_topic.body, headers=headers, timeout=10).status_code
        == 400
    )
    bad_shop = shopify_request("products-create", **{"X-Shopify-Shop-Domain": "evil.example.com"})
    assert bad_shop.post(api_url).status_code == 400


def _counted(*messages: str) -> dict[str, float]:
    """The processor's metrics from applying what a door queued (counted, not yet flushed)."""
    metrics.clear_metrics()
    Harness(process_ports().store).deliver(*(QueuedWebhook.model_validate_json(m) for m in messages))
    counted = {name: sum(metric["Value"]) for name, metric in metrics.metric_set.items()}
    metrics.clear_metrics()
    return counted


def test_unknown_and_uninstalled_shops_are_queued_then_ignored_and_counted_unsubscribed_is_not_queued(
    api_url: str, store: Store, shop: str
) -> None:
    """The door reads no table: it queues a verified delivery of any shop, and the processor ignores
    those of unknown and uninstalled shops (counted under the door's metric) and writes nothing."""
    store.save_shop(Shop(domain=shop, install_state=InstallState.UNINSTALLED))
    queued = RecordingQueue()
    with process_ports_with(events=queued):
        unknown = _for_shop("never-installed.myshopify.com", **{"X-Shopify-Event-Id": "1"}).post(api_url)
        gone = _for_shop(shop, **{"X-Shopify-Event-Id": "2"}).post(api_url)
        unsubscribed = _for_shop(shop, **{"X-Shopify-Topic": "carts/update"}).post(api_url)
    before = shop_items(shop)

    counted = _counted(*queued.messages)

    assert [r.json() for r in (unknown, gone, unsubscribed)] == [
        {"status": "queued"},
        {"status": "queued"},
        {"status": "unsubscribed"},
    ]
    assert len(queued.messages) == 2
    assert counted["ShopifyWebhook_unknown_shop"] == 1
    assert counted["ShopifyWebhook_uninstalled_shop"] == 1
    assert counted["Applied_ignored"] == 2
    assert shop_items(shop) == before
    assert store.get_product(shop, "8001234567890123456") is None


def test_privacy_topics_are_still_honoured_after_uninstall(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    store.save_shop(Shop(domain=shop, install_state=InstallState.UNINSTALLED))
    body = {**load("webhooks/shopify/shop-redact.json")["body"], "shop_domain": shop}
    response = _for_shop(shop, "shop-redact", body=body).post(api_url)
    events_queue.drain()
    assert response.json() == {"status": "queued"}
    assert shop_items(shop) == []


@pytest.mark.parametrize(
    ("topic_file", "shop_field"),
    [
        ("shop-redact", "shop_domain"),
        ("customers-redact", "shop_domain"),
        ("customers-data_request", "shop_domain"),
        ("app-uninstalled", "myshopify_domain"),
    ],
)
def test_a_signed_body_replayed_for_another_shop_is_refused_and_erases_nothing(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue, topic_file: str, shop_field: str
) -> None:
    """Given a shop, and another shop's genuinely signed erasing webhook (the HMAC covers the body,
    not the headers), when the body is replayed with this shop's X-Shopify-Shop-Domain, then it is
    refused with 401 and nothing of the shop is erased or uninstalled."""
    connected_shop(store, shop)
    _for_shop(shop).post(api_url)  # a product, so that an erasure would show
    events_queue.drain()
    before = shop_items(shop)
    other_body = {**load(f"webhooks/shopify/{topic_file}.json")["body"], shop_field: "attacker.myshopify.com"}

    replayed = _for_shop(shop, topic_file, body=other_body).post(api_url)
    events_queue.drain()

    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "invalid_signature"
    assert shop_items(shop) == before
    own = _for_shop(shop, topic_file, body={**other_body, shop_field: shop}).post(api_url)
    assert own.status_code == 200


def test_duplicate_delivery_answers_200_and_applies_once(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    connected_shop(store, shop)
    request = _for_shop(shop)
    first, second = request.post(api_url), request.post(api_url)
    events_queue.drain()
    assert (first.status_code, second.status_code) == (200, 200)
    assert store.status_counts(shop).products()["not_uploaded"] == 1
    assert store.status_counts(shop) == store.recount(shop)


def test_tiktok_signature_matrix(api_url: str, store: Store, shop: str, events_queue: InProcessQueue) -> None:
    tiktok_shop_id = connected_shop(store, shop)
    body = {**load("webhooks/tiktok/type-1.json")["body"], "shop_id": tiktok_shop_id}
    valid = tiktok_request("type-1", body=body)
    before = shop_items(shop)

    flipped = bytearray(valid.body)
    flipped[-3] ^= 0x01
    tampered = requests.post(api_url + valid.path, data=bytes(flipped), headers=valid.headers, timeout=10)
    wrong = tiktok_request("type-1", body=body, secret="wrong").post(api_url)
    missing = requests.post(
        api_url + valid.path, data=valid.body, headers={"Content-Type": "application/json"}, timeout=10
    )
    assert [tampered.status_code, wrong.status_code, missing.status_code] == [401, 401, 401]
    assert shop_items(shop) == before

    ok = valid.post(api_url)
    events_queue.drain()
    assert ok.json() == {"status": "queued"}
    order = store.get_order(shop, "576486316948490001")
    assert order is not None and order.status == "awaiting_shipment"


def test_tiktok_unknown_shop_is_queued_then_ignored_and_unsubscribed_type_is_not_queued(
    api_url: str, store: Store, shop: str
) -> None:
    tiktok_shop_id = connected_shop(store, shop)
    other_type = {
        "type": 99,
        "tts_notification_id": "1",
        "shop_id": tiktok_shop_id,
        "timestamp": 1,
        "data": {},
    }
    queued = RecordingQueue()
    with process_ports_with(events=queued):
        body = {**load("webhooks/tiktok/type-1.json")["body"], "shop_id": "404"}
        unknown = tiktok_request("type-1", body=body).post(api_url)
        unsubscribed = tiktok_request("type-1", body=other_type).post(api_url)

    assert (unknown.json(), unsubscribed.json()) == ({"status": "queued"}, {"status": "unsubscribed"})
    assert _counted(*queued.messages) == {
        "TikTokWebhook_queued": 1,  # counted as the processor first takes it
        "TikTokWebhook_unknown_shop": 1,
        "Applied_ignored": 1,
    }


def test_tiktok_body_without_required_fields_is_400(api_url: str) -> None:
    response = tiktok_request("type-1", body={"type": 1, "data": {}}).post(api_url)
    assert response.status_code == 400
    assert "shop_id" in response.json()["error"]["message"]


def test_eventbridge_door_uses_the_same_parser_and_queue(
    store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    connected_shop(store, shop)
    event = load("eventbridge/shopify-products-update.json")
    event["detail"]["metadata"]["X-Shopify-Shop-Domain"] = shop
    result = shopify_handler(event, LocalLambdaContext("shopify_webhook"))
    events_queue.drain()
    assert result == {"status": "queued"}
    product = store.get_product(shop, "8001234567890123456")
    assert product is not None and product.title == "Linen Summer Shirt (new season)"


def _shipments_queued(api_url: str, shop: str, events_queue: InProcessQueue, send: Callable[[], None]) -> int:
    """How many ship-package jobs the deliveries ``send`` makes lead to."""
    jobs = JobRecorder()
    with process_ports_with(jobs=jobs):
        send()
        events_queue.drain()
    return len([job for job in jobs.jobs if job.kind is JobKind.SHIP_PACKAGE])


def test_one_shopify_event_through_both_doors_twice_each_applies_once(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    """Given one Shopify event, delivered to two subscriptions (the HTTPS door and the EventBridge
    door, each with its own webhook id) and redelivered to each, when all four arrive, then one is
    applied: the dedupe key is the event's id (X-Shopify-Event-Id), not the webhook's."""
    connected_shop(store, shop)
    sample = load("webhooks/shopify/fulfillments-create.json")
    event_id = str(uuid.uuid4())
    headers = {**sample["headers"], "X-Shopify-Shop-Domain": shop, "X-Shopify-Event-Id": event_id}
    bridged = {
        **load("eventbridge/shopify-products-update.json"),
        "detail": {
            "metadata": {**headers, "X-Shopify-Webhook-Id": str(uuid.uuid4())},
            "payload": sample["body"],
        },
    }

    def deliver() -> None:
        for _ in range(2):
            https = _for_shop(shop, "fulfillments-create", **{"X-Shopify-Event-Id": event_id})
            assert https.post(api_url).status_code == 200
            assert shopify_handler(bridged, LocalLambdaContext("shopify_webhook")) == {"status": "queued"}

    assert _shipments_queued(api_url, shop, events_queue, deliver) == 1


def test_a_fulfilment_told_by_two_topics_of_one_event_applies_once(
    api_url: str, store: Store, shop: str, events_queue: InProcessQueue
) -> None:
    """orders/fulfilled and fulfillments/create of one event mean the same work (ship the TikTok
    package): the second is a duplicate of the first."""
    connected_shop(store, shop)
    event_id = str(uuid.uuid4())

    def deliver() -> None:
        for topic_file in ("orders-fulfilled", "fulfillments-create", "orders-fulfilled"):
            headers = {"X-Shopify-Event-Id": event_id, "X-Shopify-Webhook-Id": str(uuid.uuid4())}
            assert _for_shop(shop, topic_file, **headers).post(api_url).status_code == 200

    assert _shipments_queued(api_url, shop, events_queue, deliver) == 1
