"""Which work each job kind is, and what waits while a shop's TikTok connection is down."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

# Every kind reads the store (the shop's profile first) and most count their work in an activity
# (the automatic syncs too): both are imported with the function, as the job model and the ports
# are; only each kind's own code waits for its first job (``work_of``).
import connector.dal.activity_progress
import connector.dal.store  # noqa: F401
from connector.activities.parking import wait_for_connection
from connector.clients.tiktok.errors import MissingTikTokAuthorizationError, TikTokAuthorizationLostError
from connector.jobs import Job, JobKind
from connector.wiring import Ports

Work = Callable[[Job, Ports], None]

# Each kind's work, as (module, name): the module is imported when the first job of its kind runs
# in this process (see ``work_of``). The kinds share little beyond the store: a stock sync needs
# neither the listing builder nor the Shopify catalog import nor the order flow, and a function
# instance that never sees an upload never compiles it.
WORK: dict[JobKind, tuple[str, str]] = {
    JobKind.IMPORT: ("connector.activities.catalog", "run_import"),
    JobKind.UPLOAD: ("connector.activities.tiktok_listing", "run_upload"),
    JobKind.ACTIVATE: ("connector.activities.activation", "run_activation"),
    JobKind.DEACTIVATE: ("connector.activities.activation", "run_activation"),
    JobKind.CANCEL_ORDER: ("connector.activities.orders", "run_cancel"),
    JobKind.INVENTORY_SYNC: ("connector.activities.stock", "run_inventory_sync"),
    JobKind.STOCK_PUSH: ("connector.activities.stock", "run_stock_push"),
    JobKind.ORDER_SYNC: ("connector.activities.orders", "run_order_sync"),
    JobKind.RELEASE_HELD_ORDERS: ("connector.activities.orders", "run_release_held_orders"),
    JobKind.PRODUCT_SYNC: ("connector.activities.listing_sync", "run_product_sync"),
    JobKind.REMOVE_LISTING: ("connector.activities.removal", "run_remove_listing"),
    JobKind.SHIP_PACKAGE: ("connector.activities.shipping", "run_ship_package"),
    JobKind.REPRICE: ("connector.activities.reprice", "run_reprice"),
    JobKind.CANCEL_IN_SHOPIFY: ("connector.activities.after_sale", "run_cancel_in_shopify"),
    JobKind.RESTOCK_RETURN: ("connector.activities.after_sale", "run_restock_return"),
    JobKind.BILLING_PERIOD: ("connector.merchant.billing", "run_billing_period"),
    JobKind.SALES_DIGEST: ("connector.sales_digest", "run_sales_digest"),
}


def work_of(kind: JobKind) -> Work:
    """The work of ``kind``, its module imported on first use (then cached by the import system)."""
    module, name = WORK[kind]
    work: Work = getattr(import_module(module), name)
    return work


def run(job: Job, ports: Ports) -> None:
    """Run the job; when TikTok no longer accepts the shop (its tokens erased by a deauthorization
    or a disconnection, or refused with their refresh), work for TikTok waits (parked, and queued
    again on reconnection) instead of failing its products or orders. Nothing is read up front: the
    job's own first TikTok call finds it out."""
    work = work_of(job.kind)
    try:
        work(job, ports)
    except (TikTokAuthorizationLostError, MissingTikTokAuthorizationError):
        ports.store.lose_tiktok_connection(job.shop)
        wait_for_connection(ports, job)
