"""Key layout of the single table. Every item of a shop lives under ``SHOP#{domain}``."""

from __future__ import annotations

SHOP_PREFIX = "SHOP#"
PROFILE = "PROFILE"
PLAN = "PLAN"
PRODUCT = "PRODUCT#"
ORDER = "ORDER#"
ACTIVITY = "ACTIVITY#"
ACTIVITY_ITEM = "ACTIVITYITEM#"
COUNTER = "COUNTER#"
SALES_SPAN = "SALES#"  # a shop's sales figures of ten days of a month (11 for the last), day by day
SALES_PRODUCT = "SALESPRODUCT#"  # one product's units and net sales a day, for one month
SALES_TOP = "SALESTOP"  # the shop's top products of the last 7, 30 and 90 days
DEDUPE = "DEDUPE#"
PRODUCT_LINK = "TTPRODUCT#"
INVENTORY_LINK = "INVITEM#"
IMAGE_UPLOAD = "IMAGE#"
SHOPIFY_ORDER_LINK = "SHORDER#"
ORDER_SYNC_CLAIM = "ORDERSYNC#"
STOCK_HOLD = "STOCKHOLD#"  # units TikTok sold that Shopify's stock does not show yet, by order
QUOTA_HOLD = "QUOTA#"
DATA_REQUEST = "DATAREQUEST#"
OAUTH_STATE = "OAUTHSTATE#"
PARKED_JOB = "PARKED#"  # a job for TikTok, waiting while the shop is disconnected
RUNNING = "RUNNING#"  # the activity holding a shop's one slot of its type (imports, uploads)
PENDING_TIKTOK_GRANT = "TIKTOKGRANT"  # a grant of several TikTok shops, while the merchant chooses
TIKTOK_SHOP_PREFIX = "TTSHOP#"
LOOKUP = "LOOKUP"


def shop_pk(shop: str) -> str:
    return f"{SHOP_PREFIX}{shop}"


def tiktok_shop_pk(tiktok_shop_id: str) -> str:
    return f"{TIKTOK_SHOP_PREFIX}{tiktok_shop_id}"


def tiktok_shop_id_of(pk: str) -> str:
    return pk.removeprefix(TIKTOK_SHOP_PREFIX)


def counter_sk(shard: int) -> str:
    return f"{COUNTER}{shard:02d}"


def sales_span_sk(span: str) -> str:
    """The item of a span's sales figures (``yyyy-mm-{1,2,3}``: days 1-10, 11-20, 21-31 of a month
    in the shop's time zone)."""
    return f"{SALES_SPAN}{span}"


def sales_product_sk(month: str, product: str) -> str:
    return f"{SALES_PRODUCT}{month}#{product}"


def dedupe_sk(source: str, delivery_id: str) -> str:
    return f"{DEDUPE}{source}#{delivery_id}"


def activity_sk(activity_id: str) -> str:
    return f"{ACTIVITY}{activity_id}"


def activity_item_sk(activity_id: str, item_id: str, kind: str | None = None) -> str:
    """The marker that an activity counted an item once; a ``kind`` ("page", "queued", "poll")
    keeps the markers of pages, queued items and bulk polls apart from those of done items."""
    counted = item_id if kind is None else f"{kind}#{item_id}"
    return f"{ACTIVITY_ITEM}{activity_id}#{counted}"


def running_sk(activity_type: str) -> str:
    return f"{RUNNING}{activity_type}"


def image_upload_sk(image_id: str, use_case: str) -> str:
    return f"{IMAGE_UPLOAD}{use_case}#{image_id}"


def quota_hold_sk(kind: str, item_id: str) -> str:
    return f"{QUOTA_HOLD}{kind}#{item_id}"


def shops_listing_pk(install_state: str) -> str:
    """by_kind partition of the shop profiles in one install state (the schedules' list of shops)."""
    return f"#SHOPS#{install_state}"


def schedule_pk(task: str) -> str:
    """Where a scheduled task notes the pages of shops it has fanned out (not a shop's partition)."""
    return f"#SCHEDULE#{task}"


def plans_due_pk(billing_date: str) -> str:
    """by_status partition of the plans billed on one date (the cycle roll-over's list)."""
    return f"#PLANS#{billing_date}"


def listing_pk(shop: str, kind: str, status: str | None = None) -> str:
    """Partition key of the by_status (with status) or by_kind (without) index."""
    return f"{shop}#{kind}" if status is None else f"{shop}#{kind}#{status}"


def newest_first_sk(epoch_seconds: int, item_id: str) -> str:
    # Zero-padded so that string order is time order; the id keeps equal times apart.
    return f"{epoch_seconds:012d}#{item_id}"
