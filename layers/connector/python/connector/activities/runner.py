"""Which work each job kind is, and what waits while a shop's TikTok connection is down."""

from __future__ import annotations

from collections.abc import Callable

from connector.activities.after_sale import run_cancel_in_shopify, run_restock_return
from connector.activities.catalog import run_import
from connector.activities.listing_sync import run_product_sync, run_remove_listing
from connector.activities.orders import run_cancel, run_order_sync, run_release_held_orders
from connector.activities.parking import wait_for_connection
from connector.activities.reprice import run_reprice
from connector.activities.shipping import run_ship_package
from connector.activities.tiktok_listing import (
    run_activation,
    run_inventory_sync,
    run_stock_push,
    run_upload,
)
from connector.clients.tiktok.errors import TikTokAuthorizationLostError
from connector.jobs import Job, JobKind
from connector.merchant.billing import run_billing_period
from connector.sales_digest import run_sales_digest
from connector.tiktok_session import MissingTikTokAuthorizationError
from connector.wiring import Ports

WORK: dict[JobKind, Callable[[Job, Ports], None]] = {
    JobKind.IMPORT: run_import,
    JobKind.UPLOAD: run_upload,
    JobKind.ACTIVATE: run_activation,
    JobKind.DEACTIVATE: run_activation,
    JobKind.CANCEL_ORDER: run_cancel,
    JobKind.INVENTORY_SYNC: run_inventory_sync,
    JobKind.STOCK_PUSH: run_stock_push,
    JobKind.ORDER_SYNC: run_order_sync,
    JobKind.RELEASE_HELD_ORDERS: run_release_held_orders,
    JobKind.PRODUCT_SYNC: run_product_sync,
    JobKind.REMOVE_LISTING: run_remove_listing,
    JobKind.SHIP_PACKAGE: run_ship_package,
    JobKind.REPRICE: run_reprice,
    JobKind.CANCEL_IN_SHOPIFY: run_cancel_in_shopify,
    JobKind.RESTOCK_RETURN: run_restock_return,
    JobKind.BILLING_PERIOD: run_billing_period,
    JobKind.SALES_DIGEST: run_sales_digest,
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
