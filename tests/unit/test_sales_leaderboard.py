"""The top products of each period, ranked from the products' shares of the days, how often a
shop's sales digest may run, and the spans of ten days the figures are kept in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from connector.domain.sales import PRODUCT_NET, PRODUCT_UNITS, Leaderboard, ProductSales, leaderboard, span_of
from connector.sales_digest import DIGEST_EVERY_SECONDS, PRODUCTS_PER_STEP, digest_every

TODAY = date(2026, 11, 30)


def _share(days_ago: int, product: str, units: int, net: str) -> tuple[str, dict[str, Decimal]]:
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    return day, {PRODUCT_UNITS + product: Decimal(units), PRODUCT_NET + product: Decimal(net)}


def test_each_period_ranks_its_own_days_by_units_and_by_net_sales() -> None:
    # Given a tote sold this week, a mug a fortnight ago, a lamp two months ago (most units)
    shares = dict(
        [_share(0, "tote", 2, "40.00"), _share(14, "mug", 3, "15.00"), _share(60, "lamp", 9, "90.00")]
    )

    # When the products are ranked
    board = leaderboard(shares, TODAY, datetime(2026, 11, 30, 12, tzinfo=UTC))

    # Then each period holds the products sold within it, best first
    assert [p.product for p in board.by_units[7]] == ["tote"]
    assert [p.product for p in board.by_units[30]] == ["mug", "tote"]
    assert [p.product for p in board.by_net_sales[30]] == ["tote", "mug"]
    assert board.by_units[90][0] == ProductSales("lamp", Decimal(9), Decimal("90.00"))
    assert board.products_sold == 3


def test_a_returned_product_keeps_its_units_and_leaves_the_net_sales_list() -> None:
    board = leaderboard(dict([_share(1, "tote", 1, "0")]), TODAY, datetime.now(UTC))

    assert [p.product for p in board.by_units[7]] == ["tote"] and board.by_net_sales[7] == []


def test_only_five_products_a_list() -> None:
    shares = {
        (TODAY - timedelta(days=1)).isoformat(): {PRODUCT_UNITS + str(n): Decimal(n) for n in range(1, 9)}
    }

    board = leaderboard(shares, TODAY, datetime.now(UTC))

    assert [p.product for p in board.by_units[7]] == ["8", "7", "6", "5", "4"]
    assert board.products_sold == 8


def test_a_shop_selling_many_products_is_ranked_less_often() -> None:
    def board(sold: int) -> Leaderboard:
        return Leaderboard(datetime.now(UTC), TODAY, {}, {}, products_sold=sold)

    assert digest_every(None) == DIGEST_EVERY_SECONDS
    assert digest_every(board(PRODUCTS_PER_STEP - 1)) == DIGEST_EVERY_SECONDS
    assert digest_every(board(5 * PRODUCTS_PER_STEP)) == 6 * DIGEST_EVERY_SECONDS


def test_a_month_is_three_spans_the_last_taking_its_remaining_days() -> None:
    days = ["2026-02-01", "2026-02-10", "2026-02-11", "2026-02-20", "2026-02-21", "2026-01-31"]
    assert [span_of(day) for day in days] == [
        "2026-02-1", "2026-02-1", "2026-02-2", "2026-02-2", "2026-02-3", "2026-01-3",
    ]  # fmt: skip
