"""The sales insight (GET /v1/sales): amounts are decimal text in the shop's currency."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from connector.api.schemas import _Out
from connector.domain.status import ProductStatus


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
