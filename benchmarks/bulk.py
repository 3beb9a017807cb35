"""Bulk: import then upload of N sandbox products through the real jobs function, with the TikTok
sandbox limited to R requests per second: the total time against the floor that limit imposes
(the TikTok calls the run needed, divided by R)."""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Figure,
    LocalConnector,
    local_connector,
    local_table,
    print_figures,
    quiet_logs,
    timed,
)
from connector.dal.store import Store
from connector.values import replace
from local.aws_calls import counting_dynamodb
from local.sandboxes.tiktok import RATE_LIMITED

TARGET = ("<=", 1.5)
# The limit TikTok Shop partners report for a seller's API calls since mid-2025 (50 requests per
# second; TikTok's stored docs give no figure); the quick run keeps it on a small catalog.
RATE_PER_SECOND = 50.0
WARM_UP_PRODUCTS = 60


def deployed_jobs_consumer() -> tuple[int, int]:
    """(maximum concurrency, batch size) of the jobs function's SQS trigger, as the stack sets it."""
    from infra.queue_consumers import JOBS

    return JOBS.max_concurrency or 1, JOBS.batch_size


@contextmanager
def large_plan(products: int) -> Iterator[str]:
    """A plan that holds `products` uploads: the catalogue's biggest holds 5,000, and a refused
    upload makes no TikTok call, which would halve the work the figure is about."""
    from connector.domain import plans

    original = plans.CATALOGUE_FILE
    raw = json.loads(original.read_text())
    raw["plans"].append({**raw["plans"][-1], "id": "bench", "name": "Bench", "products_limit": products})
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "plans.json"
        path.write_text(json.dumps(raw))
        plans.CATALOGUE_FILE = path
        plans.catalogue.cache_clear()
        try:
            yield "bench"
        finally:
            plans.CATALOGUE_FILE = original
            plans.catalogue.cache_clear()


@dataclass
class Sync:
    """One shop's import then upload: seconds, TikTok calls and DynamoDB requests of each."""

    import_seconds: float = 0.0
    upload_seconds: float = 0.0
    import_calls: int = 0
    upload_calls: int = 0
    upload_calls_by_kind: Counter[str] = field(default_factory=Counter)  # the sandbox's route names
    import_shopify_points: float = 0.0  # GraphQL cost the import was charged
    import_bulk_downloads: int = 0  # byte ranges of a bulk operation's file (0: paged queries)
    import_requests: Counter[str] = field(default_factory=Counter)
    upload_requests: Counter[str] = field(default_factory=Counter)

    @property
    def seconds(self) -> float:
        return self.import_seconds + self.upload_seconds

    @property
    def calls(self) -> int:
        return self.import_calls + self.upload_calls


def sync_catalog(stack: LocalConnector, store: Store, size: int, plan_name: str) -> tuple[str, Sync]:
    """A new shop with `size` Shopify products, connected to TikTok on `plan_name`: its import, then
    its upload of every product, each through the dashboard API and the jobs function."""
    from tests.helpers import connect_to_sandbox, merchant_call

    shop = f"bench-bulk-{uuid.uuid4().hex[:6]}.myshopify.com"
    stack.shopify.products_per_shop = size  # the catalog is generated on the shop's first call
    assert merchant_call(stack.api_url, shop, "GET", "/v1/dashboard").status_code == 200
    connect_to_sandbox(store, shop, stack.tiktok)
    plan = store.get_plan(shop)
    assert plan is not None
    store.commit_plan(replace(plan, name=plan_name))

    def activity(path: str, **kwargs: Any) -> None:
        answer = merchant_call(stack.api_url, shop, "POST", path, **kwargs)
        assert answer.status_code == 202, answer.text
        stack.jobs.drain(timeout=3600)

    sync, admitted = Sync(), stack.tiktok.admitted
    downloads = stack.shopify.bulk_downloads
    with counting_dynamodb() as requests:
        sync.import_seconds = timed(lambda: activity("/v1/imports"))
    sync.import_bulk_downloads = stack.shopify.bulk_downloads - downloads
    sync.import_calls, admitted = stack.tiktok.admitted - admitted, stack.tiktok.admitted
    sync.import_requests = requests.requests
    sync.import_shopify_points = stack.shopify.state(shop).bucket.charged
    processed = Counter(stack.tiktok.calls)
    with counting_dynamodb() as requests:
        sync.upload_seconds = timed(lambda: activity("/v1/products/upload", json={"all_not_uploaded": True}))
    sync.upload_calls = stack.tiktok.admitted - admitted
    sync.upload_calls_by_kind = Counter(stack.tiktok.calls) - processed
    sync.upload_requests = requests.requests
    return shop, sync


def _shopify_floor(shopify: Any, sync: Sync, tiktok_floor: float) -> str:
    """The import makes no TikTok call, but Shopify's GraphQL cost limit bounds it: what the bucket
    cannot hold comes back at the restore rate (shopify.dev's rate limits)."""
    points, bucket, rate = sync.import_shopify_points, shopify.bucket_size, shopify.restore_rate
    floor = max(0.0, points - bucket) / rate
    both = floor + tiktok_floor
    return (
        f"{points:,.0f} query cost points, bucket {bucket:,.0f} restored at {rate:,.0f}/s: "
        f"{floor:.1f} s; with TikTok's, {both:.0f} s, which the total is {sync.seconds / both:.2f}x of"
    )


def failure_reasons(store: Store, shop: str) -> Counter[str]:
    from connector.domain.status import ProductStatus

    reasons: Counter[str] = Counter()
    cursor = None
    while True:
        page = store.list_products(shop, ProductStatus.FAILED, 100, cursor)
        reasons.update(p.failure_reason or "-" for p in page.items)
        cursor = page.next_key
        if cursor is None:
            return reasons


def _per_product(requests: Counter[str], size: int) -> str:
    total = sum(requests.values())
    shares = ", ".join(f"{op} {n / max(1, total):.0%}" for op, n in requests.most_common(3))
    return f"{total / size:.1f} ({shares})"


def run(quick: bool, products: int | None = None, rate: float = RATE_PER_SECOND) -> list[Figure]:
    size = products or (150 if quick else 10_000)
    workers, batch = deployed_jobs_consumer()
    with local_table() as store, quiet_logs(), large_plan(size) as plan_name:
        with local_connector(jobs_workers=workers, jobs_batch=batch) as stack:
            stack.tiktok.faults.rate_limit_per_second = rate
            # Warm DynamoDB Local's JIT and every function's first call before anything is timed.
            sync_catalog(stack, store, WARM_UP_PRODUCTS, plan_name)
            stack.tiktok.wait_idle(timeout=600)
            stack.events.drain(timeout=600)
            limited_before = stack.tiktok.rate_limited
            shop, sync = sync_catalog(stack, store, size, plan_name)
            shopify_floor = _shopify_floor(stack.shopify, sync, sync.calls / rate)
            limited = stack.tiktok.rate_limited - limited_before
            dead = len(stack.jobs.dead_letters) + len(stack.events.dead_letters)
        # Audits still under way stop with the stack (no half-applied event: each is one
        # transaction), so the counters can be checked against a recount right away.
        counts = store.status_counts(shop).products()
        exact = store.status_counts(shop) == store.recount(shop)
        reasons = failure_reasons(store, shop)
    assert exact, "counters differ from a recount"
    assert counts["total"] == size, counts
    refused_for_rate = sum(n for reason, n in reasons.items() if f"code {RATE_LIMITED}" in reason)
    return [
        Figure(
            "bulk",
            f"import + upload of {size:,} products, TikTok limited to {rate:g} calls/s",
            sync.seconds,
            "s",
            f"the floor of the limit: {sync.calls:,} TikTok calls / {rate:g} per s",
            sync.calls / rate,
            TARGET,
            {
                "import": (
                    f"{sync.import_seconds:.1f} s, {sync.import_calls:,} TikTok calls, "
                    + (
                        f"one Shopify bulk operation read in {sync.import_bulk_downloads} byte ranges"
                        if sync.import_bulk_downloads
                        else "Shopify's paged queries"
                    )
                ),
                "Shopify's floor under the import": shopify_floor,
                "upload": (
                    f"{sync.upload_seconds:.1f} s, {sync.upload_calls:,} TikTok calls, "
                    f"{limited:,} more answered 429"
                ),
                "the calls, all in the floor": ", ".join(
                    f"{kind} {n:,}" for kind, n in sync.upload_calls_by_kind.most_common()
                ),
                "jobs function": f"{workers} concurrent batches of {batch}, as deployed",
                "DynamoDB requests per product": (
                    f"import {_per_product(sync.import_requests, size)}; "
                    f"upload {_per_product(sync.upload_requests, size)}, audits included"
                ),
                "products when the upload finished": f"{counts}; counters == recount: {exact}",
                "failed for the rate limit (client gave up)": str(refused_for_rate),
                "dead letters": str(dead),
            },
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small enough for CI")
    parser.add_argument("--products", type=int, help="catalog size (default 10,000; 150 with --quick)")
    parser.add_argument("--rate", type=float, default=RATE_PER_SECOND, help="TikTok calls per second")
    args = parser.parse_args()
    print_figures(run(args.quick, args.products, args.rate))


if __name__ == "__main__":
    main()
