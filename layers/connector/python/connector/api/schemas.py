"""The dashboard API's request and response shapes (they generate /openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from connector.domain.entities import (
    SYNC_FIELDS,
    BufferKind,
    Direction,
    PriceRuleKind,
    SyncField,
    TikTokConnection,
)
from connector.domain.status import OrderStatus, ProductStatus


# A model is built (its validator and serializer) when first used, not at import: most serve one
# rare route. The parts of the dashboard's summary, which every page load asks for, are built at
# import; DashboardOut itself, which names ConnectionHealth before it is defined, on first use.
class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class _Summary(_Out):
    """A part of GET /v1/dashboard's answer: built at import."""

    model_config = ConfigDict(defer_build=False)


class _In(BaseModel):
    model_config = ConfigDict(defer_build=True)


def _counts(name: str, statuses: type[StrEnum]) -> type[_Out]:
    """How many items each status holds, and "total": a field per status of the domain's enum."""
    fields: dict[str, Any] = {status.value: (int, ...) for status in statuses}
    return create_model(name, __base__=_Summary, **fields, total=(int, ...))


ProductCounts = _counts("ProductCounts", ProductStatus)
OrderCounts = _counts("OrderCounts", OrderStatus)


class Label(_Summary):
    id: str
    label: str


class Vocabulary(_Summary):
    """The names the page shows, in its order: statuses and activity kinds, from the domain."""

    product_statuses: list[Label]
    order_statuses: list[Label]
    final_order_statuses: list[OrderStatus]
    activity_types: list[Label]


class ActivityOut(_Summary):
    id: str
    type: str
    state: Literal["ongoing", "completed", "failed"]
    total: int
    processed: int
    succeeded: int
    failed: int
    progress_percent: int
    started_at: datetime | None
    finished_at: datetime | None
    errors: list[str]


class Activities(_Summary):
    ongoing: list[ActivityOut]
    completed: list[ActivityOut]


class UpgradeOption(_Summary):
    plan: str
    name: str
    amount: str
    products_limit: int
    orders_limit: int


class PlanOut(_Summary):
    plan: str
    name: str
    amount: str
    currency: str
    billing_date: date  # the UTC day of billing_at
    billing_at: datetime  # quotas roll over at this instant: the subscription's billing period end
    cycle_started_at: datetime
    products_limit: int
    products_used: int
    products_remaining: int
    orders_limit: int
    orders_used: int
    orders_remaining: int
    subscription_status: str
    pending_plan: str | None
    upgrade_options: list[UpgradeOption]


class Prerequisite(_Summary):
    id: str
    title: str
    help: str
    done: bool


class Faq(_Summary):
    question: str
    answer: str


class CancelReason(_Summary):
    """One of TikTok's seller cancel reasons, and the order statuses it may be given for."""

    id: str
    label: str
    statuses: list[OrderStatus]


class DashboardOut(_Out):
    shop: str
    # Models built from the enums: mypy cannot see them as types, pydantic and the OpenAPI can.
    products: ProductCounts  # type: ignore[valid-type]
    orders: OrderCounts  # type: ignore[valid-type]
    activities: Activities
    plan: PlanOut
    connection: ConnectionHealth
    prerequisites: list[Prerequisite]
    faqs: list[Faq]
    cancel_reasons: list[CancelReason]
    vocabulary: Vocabulary
    # TikTok event types whose webhooks do not reach us (registered again daily); empty when all do.
    tiktok_webhooks_missing: list[str] = []


class ProductOut(_Out):
    id: str
    title: str
    status: ProductStatus
    tiktok_product_id: str | None
    tiktok_status: str | None
    failure_reason: str | None
    missing: list[str]  # what TikTok needs that the product does not give: fixed from its listing form
    waiting_reason: str | None  # approved by TikTok, not yet on sale: what it waits for
    # TikTok refused an edit: the live version sells on, unchanged.
    edit_rejected_reason: str | None
    shopify_status: str  # ACTIVE, DRAFT or ARCHIVED: only active products sell on TikTok Shop
    tiktok_category_id: str | None
    variants: int
    updated_at: int


class ProductPage(_Out):
    items: list[ProductOut]
    next_cursor: str | None


class OrderOut(_Out):
    id: str
    status: OrderStatus
    tiktok_status: str
    shopify_order_id: str | None
    update_time: int
    created_at: int
    cancellation_status: str | None
    return_status: str | None
    held_for_quota: bool
    # Why it is not in Shopify: Shopify's own reason, for the merchant to fix and retry.
    sync_problem: str | None
    fulfilled_by_tiktok: bool  # TikTok ships it: shown here, never a Shopify order to fulfil
    unmatched_skus: list[str]  # TikTok SKUs that match no product of ours: custom lines in Shopify
    cancelled_in_shopify: bool


class OrderHistoryOut(_Out):
    """What an earlier start of the order sync would bring: TikTok's orders from ``since`` up to the
    current start, each a new Shopify order (and a unit of the plan's quota)."""

    since: date
    orders: int


class OrderPage(_Out):
    items: list[OrderOut]
    next_cursor: str | None


class ActivityAccepted(_Out):
    activity: ActivityOut


class ActivityRunning(_Out):
    code: Literal["activity_running"]
    message: str
    activity: ActivityOut  # the import or upload that runs, with its progress


class ActivityRunningAnswer(_Out):
    """409: the shop runs one import and one upload at a time."""

    error: ActivityRunning


class UploadRequest(_In):
    """Either the products to upload, or every product not uploaded yet."""

    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    all_not_uploaded: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> UploadRequest:
        if (self.product_ids is None) == (not self.all_not_uploaded):
            raise ValueError("give product_ids or all_not_uploaded=true, not both and not neither")
        return self


class CancelRequest(_In):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=100)


class PriceRule(_In):
    model_config = ConfigDict(extra="forbid")

    kind: PriceRuleKind = PriceRuleKind.PERCENT
    direction: Direction = Direction.UP
    value: Decimal = Field(default=Decimal("0"), ge=0, le=10000, max_digits=8, decimal_places=2)

    @model_validator(mode="after")
    def _sane_percentage(self) -> PriceRule:
        if self.kind is PriceRuleKind.PERCENT and self.direction is Direction.DOWN and self.value >= 100:
            raise ValueError("a percent discount must stay below 100")
        return self


class InventoryBuffer(_In):
    model_config = ConfigDict(extra="forbid")

    kind: BufferKind = BufferKind.UNITS
    value: int = Field(default=0, ge=0, le=100000)

    @model_validator(mode="after")
    def _sane_percentage(self) -> InventoryBuffer:
        if self.kind is BufferKind.PERCENT and self.value > 100:
            raise ValueError("a percent buffer is at most 100")
        return self


class Dimensions(_In):
    """A package's outer size in whole centimetres (TikTok takes positive whole numbers)."""

    model_config = ConfigDict(extra="forbid")

    length_cm: int = Field(ge=1, le=1000)
    width_cm: int = Field(ge=1, le=1000)
    height_cm: int = Field(ge=1, le=1000)


TikTokId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9]+$")]


class CategoryMapping(_In):
    """Every product of a Shopify product type (or standard category) goes to this TikTok category."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    category_id: TikTokId


class LocationWarehouse(_In):
    """The stock of a Shopify location goes to this TikTok warehouse."""

    model_config = ConfigDict(extra="forbid")

    location_id: TikTokId  # Shopify's numeric location id
    warehouse_id: TikTokId


class SettingsIO(_In):
    model_config = ConfigDict(extra="forbid")

    sync_fields: list[SyncField] = Field(default_factory=lambda: list(SYNC_FIELDS), max_length=5)
    price_rule: PriceRule = Field(default_factory=PriceRule)
    inventory_buffer: InventoryBuffer = Field(default_factory=InventoryBuffer)
    auto_upload: bool = False
    # The TikTok warehouse listings are stocked in (one of ``warehouses``); null: the default one.
    warehouse_id: TikTokId | None = None
    package_dimensions: Dimensions | None = None  # for products that give none of their own
    category_mappings: list[CategoryMapping] = Field(default_factory=list, max_length=500)
    # Empty: every location that fulfils online orders, summed into the listing warehouse.
    location_warehouses: list[LocationWarehouse] = Field(default_factory=list, max_length=200)
    # TikTok orders created from this day on (UTC) become Shopify orders; null: from the connection.
    orders_since: date | None = None


class WarehouseOut(_Out):
    id: str
    name: str
    is_default: bool


class LocationOut(_Out):
    id: str
    name: str
    fulfills_online_orders: bool


class SettingsOut(SettingsIO):
    warehouses: list[WarehouseOut]  # the shop's TikTok sales warehouses, to choose from
    locations: list[LocationOut]  # the shop's active Shopify locations, to map


class AttributeValueIO(_In):
    """A listed value (by id) or the merchant's own text, where the attribute takes one."""

    model_config = ConfigDict(extra="forbid")

    value_id: TikTokId | None = None
    value_name: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_value(self) -> AttributeValueIO:
        if (self.value_id is None) == (self.value_name is None):
            raise ValueError("give value_id or value_name")
        return self


class AttributeChoiceIn(_In):
    model_config = ConfigDict(extra="forbid")

    attribute_id: TikTokId
    values: list[AttributeValueIO] = Field(min_length=1, max_length=50)


class ListingIn(_In):
    """The merchant's choices for one product's TikTok listing; each replaces what was chosen."""

    model_config = ConfigDict(extra="forbid")

    category_id: TikTokId | None = None
    attributes: list[AttributeChoiceIn] = Field(default_factory=list, max_length=100)
    package_dimensions: Dimensions | None = None


class ValueOut(_Out):
    id: str
    name: str


class AttributeOut(_Out):
    id: str
    name: str
    required: bool
    multiple: bool
    customizable: bool
    values: list[ValueOut]  # TikTok's listed values
    chosen: list[AttributeValueIO]  # the merchant's values
    from_shopify: list[AttributeValueIO]  # filled from the product's Shopify option, unless chosen


class ListingOut(_Out):
    """A product's TikTok listing form: its category, the category's product attributes, the package
    and what is still missing before it can be uploaded."""

    product_id: str
    category_id: str | None
    # chosen: the merchant's; mapped: their mapping of the product type; judged: the category of the
    # last upload; recommended: TikTok's Recommend Category.
    category_source: Literal["chosen", "mapped", "judged", "recommended"] | None
    attributes: list[AttributeOut]
    package_dimensions_required: bool
    package_dimensions: Dimensions | None
    missing: list[str]


class OnboardingStep(_Out):
    id: str
    title: str
    done: bool


class OnboardingOut(_Out):
    step: int
    steps: list[OnboardingStep]
    tiktok_connection: str
    tiktok_shop_id: str | None


class TikTokAuthorization(_Out):
    authorize_url: str
    expires_at: int


class TikTokAuthorizationRequest(_In):
    model_config = ConfigDict(extra="forbid")

    # US sellers authorize on TikTok's US host, every other region on the global one.
    seller_region: Literal["US", "OTHER"]


class TikTokCompletion(_In):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(min_length=1, max_length=1024)  # the tiktok_state the page came back with


class TikTokShopChoiceIn(_In):
    model_config = ConfigDict(extra="forbid")

    tiktok_shop_id: str = Field(min_length=1, max_length=40)


class TikTokShopChoice(_Out):
    tiktok_shop_id: str
    name: str
    region: str


class TikTokConnectionOut(_Out):
    # connected | choose (several shops: pick one with POST /v1/connections/tiktok/shop) | not_connected
    status: str
    tiktok_shop_id: str | None = None
    tiktok_shop_name: str | None = None
    shops: list[TikTokShopChoice] = []


class ConnectionHealth(_Summary):
    """The TikTok connection as the merchant should see it."""

    state: TikTokConnection
    tiktok_shop_id: str | None
    region: str | None
    # When the authorization ends (TikTok's type-7 warning, else the refresh token's expiry): the
    # merchant must authorize again before then.
    authorization_expires_at: datetime | None
    reconnect_needed: bool
    message: str | None  # why, and what to do, when something is wrong


class UpgradeRequest(_In):
    model_config = ConfigDict(extra="forbid")

    plan: str = Field(min_length=1, max_length=40)


class UpgradeOut(_Out):
    confirmation_url: str


class Health(_Out):
    status: str
    dynamodb: str


# --- sales insight (GET /v1/sales): amounts are decimal text in the shop's currency ----------------
class SalesFigures(_Out):
    orders: int = Field(description="Paid orders that stand (returned ones included, cancelled not)")
    units: int
    gross_sales: str = Field(description="TikTok's line prices before discounts")
    seller_discounts: str
    platform_discounts: str
    shipping: str = Field(description="Shipping fees after their discounts")
    taxes: str
    net_sales: str = Field(description="Gross sales less both discounts and returns")
    cancelled_orders: int
    cancelled_sales: str
    returned_orders: int
    returned_sales: str
    held_orders: int = Field(description="Orders waiting for the plan's monthly order quota")


class SalesDay(SalesFigures):
    day: date


class SalesRates(_Out):
    cancellation_rate: str = Field(description="Cancelled orders over every paid order, 0 to 1")
    return_rate: str = Field(description="Returned orders over the orders that stand, 0 to 1")
    held_share: str = Field(description="Orders held by the plan's limit over the orders that stand")


class SalesPeriod(_Out):
    first_day: date
    last_day: date
    totals: SalesFigures
    rates: SalesRates


class TopProduct(_Out):
    product_id: str | None = Field(
        description="The Shopify product id; null for a TikTok product of none of ours"
    )
    tiktok_product_id: str | None
    title: str
    status: ProductStatus | None
    tiktok_status: str | None
    units: int
    net_sales: str


class SalesOut(_Out):
    shop: str
    currency: str
    time_zone: str
    days: int
    today: date
    current: SalesPeriod
    previous: SalesPeriod
    daily: list[SalesDay]
    top_by_units: list[TopProduct]
    top_by_net_sales: list[TopProduct]
    top_products_computed_at: datetime | None = Field(
        description=(
            "When the top products were ranked: exact as of then. They are ranked again within"
            " a minute once sales move while the page reads them, and hourly; null before the first"
        )
    )
    top_products_through: date | None = Field(
        description="The last day of the period they were ranked over: today, unless a day passed since"
    )
