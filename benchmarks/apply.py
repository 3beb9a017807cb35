"""Apply: events applied per second by the processor (batches of 10, with dedupe, ordering guard and
counters) on DynamoDB Local against raw single-item PutItem per second on the same DynamoDB Local;
plus DynamoDB requests and write units per applied event."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from typing import Any

from benchmarks.common import Figure, interleaved, local_table, median, quiet_logs, run_as_script, timed
from connector.webhooks.message import QueuedWebhook
from local.aws_calls import counting_dynamodb

BATCH = 10
TARGET = (">=", 0.5)
# What tests/integration/test_apply_under_load.py holds new products and orders to, per applied
# event in batches of 10; a change that moves nothing but its item is put on its own (store.commit).
TESTED_REQUESTS = 0.2


def batches(shop: str) -> Iterator[list[QueuedWebhook]]:
    """Batches of 10 distinct items: 4 new products, 3 updates of the previous batch's products,
    3 orders (created unpaid in one batch, moved to awaiting shipment in the next)."""
    from tests.helpers import product_body, shopify_message, tiktok_message

    run = uuid.uuid4().int % 10**12
    for k in itertools.count():
        created = [str(run * 1000 + (k * 4 + j) * 10) for j in range(4)]
        previous = [str(run * 1000 + ((k - 1) * 4 + j) * 10) for j in range(3)] if k else created[:3]
        status = "UNPAID" if k % 2 == 0 else "AWAITING_SHIPMENT"
        yield [
            *(shopify_message(shop, "products/create", product_body(p, "v1", 100)) for p in created),
            *(shopify_message(shop, "products/update", product_body(p, "v2", 200 + k)) for p in previous),
            *(
                tiktok_message(
                    shop,
                    1,
                    {"order_id": f"o{run}-{k // 2}-{j}", "order_status": status, "update_time": k + 1},
                )
                for j in range(3)
            ),
        ]


def raw_puts(client: Any, table: str, count: int) -> float:
    """PutItem per second: one small item each, no condition, no transaction."""
    prefix = uuid.uuid4().hex

    def put_all() -> None:
        for i in range(count):
            client.put_item(
                TableName=table,
                Item={"pk": {"S": f"BENCH#{prefix}"}, "sk": {"S": f"PUT#{i}"}, "n": {"N": str(i)}},
            )

    return count / timed(put_all)


def run(quick: bool) -> list[Figure]:
    import boto3

    from local.dynamodb import LOCAL_CREDENTIALS
    from tests.helpers import Harness, connected_shop

    rounds, batches_per_round = (5, 5) if quick else (15, 10)
    with local_table() as store, quiet_logs():
        shop = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
        connected_shop(store, shop, auto_upload=False)
        harness = Harness(store)
        stream = batches(shop)
        client = boto3.client(
            "dynamodb",
            endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
            region_name="us-east-1",
            **LOCAL_CREDENTIALS,
        )
        table = os.environ["TABLE_NAME"]
        harness.deliver(*next(stream))  # warm: first connection, first schema validation
        raw_puts(client, table, BATCH)

        def apply_round() -> float:
            work = [next(stream) for _ in range(batches_per_round)]

            def deliver_all() -> None:
                for batch in work:
                    failures = harness.deliver(*batch)["batchItemFailures"]
                    assert not failures, failures

            return batches_per_round * BATCH / timed(deliver_all)

        samples = interleaved(
            {"apply": apply_round, "put": lambda: raw_puts(client, table, batches_per_round * BATCH)}, rounds
        )
        # Cost, counted apart from the timing (asking for consumed capacity changes the requests).
        cost_batches = 10
        with counting_dynamodb(consumed_capacity=True) as calls:
            for _ in range(cost_batches):
                harness.deliver(*next(stream))
        applied = cost_batches * BATCH
        counts_exact = store.status_counts(shop) == store.recount(shop)
    assert counts_exact, "counters differ from a recount"
    requests = sum(calls.requests.values()) / applied
    return [
        Figure(
            "apply",
            "events applied per second (batches of 10)",
            median(samples["apply"]),
            "/s",
            "raw single-item PutItem, boto3, same DynamoDB Local",
            median(samples["put"]),
            TARGET,
            {
                "events": f"{rounds} rounds of {batches_per_round * BATCH}, interleaved, median",
                "DynamoDB requests per applied event": (
                    f"{requests:.2f} (new products and orders alone: <= {TESTED_REQUESTS}, tested; "
                    "each update that moves no counter is a PutItem of its own): "
                    + ", ".join(f"{op} {n}" for op, n in sorted(calls.requests.items()))
                    + f" over {applied} events"
                ),
                "write units per applied event": (
                    f"{calls.write_units / applied:.2f}, table and indexes, transactions at double, "
                    "as DynamoDB Local reports them"
                ),
                "counters == recount": str(counts_exact),
            },
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
