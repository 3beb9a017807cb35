"""Summary: GET /v1/dashboard latency for a shop with 100,000 products against the same shop with
10 products (constant reads: the counters are summed from ten shards, never from the catalog)."""

from __future__ import annotations

import json
import uuid
from collections import Counter

from benchmarks.common import (
    Figure,
    dashboard_reads,
    local_table,
    median,
    merchant_get,
    quiet_logs,
    run_as_script,
    timed,
)
from connector.dal.store import Store
from connector.domain.status import ProductStatus
from local.aws_calls import counting_dynamodb

TARGET = ("<=", 1.2)
PATH = "/v1/dashboard"
WARM_UP_CALLS = 30
STATUSES = tuple(ProductStatus)


def fill_catalog(store: Store, shop: str, start: int, count: int) -> None:
    """Products `start`..`start + count - 1` in batch writes, statuses spread, and their counts
    added to the counter shards the store would have moved (so counters equal a recount)."""
    from connector.dal import convert, keys
    from connector.dal.rows import CounterShardRow, ProductRow
    from connector.domain.entities import Product

    moves: Counter[tuple[int, str]] = Counter()
    with ProductRow.batch_write() as batch:
        for i in range(start, start + count):
            status = STATUSES[i % len(STATUSES)].value
            product = Product(shop, str(9_000_000_000 + i), f"Product {i}", status, 1_795_000_000 + i)
            row = convert.product_to_row(product, version=1)
            batch.save(row)
            moves[(store.counter_shard(row.sk), f"products_{status}")] += 1
    for shard in {shard for shard, _ in moves}:
        counter = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(shard))
        counter.update(
            actions=[getattr(CounterShardRow, n).add(k) for (s, n), k in moves.items() if s == shard]
        )


def run(quick: bool) -> list[Figure]:
    from functions.dashboard.handler import lambda_handler
    from local.lambda_context import LocalLambdaContext
    from tests.helpers import connected_shop

    big_size, rounds = (2_000, 20) if quick else (100_000, 60)
    context = LocalLambdaContext("dashboard")
    with local_table() as store, quiet_logs():
        big, twin = (f"bench-{name}-{uuid.uuid4().hex[:6]}.myshopify.com" for name in ("big", "twin"))
        events = {"big": merchant_get(big, PATH), "twin": merchant_get(twin, PATH)}
        for shop in (big, twin):
            connected_shop(store, shop)
            fill_catalog(store, shop, 0, 10)

        # Warm the first connections and validation, and DynamoDB Local's JIT, before the baseline:
        # a baseline measured cold would flatter the figure.
        dashboard_reads(events, WARM_UP_CALLS)
        before = dashboard_reads(events, rounds)
        filling = timed(lambda: fill_catalog(store, big, 10, big_size - 10))
        after = dashboard_reads(events, rounds)
        with counting_dynamodb() as calls:
            body = json.loads(lambda_handler(events["big"], context)["body"])
    assert body["products"]["total"] == big_size, body["products"]
    at_10, at_big = median(before["big"]), median(after["big"])
    twin_ratio_before = at_10 / median(before["twin"])
    twin_ratio_after = at_big / median(after["twin"])
    return [
        Figure(
            "summary",
            f"GET /v1/dashboard latency at {big_size:,} products",
            at_big,
            "ms",
            "the same shop at 10 products, measured before filling",
            at_10,
            TARGET,
            {
                "median of": f"{rounds} calls each, interleaved with a 10-product twin shop",
                "against the twin in the same phase": (
                    f"{twin_ratio_after:.3g} at {big_size:,} (was {twin_ratio_before:.3g} at 10)"
                ),
                "DynamoDB requests per call": f"{sum(calls.requests.values())} ({dict(calls.requests)})",
                "catalog filled in": f"{filling:.1f} s (BatchWriteItem)",
            },
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
