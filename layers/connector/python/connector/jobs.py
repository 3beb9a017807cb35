"""Work for the jobs function: what webhooks and merchant actions ask to be done outward."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobKind(StrEnum):
    IMPORT = "import"  # read the Shopify catalog into ours
    ACTIVATE = "activate"  # activate products on TikTok
    DEACTIVATE = "deactivate"  # deactivate products on TikTok
    CANCEL_ORDER = "cancel_order"  # cancel a TikTok order with the merchant's reason
    ORDER_SYNC = "order_sync"  # create the Shopify order of a paid TikTok order, exactly once
    RELEASE_HELD_ORDERS = "release_held_orders"  # quota came back: sync held orders in arrival order
    INVENTORY_SYNC = "inventory_sync"  # push a Shopify inventory level to TikTok
    STOCK_PUSH = "stock_push"  # a product went live: send every SKU's current stock
    PRODUCT_SYNC = "product_sync"  # push changed Shopify fields of a live product to TikTok
    UPLOAD = "upload"  # upload products to TikTok
    SHIP_PACKAGE = "ship_package"  # tell TikTok an order shipped (Shopify fulfilled it)
    CANCEL_IN_SHOPIFY = "cancel_in_shopify"  # TikTok cancelled an order that is in Shopify
    RESTOCK_RETURN = "restock_return"  # a TikTok return completed: its units back to Shopify's stock
    REMOVE_LISTING = "remove_listing"  # delete from TikTok a product deleted in Shopify, free its slot
    REPRICE = "reprice"  # a changed price rule or stock buffer: every live listing, in chunks
    BILLING_PERIOD = "billing_period"  # a subscription went ACTIVE: its billing period sets the cycle
    SALES_DIGEST = "sales_digest"  # sales moved: fold them and rank the top products again


# The kinds a buyer or merchant waits on, small and per event: they go on the syncs queue, which
# has concurrency of its own, so that no shop's bulk work (an import or upload of thousands, the
# stock pushes and field syncs that follow it) delays another shop's order by a minute.
SYNC_KINDS = frozenset(
    {
        JobKind.ORDER_SYNC,
        JobKind.RELEASE_HELD_ORDERS,
        JobKind.CANCEL_ORDER,
        JobKind.SHIP_PACKAGE,
        JobKind.CANCEL_IN_SHOPIFY,
        JobKind.RESTOCK_RETURN,
        JobKind.INVENTORY_SYNC,
        JobKind.BILLING_PERIOD,
        JobKind.SALES_DIGEST,
    }
)


class Job(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: JobKind
    shop: str
    # Carries the originating delivery id, so a redelivered webhook never does the work twice.
    idempotency_key: str
    params: dict[str, Any]
    # When the work was asked for: automatic syncs count in the activity of that hour, retries too.
    queued_at: int = Field(default_factory=lambda: int(time.time()))
    # How long the queue holds the job back (SQS DelaySeconds): a poll that should come later.
    delay_seconds: int = Field(default=0, ge=0, le=900, exclude=True)
