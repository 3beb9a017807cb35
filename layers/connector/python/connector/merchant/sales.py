"""GET /v1/sales: a period's daily figures beside the period before, its rates and top products.

Constant cost whatever the number of orders: one Query over the shop's day items of each period
(at most one item a day) and one BatchGetItem for the top products' titles and statuses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.api import schemas
from connector.dal.store import Store
from connector.domain import sales
from connector.domain.entities import Shop
from connector.domain.plans import catalogue
from connector.domain.status import ProductStatus

TOP_PRODUCTS = 5
COUNTS = frozenset({"orders", "units", "cancelled_orders", "returned_orders", "held_orders"})


def sales_view(store: Store, shop: Shop, days: int, now: datetime) -> schemas.SalesOut:
    zone = sales.shop_zone(shop.iana_timezone)
    today = now.astimezone(zone).date()
    current, previous = sales.periods(today, days)
    # The period before needs its totals only: its days are read without the products' shares.
    buckets = store.sales_days(shop.domain, current.first.isoformat(), current.last.isoformat())
    buckets |= store.sales_days(
        shop.domain, previous.first.isoformat(), previous.last.isoformat(), figures_only=True
    )
    sold = sales.product_sales(buckets, current)
    by_units = sales.top(sold, "units", TOP_PRODUCTS)
    by_net = sales.top(sold, "net_sales", TOP_PRODUCTS)
    products = store.get_products(
        shop.domain, {p.product for p in by_units + by_net if not p.product.startswith("tt:")}
    )

    def top_product(entry: sales.ProductSales) -> schemas.TopProduct:
        product = products.get(entry.product)
        tiktok_id = entry.product.removeprefix("tt:") if entry.product.startswith("tt:") else None
        return schemas.TopProduct(
            product_id=None if tiktok_id else entry.product,
            tiktok_product_id=tiktok_id or (product.tiktok_product_id if product else None),
            title=product.title if product else _unknown_title(entry.product),
            status=ProductStatus(product.status) if product else None,
            tiktok_status=product.tiktok_status if product else None,
            units=int(entry.units),
            net_sales=str(entry.net_sales),
        )

    return schemas.SalesOut(
        shop=shop.domain,
        currency=shop.currency or catalogue().currency,
        time_zone=zone.key,
        days=days,
        today=today,
        current=_period(buckets, current),
        previous=_period(buckets, previous),
        daily=[
            schemas.SalesDay.model_validate(
                {"day": day, **_figures(sales.totals(buckets, sales.Period(day, day)))}
            )
            for day in current.dates()
        ],
        top_by_units=[top_product(p) for p in by_units],
        top_by_net_sales=[top_product(p) for p in by_net],
    )


def _period(buckets: sales.DayMoves, period: sales.Period) -> schemas.SalesPeriod:
    summed = sales.totals(buckets, period)
    return schemas.SalesPeriod(
        first_day=period.first,
        last_day=period.last,
        totals=schemas.SalesFigures.model_validate(_figures(summed)),
        rates=schemas.SalesRates(**{name: str(rate) for name, rate in sales.rates(summed).items()}),
    )


def _figures(summed: dict[str, Decimal]) -> dict[str, Any]:
    return {name: int(amount) if name in COUNTS else str(amount) for name, amount in summed.items()}


def _unknown_title(key: str) -> str:
    """A product sold on TikTok that is not (or no longer) in the catalog here."""
    return f"TikTok product {key.removeprefix('tt:')}" if key.startswith("tt:") else f"Product {key}"
