"""Sales: GET /v1/sales?days=90 latency for a shop with 100,000 orders against the same shop with
10 orders (constant reads: one Query over the days of both periods, at most one item a day, and
one BatchGetItem for the top products, whatever the number of orders)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

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
from local.aws_calls import counting_dynamodb

TARGET = ("<=", 1.2)
PATH = "/v1/sales?days=90"
WARM_UP_CALLS = 30
PRODUCTS = tuple(str(9_000_000_000 + n) for n in range(50))


def run(quick: bool) -> list[Figure]:
    from functions.dashboard.handler import lambda_handler
    from local.lambda_context import LocalLambdaContext
    from local.sales_history import order_history, write_history
    from tests.helpers import connected_shop

    big_size, rounds = (2_000, 20) if quick else (100_000, 60)
    context = LocalLambdaContext("dashboard")
    now = datetime.now(UTC)
    with local_table() as store, quiet_logs():
        big, twin = (f"bench-{name}-{uuid.uuid4().hex[:6]}.myshopify.com" for name in ("big", "twin"))
        history = {shop: order_history(shop, big_size + 10, 90, now, PRODUCTS) for shop in (big, twin)}
        events = {"big": merchant_get(big, PATH), "twin": merchant_get(twin, PATH)}
        for shop in (big, twin):
            connected_shop(store, shop)
            write_history(store, shop, history[shop][:10])

        # Warm the connections, validation and DynamoDB Local's JIT before the baseline.
        dashboard_reads(events, WARM_UP_CALLS)
        before = dashboard_reads(events, rounds)
        # The orders' day figures, as the reconciliation writes them (the read touches nothing else).
        filling = timed(lambda: write_history(store, big, history[big][10:], with_orders=False))
        after = dashboard_reads(events, rounds)
        with counting_dynamodb() as calls:
            body = json.loads(lambda_handler(events["big"], context)["body"])
    standing = body["current"]["totals"]["orders"] + body["current"]["totals"]["cancelled_orders"]
    assert standing == big_size + 10, body["current"]["totals"]
    at_10, at_big = median(before["big"]), median(after["big"])
    return [
        Figure(
            "sales",
            f"GET /v1/sales?days=90 latency at {big_size:,} orders",
            at_big,
            "ms",
            "the same shop at 10 orders, measured before filling",
            at_10,
            TARGET,
            {
                "median of": f"{rounds} calls each, interleaved with a 10-order twin shop",
                "against the twin in the same phase": (
                    f"{at_big / median(after['twin']):.3g} at {big_size:,} "
                    f"(was {at_10 / median(before['twin']):.3g} at 10)"
                ),
                "DynamoDB requests per call": f"{sum(calls.requests.values())} ({dict(calls.requests)})",
                "days filled in": f"{filling:.1f} s",
            },
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
