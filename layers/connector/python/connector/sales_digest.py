"""The sales digest: fold a shop's moved sales numbers into its spans and compute its top
products of each period (the leaderboard GET /v1/sales reads as one item).

It runs as a job, asked for by a sales read that finds moves the leaderboard is older than
(debounced: at most once per ``digest_every`` a shop), and with the daily reconciliation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from connector.dal.store import Store
from connector.domain import sales
from connector.domain.sales_periods import SalesDays
from connector.observability import logger
from connector.wiring import Ports

if TYPE_CHECKING:
    from connector.jobs import Job

DIGEST_EVERY_SECONDS = 30
# Ranking reads a product-month item per product sold: a shop selling many products is ranked
# less often (30 s more per this many products), so that a digest's cost stays in proportion.
PRODUCTS_PER_STEP = 1000
# Orders tend to come in bursts: the job waits a little so that one digest takes the burst.
DIGEST_DELAY_SECONDS = 5


def digest_sales(store: Store, shop: str, now: datetime) -> sales.Leaderboard:
    """Fold the moved numbers, then rank the products of the last 7, 30 and 90 days up to today
    in the shop's time zone from their shares (one Query over at most four months' items)."""
    profile = store.get_shop(shop)
    today = now.astimezone(sales.shop_zone(profile.iana_timezone if profile else None)).date()
    # The days a sales read covers (both periods); the reconciliation folds the older ones.
    store.sales.fold(shop, sales.periods(today, max(SalesDays))[1].first.isoformat())
    first = sales.periods(today, max(SalesDays))[0].first
    shares = store.sales.product_shares(
        shop, sales.month_of(first.isoformat()), sales.month_of(today.isoformat())
    )
    board = sales.leaderboard(shares, today, now)
    store.sales.save_leaderboard(shop, board)
    return board


def digest_every(board: sales.Leaderboard | None) -> int:
    """Seconds between two digests of a shop."""
    sold = board.products_sold if board else 0
    return DIGEST_EVERY_SECONDS * (1 + sold // PRODUCTS_PER_STEP)


def ask_for_digest(ports: Ports, shop: str, board: sales.Leaderboard | None, now: datetime) -> bool:
    """Queue a digest of the shop unless one was asked for within ``digest_every``."""
    from connector.jobs import Job, JobKind  # the job model: the scheduler's reconciliation needs none

    at = int(now.timestamp())
    if not ports.store.sales.ask_digest(shop, at, digest_every(board)):
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
    learn_time_zone(ports, job.shop)
    digest_sales(ports.store, job.shop, ports.now())


def learn_time_zone(ports: Ports, domain: str) -> None:
    """A shop provisioned before the sales insight has no time zone until its next token exchange:
    read it (and the currency) from Shopify now, so that the days of its next sales are its own.
    The days of the sales counted before stay UTC days. Shopify failing leaves it to the next digest."""
    from connector.clients.shopify.errors import ShopifyError
    from connector.domain.entities import InstallState

    shop = ports.store.get_shop(domain)
    if shop is None or shop.iana_timezone or shop.install_state is InstallState.UNINSTALLED:
        return
    try:
        facts = ports.shopify_admin(shop).shop_facts()
    except ShopifyError as error:
        logger.warning("shop time zone not read", shop=domain, error=type(error).__name__)
        return
    ports.store.update_shop(domain, iana_timezone=facts.iana_timezone, currency=facts.currency)
