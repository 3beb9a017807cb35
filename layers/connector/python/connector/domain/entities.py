"""The connector's domain objects: what a shop, product, order, activity and plan are.

Storage rows (connector.dal.rows) and API shapes are separate models; the data-access layer
converts rows to these objects and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, get_args

from connector.domain.status import ALL_COUNTERS, ORDER_COUNTERS, PRODUCT_COUNTERS
from connector.values import Value, field


class InstallState(StrEnum):
    INSTALLED = "installed"
    UNINSTALLED = "uninstalled"


class TikTokConnection(StrEnum):
    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    REVOKED = "revoked"  # the seller deauthorized us on TikTok (webhook type 6)
    EXPIRED = "expired"  # TikTok refused our tokens and their refresh: the seller must authorize again


class ActivityType(StrEnum):
    IMPORT = "import"
    UPLOAD = "upload"
    INVENTORY_SYNC = "inventory_sync"
    PRODUCT_SYNC = "product_sync"
    ORDER_SYNC = "order_sync"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    CANCEL_ORDER = "cancel_order"
    SHIPMENT_SYNC = "shipment_sync"
    REPRICE = "reprice"  # a changed price rule or stock buffer, sent to every live listing


# What the dashboard calls each kind of activity.
ACTIVITY_LABELS: Mapping[ActivityType, str] = {
    ActivityType.IMPORT: "Import from Shopify",
    ActivityType.UPLOAD: "Upload to TikTok Shop",
    ActivityType.INVENTORY_SYNC: "Inventory sync",
    ActivityType.PRODUCT_SYNC: "Product sync",
    ActivityType.ORDER_SYNC: "Order sync",
    ActivityType.SHIPMENT_SYNC: "Shipment sync",
    ActivityType.ACTIVATE: "Activate on TikTok Shop",
    ActivityType.DEACTIVATE: "Deactivate on TikTok Shop",
    ActivityType.CANCEL_ORDER: "Cancel an order",
    ActivityType.REPRICE: "Prices and stock to TikTok Shop",
}


# What a shop runs one at a time: a second import or upload waits until the running one ends.
ONE_AT_A_TIME: frozenset[ActivityType] = frozenset({ActivityType.IMPORT, ActivityType.UPLOAD})


class ActivityState(StrEnum):
    ONGOING = "ongoing"
    COMPLETED = "completed"
    FAILED = "failed"


# The product fields a merchant may keep in step with Shopify.
SyncField = Literal["title", "description", "price", "inventory", "images"]
SYNC_FIELDS: tuple[SyncField, ...] = get_args(SyncField)


class PriceRuleKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


class BufferKind(StrEnum):
    UNITS = "units"
    PERCENT = "percent"


class PackageDimensions(Value, frozen=True):
    """A package's outer size in whole centimetres (TikTok takes positive whole numbers, and the
    metric system goes with the kilograms we send the weight in)."""

    length_cm: int
    width_cm: int
    height_cm: int


class SyncSettings(Value, frozen=True):
    """What the merchant chose to send to TikTok and how prices and stock are adjusted."""

    auto_upload: bool = False
    sync_fields: tuple[SyncField, ...] = SYNC_FIELDS
    price_rule_kind: PriceRuleKind = PriceRuleKind.PERCENT
    price_rule_direction: Direction = Direction.UP
    price_rule_value: Decimal = Decimal("0")
    inventory_buffer_kind: BufferKind = BufferKind.UNITS
    inventory_buffer_value: int = 0
    # The TikTok warehouse listings are stocked in; None: the shop's default sales warehouse.
    warehouse_id: str | None = None
    # The package size of products that give none of their own.
    package_dimensions: PackageDimensions | None = None
    # Shopify product type (or standard category name) -> TikTok leaf category, set once for many.
    category_mappings: tuple[tuple[str, str], ...] = ()
    # Shopify location id -> the TikTok warehouse its stock goes to. None given: every location that
    # fulfils online orders, summed into the listing warehouse.
    location_warehouses: tuple[tuple[str, str], ...] = ()

    def category_for(self, *names: str) -> str | None:
        """The mapped TikTok category of the first of ``names`` that has one (case ignored)."""
        mapped = {name.casefold(): category for name, category in self.category_mappings}
        return next((mapped[n.casefold()] for n in names if n and n.casefold() in mapped), None)


class Warehouse(Value, frozen=True):
    """One of the shop's TikTok warehouses, as Get Warehouse List last said."""

    warehouse_id: str
    name: str
    is_default: bool = False


class Shop(Value, frozen=True):
    domain: str  # the myshopify.com domain: every key of the shop's data starts from it
    install_state: InstallState = InstallState.INSTALLED
    tiktok_shop_id: str | None = None
    tiktok_shop_cipher: str | None = None
    tiktok_connection: TikTokConnection = TikTokConnection.NOT_CONNECTED
    tiktok_region: str | None = None  # the TikTok shop's region: currency, category tree, rules
    tiktok_warehouses: tuple[Warehouse, ...] = ()  # its sales warehouses
    # Tokens are stored encrypted; the domain only ever carries the ciphertext.
    shopify_token_ciphertext: str | None = None
    # An expiring offline token's refresh token and times; no expiry: a legacy non-expiring token.
    shopify_refresh_token_ciphertext: str | None = None
    shopify_token_issued_at: datetime | None = None
    shopify_token_expires_at: datetime | None = None
    shopify_refresh_token_expires_at: datetime | None = None
    # Shopify refused the refresh token: only the merchant's next visit (a token exchange) renews.
    shopify_token_refresh_refused_at: datetime | None = None
    tiktok_access_token_ciphertext: str | None = None
    tiktok_refresh_token_ciphertext: str | None = None
    tiktok_access_token_expires_at: datetime | None = None
    tiktok_refresh_token_expires_at: datetime | None = None  # when reconnecting becomes the only way
    tiktok_authorization_expires_at: datetime | None = None  # what TikTok's type-7 warning names
    tiktok_connected_at: int = 0  # epoch seconds of the last link: older deauthorizations are stale
    settings: SyncSettings = field(default_factory=SyncSettings)
    onboarding_step: int = 1
    tiktok_orders_polled_until: int = 0  # TikTok update_time up to which the order poll has read
    # Orders created on TikTok from then on (epoch seconds) become Shopify orders: the time the shop
    # connected, or the earlier start the merchant chose. 0: not connected yet.
    orders_since: int = 0
    tiktok_deletions_polled_until: int = 0  # the same for the poll of products deleted on TikTok
    # TikTok event types whose webhooks are not registered at our address (tiktok_webhook_subscriptions).
    tiktok_webhooks_missing: tuple[str, ...] = ()
    installed_at: datetime | None = None
    uninstalled_at: datetime | None = None
    iana_timezone: str | None = None  # Shopify's shop.ianaTimezone: the days of its sales
    currency: str | None = None  # Shopify's shop.currencyCode

    @property
    def warehouse_id(self) -> str | None:
        """Where listings are stocked: the merchant's pick while TikTok still lists it, else the
        default sales warehouse, else the first sales warehouse."""
        known = {warehouse.warehouse_id for warehouse in self.tiktok_warehouses}
        if self.settings.warehouse_id in known:
            return self.settings.warehouse_id
        ordered = sorted(self.tiktok_warehouses, key=lambda w: not w.is_default)
        return ordered[0].warehouse_id if ordered else None


class Variant(Value, frozen=True):
    variant_id: str
    sku: str = ""
    price: Decimal = Decimal("0")
    inventory: int = 0
    inventory_item_id: str | None = None
    options: tuple[str, ...] = ()  # its value of each of the product's options, in their order
    image_id: str | None = None  # the product image shown for it
    weight_grams: Decimal | None = None
    compare_at_price: Decimal | None = None  # Shopify's compare-at price: TikTok's list price


class ProductImage(Value, frozen=True):
    image_id: str  # Shopify's image id: what an uploaded image is remembered by
    url: str


class ImageUpload(Value, frozen=True):
    """A Shopify image uploaded to TikTok: remembered so that it is never uploaded twice."""

    image_id: str
    use_case: str  # TikTok's use of it (MAIN_IMAGE, ATTRIBUTE_IMAGE): each is an upload of its own
    url: str  # the Shopify URL it was read from (a new URL may still hold the same file)
    content_sha256: str
    tiktok_uri: str


class AttributeChoice(Value, frozen=True):
    """A merchant's value of one TikTok product attribute: a listed value's id or their own text."""

    attribute_id: str
    value_id: str = ""
    value_name: str = ""


class ListingChoices(Value, frozen=True):
    """What the merchant decided for a product's TikTok listing; Shopify's updates keep it."""

    category_id: str | None = None
    attributes: tuple[AttributeChoice, ...] = ()
    package_dimensions: PackageDimensions | None = None


# The webhook deliveries last applied to an item, as short digests (domain/deliveries.py): the item
# is its own delivery marker, so a redelivery is a no-op without a marker item written beside it.
RecentDeliveries = tuple[str, ...]


class Product(Value, frozen=True):
    shop: str
    shopify_product_id: str
    title: str
    status: str  # a ProductStatus value
    status_time: int  # source time (epoch seconds) of the status we hold
    variants: tuple[Variant, ...] = ()
    description: str = ""  # Shopify's descriptionHtml
    images: tuple[ProductImage, ...] = ()
    option_names: tuple[str, ...] = ()
    product_type: str = ""
    vendor: str = ""
    shopify_category: str = ""  # Shopify's standard product category, full name
    shopify_status: str = "ACTIVE"  # Shopify's ACTIVE | DRAFT | ARCHIVED: only ACTIVE sells on TikTok
    listing: ListingChoices = field(default_factory=ListingChoices)
    tiktok_category_id: str | None = None  # the leaf category it is (or would be) listed in
    tiktok_product_id: str | None = None
    # Shopify variant id -> TikTok SKU id, recorded when TikTok made the SKU: orders and stock are
    # matched on it, whatever the SKU text becomes.
    tiktok_skus: tuple[tuple[str, str], ...] = ()
    tiktok_status: str | None = None  # TikTok's raw status, as last reported
    failure_reason: str | None = None
    edit_rejected_reason: str | None = None  # TikTok refused an edit; the live version stays on sale
    missing: tuple[str, ...] = ()  # what TikTok needs that the product does not give yet
    waiting_reason: str | None = None  # approved by TikTok, waiting on the seller (PRE_APPROVED)
    paused_for_stock: bool = False  # deactivated on TikTok by us, every variant being out of stock
    paused_in_shopify: bool = False  # deactivated on TikTok by us, the product not ACTIVE in Shopify
    stock_held: bool = False  # a stock change came while it was not live: sent when it goes live
    shopify_updated_at: int = 0  # Shopify's updated_at (epoch seconds) of the fields we hold
    deleted: bool = False  # a tombstone: keeps late updates from bringing a deleted product back
    # When it entered the listings (their newest-first key): kept, so that an update moves nothing
    # in the indexes. 0 until set: then the time of the fields it holds.
    listed_at: int = 0
    deliveries: RecentDeliveries = ()
    version: int = 0  # optimistic-lock version; 0 means not stored yet

    @property
    def listing_time(self) -> int:
        return self.listed_at or max(self.status_time, self.shopify_updated_at)

    @property
    def image_urls(self) -> tuple[str, ...]:
        return tuple(image.url for image in self.images)

    @property
    def sells_in_shopify(self) -> bool:
        return self.shopify_status == "ACTIVE"

    def tiktok_sku_of(self, variant_id: str) -> str | None:
        return dict(self.tiktok_skus).get(variant_id)


class SaleLine(Value, frozen=True):
    """What one product sold in an order: units and their price after discounts."""

    product: str  # the Shopify product id, or "tt:" + TikTok's when no product of ours sells it
    units: int
    net: Decimal


class Sale(Value, frozen=True):
    """An order's amounts from TikTok's detail (decimal, the order's currency), and its day."""

    day: str  # ISO date of the payment in the shop's time zone
    currency: str
    units: int
    gross: Decimal  # the lines' original prices
    seller_discount: Decimal
    platform_discount: Decimal
    shipping: Decimal  # after its discounts
    taxes: Decimal
    lines: tuple[SaleLine, ...] = ()

    @property
    def net(self) -> Decimal:
        """TikTok's sub_total: gross less the seller's and the platform's discounts."""
        return self.gross - self.seller_discount - self.platform_discount


class Order(Value, frozen=True):
    shop: str
    tiktok_order_id: str
    status: str  # an OrderStatus value
    tiktok_status: str  # TikTok's raw status
    update_time: int  # TikTok's update_time (epoch seconds) of the status we hold
    shopify_order_id: str | None = None
    # customers/redact erased its link to the Shopify order (the only trace of the buyer we held);
    # the order stays, unlinked, for the merchant's counts.
    customer_redacted: bool = False
    cancellation_status: str | None = None
    cancellation_time: int = 0  # TikTok's create_time of the cancellation request
    return_status: str | None = None
    return_time: int = 0  # TikTok's update_time of the return
    held_for_quota: bool = False
    created_at: int = 0
    # Why it is not in Shopify (Shopify's reason, an empty TikTok detail, older than the sync's
    # start); None once created, or while it waits its turn.
    sync_problem: str | None = None
    fulfilled_by_tiktok: bool = False  # TikTok ships it from its warehouse: shown, never in Shopify
    unmatched_skus: tuple[str, ...] = ()  # TikTok SKUs of no variant of ours: custom lines in Shopify
    cancelled_in_shopify: bool = False  # TikTok's cancellation reached the Shopify order
    returns_restocked: tuple[str, ...] = ()  # TikTok return ids whose units went back to Shopify's stock
    sale: Sale | None = None  # its amounts, once TikTok's detail was read (domain/sales.py)
    sale_counted: str | None = None  # the SaleState its sale counts in, in the day's figures
    # What its completed returns took back, per product (units, net), once read from TikTok's
    # returns; () until then, when a completed return counts the whole order as returned.
    returned: tuple[SaleLine, ...] = ()
    returned_counted: tuple[SaleLine, ...] = ()  # the returned lines the day's figures hold
    listed_at: int = 0  # as a product's: when it entered the listings, kept
    deliveries: RecentDeliveries = ()
    version: int = 0

    @property
    def listing_time(self) -> int:
        return self.listed_at or self.created_at or self.update_time


class Activity(Value, frozen=True):
    shop: str
    activity_id: str  # time-ordered: newer activities sort later
    type: ActivityType
    state: ActivityState
    total: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    errors: tuple[str, ...] = ()
    total_final: bool = True  # False while an import or upload is still discovering its items
    resume_cursor: str | None = None  # where the next chunk starts (the sweep resumes from it)
    progressed_at: datetime | None = None  # when an item or page was last counted
    resumes: int = 0  # how often the stuck-activity sweep restarted it

    @property
    def progress_percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.processed * 100 // self.total)


class SubscriptionState(Value, frozen=True):
    """What Shopify last said of one app subscription (an app_subscriptions/update, or our own
    appSubscriptionCreate's answer): its status as of ``updated_at``."""

    id: str  # admin_graphql_api_id, gid://shopify/AppSubscription/<n>
    name: str
    status: str
    created_at: datetime
    updated_at: datetime


class Plan(Value, frozen=True):
    shop: str
    name: str
    billing_at: datetime  # the cycle ends (quotas roll over) at this instant
    cycle_started_at: datetime
    orders_used: int = 0
    products_used: int = 0  # products holding a slot (uploaded to TikTok, not deleted there)
    subscription_status: str = "ACTIVE"
    # Oldest first: the shop's current subscription (the newest that took effect), if any, then
    # newer ones not in effect yet; what domain.plans orders Shopify's updates by.
    subscriptions: tuple[SubscriptionState, ...] = ()
    pending_plan: str | None = None  # a downgrade waiting for the next cycle
    version: int = 0

    @property
    def billing_date(self) -> date:
        """The day (UTC) of the next billing: the roll-over's index and the page's date."""
        return self.billing_at.astimezone(UTC).date()


class StatusCounts(Value, frozen=True):
    """Per-status totals of one shop, summed over its counter shards."""

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_COUNTERS, 0))

    def products(self) -> dict[str, int]:
        return _group(self.values, PRODUCT_COUNTERS, "products_")

    def orders(self) -> dict[str, int]:
        return _group(self.values, ORDER_COUNTERS, "orders_")


def _group(values: dict[str, int], names: tuple[str, ...], prefix: str) -> dict[str, int]:
    group = {name.removeprefix(prefix): values.get(name, 0) for name in names}
    group["total"] = sum(group.values())
    return group
