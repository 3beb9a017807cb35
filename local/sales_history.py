"""A shop's TikTok order history with sales, for the demo shop, the tests and the benchmark: orders
paid over the last weeks (some cancelled, some returned, a few held for quota), written as the
order sync leaves them. Never shipped."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connector.dal import convert
from connector.dal.rows import OrderRow
from connector.dal.store import Store
from connector.domain.entities import Order, Sale, SaleLine
from connector.domain.sales import recount, sale_state, shop_zone
from connector.domain.status import OrderStatus
from connector.sales_digest import digest_sales
from connector.values import replace

CENT = Decimal("0.01")


def order_history(
    shop: str,
    count: int,
    days: int,
    now: datetime,
    products: Sequence[str],
    iana_timezone: str | None = None,
    seed: int = 7,
) -> list[Order]:
    """``count`` paid orders spread over the last ``days`` days (weekends busier, a rising trend),
    each selling 1-3 units of ``products`` (our product ids, or "tt:" TikTok ones)."""
    rng = random.Random(seed)
    today = now.astimezone(shop_zone(iana_timezone)).date()
    weights = [
        (2 - n / days) * (1.6 if (today - timedelta(days=n)).weekday() >= 5 else 1) for n in range(days)
    ]
    weights.reverse()  # oldest first: the trend rises toward today
    orders = []
    for n in range(count):
        day = today - timedelta(days=days - 1 - rng.choices(range(days), weights)[0])
        lines: dict[str, tuple[int, Decimal]] = {}
        gross = seller = platform = Decimal(0)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            product = rng.choice(products)
            price = Decimal(rng.randrange(1200, 8900)) * CENT
            off_seller = (price * Decimal(rng.choice((0, 0, 0, 10, 15))) / 100).quantize(CENT)
            off_platform = (price * Decimal(rng.choice((0, 0, 0, 0, 5))) / 100).quantize(CENT)
            units, net = lines.get(product, (0, Decimal(0)))
            lines[product] = (units + 1, net + price - off_seller - off_platform)
            gross, seller, platform = gross + price, seller + off_seller, platform + off_platform
        sale = Sale(
            day=day.isoformat(),
            currency="USD",
            units=sum(units for units, _ in lines.values()),
            gross=gross,
            seller_discount=seller,
            platform_discount=platform,
            shipping=Decimal(rng.choice(("0", "0", "4.99", "6.50"))),
            taxes=((gross - seller - platform) * Decimal("0.0725")).quantize(CENT),
            lines=tuple(SaleLine(p, units, net) for p, (units, net) in sorted(lines.items())),
        )
        fate = rng.random()
        status = OrderStatus.CANCELLED if fate < 0.06 else OrderStatus.COMPLETED
        order = Order(
            shop,
            f"57{seed:03d}{n:010d}",
            status,
            "CANCELLED" if status == OrderStatus.CANCELLED else "COMPLETED",
            int(now.timestamp()) - (today - day).days * 86_400,
            return_status="RETURN_OR_REFUND_REQUEST_COMPLETE" if 0.06 <= fate < 0.1 else None,
            held_for_quota=status != OrderStatus.CANCELLED and fate > 0.97,
            sale=sale,
        )
        orders.append(order)
    return orders


def write_history(
    store: Store, shop: str, orders: Sequence[Order], with_orders: bool = True, digested: bool = True
) -> None:
    """Write the orders in batches with their sales counted (the order sync's outcome), then add
    what they count to the status counters and to their days' figures and products' shares (the
    reconciliation's repair writes) and, ``digested``, fold them and rank the top products (the
    sales digest, as the reconciliation ends). Without ``with_orders``, only the sales items: what
    a sales read touches, for tests and benchmarks of that read at 10,000 or 100,000 orders
    (DynamoDB Local writes 10,000 orders in about 20 s)."""
    if with_orders:
        _write_orders(store, shop, orders)
    store.sales.repair(shop, recount(orders))
    if digested:
        digest_sales(store, shop, datetime.now(UTC))


def _write_orders(store: Store, shop: str, orders: Sequence[Order]) -> None:
    with OrderRow.batch_write() as batch:
        for order in orders:
            state = sale_state(order)
            counted = replace(order, sale_counted=None if state is None else state.value)
            batch.save(convert.order_to_row(counted, 1))
    store.repair_counters(shop, Counter(f"orders_{order.status}" for order in orders))
