"""Sales: GET /v1/sales?days=90 latency for a shop with 100,000 orders against the same shop with
10 orders (constant reads: one Query over the items of both periods, one per ten days, the
leaderboard item and one BatchGetItem for the top products, whatever the number of orders; each
ten days' item holds its folded days as one text and only the figures moved since the last digest
as numbers)."""

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
WARM_UP_CALLS = 100
PRODUCTS = tuple(str(9_000_000_000 + n) for n in range(50))
# Moves since the last digest when the merchant reads: the orders of the last minutes, on the
# last three days (new orders today, cancellations and returns of the days before).
UNFOLDED_ORDERS, UNFOLDED_DAYS = 12, 3


def run(quick: bool) -> list[Figure]:
    from functions.dashboard.handler import lambda_handler
    from local.lambda_context import LocalLambdaContext
    from local.queue import RecordingQueue
    from local.sales_history import order_history, write_history
    from tests.helpers import connected_shop, process_ports_with

    big_size, rounds = (2_000, 20) if quick else (100_000, 60)
    context = LocalLambdaContext("dashboard")
    now = datetime.now(UTC)
    with local_table() as store, quiet_logs(), process_ports_with(jobs=RecordingQueue()) as ports:
        big, twin = (f"bench-{name}-{uuid.uuid4().hex[:6]}.myshopify.com" for name in ("big", "twin"))
        history = {shop: order_history(shop, big_size + 10, 90, now, PRODUCTS) for shop in (big, twin)}
        recent = order_history(big, UNFOLDED_ORDERS, UNFOLDED_DAYS, now, PRODUCTS, seed=8)
        events = {"big": merchant_get(big, PATH), "twin": merchant_get(twin, PATH)}
        for shop in (big, twin):
            connected_shop(store, shop)
            store.update_shop(shop, iana_timezone="UTC", currency="USD")  # as provisioning reads them
            write_history(store, shop, history[shop][:10])

        # Warm the connections, validation and DynamoDB Local's JIT before the baseline.
        dashboard_reads(events, WARM_UP_CALLS)
        before = dashboard_reads(events, rounds)
        # The orders' sales items as the reconciliation leaves them (the read touches nothing
        # else), then the moves of the last minutes, not folded yet.
        filling = timed(lambda: write_history(store, big, history[big][10:], with_orders=False))
        write_history(store, big, recent, with_orders=False, digested=False)
        unfolded = store.sales.days(big, "0000-00-00", "9999-99-99").unfolded
        # Warm again: the filling leaves DynamoDB Local slower for a while, for both shops alike.
        dashboard_reads(events, WARM_UP_CALLS)
        after = dashboard_reads(events, rounds)
        with counting_dynamodb() as calls:
            body = json.loads(lambda_handler(events["big"], context)["body"])
        digests_asked = len(ports.jobs.messages)  # type: ignore[attr-defined]
    standing = body["current"]["totals"]["orders"] + body["current"]["totals"]["cancelled_orders"]
    assert unfolded and standing == big_size + 10 + UNFOLDED_ORDERS, body["current"]["totals"]
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
                "moves not folded when read": f"{UNFOLDED_ORDERS} orders over {UNFOLDED_DAYS} days",
                "digests the reads asked for": f"{digests_asked} (debounced: once per 30 s a shop)",
                "sales items filled in and digested": f"{filling:.1f} s",
            },
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
