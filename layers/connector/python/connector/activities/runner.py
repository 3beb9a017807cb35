"""Which work each job kind is, and what waits while a shop's TikTok connection is down."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from connector.activities.catalog import run_import
from connector.activities.listing_sync import run_product_sync, run_remove_listing
from connector.activities.parking import wait_for_connection
from connector.activities.tiktok_listing import (
    run_activation,
    run_inventory_sync,
    run_stock_push,
    run_upload,
)
from connector.clients.tiktok.errors import TikTokAuthorizationLostError
from connector.jobs import Job, JobKind
from connector.tiktok_session import MissingTikTokAuthorizationError
from connector.wiring import Ports

Work = Callable[[Job, Ports], None]


def _imported_when_run(module: str, name: str) -> Work:
    """``module``'s work ``name``, imported when a job of its kind first runs. The catalog and
    listing kinds, most jobs, come with this module; the order, shipping, return, reprice, billing
    and digest kinds bring code (the Shopify order's, the returns') that those do not need."""

    def work(job: Job, ports: Ports) -> None:
        run_it: Work = getattr(import_module(module), name)
        run_it(job, ports)

    return work


WORK: dict[JobKind, Work] = {
    JobKind.IMPORT: run_import,
    JobKind.UPLOAD: run_upload,
    JobKind.ACTIVATE: run_activation,
    JobKind.DEACTIVATE: run_activation,
    JobKind.CANCEL_ORDER: _imported_when_run("connector.activities.orders", "run_cancel"),
    JobKind.INVENTORY_SYNC: run_inventory_sync,
    JobKind.STOCK_PUSH: run_stock_push,
    JobKind.ORDER_SYNC: _imported_when_run("connector.activities.orders", "run_order_sync"),
    JobKind.RELEASE_HELD_ORDERS: _imported_when_run("connector.activities.orders", "run_release_held_orders"),
    JobKind.PRODUCT_SYNC: run_product_sync,
    JobKind.REMOVE_LISTING: run_remove_listing,
    JobKind.SHIP_PACKAGE: _imported_when_run("connector.activities.shipping", "run_ship_package"),
    JobKind.REPRICE: _imported_when_run("connector.activities.reprice", "run_reprice"),
    JobKind.CANCEL_IN_SHOPIFY: _imported_when_run("connector.activities.after_sale", "run_cancel_in_shopify"),
    JobKind.RESTOCK_RETURN: _imported_when_run("connector.activities.after_sale", "run_restock_return"),
    JobKind.BILLING_PERIOD: _imported_when_run("connector.merchant.billing", "run_billing_period"),
    JobKind.SALES_DIGEST: _imported_when_run("connector.sales_digest", "run_sales_digest"),
}


def run(job: Job, ports: Ports) -> None:
    """Run the job; when TikTok no longer accepts the shop (its tokens erased by a deauthorization
    or a disconnection, or refused with their refresh), work for TikTok waits (parked, and queued
    again on reconnection) instead of failing its products or orders. Nothing is read up front: the
    job's own first TikTok call finds it out."""
    try:
        WORK[job.kind](job, ports)
    except (TikTokAuthorizationLostError, MissingTikTokAuthorizationError):
        ports.store.lose_tiktok_connection(job.shop)
        wait_for_connection(ports, job)
