"""Sales insight: what each TikTok order adds to its day's figures, and the figures of a period.

An order's sale (its amounts, read from TikTok's complete order detail) counts on the day it was
paid, in the shop's time zone. What it adds depends only on its state now (paid, held for quota,
cancelled, returned, and what a return took back): a write that changes it moves the day's figures
by the difference, in the same transaction, so the buckets always equal a recount from the orders.
Money is Decimal.
The top products of each period (a Leaderboard) are computed from the products' shares of the days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.domain.changes import RETURN_COMPLETE
from connector.domain.entities import Order, Sale, SaleLine
from connector.domain.sales_periods import SalesDays
from connector.domain.status import OrderStatus
from connector.values import Value, replace

if TYPE_CHECKING:  # the store keeps sales moves; only the jobs that read TikTok's orders need these
    from connector.clients.tiktok.models import TikTokLineItem, TikTokOrder, TikTokReturn

ZERO = Decimal("0")

# A day's figures, as the bucket item stores them (counts and amounts alike are numbers).
FIGURES = (
    "orders",
    "units",
    "gross_sales",
    "seller_discounts",
    "platform_discounts",
    "shipping",
    "taxes",
    "net_sales",
    "cancelled_orders",
    "cancelled_sales",
    "returned_orders",
    "returned_sales",
    "held_orders",
)
# A product's share of a day: units and net sales under these prefixes and the product's key.
PRODUCT_UNITS = "pu#"
PRODUCT_NET = "pn#"
TOP_PRODUCTS = 5  # the length of each list of top products


class SaleState(StrEnum):
    PAID = "paid"
    HELD = "held"  # paid, and waiting for the plan's order quota
    CANCELLED = "cancelled"
    RETURNED = "returned"


def sale_of(detail: TikTokOrder, products: Mapping[str, str], iana_timezone: str | None) -> Sale:
    """An order's sale from TikTok's complete detail: TikTok lists one line item per unit, priced
    per unit (``sale_price`` = ``original_price`` - both discounts); the shipping fee is after its
    discounts and the taxes are the payment's. ``products``: TikTok product id -> our product id."""
    from connector.domain.shopify_order import money  # TikTok's amounts: the order jobs' path only

    paid = detail.payment
    shares: dict[str, tuple[int, Decimal]] = {}
    gross = seller = platform = ZERO
    for item in detail.line_items:
        original = (
            money(item.original_price)
            if item.original_price
            else (money(item.sale_price) + money(item.seller_discount) + money(item.platform_discount))
        )
        gross += original
        seller += money(item.seller_discount)
        platform += money(item.platform_discount)
        key = products.get(item.product_id) or f"tt:{item.product_id}"
        units, net = shares.get(key, (0, ZERO))
        shares[key] = (
            units + 1,
            net + original - money(item.seller_discount) - money(item.platform_discount),
        )
    return Sale(
        day=local_day(detail.paid_time or detail.create_time, iana_timezone),
        currency=paid.currency or detail.currency,
        units=len(detail.line_items),
        gross=gross,
        seller_discount=seller,
        platform_discount=platform,
        shipping=money(paid.shipping_fee),
        taxes=money(paid.tax),
        lines=tuple(SaleLine(key, units, net) for key, (units, net) in sorted(shares.items())),
    )


def sale_state(order: Order) -> SaleState | None:
    """The state an order's sale counts in; None when no sale is known (never paid, or its detail
    not read yet)."""
    if order.sale is None:
        return None
    if order.status == OrderStatus.CANCELLED:
        return SaleState.CANCELLED
    if order.return_status == RETURN_COMPLETE:
        return SaleState.RETURNED
    return SaleState.HELD if order.held_for_quota else SaleState.PAID


def returned_lines(
    detail: TikTokOrder, returns: Iterable[TikTokReturn], products: Mapping[str, str]
) -> tuple[SaleLine, ...]:
    """What an order's completed returns took back, per product: each return line item is one of
    the order's line items (one unit), at its price after both discounts, as the sale counted it.
    ``products``: TikTok product id -> our product id."""
    items = {item.line_item_id: item for item in detail.line_items}
    taken: dict[str, tuple[int, Decimal]] = {}
    for completed in returns:
        if completed.return_status != RETURN_COMPLETE:
            continue
        for returned in completed.line_items:
            item = items.get(returned.order_line_item_id)
            if item is None:
                continue
            key = products.get(item.product_id) or f"tt:{item.product_id}"
            units, net = taken.get(key, (0, ZERO))
            taken[key] = (units + 1, net + _unit_net(item))
    return tuple(SaleLine(key, units, net) for key, (units, net) in sorted(taken.items()))


def _unit_net(item: TikTokLineItem) -> Decimal:
    """A unit's price after both discounts (TikTok's sale_price, or its parts)."""
    from connector.domain.shopify_order import money  # TikTok's amounts: the return job's path only

    if item.original_price:
        return money(item.original_price) - money(item.seller_discount) - money(item.platform_discount)
    return money(item.sale_price)


def _given_back(sale: Sale, returned: Sequence[SaleLine]) -> dict[str, Decimal]:
    """A returned sale's net given back, per product: the returns' lines once read, else all of it."""
    if not returned:
        return {line.product: line.net for line in sale.lines}
    back: dict[str, Decimal] = {}
    for line in returned:
        back[line.product] = back.get(line.product, ZERO) + line.net
    return back


def contribution(
    sale: Sale, state: SaleState | None, returned_lines: Sequence[SaleLine] = ()
) -> dict[str, Decimal]:
    """What a sale in ``state`` adds to its day: figures and product shares, by stored name
    (``returned_lines``: what a returned sale's returns took back, when known)."""
    if state is None:
        return {}
    if state is SaleState.CANCELLED:
        return {"cancelled_orders": Decimal(1), "cancelled_sales": sale.net}
    returned = state is SaleState.RETURNED
    back = _given_back(sale, returned_lines) if returned else {}
    returned_net = sum(back.values(), ZERO)
    added = {
        "orders": Decimal(1),
        "units": Decimal(sale.units),
        "gross_sales": sale.gross,
        "seller_discounts": sale.seller_discount,
        "platform_discounts": sale.platform_discount,
        "shipping": sale.shipping,
        "taxes": sale.taxes,
        # Net sales are after returns (Shopify's own definition): a returned order keeps its gross.
        "net_sales": sale.net - returned_net,
    }
    if returned:
        added |= {"returned_orders": Decimal(1), "returned_sales": returned_net}
    if state is SaleState.HELD:
        added["held_orders"] = Decimal(1)
    for line in sale.lines:
        units_key, net_key = PRODUCT_UNITS + line.product, PRODUCT_NET + line.product
        added[units_key] = added.get(units_key, ZERO) + line.units
        added[net_key] = added.get(net_key, ZERO) + line.net - back.pop(line.product, ZERO)
    return added


DayMoves = dict[str, dict[str, Decimal]]  # day -> stored name -> amount to add


def product_share(name: str) -> tuple[str, str] | None:
    """(PRODUCT_UNITS or PRODUCT_NET, the product's key) of a product's share; None for a figure."""
    for prefix in (PRODUCT_UNITS, PRODUCT_NET):
        if name.startswith(prefix):
            return prefix, name.removeprefix(prefix)
    return None


def month_of(day: str) -> str:
    return day[:7]


def span_of(day: str) -> str:
    """The span of a month a day falls in, ``yyyy-mm-{1,2,3}``: days 1-10, 11-20 or 21-31."""
    return f"{day[:7]}-{min(3, 1 + (int(day[8:]) - 1) // 10)}"


def sales_move(order: Order) -> tuple[Order, DayMoves]:
    """The order as it should be written (recording the state its sale now counts in) and what its
    day's figures move by: the new state's contribution less the one counted so far."""
    target = sale_state(order)
    target_returned = order.returned if target is SaleState.RETURNED else ()
    counted = SaleState(order.sale_counted) if order.sale_counted else None
    if (target, target_returned) == (counted, order.returned_counted) or order.sale is None:
        return order, {}
    moves: dict[str, Decimal] = {}
    for name, amount in contribution(order.sale, target, target_returned).items():
        moves[name] = moves.get(name, ZERO) + amount
    for name, amount in contribution(order.sale, counted, order.returned_counted).items():
        moves[name] = moves.get(name, ZERO) - amount
    moved = {name: amount for name, amount in moves.items() if amount}
    written = replace(
        order, sale_counted=None if target is None else target.value, returned_counted=target_returned
    )
    return written, ({order.sale.day: moved} if moved else {})


def add_moves(into: DayMoves, moves: Mapping[str, Mapping[str, Decimal]]) -> None:
    for day, figures in moves.items():
        bucket = into.setdefault(day, {})
        for name, amount in figures.items():
            bucket[name] = bucket.get(name, ZERO) + amount


def recount(orders: Iterable[Order]) -> DayMoves:
    """Every day's figures counted from the orders themselves (the reconciliation's truth)."""
    days: DayMoves = {}
    for order in orders:
        if order.sale is not None:
            state = sale_state(order)
            returned = order.returned if state is SaleState.RETURNED else ()
            add_moves(days, {order.sale.day: contribution(order.sale, state, returned)})
    return days


def shop_zone(iana_timezone: str | None) -> ZoneInfo:
    """The shop's time zone (Shopify's ianaTimezone); UTC for a shop whose zone is not known."""
    try:
        return ZoneInfo(iana_timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(epoch_seconds: int, iana_timezone: str | None) -> str:
    return datetime.fromtimestamp(epoch_seconds, shop_zone(iana_timezone)).date().isoformat()


class Period(Value, frozen=True):
    first: date
    last: date

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def days(self) -> list[str]:
        return [day.isoformat() for day in self.dates()]


def periods(today: date, days: int) -> tuple[Period, Period]:
    """The last ``days`` days up to today, and the ``days`` before them."""
    current = Period(today - timedelta(days=days - 1), today)
    previous = Period(current.first - timedelta(days=days), current.first - timedelta(days=1))
    return current, previous


def totals(buckets: Mapping[str, Mapping[str, Decimal]], period: Period) -> dict[str, Decimal]:
    summed = dict.fromkeys(FIGURES, ZERO)
    for day in period.days():
        for name, amount in buckets.get(day, {}).items():
            if name in summed:  # a figure, not a product's share
                summed[name] += amount
    return summed


def rates(summed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Cancellation rate (of every paid order), return rate and the share held by the plan's limit
    (of the orders that stand), as fractions rounded to 4 places."""
    placed = summed["orders"] + summed["cancelled_orders"]
    return {
        "cancellation_rate": _ratio(summed["cancelled_orders"], placed),
        "return_rate": _ratio(summed["returned_orders"], summed["orders"]),
        "held_share": _ratio(summed["held_orders"], summed["orders"]),
    }


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole if whole else ZERO).quantize(Decimal("0.0001"))


class ProductSales(Value, frozen=True):
    product: str
    units: Decimal
    net_sales: Decimal


def product_sales(buckets: Mapping[str, Mapping[str, Decimal]], period: Period) -> list[ProductSales]:
    """Each product's units and net sales over the period, from the days' product shares."""
    units: dict[str, Decimal] = {}
    net: dict[str, Decimal] = {}
    for day in period.days():
        for name, amount in buckets.get(day, {}).items():
            if name.startswith(PRODUCT_UNITS):
                key = name.removeprefix(PRODUCT_UNITS)
                units[key] = units.get(key, ZERO) + amount
            elif name.startswith(PRODUCT_NET):
                key = name.removeprefix(PRODUCT_NET)
                net[key] = net.get(key, ZERO) + amount
    return [ProductSales(key, units.get(key, ZERO), net.get(key, ZERO)) for key in units.keys() | net.keys()]


def top(products: Sequence[ProductSales], by: str, count: int) -> list[ProductSales]:
    """The ``count`` best by ``by`` ("units" or "net_sales"), ties by product key; none at zero."""
    ranked = sorted(products, key=lambda p: (-getattr(p, by), p.product))
    return [p for p in ranked if getattr(p, by) > 0][:count]


class Leaderboard(Value, frozen=True):
    """The top products of the last 7, 30 and 90 days up to ``today``, exact as of ``computed_at``:
    a bounded list per period and measure, so a read costs the same whatever the catalogue."""

    computed_at: datetime
    today: date
    by_units: Mapping[int, Sequence[ProductSales]]
    by_net_sales: Mapping[int, Sequence[ProductSales]]
    products_sold: int  # over the longest period: what ranking them again costs


def leaderboard(
    shares: Mapping[str, Mapping[str, Decimal]], today: date, computed_at: datetime
) -> Leaderboard:
    """The leaderboard of every period from the products' shares of the days (at least the last 90)."""
    by_units: dict[int, Sequence[ProductSales]] = {}
    by_net_sales: dict[int, Sequence[ProductSales]] = {}
    sold: list[ProductSales] = []
    for days in sorted(SalesDays):
        sold = product_sales(shares, periods(today, days)[0])
        by_units[days.value] = top(sold, "units", TOP_PRODUCTS)
        by_net_sales[days.value] = top(sold, "net_sales", TOP_PRODUCTS)
    sold_any = [p for p in sold if p.units or p.net_sales]  # a cancelled sale leaves its shares at 0
    return Leaderboard(computed_at, today, by_units, by_net_sales, products_sold=len(sold_any))
