"""Concurrency, faults and cost of the processor, on DynamoDB Local."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connector.dal.store import CommitOutcome, Store, VersionedWrite
from connector.domain.deliveries import delivery_digest
from connector.domain.entities import Plan
from connector.webhooks.message import QueuedWebhook
from connector.wiring import Ports
from functions.processor.handler import lambda_handler_with
from local.aws_calls import counting_dynamodb
from local.queue import InProcessQueue, RecordingQueue
from tests.helpers import (
    Harness,
    at_once,
    connected_shop,
    product_body,
    shopify_message,
    tiktok_message,
)

pytestmark = pytest.mark.integration

ORDER_PATH = ["UNPAID", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "COMPLETED"]


def _storm(shop: str, products: int, orders: int) -> list[QueuedWebhook]:
    """Creates, updates and deletes of products and full order lifecycles, interleaved."""
    per_product = [
        [
            shopify_message(shop, "products/create", product_body(str(p), "v1", 100)),
            shopify_message(shop, "products/update", product_body(str(p), "v2", 200)),
            *([shopify_message(shop, "products/delete", {"id": p})] if p % 4 == 0 else []),
        ]
        for p in range(1, products + 1)
    ]
    per_order = [
        [
            tiktok_message(
                shop, 1, {"order_id": f"o{o}", "order_status": status, "update_time": 10 * (i + 1)}
            )
            for i, status in enumerate(ORDER_PATH[: 1 + o % len(ORDER_PATH)])
        ]
        for o in range(orders)
    ]
    streams = per_product + per_order
    return [m for group in itertools.zip_longest(*streams) for m in group if m is not None]


def test_eight_threads_and_2000_events_leave_counters_equal_to_a_recount(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    events = _storm(shop, products=400, orders=400)[:2000]
    assert len(events) == 2000
    lanes = [events[i::8] for i in range(8)]

    def worker(lane: list[QueuedWebhook]) -> None:
        run = Harness(store)
        pending = lane
        while pending:
            failed = []
            for start in range(0, len(pending), 10):
                chunk = pending[start : start + 10]
                ids = {f["itemIdentifier"] for f in run.deliver(*chunk)["batchItemFailures"]}
                failed += [m for i, m in enumerate(chunk) if f"m-{i}-{m.delivery_id}" in ids]
            pending = failed

    errors = at_once([lambda lane=lane: worker(lane) for lane in lanes])

    assert errors == []
    counts = store.status_counts(shop)
    assert counts == store.recount(shop)
    assert counts.products()["total"] == sum(1 for e in events if e.topic == "products/create") - sum(
        1 for e in events if e.topic == "products/delete"
    )


class FlakyStore:
    """The real store, but the first commit of some deliveries fails like DynamoDB failing, and
    every transaction that would commit one of them with others fails as the store reports it."""

    def __init__(self, store: Store, fail_once: set[str]) -> None:
        self._store = store
        self._fail_once = set(fail_once)
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _failing(self, write: VersionedWrite) -> str | None:
        """The failing delivery this write records (the last the item holds), if it is one."""
        recorded = write.entity.deliveries[-1:] if not isinstance(write.entity, Plan) else ()
        return next((d for d in recorded if d in self._fail_once), None)

    def commit(self, write: VersionedWrite) -> CommitOutcome:
        failing = self._failing(write)
        if failing is not None:
            self._fail_once.discard(failing)
            self.failures += 1
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "PutItem")
        return self._store.commit(write)

    def commit_together(self, writes: list[VersionedWrite]) -> list[bool]:
        if any(self._failing(w) is not None for w in writes):
            return [False] * len(writes)
        return self._store.commit_together(writes)


def test_records_failing_mid_batch_are_redelivered_and_applied_exactly_once(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    messages = [
        shopify_message(shop, "products/create", product_body(str(p), "x", 100)) for p in range(1, 31)
    ]
    failing = {delivery_digest(m.source.value, m.delivery_id) for m in messages[3::7]}
    flaky = FlakyStore(store, failing)
    responses: list[dict[str, Any]] = []

    def consumer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        ports = Ports(store=flaky, jobs=RecordingQueue(), sleep=lambda _: None)
        response = lambda_handler_with(ports, event, context)
        responses.append(response)
        return response

    queue = InProcessQueue("events-flaky", consumer, retry_delay=0.01).start()
    try:
        for message in messages + messages[:5]:  # and some duplicates
            queue.send(message.model_dump_json())
        queue.drain()
    finally:
        queue.stop()

    reported = sum(len(r["batchItemFailures"]) for r in responses)
    assert flaky.failures == len(failing) == 4
    assert reported == len(failing)  # each failing record reported alone, its batch-mates applied
    assert queue.dead_letters == []
    assert store.status_counts(shop).products()["not_uploaded"] == 30
    assert store.status_counts(shop) == store.recount(shop)


def test_a_record_that_always_fails_ends_in_the_dead_letter_queue(store: Store, shop: str) -> None:
    connected_shop(store, shop)
    poison = tiktok_message(shop, 11, {"order_id": "never", "cancel_status": "CANCELLATION_REQUEST_PENDING"})
    queue = InProcessQueue(
        "events-dlq",
        lambda event, context: lambda_handler_with(
            Ports(store=store, jobs=RecordingQueue(), sleep=lambda _: None), event, context
        ),
        max_receives=3,
        retry_delay=0.01,
    ).start()
    try:
        queue.send(poison.model_dump_json())
        queue.drain()
    finally:
        queue.stop()
    assert [json.loads(body)["delivery_id"] for body in queue.dead_letters] == [poison.delivery_id]


# The figure the README states: DynamoDB requests per applied event, in batches of 10.
REQUESTS_PER_APPLIED_EVENT = 0.2


def test_dynamodb_requests_per_applied_event_stay_within_the_stated_budget(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    products = [
        shopify_message(shop, "products/create", product_body(str(p), "x", 100)) for p in range(1, 51)
    ]
    orders = [
        tiktok_message(shop, 1, {"order_id": f"o{o}", "order_status": "AWAITING_SHIPMENT", "update_time": 5})
        for o in range(50)
    ]
    run = Harness(store)
    with counting_dynamodb() as calls:
        for start in range(0, 100, 10):
            run.deliver(*(products + orders)[start : start + 10])

    applied = 100
    assert calls.requests["TransactWriteItems"] == 10  # one per batch
    assert sum(calls.requests.values()) / applied <= REQUESTS_PER_APPLIED_EVENT, dict(calls.requests)
    assert store.status_counts(shop) == store.recount(shop)
