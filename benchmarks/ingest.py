"""Ingest: Shopify webhooks acknowledged per second by the ingest handler in-process (verify, parse,
keep the processor's fields, enqueue) against the same count of bare HMAC computations over the same
bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

from benchmarks.common import Figure, interleaved, local_table, median, quiet_logs, run_as_script, timed


class AppendingQueue:
    """The events queue, reduced to a list: the figure is the handler's, not SQS's."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, body: str, delay_seconds: int = 0) -> None:
        self.bodies.append(body)


def signed_events(shop: str, count: int) -> list[tuple[dict[str, Any], bytes]]:
    """Function URL events of distinct, signed products/create deliveries, with their raw bodies."""
    from local.events import load, shopify_request

    sample = load("webhooks/shopify/products-create.json")["body"]
    events = []
    for i in range(count):
        body = {**sample, "id": sample["id"] + i, "title": f"Bench product {i}"}
        headers = {"X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Shop-Domain": shop}
        request = shopify_request("products-create", body=body, **headers)
        events.append((request.door_event(), request.body))
    return events


def run(quick: bool) -> list[Figure]:
    from functions.shopify_webhook.handler import lambda_handler
    from local.dynamodb import LOCAL_APP_CONFIG
    from local.events import DEMO_SHOP
    from local.lambda_context import LocalLambdaContext
    from tests.helpers import connected_shop, process_ports_with

    rounds, per_round = (5, 100) if quick else (15, 300)
    secret = LOCAL_APP_CONFIG["SHOPIFY_API_SECRET"].encode()
    queue = AppendingQueue()
    with local_table() as store, quiet_logs():
        connected_shop(store, DEMO_SHOP)
        with process_ports_with(events=queue):
            batches = [signed_events(DEMO_SHOP, per_round) for _ in range(rounds)]
            context = LocalLambdaContext("shopify_webhook")
            first = lambda_handler(batches[0][0][0], context)
            assert first["statusCode"] == 200 and json.loads(first["body"]) == {"status": "queued"}, first
            handled, hashed = iter(batches), iter(batches)

            def acknowledge() -> float:
                batch = next(handled)
                return len(batch) / timed(lambda: [lambda_handler(event, context) for event, _ in batch])

            def bare_hmac() -> float:
                batch = next(hashed)
                return len(batch) / timed(
                    lambda: [
                        base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()) for _, body in batch
                    ]
                )

            samples = interleaved({"ingest": acknowledge, "hmac": bare_hmac}, rounds)
    assert len(queue.bodies) == rounds * per_round + 1, len(queue.bodies)
    return [
        Figure(
            "ingest",
            "webhooks acknowledged (200 queued) per second",
            median(samples["ingest"]),
            "/s",
            "bare HMAC-SHA256 + base64 over the same bodies",
            median(samples["hmac"]),
            None,
            {
                "requests": f"{rounds} rounds of {per_round}, interleaved, median",
                "per webhook": f"{1000 / median(samples['ingest']):.2f} ms (one GetItem of the shop profile)",
            },
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
