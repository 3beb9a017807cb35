"""The sales figures of each shop-day in the table: one item per day (``keys.sales_day_sk``), whose
numbers (figures, and each product's units and net sales as ``pu#``/``pn#`` attributes) only ever
move by ADD in the transaction that changes an order's sale state (Store._transact).

Amounts are DynamoDB numbers written from Decimal text and read back as Decimal: the low-level
client's answer is read here because PynamoDB's models drop attributes they do not declare and
read numbers as floats."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from connector.dal import convert, keys
from connector.dal.rows import OrderRow, TableRow
from connector.domain.sales import FIGURES, ZERO, DayMoves, recount

DayFigures = dict[str, dict[str, Decimal]]  # day -> stored name -> amount


def day_actions(figures: Mapping[str, Decimal]) -> list[Action]:
    # A list path: a product key is one attribute name, whatever characters it holds.
    return [Path([name]).add({"N": str(amount)}) for name, amount in sorted(figures.items()) if amount]


def add_day_moves(transaction: TransactWrite, shop: str, moves: DayMoves) -> None:
    """One ADD update per day moved, inside the caller's transaction."""
    for day, figures in sorted(moves.items()):
        actions = day_actions(figures)
        if actions:
            transaction.update(TableRow(keys.shop_pk(shop), keys.sales_day_sk(day)), actions=actions)


class SalesDays:
    """Reads and repairs the per-day sales figures; the store's sales methods."""

    def sales_days(self, shop: str, first_day: str, last_day: str, figures_only: bool = False) -> DayFigures:
        """Every day's figures from ``first_day`` to ``last_day`` (ISO dates): one Query over a key
        range of at most one item a day, whatever the number of orders (with ``figures_only``, the
        figures without the products' shares)."""
        dynamodb = TableRow._get_connection()
        found: DayFigures = {}
        start: dict[str, Any] | None = None
        while True:
            page = dynamodb.query(
                keys.shop_pk(shop),
                TableRow.sk.between(keys.sales_day_sk(first_day), keys.sales_day_sk(last_day)),
                consistent_read=True,
                exclusive_start_key=start,
                attributes_to_get=["sk", *FIGURES] if figures_only else None,
            )
            for item in page.get("Items", []):
                day = item["sk"]["S"].removeprefix(keys.SALES_DAY)
                found[day] = {name: Decimal(value["N"]) for name, value in item.items() if "N" in value}
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    def recount_sales(self, shop: str) -> DayFigures:
        """Every day's figures counted from the shop's orders (the reconciliation's truth)."""
        rows = OrderRow.query(keys.shop_pk(shop), OrderRow.sk.startswith(keys.ORDER), consistent_read=True)
        return recount(convert.order_from_row(row) for row in rows)

    def repair_sales(self, shop: str, drift: DayMoves) -> None:
        """Add the drift a reconciliation measured to each day it found wrong."""
        for day, figures in sorted(drift.items()):
            actions = day_actions(figures)
            if actions:
                TableRow(keys.shop_pk(shop), keys.sales_day_sk(day)).update(actions=actions)


def drift_between(counted: DayFigures, held: DayFigures) -> DayMoves:
    """What must be added to ``held`` to make it ``counted``, by day and name (zeros left out)."""
    drift: DayMoves = {}
    for day in counted.keys() | held.keys():
        want, have = counted.get(day, {}), held.get(day, {})
        moved = {n: want.get(n, ZERO) - have.get(n, ZERO) for n in want.keys() | have.keys()}
        moved = {n: amount for n, amount in moved.items() if amount}
        if moved:
            drift[day] = moved
    return drift
