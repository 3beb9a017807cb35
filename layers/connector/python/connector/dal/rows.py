"""PynamoDB rows of the single table. Storage shapes only: the store converts them to domain objects.

The models are bound to a table and endpoint by ``bind_rows`` (called when connector.wiring builds
the store), not at import time, so importing this module reads no configuration. The binding is
the process's: PynamoDB keeps it on the model classes, so one process talks to one table.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, Projection
from pynamodb.models import Model

from connector import table_spec
from connector.domain.status import ALL_COUNTERS

# The projection table_spec names (the table's one definition), as PynamoDB declares it.
_INDEX_PROJECTION: Projection = {"KEYS_ONLY": KeysOnlyProjection, "ALL": AllProjection}[
    table_spec.INDEX_PROJECTION
]()


class ByStatusIndex(GlobalSecondaryIndex["Any"]):
    class Meta:
        index_name = table_spec.BY_STATUS.name
        projection = _INDEX_PROJECTION

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name=table_spec.BY_STATUS.partition_key)
    gsi1sk = UnicodeAttribute(range_key=True, attr_name=table_spec.BY_STATUS.sort_key)


class ByKindIndex(GlobalSecondaryIndex["Any"]):
    class Meta:
        index_name = table_spec.BY_KIND.name
        projection = _INDEX_PROJECTION

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name=table_spec.BY_KIND.partition_key)
    gsi2sk = UnicodeAttribute(range_key=True, attr_name=table_spec.BY_KIND.sort_key)


class TableRow(Model):
    """Key attributes shared by every item of the table."""

    class Meta:
        table_name = "unbound"  # replaced by bind_rows()

    pk = UnicodeAttribute(hash_key=True, attr_name=table_spec.PARTITION_KEY)
    sk = UnicodeAttribute(range_key=True, attr_name=table_spec.SORT_KEY)


class ListedRow(TableRow):
    """An item that the status listings can find (products, orders, activities)."""

    gsi1pk = UnicodeAttribute(null=True, attr_name=table_spec.BY_STATUS.partition_key)
    gsi1sk = UnicodeAttribute(null=True, attr_name=table_spec.BY_STATUS.sort_key)
    gsi2pk = UnicodeAttribute(null=True, attr_name=table_spec.BY_KIND.partition_key)
    gsi2sk = UnicodeAttribute(null=True, attr_name=table_spec.BY_KIND.sort_key)
    by_status = ByStatusIndex()
    by_kind = ByKindIndex()


class DimensionsMap(MapAttribute[str, Any]):
    length_cm = NumberAttribute()
    width_cm = NumberAttribute()
    height_cm = NumberAttribute()


class CategoryMappingMap(MapAttribute[str, Any]):
    name = UnicodeAttribute()  # a Shopify product type or standard category
    category_id = UnicodeAttribute()


class LocationWarehouseMap(MapAttribute[str, Any]):
    location_id = UnicodeAttribute()
    warehouse_id = UnicodeAttribute()


class WarehouseMap(MapAttribute[str, Any]):
    warehouse_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    is_default = BooleanAttribute(default=False)


class SyncSettingsMap(MapAttribute[str, Any]):
    auto_upload = BooleanAttribute(default=False)
    sync_fields = ListAttribute(of=UnicodeAttribute, default=list)
    price_rule_kind = UnicodeAttribute(default="percent")
    price_rule_direction = UnicodeAttribute(default="up")
    price_rule_value = UnicodeAttribute(default="0")  # decimal text
    inventory_buffer_kind = UnicodeAttribute(default="units")
    inventory_buffer_value = NumberAttribute(default=0)
    warehouse_id = UnicodeAttribute(null=True)
    package_dimensions = DimensionsMap(null=True)
    category_mappings = ListAttribute[CategoryMappingMap](of=CategoryMappingMap, default=list)
    location_warehouses = ListAttribute[LocationWarehouseMap](of=LocationWarehouseMap, default=list)


class ShopRow(ListedRow):
    install_state = UnicodeAttribute()
    tiktok_shop_id = UnicodeAttribute(null=True)
    tiktok_shop_cipher = UnicodeAttribute(null=True)
    tiktok_connection = UnicodeAttribute()
    tiktok_region = UnicodeAttribute(null=True)
    tiktok_warehouses = ListAttribute[WarehouseMap](of=WarehouseMap, default=list)
    shopify_token_ciphertext = UnicodeAttribute(null=True)
    shopify_refresh_token_ciphertext = UnicodeAttribute(null=True)
    shopify_token_issued_at = UnicodeAttribute(null=True)
    shopify_token_expires_at = UnicodeAttribute(null=True)
    shopify_refresh_token_expires_at = UnicodeAttribute(null=True)
    shopify_token_refresh_refused_at = UnicodeAttribute(null=True)
    # Epoch seconds until which one instance holds the right to refresh the Shopify token (store only).
    shopify_token_refresh_lease = NumberAttribute(null=True)
    tiktok_access_token_ciphertext = UnicodeAttribute(null=True)
    tiktok_refresh_token_ciphertext = UnicodeAttribute(null=True)
    tiktok_access_token_expires_at = UnicodeAttribute(null=True)
    tiktok_refresh_token_expires_at = UnicodeAttribute(null=True)
    tiktok_authorization_expires_at = UnicodeAttribute(null=True)
    tiktok_connected_at = NumberAttribute(default=0)
    settings = SyncSettingsMap()
    onboarding_step = NumberAttribute(default=1)
    tiktok_orders_polled_until = NumberAttribute(default=0)
    orders_since = NumberAttribute(default=0)
    tiktok_deletions_polled_until = NumberAttribute(default=0)
    tiktok_webhooks_missing = ListAttribute(of=UnicodeAttribute, default=list)
    installed_at = UnicodeAttribute(null=True)
    uninstalled_at = UnicodeAttribute(null=True)
    iana_timezone = UnicodeAttribute(null=True)  # Shopify's shop.ianaTimezone: the sales' days
    currency = UnicodeAttribute(null=True)  # Shopify's shop.currencyCode


class TikTokShopLookupRow(TableRow):
    """TikTok webhooks name only their shop_id; this item leads from it to the Shopify domain."""

    shop = UnicodeAttribute()


class VariantMap(MapAttribute[str, Any]):
    variant_id = UnicodeAttribute()
    sku = UnicodeAttribute(default="")
    price = UnicodeAttribute(default="0")  # decimal text: money is never a float
    inventory = NumberAttribute(default=0)
    inventory_item_id = UnicodeAttribute(null=True)
    options = ListAttribute(of=UnicodeAttribute, default=list)
    image_id = UnicodeAttribute(null=True)
    weight_grams = UnicodeAttribute(null=True)  # decimal text
    compare_at_price = UnicodeAttribute(null=True)  # decimal text


class ImageMap(MapAttribute[str, Any]):
    image_id = UnicodeAttribute()
    url = UnicodeAttribute()


class AttributeChoiceMap(MapAttribute[str, Any]):
    attribute_id = UnicodeAttribute()
    value_id = UnicodeAttribute(default="")
    value_name = UnicodeAttribute(default="")


class ListingChoicesMap(MapAttribute[str, Any]):
    category_id = UnicodeAttribute(null=True)
    attributes = ListAttribute[AttributeChoiceMap](of=AttributeChoiceMap, default=list)
    package_dimensions = DimensionsMap(null=True)


class ProductRow(ListedRow):
    shopify_product_id = UnicodeAttribute()
    title = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    status_time = NumberAttribute()
    variants = ListAttribute[VariantMap](of=VariantMap, default=list)
    description = UnicodeAttribute(default="")
    images = ListAttribute[ImageMap](of=ImageMap, default=list)
    option_names = ListAttribute(of=UnicodeAttribute, default=list)
    product_type = UnicodeAttribute(default="")
    vendor = UnicodeAttribute(default="")
    shopify_category = UnicodeAttribute(default="")
    shopify_status = UnicodeAttribute(default="ACTIVE")
    listing = ListingChoicesMap(null=True)
    tiktok_category_id = UnicodeAttribute(null=True)
    tiktok_product_id = UnicodeAttribute(null=True)
    tiktok_skus = MapAttribute[str, Any](default=dict)  # Shopify variant id -> TikTok SKU id
    tiktok_status = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    edit_rejected_reason = UnicodeAttribute(null=True)
    missing = ListAttribute(of=UnicodeAttribute, default=list)
    waiting_reason = UnicodeAttribute(null=True)
    paused_for_stock = BooleanAttribute(default=False)
    paused_in_shopify = BooleanAttribute(default=False)
    stock_held = BooleanAttribute(default=False)
    shopify_updated_at = NumberAttribute(default=0)
    deleted = BooleanAttribute(default=False)
    listed_at = NumberAttribute(default=0)
    deliveries = ListAttribute(of=UnicodeAttribute, default=list)
    version = NumberAttribute()


class SaleLineMap(MapAttribute[str, Any]):
    product = UnicodeAttribute()
    units = NumberAttribute()
    net = UnicodeAttribute()  # decimal text: money is never a float


class SaleMap(MapAttribute[str, Any]):
    """An order's amounts from TikTok's detail, decimal text."""

    day = UnicodeAttribute()
    currency = UnicodeAttribute(default="")
    units = NumberAttribute()
    gross = UnicodeAttribute()
    seller_discount = UnicodeAttribute()
    platform_discount = UnicodeAttribute()
    shipping = UnicodeAttribute()
    taxes = UnicodeAttribute()
    lines = ListAttribute[SaleLineMap](of=SaleLineMap, default=list)


class OrderRow(ListedRow):
    tiktok_order_id = UnicodeAttribute()
    status = UnicodeAttribute()
    tiktok_status = UnicodeAttribute()
    update_time = NumberAttribute()
    shopify_order_id = UnicodeAttribute(null=True)
    customer_redacted = BooleanAttribute(default=False)
    cancellation_status = UnicodeAttribute(null=True)
    cancellation_time = NumberAttribute(default=0)
    return_status = UnicodeAttribute(null=True)
    return_time = NumberAttribute(default=0)
    held_for_quota = BooleanAttribute(default=False)
    created_at = NumberAttribute(default=0)
    sync_problem = UnicodeAttribute(null=True)
    fulfilled_by_tiktok = BooleanAttribute(default=False)
    unmatched_skus = ListAttribute(of=UnicodeAttribute, default=list)
    cancelled_in_shopify = BooleanAttribute(default=False)
    returns_restocked = ListAttribute(of=UnicodeAttribute, default=list)
    sale = SaleMap(null=True)
    sale_counted = UnicodeAttribute(null=True)  # the sale state the day's figures hold of it
    returned = ListAttribute[SaleLineMap](of=SaleLineMap, default=list)
    returned_counted = ListAttribute[SaleLineMap](of=SaleLineMap, default=list)
    listed_at = NumberAttribute(default=0)
    deliveries = ListAttribute(of=UnicodeAttribute, default=list)
    version = NumberAttribute()


class ActivityRow(ListedRow):
    activity_id = UnicodeAttribute()
    type = UnicodeAttribute()
    state = UnicodeAttribute()
    total = NumberAttribute(default=0)
    processed = NumberAttribute(default=0)
    succeeded = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    errors = ListAttribute(of=UnicodeAttribute, default=list)
    total_final = BooleanAttribute(default=True)
    resume_cursor = UnicodeAttribute(null=True)
    progressed_at = UnicodeAttribute(null=True)  # last time an item or page was counted (the sweep)
    resumes = NumberAttribute(default=0)  # how often the sweep restarted it
    import_source = UnicodeAttribute(null=True)  # how an import reads Shopify: "paged" or a bulk operation id


class ActivityItemRow(TableRow):
    """One item of an activity, done: makes progress counting exact when a chunk is retried."""

    succeeded = BooleanAttribute()
    error = UnicodeAttribute(null=True)


class SubscriptionMap(MapAttribute[str, Any]):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()  # ISO 8601, UTC, as precise as Shopify sent it
    updated_at = UnicodeAttribute()


class PlanRow(ListedRow):
    name = UnicodeAttribute()
    billing_date = UnicodeAttribute()  # the UTC day of billing_at: the roll-over's index partition
    cycle_started = UnicodeAttribute(null=True)  # rows written before billing_at: the cycle's day
    billing_at = UnicodeAttribute(null=True)  # ISO 8601, UTC (rows before it: billing_date's midnight)
    cycle_started_at = UnicodeAttribute(null=True)
    orders_used = NumberAttribute(default=0)
    products_used = NumberAttribute(default=0)
    subscription_status = UnicodeAttribute(default="ACTIVE")
    subscriptions = ListAttribute[SubscriptionMap](of=SubscriptionMap, default=list)
    pending_plan = UnicodeAttribute(null=True)
    version = NumberAttribute()


class ProductLinkRow(TableRow):
    """TikTok webhooks name TikTok product ids; this item leads to the Shopify product."""

    shopify_product_id = UnicodeAttribute()


class InventoryLinkRow(TableRow):
    """A Shopify inventory item on TikTok: which product and SKU its stock goes to."""

    shopify_product_id = UnicodeAttribute()
    tiktok_product_id = UnicodeAttribute()
    tiktok_sku_id = UnicodeAttribute()
    inventory_updated_at = NumberAttribute(default=0)  # Shopify's updated_at of the level last sent


class ImageUploadRow(TableRow):
    """A Shopify image as uploaded to TikTok: the uri TikTok gave, and what it was uploaded from."""

    url = UnicodeAttribute()
    content_sha256 = UnicodeAttribute()
    tiktok_uri = UnicodeAttribute()


class ShopifyOrderLinkRow(TableRow):
    """Shopify's fulfillment webhooks name Shopify order ids; this item leads to the TikTok order."""

    tiktok_order_id = UnicodeAttribute()


class StockHoldRow(TableRow):
    """A TikTok order held for quota: its units, by Shopify inventory item, which TikTok took from
    its stock and Shopify has not (its order is not created yet). Stock sent to TikTok leaves them out."""

    units = MapAttribute[str, Any](default=dict)


class OrderSyncClaimRow(TableRow):
    """Taken before a Shopify order is created for a TikTok order: there is never a second try that
    could create it twice (a try that finds the claim without a Shopify id stops for an operator)."""

    claimed_at = NumberAttribute()


class QuotaHoldRow(TableRow):
    """One unit of a plan quota held by one product or order: taking it twice is a no-op."""

    taken_at = NumberAttribute()


class DataRequestRow(TableRow):
    """A customer's data request (customers/data_request): what we hold, by reference only."""

    customer_id = UnicodeAttribute(null=True)
    order_ids = ListAttribute(of=UnicodeAttribute, default=list)
    fields_held = ListAttribute(of=UnicodeAttribute, default=list)
    requested_at = NumberAttribute()


class OAuthStateRow(TableRow):
    """An issued OAuth ``state``: TikTok's redirect parks its auth code here (encrypted), and the
    merchant's session consumes (deletes) it once."""

    expires_at = TTLAttribute(attr_name=table_spec.TTL_ATTRIBUTE)
    code_ciphertext = UnicodeAttribute(null=True)


class ParkedJobRow(TableRow):
    """A job for TikTok that waits for the shop to connect again (its SQS body)."""

    body = UnicodeAttribute()


class RunningActivityRow(TableRow):
    """Names the one activity of its type (an import, an upload) running for the shop: written on
    condition that it is absent, or still names an activity that has ended."""

    activity_id = UnicodeAttribute()


class PendingTikTokGrantRow(TableRow):
    """A TikTok grant that authorized several shops, kept (encrypted) while the merchant chooses."""

    expires_at = TTLAttribute(attr_name=table_spec.TTL_ATTRIBUTE)
    grant_ciphertext = UnicodeAttribute()


class DedupeRow(TableRow):
    """Marks one delivery (webhook id) as applied; expires once no sender would retry it."""

    expires_at = TTLAttribute(attr_name=table_spec.TTL_ATTRIBUTE)


def _counter_attributes() -> dict[str, Any]:
    # One number per dashboard status; ADD creates a missing one, so a new shard needs no setup.
    return {name: NumberAttribute(null=True) for name in ALL_COUNTERS}


# Built from the status list so that a new status is counted without editing this file.
CounterShardRow: type[TableRow] = type("CounterShardRow", (TableRow,), _counter_attributes())

ALL_ROWS: tuple[type[TableRow], ...] = (
    TableRow,
    ShopRow,
    TikTokShopLookupRow,
    ProductRow,
    OrderRow,
    ActivityRow,
    PlanRow,
    DedupeRow,
    CounterShardRow,
    ProductLinkRow,
    DataRequestRow,
    OAuthStateRow,
    ActivityItemRow,
    InventoryLinkRow,
    ImageUploadRow,
    ShopifyOrderLinkRow,
    OrderSyncClaimRow,
    QuotaHoldRow,
    RunningActivityRow,
)


def bind_rows(table_name: str, region: str, host: str | None) -> None:
    """Point every row model at one table and endpoint through one new connection (the one they
    had is kept when the binding does not change: a connection costs a botocore client)."""
    meta = TableRow.Meta
    if (meta.table_name, getattr(meta, "region", None), getattr(meta, "host", None)) == (
        table_name,
        region,
        host,
    ):
        return
    # The subclasses share TableRow.Meta (PynamoDB filled in its defaults when it built the class).
    TableRow.Meta.table_name = table_name
    TableRow.Meta.region = region  # type: ignore[attr-defined]
    TableRow.Meta.host = host  # type: ignore[attr-defined]
    # Every row lives in the one table, so every model shares one connection: PynamoDB would
    # otherwise build a botocore session and client for each model class on its first call, tens
    # of milliseconds each on a cold start. ListedRow's knows both indexes, which queries name; the
    # models not listed in ALL_ROWS inherit TableRow's.
    ListedRow._connection = None
    shared = ListedRow._get_connection()
    for row in ALL_ROWS:
        row._connection = shared
