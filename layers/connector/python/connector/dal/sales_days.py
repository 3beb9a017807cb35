"""The sales figures of each shop in the table, kept in bounded items so that a read costs the same
whatever the number of orders and products:

- ``SALES#{yyyy-mm}-{1,2,3}``, one item a span of a month (days 1-10, 11-20, 21-31). The orders'
  moves land in numbers named ``{dd}#{figure}`` by ADD, in the transaction that changes an order's
  sale state (Store._transact), each move also adding 1 to ``moves``. A fold (``fold``, the
  sales digest's) moves those numbers into ``days``, one compact JSON text of the span's figures
  day by day, in one conditional update of the same item: a read (one Query over the spans)
  therefore sees every item whole and parses a few attributes a span instead of 13 numbers a
  day. A span, not a month: every order's move writes the item, and a write costs by its size
  (about 1.5 KB for ten busy days).
- ``SALESPRODUCT#{yyyy-mm}#{product}``: a product's units and net sales each day of a month
  (``u{dd}``, ``n{dd}``), moved by ADD in the same transaction; at most 62 numbers.
- ``SALESTOP``: the top products of each period (domain ``Leaderboard``), computed from the
  product-month items by the sales digest, with when it was computed and asked for.

Amounts are DynamoDB numbers written from Decimal text and read back as Decimal: the low-level
client's answer is read here because PynamoDB's models drop attributes they do not declare and
read numbers as floats."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from connector.dal import convert, keys
from connector.dal.rows import OrderRow, TableRow
from connector.dal.table import applied
from connector.domain.sales import (
    FIGURES,
    PRODUCT_NET,
    PRODUCT_UNITS,
    ZERO,
    DayMoves,
    Leaderboard,
    ProductSales,
    month_of,
    product_share,
    recount,
    span_of,
)
from connector.values import Value, field

DayFigures = dict[str, dict[str, Decimal]]  # day -> stored name -> amount
FOLDED, VERSION, MOVES = "days", "version", "moves"  # a span item's folded days and its counts
BOARD, COMPUTED_AT, TODAY, DIGEST_ASKED = "board", "computed_at", "today", "digest_asked"
# Actions in one update: DynamoDB caps an expression at 4 KB (a repair or fold may touch a span).
ACTIONS_PER_UPDATE = 100
EVERY_MONTH = ("0000-00", "9999-99")


def day_actions(figures: Mapping[str, Decimal]) -> list[Action]:
    # A list path: a product key is one attribute name, whatever characters it holds.
    return [Path([name]).add({"N": str(amount)}) for name, amount in sorted(figures.items()) if amount]


def _sales_updates(shop: str, moves: DayMoves) -> list[tuple[TableRow, list[Action], bool]]:
    """The updates that move the days' figures and products' shares, one per span and one per
    product-month moved: (the item, its ADD actions, whether it is a span, whose ``moves`` count)."""
    spans: dict[str, dict[str, Decimal]] = {}
    products: dict[tuple[str, str], dict[str, Decimal]] = {}
    for day, named in moves.items():
        for name, amount in named.items():
            share = product_share(name)
            if share is None:
                held, attribute = spans.setdefault(span_of(day), {}), f"{day[8:]}#{name}"
            else:
                held = products.setdefault((month_of(day), share[1]), {})
                attribute = ("u" if share[0] == PRODUCT_UNITS else "n") + day[8:]
            held[attribute] = held.get(attribute, ZERO) + amount
    pk = keys.shop_pk(shop)
    updates = [
        (TableRow(pk, keys.sales_span_sk(span)), day_actions(f), True) for span, f in sorted(spans.items())
    ]
    updates += [
        (TableRow(pk, keys.sales_product_sk(month, product)), day_actions(shares), False)
        for (month, product), shares in sorted(products.items())
    ]
    return [(row, actions, is_span) for row, actions, is_span in updates if actions]


def _counted(actions: list[Action], is_span: bool) -> list[Action]:
    return [*actions, Path([MOVES]).add({"N": "1"})] if is_span else actions


def add_day_moves(transaction: TransactWrite, shop: str, moves: DayMoves) -> None:
    """The days' moves, inside the caller's transaction: one ADD update per span and per
    product-month moved."""
    for row, actions, is_span in _sales_updates(shop, moves):
        transaction.update(row, actions=_counted(actions, is_span))


class SalesSpan(Value, frozen=True):
    """One span item as read: its folded days and the numbers moved since the last fold."""

    span: str
    version: int | None  # None before its first fold
    moves: Decimal | None  # None while nothing ever moved it (a repair's tampering aside)
    folded: DayFigures
    moved: dict[str, Decimal] = field(default_factory=dict)  # "{dd}#{figure}" -> amount

    def figures(self) -> DayFigures:
        days = {day: dict(figures) for day, figures in self.folded.items()}
        for attribute, amount in self.moved.items():
            dd, name = attribute.split("#", 1)
            figures = days.setdefault(f"{month_of(self.span)}-{dd}", {})
            figures[name] = figures.get(name, ZERO) + amount
        return days


class HeldSales(Value, frozen=True):
    figures: DayFigures
    unfolded: bool  # some moves are not folded yet: the top products may be older than them


class SalesDays:
    """Reads, folds and repairs the sales items: the store's ``sales``."""

    def days(self, shop: str, first_day: str, last_day: str) -> HeldSales:
        """Every day's figures from ``first_day`` to ``last_day`` (ISO dates): one Query over at
        most one item per ten days, whatever the number of orders."""
        figures: DayFigures = {}
        unfolded = False
        for span in self._spans(shop, span_of(first_day), span_of(last_day)):
            unfolded |= bool(span.moved)
            for day, named in span.figures().items():
                if first_day <= day <= last_day:
                    figures[day] = named
        return HeldSales(figures, unfolded)

    def product_shares(self, shop: str, first_month: str, last_month: str) -> DayFigures:
        """Every product's units and net sales by day over the months, as ``pu#``/``pn#`` names:
        one Query over the product-month items (one per product sold in a month)."""
        shares: DayFigures = {}
        between = (keys.sales_product_sk(first_month, ""), keys.sales_product_sk(last_month, "\uffff"))
        for item in _query(shop, *between):
            month, product = item["sk"]["S"].removeprefix(keys.SALES_PRODUCT).split("#", 1)
            for attribute, value in item.items():
                if "N" in value and Decimal(value["N"]):  # moved back to 0: a sale cancelled
                    prefix = PRODUCT_UNITS if attribute[0] == "u" else PRODUCT_NET
                    day = shares.setdefault(f"{month}-{attribute[1:]}", {})
                    day[prefix + product] = Decimal(value["N"])
        return shares

    def held(self, shop: str) -> DayFigures:
        """Every figure and product share the shop's items hold, by day (the reconciliation's)."""
        held = self.days(shop, "0000-00-01", "9999-99-31").figures
        for day, shares in self.product_shares(shop, *EVERY_MONTH).items():
            held.setdefault(day, {}).update(shares)
        # A number moved back to zero, or folded away, is the same nothing.
        kept = {day: {name: n for name, n in named.items() if n} for day, named in held.items()}
        return {day: named for day, named in kept.items() if named}

    def fold(self, shop: str, first_day: str = "0000-00-01", last_day: str = "9999-99-31") -> int:
        """Fold the moved numbers of the spans of these days (every day unless told) into their
        days; returns how many spans were folded. A span that moved meanwhile is left for the next
        fold (nothing is lost either way)."""
        spans = self._spans(shop, span_of(first_day), span_of(last_day))
        return sum(_fold(shop, span) for span in spans if span.moved)

    def recount(self, shop: str) -> DayFigures:
        """Every day's figures and product shares counted from the shop's orders (the
        reconciliation's truth)."""
        rows = OrderRow.query(keys.shop_pk(shop), OrderRow.sk.startswith(keys.ORDER), consistent_read=True)
        return recount(convert.order_from_row(row) for row in rows)

    def repair(self, shop: str, drift: DayMoves) -> None:
        """Add the drift a reconciliation measured, like an order's moves but outside a transaction."""
        for row, actions, is_span in _sales_updates(shop, drift):
            for start in range(0, len(actions), ACTIONS_PER_UPDATE):
                row.update(actions=_counted(actions[start : start + ACTIONS_PER_UPDATE], is_span))

    def leaderboard(self, shop: str) -> tuple[Leaderboard | None, int]:
        """The shop's top products and when a digest was last asked for (epoch seconds, 0: never)."""
        item = TableRow._get_connection().get_item(keys.shop_pk(shop), keys.SALES_TOP, consistent_read=True)
        found = item.get("Item", {})
        asked = int(found[DIGEST_ASKED]["N"]) if DIGEST_ASKED in found else 0
        if BOARD not in found:
            return None, asked
        board = json.loads(found[BOARD]["S"])
        return (
            Leaderboard(
                datetime.fromisoformat(found[COMPUTED_AT]["S"]),
                date.fromisoformat(found[TODAY]["S"]),
                {int(days): _ranked(ranked) for days, ranked in board["by_units"].items()},
                {int(days): _ranked(ranked) for days, ranked in board["by_net_sales"].items()},
                board["products_sold"],
            ),
            asked,
        )

    def save_leaderboard(self, shop: str, board: Leaderboard) -> bool:
        """Keep a newly computed leaderboard, unless one computed later is there already."""
        text = json.dumps(
            {
                "by_units": {str(d): _listed(ranked) for d, ranked in board.by_units.items()},
                "by_net_sales": {str(d): _listed(ranked) for d, ranked in board.by_net_sales.items()},
                "products_sold": board.products_sold,
            },
            separators=(",", ":"),
        )
        computed_at = board.computed_at.isoformat()
        return applied(
            TableRow(keys.shop_pk(shop), keys.SALES_TOP).update,
            actions=[
                Path([BOARD]).set({"S": text}),
                Path([COMPUTED_AT]).set({"S": computed_at}),
                Path([TODAY]).set({"S": board.today.isoformat()}),
            ],
            condition=Path([COMPUTED_AT]).does_not_exist() | (Path([COMPUTED_AT]) <= {"S": computed_at}),
        )

    def ask_digest(self, shop: str, at: int, every: int) -> bool:
        """Note that a digest is asked for at ``at`` (epoch seconds); False when one was asked for
        less than ``every`` seconds before (it is on its way: the ask is debounced)."""
        return applied(
            TableRow(keys.shop_pk(shop), keys.SALES_TOP).update,
            actions=[Path([DIGEST_ASKED]).set({"N": str(at)})],
            condition=Path([DIGEST_ASKED]).does_not_exist()
            | (Path([DIGEST_ASKED]) <= {"N": str(at - every)}),
        )

    def _spans(self, shop: str, first_span: str, last_span: str) -> list[SalesSpan]:
        between = (keys.sales_span_sk(first_span), keys.sales_span_sk(last_span))
        # A day item of the layout before spans (SALES#{yyyy-mm-dd}) sorts among them: it is not
        # read, and the reconciliation counts its orders into their spans.
        items = (item for item in _query(shop, *between) if len(item["sk"]["S"]) == len(between[0]))
        return [_span(item) for item in items]


def _query(shop: str, first_sk: str, last_sk: str) -> Iterator[dict[str, Any]]:
    """The raw items of a key range of the shop's partition, every page of a consistent Query."""
    dynamodb = TableRow._get_connection()
    start: dict[str, Any] | None = None
    while True:
        page = dynamodb.query(
            keys.shop_pk(shop),
            TableRow.sk.between(first_sk, last_sk),
            consistent_read=True,
            exclusive_start_key=start,
        )
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def _span(item: Mapping[str, Any]) -> SalesSpan:
    span = item["sk"]["S"].removeprefix(keys.SALES_SPAN)
    return SalesSpan(
        span,
        int(item[VERSION]["N"]) if VERSION in item else None,
        Decimal(item[MOVES]["N"]) if MOVES in item else None,
        _folded_days(month_of(span), item[FOLDED]["S"]) if FOLDED in item else {},
        {name: Decimal(value["N"]) for name, value in item.items() if "#" in name and "N" in value},
    )


def _fold(shop: str, span: SalesSpan) -> bool:
    """Move the span's moved numbers into its folded days, in updates of the span item each
    conditioned on its version and on ``moves`` unchanged since it was read (so the numbers
    removed are exactly those read); False when the span moved meanwhile."""
    row = TableRow(keys.shop_pk(shop), keys.sales_span_sk(span.span))
    folded, version = span.folded, span.version
    names = sorted(span.moved)
    for start in range(0, len(names), ACTIONS_PER_UPDATE):
        chunk = {name: span.moved[name] for name in names[start : start + ACTIONS_PER_UPDATE]}
        folded = SalesSpan(span.span, version, span.moves, folded, chunk).figures()
        condition = _unchanged(MOVES, span.moves) & _unchanged(VERSION, version)
        actions: list[Action] = [
            Path([FOLDED]).set({"S": _folded_text(folded)}),
            Path([VERSION]).set({"N": str((version or 0) + 1)}),
            *(Path([name]).remove() for name in chunk),
        ]
        try:
            if not applied(row.update, actions=actions, condition=condition):
                return False
        except UpdateError as error:
            if error.cause_response_code != "TransactionConflictException":
                raise
            return False  # an order's transaction is moving the span right now: next fold
        version = (version or 0) + 1
    return True


def _unchanged(name: str, value: Decimal | int | None) -> Condition:
    return Path([name]).does_not_exist() if value is None else Path([name]) == {"N": str(value)}


def _folded_text(days: DayFigures) -> str:
    """The span's days as one text: the figures' names once, then each day's amounts in their
    order. Every order's move writes the span item, whose size sets what a write costs: the text
    is kept small (about 1.5 KB for ten busy days, where naming each amount takes 3)."""
    names = list(FIGURES) + sorted({n for named in days.values() for n in named} - set(FIGURES))
    rows = {
        day[8:]: [str(named.get(name, ZERO)) for name in names]
        for day, named in sorted(days.items())
        if any(named.values())
    }
    return json.dumps({"figures": names, "days": rows}, separators=(",", ":"))


def _folded_days(month: str, text: str) -> DayFigures:
    folded = json.loads(text)
    return {
        f"{month}-{dd}": {
            name: Decimal(v) for name, v in zip(folded["figures"], amounts, strict=True) if Decimal(v)
        }
        for dd, amounts in folded["days"].items()
    }


def _listed(ranked: Sequence[ProductSales]) -> list[list[str]]:
    return [[p.product, str(p.units), str(p.net_sales)] for p in ranked]


def _ranked(listed: Sequence[Sequence[str]]) -> list[ProductSales]:
    return [ProductSales(product, Decimal(units), Decimal(net)) for product, units, net in listed]


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
