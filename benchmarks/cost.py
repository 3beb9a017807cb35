"""What a million webhooks cost, from requests counted while they go the deployed path: signed
deliveries over HTTP into the doors (function URLs on AWS), SQS over its real protocol (moto's
server), the event source mapping feeding the processor, DynamoDB Local answering with the capacity
each request consumed (ReturnConsumedCapacity=INDEXES: the table's and its indexes' units; a
transaction's worked out item by item, two units a KB each and each index entry it moves, as billed:
local/aws_calls.py). Each count is priced at us-east-1 list prices; the figure is the total against
the $3.00 a million the connector is to cost.

The mix: a connected shop's catalogue changing (products/update 40 %, products/create 10 %), its
stock moving (inventory_levels/update 30 %) and TikTok orders changing state (type 1, 20 %). What the
processor queues for the jobs function is counted as sent (SendMessage, SendMessageBatch); the jobs'
own work is per job, not per webhook, and left out.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import Figure, environment, local_table, run_as_script

# us-east-1 list prices, no free tier (2026-11). The doors are Lambda function URLs, which cost
# nothing beyond their function's invocation (infra/components/doors.py).
FUNCTION_URLS_PER_MILLION = 0.00
LAMBDA_REQUESTS_PER_MILLION = 0.20
LAMBDA_GB_SECOND = 0.0000133334  # arm64
SQS_PER_MILLION = 0.40  # standard queue, per 64 KB chunk of a request
WRITE_UNITS_PER_MILLION = 0.625  # on-demand
READ_UNITS_PER_MILLION = 0.125
LOGS_PER_GB = 0.50  # CloudWatch Logs ingestion
XRAY_PER_MILLION_TRACES = 5.00
XRAY_SAMPLED = 0.05  # Lambda's active tracing: 1 a second, then 5 % of requests
FUNCTION_GB = 0.5  # the doors' and the processor's memory (infra/components/functions.py)
TARGET = ("<=", 1.0)
BUDGET = 3.00
# Products whose events interleave: a batch of ten rarely holds two events of one product, so the
# count does not lean on a batch writing a product's burst of events once.
INTERLEAVED = 20
DOORS = ("shopify_webhook", "tiktok_webhook")
SQS_BILLED = ("SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessageBatch", "DeleteMessage")


@dataclass
class Counted:
    webhooks: int
    door_seconds: float
    processor_invocations: int
    processor_seconds: float
    sqs: dict[str, int]
    dynamodb_requests: dict[str, int]
    write_units: float
    read_units: float
    log_bytes: int

    def lines(self) -> dict[str, float]:
        """Dollars per million webhooks, by line."""
        per = 1_000_000 / self.webhooks
        lambda_requests = (self.webhooks + self.processor_invocations) * per
        gb_seconds = (self.door_seconds + self.processor_seconds) * FUNCTION_GB * per
        return {
            "Lambda function URLs (the doors)": FUNCTION_URLS_PER_MILLION,
            "Lambda requests": lambda_requests / 1e6 * LAMBDA_REQUESTS_PER_MILLION,
            "Lambda duration": gb_seconds * LAMBDA_GB_SECOND,
            "SQS": sum(self.sqs.values()) * per / 1e6 * SQS_PER_MILLION,
            "DynamoDB writes": self.write_units * per / 1e6 * WRITE_UNITS_PER_MILLION,
            "DynamoDB reads": self.read_units * per / 1e6 * READ_UNITS_PER_MILLION,
            "CloudWatch Logs": self.log_bytes * per / 1e9 * LOGS_PER_GB,
            # Only the processor is traced (the doors pass through: infra/components/functions.py).
            "X-Ray": self.processor_invocations * per * XRAY_SAMPLED / 1e6 * XRAY_PER_MILLION_TRACES,
        }


def deliveries(shop: str, tiktok_shop_id: str, count: int, interleaved: int) -> Iterator[Any]:
    """Signed deliveries of the mix: each product's ten events (create, 4 updates, 3 stock levels,
    its order unpaid then paid) in order, ``interleaved`` products at a time, so that the events of
    one product are ``interleaved`` deliveries apart (1: back to back)."""
    from local.events import shopify_request, tiktok_request

    run = uuid.uuid4().int % 10**9 * 1000
    for n in range(count):
        # Each delivery its own event (the samples' ids would make every one after the first a duplicate).
        headers = {"X-Shopify-Shop-Domain": shop, "X-Shopify-Webhook-Id": str(uuid.uuid4())}
        headers["X-Shopify-Event-Id"] = str(uuid.uuid4())
        group, at = divmod(n, 10 * interleaved)
        product = run + (group * interleaved + at % interleaved) * 10
        slot = at // interleaved
        stamp = datetime.fromtimestamp(1_790_000_000 + n, UTC).isoformat()
        variant = {
            "id": product + 1,
            "sku": f"SKU-{product}",
            "price": "10.00",
            "inventory_item_id": product + 2,
        }
        body = {"id": product, "title": f"Product {product}", "updated_at": stamp, "variants": [variant]}
        if slot == 0:
            yield shopify_request("products-create", body=body, **headers)
        elif slot <= 4:
            yield shopify_request(
                "products-update", body={**body, "title": f"Product {product} v{slot}"}, **headers
            )
        elif slot <= 7:
            level = {
                "inventory_item_id": product + 2,
                "location_id": 1,
                "available": slot,
                "updated_at": stamp,
            }
            yield shopify_request("inventory_levels-update", body=level, **headers)
        else:
            status = "UNPAID" if slot == 8 else "AWAITING_SHIPMENT"
            data = {"order_id": str(product), "order_status": status, "update_time": 1_790_000_000 + n}
            notification = {
                "type": 1,
                "tts_notification_id": str(uuid.uuid4().int)[:19],
                "shop_id": tiktok_shop_id,
                "timestamp": 1_790_000_000 + n,
                "data": data,
            }
            yield tiktok_request("type-1", body=notification)


@contextmanager
def metrics_on() -> Iterator[io.StringIO]:
    """Every line the functions print (the doors' EMF lines, the processor's metrics, any log line
    at INFO or above: the level the stack sets), into a buffer to be measured."""
    from connector.observability import logger

    level = logger.log_level
    logger.setLevel("INFO")  # what Powertools takes from AWS_LAMBDA_LOG_LEVEL when it starts
    printed = io.StringIO()
    stream = logger.registered_handler.setStream(printed)  # type: ignore[attr-defined]
    lambda_like = {"POWERTOOLS_METRICS_DISABLED": "false", "AWS_LAMBDA_LOG_LEVEL": "INFO"}
    try:
        with environment(lambda_like), redirect_stdout(printed):
            yield printed
    finally:
        logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
        logger.setLevel(level)


def count(webhooks: int, interleaved: int) -> Counted:
    from infra.queue_consumers import EVENTS, JOBS, SYNCS
    from local.sqs import AwsProtocolServer, create_queues
    from local.sqs import environment as sqs_environment
    from tests.helpers import forget_cached_configuration

    with local_table() as store, AwsProtocolServer() as aws:
        queues = create_queues(aws, [EVENTS, JOBS, SYNCS])
        with environment(sqs_environment(aws, queues)):
            counted = _count_through(aws, queues, store, webhooks, interleaved)
        forget_cached_configuration()
        return counted


def _count_through(aws: Any, queues: Any, store: Any, webhooks: int, interleaved: int) -> Counted:
    """The mix delivered over HTTP to the doors, the processor fed by the mapping, everything counted;
    this process's ports built, as on Lambda, from the environment naming the queues."""
    from connector.settings import Settings
    from connector.wiring import Ports, process_ports, use_process_ports
    from functions.processor.handler import lambda_handler as processor
    from infra.queue_consumers import EVENTS
    from local.aws_calls import counting_dynamodb
    from local.server import LocalApiServer
    from local.sqs import EventSourceMapping
    from tests.helpers import connected_shop

    outside = process_ports()
    use_process_ports(Ports(Settings.from_environ()))
    server = LocalApiServer(port=0).start()
    try:
        shop = f"bench-cost-{uuid.uuid4().hex[:6]}.myshopify.com"
        tiktok_shop_id = connected_shop(store, shop, auto_upload=False)
        with EventSourceMapping(queues["events"], EVENTS, processor, aws) as events:
            for request in deliveries(shop, tiktok_shop_id, 20, 1):  # first connections, first reads
                assert request.post(server.url).status_code == 200
            events.drain(timeout=120)
            busy, invocations = events.busy_seconds, events.invocations
            requests = list(deliveries(shop, tiktok_shop_id, webhooks, interleaved))
            doors_busy = sum(server.busy_seconds[door] for door in DOORS)
            with metrics_on() as printed, counting_dynamodb(consumed_capacity=True) as calls:
                for request in requests:
                    answer = request.post(server.url)
                    assert answer.status_code == 200, answer.text
                events.drain(timeout=600)
            # The doors' own time (what Lambda bills), not the HTTP round trip around it
            door_seconds = sum(server.busy_seconds[door] for door in DOORS) - doors_busy
            processor_seconds = events.busy_seconds - busy
            processor_invocations = events.invocations - invocations
    finally:
        server.stop()
        use_process_ports(outside)
    billed_elsewhere = {*SQS_BILLED, "GetQueueAttributes"}  # the last: the local mapping's drain
    return Counted(
        webhooks=webhooks,
        door_seconds=door_seconds,
        processor_invocations=processor_invocations,
        processor_seconds=processor_seconds,
        sqs={op: calls.requests[op] for op in SQS_BILLED if calls.requests[op]},
        dynamodb_requests={op: n for op, n in calls.requests.items() if op not in billed_elsewhere},
        write_units=calls.write_units,
        read_units=calls.read_units,
        log_bytes=len(printed.getvalue().encode()),
    )


def run(quick: bool) -> list[Figure]:
    counted = count(200 if quick else 2_000, INTERLEAVED)
    lines = counted.lines()
    total = sum(lines.values())
    per = counted.webhooks
    also = {line: f"${dollars:.2f}" for line, dollars in lines.items()}
    also |= {
        "counted": (
            f"{per:,} webhooks: {counted.processor_invocations} processor invocations; SQS "
            + ", ".join(f"{op} {n / per:.2f}" for op, n in counted.sqs.items())
            + " a webhook; DynamoDB "
            + ", ".join(f"{op} {n / per:.2f}" for op, n in sorted(counted.dynamodb_requests.items()))
            + f" a webhook, {counted.write_units / per:.2f} write units and {counted.read_units / per:.2f}"
            f" read units a webhook; {counted.log_bytes / per:.0f} log bytes a webhook; door"
            f" {counted.door_seconds / per * 1000:.1f} ms and processor"
            f" {counted.processor_seconds / per * 1000:.1f} ms a webhook (this machine's time, as"
            " Lambda's duration)"
        ),
    }
    return [
        Figure(
            "cost",
            "dollars a million webhooks, counted (us-east-1 list prices)",
            total,
            "$",
            "the budget",
            BUDGET,
            TARGET,
            also,
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
