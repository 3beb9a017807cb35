"""Hot shop: product events for one shop from 8 concurrent workers (batches of 10, failed records
redelivered like SQS would): applied per second and retried transactions per event, against the
same kind of events from one worker; the counters must equal a recount at the end."""

from __future__ import annotations

import threading
import uuid

from benchmarks.common import Figure, local_table, quiet_logs, run_as_script, timed
from connector.dal.store import Store
from connector.webhooks.message import QueuedWebhook
from local.aws_calls import counting_dynamodb

WORKERS = 8
BATCH = 10
MAX_DELIVERIES = 10  # an SQS queue's redrive limit, generously: bounds every loop


def product_events(shop: str, count: int) -> list[QueuedWebhook]:
    """Creates then updates of count/2 products, in an order that spreads each pair apart."""
    from tests.helpers import product_body, shopify_message

    products = [str(10_000_000 + p * 10) for p in range(count // 2)]
    creates = [shopify_message(shop, "products/create", product_body(p, "v1", 100)) for p in products]
    updates = [shopify_message(shop, "products/update", product_body(p, "v2", 200)) for p in products]
    half = len(products) // 2
    # First half created, then updates of the first half interleaved with creates of the second.
    rest = [m for pair in zip(updates[:half], creates[half:], strict=False) for m in pair]
    return creates[:half] + rest + updates[half:] + creates[2 * half :]


def apply_concurrently(store: Store, events: list[QueuedWebhook], workers: int) -> list[BaseException]:
    """Each worker delivers its lane in batches of 10 and redelivers what failed, a bounded number
    of times; returns the errors the workers met (none expected)."""
    from connector.wiring import Ports
    from functions.processor.handler import lambda_handler_with
    from local.lambda_context import LocalLambdaContext
    from local.queue import RecordingQueue
    from tests.helpers import sqs_event

    errors: list[BaseException] = []

    def worker(lane: list[QueuedWebhook]) -> None:
        ports = Ports(store=store, jobs=RecordingQueue())  # real back-off between conflicts
        pending = lane
        try:
            for _ in range(MAX_DELIVERIES):
                if not pending:
                    return
                failed: list[QueuedWebhook] = []
                for start in range(0, len(pending), BATCH):
                    chunk = pending[start : start + BATCH]
                    answer = lambda_handler_with(ports, sqs_event(chunk), LocalLambdaContext("processor"))
                    ids = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
                    failed += [m for i, m in enumerate(chunk) if f"m-{i}-{m.delivery_id}" in ids]
                pending = failed
            raise RuntimeError(f"{len(pending)} events still failing after {MAX_DELIVERIES} deliveries")
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(events[i::workers],)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def run(quick: bool) -> list[Figure]:
    from tests.helpers import connected_shop

    count = 400 if quick else 10_000
    single_count = count // 5
    with local_table() as store, quiet_logs():
        hot, solo = (f"bench-{name}-{uuid.uuid4().hex[:6]}.myshopify.com" for name in ("hot", "solo"))
        for shop in (hot, solo):
            connected_shop(store, shop, auto_upload=False)
        warm = f"bench-warm-{uuid.uuid4().hex[:6]}.myshopify.com"
        connected_shop(store, warm, auto_upload=False)
        # Warm DynamoDB Local's JIT and the first connections before anything is timed.
        assert apply_concurrently(store, product_events(warm, 300), WORKERS) == []
        # The baseline before the figure: a short single-worker run, then the hot shop, then the
        # single worker again, so that drift shows in the two baseline halves.
        solo_events = product_events(solo, single_count)
        half = len(solo_events) // 2
        first_half = timed(lambda: apply_concurrently(store, solo_events[:half], 1))
        with counting_dynamodb() as calls:
            errors: list[BaseException] = []
            seconds = timed(
                lambda: errors.extend(apply_concurrently(store, product_events(hot, count), WORKERS))
            )
        second_half = timed(lambda: apply_concurrently(store, solo_events[half:], 1))
        hot_counts, recount = store.status_counts(hot), store.recount(hot)
        solo_exact = store.status_counts(solo) == store.recount(solo)
    assert errors == [], errors[:3]
    assert hot_counts == recount, f"counters {hot_counts} differ from a recount {recount}"
    assert solo_exact, "single-worker counters differ from a recount"
    assert hot_counts.products()["total"] == count // 2, hot_counts.products()
    transactions, cancelled = calls.requests["TransactWriteItems"], calls.failed["TransactWriteItems"]
    single_rate = len(solo_events) / (first_half + second_half)
    return [
        Figure(
            "hot_shop",
            f"{count:,} product events, one shop, {WORKERS} workers: applied per second",
            count / seconds,
            "/s",
            f"{len(solo_events):,} events of another shop from 1 worker (before and after)",
            single_rate,
            None,
            {
                "retried transactions per event": (
                    f"{cancelled / count:.3f} ({cancelled:,} TransactWriteItems cancelled, "
                    f"{transactions:,} in all for {count:,} events: one per batch of {BATCH} "
                    "when its events commit together)"
                ),
                "single worker, first and second half": (
                    f"{half / first_half:.0f} /s, {(len(solo_events) - half) / second_half:.0f} /s"
                ),
                "counters == recount": (
                    f"{hot_counts == recount} (products total {hot_counts.products()['total']:,})"
                ),
            },
        )
    ]


if __name__ == "__main__":
    run_as_script(run, __doc__)
