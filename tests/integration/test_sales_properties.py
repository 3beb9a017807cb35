"""Property: any permutation of a random history of orders (paid, their sale read from TikTok's
detail, cancelled, returned in part and the return's lines read), with duplicates, delivered by 8
concurrent workers while sales digests fold the moved figures, ends with every day's sales figures
and products' shares equal to a recount from the orders, to the cent, and a digest then ranks the
products as the recount does. DynamoDB Local, the real processor handler for the webhooks and the
order sync's and the return job's own writes for the sales."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.activities.orders import record_order, sale_kept
from connector.clients.tiktok.models import Payment, ReturnLineItem, TikTokLineItem, TikTokOrder, TikTokReturn
from connector.dal.store import Store
from connector.domain.changes import RETURN_COMPLETE
from connector.domain.entities import Shop
from connector.domain.sales import leaderboard, returned_lines, sale_of
from connector.sales_digest import digest_sales
from connector.values import replace
from connector.webhooks.message import QueuedWebhook
from tests.helpers import Harness, at_once, connected_shop, tiktok_message

pytestmark = pytest.mark.integration

WORKERS = 8
DAY = 86_400
START = 1_795_000_000  # epoch seconds: the history's first day
PRODUCTS = ("tt-1", "tt-2", "tt-3")  # TikTok product ids; the first two are products of ours
OURS = {"tt-1": "501", "tt-2": "502"}


@dataclass(frozen=True)
class OrderStory:
    order_id: str
    paid_at: int
    units: tuple[tuple[str, int, int, int], ...]  # (TikTok product, original cents, seller, platform)
    shipping_cents: int
    tax_cents: int
    held: bool
    ending: str  # "paid", "completed", "cancelled", "returned"
    returned_units: int  # how many of its first units a return takes back (when it is returned)

    def detail(self) -> TikTokOrder:
        items = tuple(
            TikTokLineItem(
                line_item_id=f"{self.order_id}-{n}",
                product_id=product,
                sku_id=f"sku-{product}",
                seller_sku="",
                sale_price=_money(original - seller - platform),
                package_id="",
                original_price=_money(original),
                seller_discount=_money(seller),
                platform_discount=_money(platform),
            )
            for n, (product, original, seller, platform) in enumerate(self.units)
        )
        payment = Payment(
            currency="USD", shipping_fee=_money(self.shipping_cents), tax=_money(self.tax_cents)
        )
        return TikTokOrder(
            self.order_id, "AWAITING_SHIPMENT", self.paid_at, self.paid_at, line_items=items, payment=payment
        )

    def completed_return(self) -> TikTokReturn:
        taken = tuple(
            ReturnLineItem(f"r-{self.order_id}-{n}", f"{self.order_id}-{n}", f"sku-{product}")
            for n, (product, *_) in enumerate(self.units[: self.returned_units])
        )
        return TikTokReturn(
            f"r-{self.order_id}", self.order_id, "RETURN_AND_REFUND", RETURN_COMPLETE, line_items=taken
        )


def _money(cents: int) -> str:
    return str(Decimal(cents) / 100)


@st.composite
def order_story(draw: Any, n: int) -> OrderStory:
    unit = st.tuples(
        st.sampled_from(PRODUCTS), st.integers(100, 9_999), st.integers(0, 50), st.integers(0, 50)
    )
    units = tuple(draw(st.lists(unit, min_size=1, max_size=3)))
    return OrderStory(
        order_id=f"o{n}",
        paid_at=START + draw(st.integers(0, 2)) * DAY + draw(st.integers(0, DAY - 1)),
        units=units,
        shipping_cents=draw(st.integers(0, 999)),
        tax_cents=draw(st.integers(0, 999)),
        held=draw(st.booleans()),
        ending=draw(st.sampled_from(["paid", "completed", "cancelled", "returned"])),
        returned_units=draw(st.integers(1, len(units))),
    )


# An event is a webhook for the processor, the order sync recording the sale it read, the return's
# job recording what the return took back, or a fold.
FOLD = "fold"
Event = QueuedWebhook | tuple[str, OrderStory] | str


def _events(shop: str, stories: list[OrderStory]) -> list[Event]:
    events: list[Event] = []
    for story in stories:
        t = story.paid_at

        def status(raw: str, at: int, order_id: str = story.order_id) -> QueuedWebhook:
            return tiktok_message(shop, 1, {"order_id": order_id, "order_status": raw, "update_time": at})

        events += [status("UNPAID", t - 60), status("AWAITING_SHIPMENT", t), ("sale", story)]
        if story.ending in ("completed", "returned"):
            events += [status("IN_TRANSIT", t + 100), status("COMPLETED", t + 200)]
        if story.ending == "cancelled":
            events.append(status("CANCELLED", t + 50))
        if story.ending == "returned":
            for n, step in enumerate(["RETURN_OR_REFUND_REQUEST_PENDING", RETURN_COMPLETE]):
                data = {"order_id": story.order_id, "return_status": step, "update_time": t + 300 + n}
                events.append(tiktok_message(shop, 12, data))
            events.append(("returns", story))
    return events + [FOLD] * 3


def _worker(store: Store, shop: Shop) -> Callable[[list[Event]], list[Event]]:
    run = Harness(store)

    def deliver(lane: list[Event]) -> list[Event]:
        """What could not be applied yet (SQS would deliver it again)."""
        failed: list[Event] = []
        for event in lane:
            if isinstance(event, QueuedWebhook):
                if run.deliver(event)["batchItemFailures"]:
                    failed.append(event)
                continue
            if event == FOLD:
                store.sales.fold(shop.domain)  # racing the orders' writes: may leave a month
                continue
            assert isinstance(event, tuple)
            kind, story = event
            if kind == "returns":
                taken = returned_lines(story.detail(), [story.completed_return()], OURS)
                took = partial(replace, returned=taken)
                if record_order(run.ports, shop, story.order_id, took) is None:
                    failed.append(event)
                continue
            sale = sale_kept(sale_of(story.detail(), OURS, shop.iana_timezone))
            if record_order(run.ports, shop, story.order_id, sale, held_for_quota=story.held) is None:
                failed.append(event)  # the job runs once the paid order exists: not yet
        return failed

    return deliver


def _deliver_concurrently(store: Store, shop: Shop, events: list[Event]) -> None:
    pending = events
    for _ in range(30):
        if not pending:
            return
        pending = _one_round(store, shop, pending)
    raise AssertionError(f"{len(pending)} events never applied")


def _one_round(store: Store, shop: Shop, pending: list[Event]) -> list[Event]:
    """The events dealt to 8 workers at once; what they could not apply yet."""
    lanes = [pending[i::WORKERS] for i in range(WORKERS)]
    workers = [_worker(store, shop) for _ in lanes]
    results: list[list[Event]] = [[] for _ in lanes]

    def work(n: int) -> None:
        results[n] = workers[n](lanes[n])

    assert at_once([lambda n=n: work(n) for n in range(WORKERS)]) == []
    return [event for failed in results for event in failed]


def _expected(stories: list[OrderStory], zone: str) -> dict[str, dict[str, Decimal]]:
    """The figures each day should show, counted from the stories by hand."""
    days: dict[str, dict[str, Decimal]] = {}
    for story in stories:
        day = sale_of(story.detail(), OURS, zone).day
        figures = days.setdefault(day, {})
        net = sum(Decimal(o - s - p) for _, o, s, p in story.units) / 100

        def add(name: str, amount: Decimal, figures: dict[str, Decimal] = figures) -> None:
            figures[name] = figures.get(name, Decimal(0)) + amount

        if story.ending == "cancelled":
            add("cancelled_orders", Decimal(1))
            add("cancelled_sales", net)
            continue
        add("orders", Decimal(1))
        add("units", Decimal(len(story.units)))
        add("gross_sales", sum(Decimal(o) for _, o, _, _ in story.units) / 100)
        add("shipping", Decimal(story.shipping_cents) / 100)
        taken = sum(Decimal(o - s - p) for _, o, s, p in story.units[: story.returned_units]) / 100
        returned = taken if story.ending == "returned" else Decimal(0)
        add("net_sales", net - returned)
        add("returned_sales", returned)
        add("held_orders", Decimal(1 if story.held and story.ending != "returned" else 0))
    return days


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_delivery_of_order_histories_ends_with_figures_equal_to_a_recount(
    store: Store, data: Any
) -> None:
    stories = [data.draw(order_story(n)) for n in range(data.draw(st.integers(1, 5)))]
    domain = f"sales-{uuid.uuid4().hex[:10]}.myshopify.com"
    connected_shop(store, domain)
    store.update_shop(domain, iana_timezone="America/Los_Angeles", currency="USD")
    shop = store.get_shop(domain)
    assert shop is not None
    events = _events(domain, stories)
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    delivered = data.draw(st.permutations(events + duplicates))

    _deliver_concurrently(store, shop, delivered)

    held, counted = store.sales.held(domain), store.sales.recount(domain)
    assert held == _nonzero(counted)
    for day, figures in _expected(stories, "America/Los_Angeles").items():
        assert {name: held.get(day, {}).get(name, Decimal(0)) for name in figures} == figures, day

    # And a digest folds what is left and ranks the products exactly as the recount does
    board = digest_sales(store, domain, datetime.now(UTC))
    assert store.sales.held(domain) == held
    assert store.sales.leaderboard(domain)[0] == board == leaderboard(counted, board.today, board.computed_at)


def _nonzero(days: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
    """The figures but those at zero (an ADD that moved a figure back leaves it at 0)."""
    kept = {
        day: {name: amount for name, amount in figures.items() if amount} for day, figures in days.items()
    }
    return {day: figures for day, figures in kept.items() if figures}
