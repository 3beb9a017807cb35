"""The sales digest: fold a shop's moved sales numbers into its months and compute its top
products of each period (the leaderboard GET /v1/sales reads as one item).

It runs as a job, asked for by a sales read that finds moves the leaderboard is older than
(debounced: at most once per DIGEST_EVERY_SECONDS a shop), and with the hourly reconciliation."""

from __future__ import annotations

from datetime import datetime

from connector.dal.store import Store
from connector.domain import sales
from connector.jobs import Job, JobKind
from connector.wiring import Ports

DIGEST_EVERY_SECONDS = 30
# Orders tend to come in bursts: the job waits a little so that one digest takes the burst.
DIGEST_DELAY_SECONDS = 5


def digest_sales(store: Store, shop: str, now: datetime) -> sales.Leaderboard:
    """Fold the moved numbers, then rank the products of the last 7, 30 and 90 days up to today
    in the shop's time zone from their shares (one Query over at most four months' items)."""
    profile = store.get_shop(shop)
    today = now.astimezone(sales.shop_zone(profile.iana_timezone if profile else None)).date()
    store.fold_sales(shop)
    first = sales.periods(today, max(sales.SalesDays))[0].first
    shares = store.product_shares(shop, sales.month_of(first.isoformat()), sales.month_of(today.isoformat()))
    board = sales.leaderboard(shares, today, now)
    store.save_leaderboard(shop, board)
    return board


def ask_for_digest(ports: Ports, shop: str, now: datetime) -> bool:
    """Queue a digest of the shop unless one was asked for within DIGEST_EVERY_SECONDS."""
    at = int(now.timestamp())
    if not ports.store.ask_sales_digest(shop, at, DIGEST_EVERY_SECONDS):
        return False
    ports.enqueue_job(
        Job(
            kind=JobKind.SALES_DIGEST,
            shop=shop,
            idempotency_key=f"sales-digest:{at}",
            params={},
            delay_seconds=DIGEST_DELAY_SECONDS,
        )
    )
    return True


def run_sales_digest(job: Job, ports: Ports) -> None:
    digest_sales(ports.store, job.shop, ports.now())
