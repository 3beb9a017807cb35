"""A batch's plain product and order changes commit in one transaction; what cannot, one by one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from connector.dal.store import Store
from connector.jobs import Job, JobKind
from connector.processing.applier import Applier, Outcome
from connector.queues import SqsQueue
from connector.wiring import Ports
from functions.processor.handler import lambda_handler_with
from infra.queue_consumers import JOBS, SYNCS
from local.aws_calls import counting_dynamodb
from local.lambda_context import LocalLambdaContext
from local.sqs import AwsProtocolServer, create_queues
from tests.helpers import (
    Harness,
    connected_shop,
    product_body,
    shopify_message,
    sqs_event,
    tiktok_message,
)

pytestmark = pytest.mark.integration


def test_when_one_item_changed_since_it_was_read_its_transaction_commits_nothing(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("1", "Mug", 1000)))
    batch = [  # each moves a counter: one transaction
        shopify_message(shop, "products/delete", {"id": 1}),
        *(shopify_message(shop, "products/create", product_body(str(p), "Cup", 1000)) for p in (2, 3)),
    ]
    applier = Applier(run.ports)
    applier.prefetch(batch)
    run.deliver(shopify_message(shop, "products/update", product_body("1", "Mug v2", 2000)))  # meanwhile

    assert applier.apply_together(batch) == {}
    assert store.get_product(shop, "2") is None  # the transaction wrote nothing

    assert [applier.apply(m) for m in batch] == [Outcome.APPLIED] * 3  # each reads again, on its own
    assert store.get_product(shop, "1").deleted  # type: ignore[union-attr]
    counts = store.status_counts(shop)
    assert counts.products()["not_uploaded"] == 2
    assert counts == store.recount(shop)


def test_an_update_that_moves_no_counter_is_put_alone_and_only_it_is_decided_again(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("1", "Mug", 1000)))
    batch = [
        shopify_message(shop, "products/update", product_body("1", "Mug v3", 3000)),
        *(shopify_message(shop, "products/create", product_body(str(p), "Cup", 1000)) for p in (2, 3)),
    ]
    applier = Applier(run.ports)
    applier.prefetch(batch)
    run.deliver(shopify_message(shop, "products/update", product_body("1", "Mug v2", 2000)))  # meanwhile

    settled = applier.apply_together(batch)
    assert settled == {m.delivery_id: Outcome.APPLIED for m in batch[1:]}

    assert applier.apply(batch[0]) is Outcome.APPLIED  # read again, decided again
    assert store.get_product(shop, "1").title == "Mug v3"  # type: ignore[union-attr]
    counts = store.status_counts(shop)
    assert counts.products()["not_uploaded"] == 3
    assert counts == store.recount(shop)


def test_a_redelivered_batch_is_settled_as_duplicates_without_writes(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    batch = [shopify_message(shop, "products/create", product_body(str(p), "Cup", 1000)) for p in range(1, 6)]
    run.deliver(*batch)

    with counting_dynamodb() as calls:
        assert run.deliver(*batch) == {"batchItemFailures": []}

    assert "TransactWriteItems" not in calls.requests
    assert store.status_counts(shop).products()["not_uploaded"] == 5


def test_the_events_of_one_product_apply_in_their_order_as_one_write(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    batch = [
        shopify_message(shop, "products/create", product_body("1", "Mug", 1000)),
        shopify_message(shop, "products/create", product_body("2", "Cup", 1000)),
        shopify_message(shop, "products/update", product_body("1", "Mug v2", 2000)),
        shopify_message(shop, "products/delete", {"id": 2}),
    ]
    with counting_dynamodb() as calls:
        assert run.deliver(*batch) == {"batchItemFailures": []}

    # Each product's events decided one on another and written once: product 1 moves a counter (a
    # transaction); product 2, created and deleted, moves none (its tombstone is put on its own).
    assert calls.requests["TransactWriteItems"] == 1 and calls.requests["PutItem"] == 1
    assert store.get_product(shop, "1").title == "Mug v2"  # type: ignore[union-attr]
    assert store.get_product(shop, "2").deleted  # type: ignore[union-attr]
    counts = store.status_counts(shop)
    assert counts.products()["total"] == 1
    assert counts == store.recount(shop)


def test_staging_passes_over_job_only_events_and_stops_at_one_whose_order_matters(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop, auto_upload=False)
    order_id = "o-1"
    create = shopify_message(shop, "products/create", product_body("1", "Mug", 1000))
    inventory = shopify_message(
        shop,
        "inventory_levels/update",
        {"inventory_item_id": 9, "location_id": 1, "available": 3, "updated_at": "2026-11-29T10:00:00Z"},
    )
    order = tiktok_message(shop, 1, {"order_id": order_id, "order_status": "UNPAID", "update_time": 5})
    redact = shopify_message(
        shop,
        "customers/redact",
        {"shop_domain": shop, "customer": {"id": 1, "email": "a@example.com"}, "orders_to_redact": []},
    )
    after = shopify_message(shop, "products/create", product_body("2", "Cup", 1000))
    applier = Applier(Harness(store).ports)

    settled = applier.apply_together([create, inventory, order, redact, after])

    assert settled == {
        create.delivery_id: Outcome.APPLIED,
        inventory.delivery_id: Outcome.QUEUED_JOB,  # queued with the batch's other jobs
        order.delivery_id: Outcome.APPLIED,
    }
    assert store.get_product(shop, "1") is not None
    assert store.get_order(shop, order_id) is not None
    assert store.get_product(shop, "2") is None  # left for apply(), after the redaction
    assert store.status_counts(shop) == store.recount(shop)


def test_an_event_that_does_not_apply_is_settled_without_a_write(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/update", product_body("1", "Newer", 2000)))
    older = shopify_message(shop, "products/create", product_body("1", "Older", 1000))
    applier = Applier(run.ports)
    applier.prefetch([older])

    with counting_dynamodb() as calls:
        settled = applier.apply_together([older])

    assert settled == {older.delivery_id: Outcome.STALE}
    assert calls.requests == Counter()
    assert store.get_product(shop, "1").title == "Newer"  # type: ignore[union-attr]


# --- jobs queued once, together ---------------------------------------------------------------


class _Sqs:
    """SQS on its real protocol (moto's server), the jobs queue read back as the jobs function would."""

    def __init__(self, server: AwsProtocolServer) -> None:
        queues = create_queues(server, [JOBS, SYNCS])
        self.client = server.client("sqs")
        self.url = queues["jobs"].url

    def received(self) -> list[Job]:
        jobs: list[Job] = []
        while answer := self.client.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            jobs += [Job.model_validate_json(m["Body"]) for m in answer]
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(answer)]
            self.client.delete_message_batch(QueueUrl=self.url, Entries=entries)
        return jobs


@pytest.fixture(scope="module")
def sqs() -> Iterator[_Sqs]:
    with AwsProtocolServer() as server:
        yield _Sqs(server)


def _stock_levels(shop: str, count: int) -> list[Any]:
    return [
        shopify_message(
            shop,
            "inventory_levels/update",
            {
                "inventory_item_id": 900 + n,
                "location_id": 1,
                "available": n,
                "updated_at": "2026-11-29T10:00:00Z",
            },
        )
        for n in range(count)
    ]


def _deliver(ports: Ports, messages: list[Any]) -> dict[str, Any]:
    return lambda_handler_with(ports, sqs_event(messages), LocalLambdaContext("processor"))


def test_a_batchs_stock_levels_are_looked_up_in_one_read_sent_together_and_marked_in_one_write(
    store: Store, shop: str, sqs: _Sqs
) -> None:
    connected_shop(store, shop, auto_upload=False)
    ports = Ports(store=store, jobs=SqsQueue(sqs.url, sqs.client), sleep=lambda _: None)
    levels = _stock_levels(shop, 9)
    batch = [*levels, levels[0]]  # with a second copy of the first, as SQS may hand over

    with counting_dynamodb() as calls:
        assert _deliver(ports, batch) == {"batchItemFailures": []}

    # One job a delivery; the copy is a duplicate, applied on its own after the first was marked
    jobs = sqs.received()
    assert sorted(job.params["inventory_item_id"] for job in jobs) == [str(900 + n) for n in range(9)]
    assert {job.kind for job in jobs} == {JobKind.INVENTORY_SYNC}
    assert calls.requests["SendMessageBatch"] == 1 and calls.requests["SendMessage"] == 0
    assert calls.requests["BatchWriteItem"] == 1 and calls.requests["PutItem"] == 0
    assert calls.requests["GetItem"] == 1  # the copy's own look at its delivery, which it finds

    # When the whole batch comes again (a redrive), nothing is queued again
    with counting_dynamodb() as calls:
        assert _deliver(ports, levels) == {"batchItemFailures": []}
    assert sqs.received() == []
    assert calls.requests["SendMessageBatch"] == calls.requests["BatchWriteItem"] == 0


def test_a_job_sqs_refuses_in_a_batch_is_sent_on_its_own_and_the_rest_once(
    store: Store, shop: str, sqs: _Sqs
) -> None:
    connected_shop(store, shop, auto_upload=False)

    class RefusingTheThird:
        """The queue's client, but SQS refuses one entry of each batch (as it may, throttled)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(sqs.client, name)

        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            refused, sent = Entries[2], Entries[:2] + Entries[3:]
            answer = sqs.client.send_message_batch(QueueUrl=QueueUrl, Entries=sent)
            error = {"Id": refused["Id"], "SenderFault": False, "Code": "InternalError", "Message": "busy"}
            return {**answer, "Failed": [error]}

    ports = Ports(store=store, jobs=SqsQueue(sqs.url, RefusingTheThird()), sleep=lambda _: None)
    levels = _stock_levels(shop, 5)

    with counting_dynamodb() as calls:
        assert _deliver(ports, levels) == {"batchItemFailures": []}

    jobs = sqs.received()
    assert sorted(job.params["inventory_item_id"] for job in jobs) == [str(900 + n) for n in range(5)]
    assert calls.requests["SendMessage"] == 1  # the refused one, on its own
    # And none goes again when the batch is redelivered: each delivery was marked once sent
    assert _deliver(ports, levels) == {"batchItemFailures": []}
    assert sqs.received() == []
