"""GET /v1/sales: a period's daily figures beside the period before, its rates and top products.

Constant cost whatever the number of orders and products: one Query over the items of both periods,
one per ten days (at most 19), one GetItem of the top products (the leaderboard), one BatchGetItem for
their titles and statuses. A read that finds sales moved since the leaderboard was computed asks
for a digest (connector.sales_digest), which folds them and ranks the products again."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connector.api import schemas
from connector.dal.sales_days import HeldSales
from connector.domain import sales
from connector.domain.entities import Shop
from connector.domain.plans import catalogue
from connector.domain.status import ProductStatus
from connector.listing.regions import Region
from connector.sales_digest import ask_for_digest, digest_every
from connector.wiring import Ports

COUNTS = frozenset({"orders", "units", "cancelled_orders", "returned_orders", "held_orders"})


def sales_view(ports: Ports, shop: Shop, days: int, now: datetime) -> schemas.SalesOut:
    store = ports.store
    zone = sales.shop_zone(shop.iana_timezone)
    today = now.astimezone(zone).date()
    current, previous = sales.periods(today, days)
    held = store.sales.days(shop.domain, previous.first.isoformat(), current.last.isoformat())
    board, asked = store.sales.leaderboard(shop.domain)
    if _stale(shop, board, held, today) and now.timestamp() - asked >= digest_every(board):
        ask_for_digest(ports, shop.domain, board, now)
    by_units = list(board.by_units.get(days, ())) if board else []
    by_net = list(board.by_net_sales.get(days, ())) if board else []
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

    buckets = held.figures
    return schemas.SalesOut(
        shop=shop.domain,
        currency=_currency(shop),
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
        top_products_computed_at=board.computed_at if board else None,
        top_products_through=board.today if board else None,
    )


def _currency(shop: Shop) -> str:
    """The amounts are TikTok's, in the TikTok shop's currency (its region's), which need not be
    the Shopify shop's; that, or the plans', until the TikTok shop is known."""
    region = Region(shop.tiktok_region or "")
    return region.currency if region.known else shop.currency or catalogue().currency


def _stale(shop: Shop, board: sales.Leaderboard | None, held: HeldSales, today: date) -> bool:
    """Whether a digest is due: moves not folded yet, a new day, or a shop whose time zone the
    digest must read."""
    new_day = board.today != today if board else bool(held.figures)
    return held.unfolded or new_day or shop.iana_timezone is None


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
