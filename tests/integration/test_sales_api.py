"""GET /v1/sales over HTTP: the shop's time zone and currency from Shopify, a period beside the one
before, rates, top products with their TikTok status ranked by the debounced sales digest,
constant reads in bounded items, and the reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connector.activities.runner import run
from connector.dal import keys
from connector.dal.rows import TableRow
from connector.dal.sales_days import day_actions
from connector.dal.store import Store
from connector.domain.entities import Order, Product, Sale, SaleLine
from connector.domain.sales import span_of
from connector.domain.status import OrderStatus
from connector.jobs import Job, JobKind
from connector.sales_reconciliation import reconcile_sales
from connector.values import replace
from connector.wiring import process_ports
from local.aws_calls import counting_dynamodb
from local.queue import RecordingQueue
from local.sales_history import order_history, write_history
from tests.helpers import Harness
from tests.integration.test_dashboard_api import Merchant

pytestmark = pytest.mark.integration


@pytest.fixture
def merchant(api_url: str, shop: str, jobs: RecordingQueue) -> Merchant:
    return Merchant(api_url, shop)


ZONE = "America/New_York"  # the Shopify sandbox's shops


def _sale(day: str, product: str, units: int, price: str, seller: str = "0", platform: str = "0") -> Sale:
    gross = Decimal(price) * units
    net = gross - Decimal(seller) - Decimal(platform)
    return Sale(
        day, "USD", units, gross, Decimal(seller), Decimal(platform), Decimal("4.99"), Decimal("1.00"),
        (SaleLine(product, units, net),),
    )  # fmt: skip


def _paid(shop: str, order_id: str, sale: Sale, **fields: object) -> Order:
    return Order(shop, order_id, OrderStatus.AWAITING_SHIPMENT, "AWAITING_SHIPMENT", 100, sale=sale, **fields)  # type: ignore[arg-type]


def test_first_visit_reads_the_shops_time_zone_and_currency(
    merchant: Merchant, store: Store, shop: str
) -> None:
    answer = merchant.get("/v1/sales", params={"days": 7})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    profile = store.get_shop(shop)
    assert profile is not None and (profile.iana_timezone, profile.currency) == (ZONE, "USD")
    assert (body["time_zone"], body["currency"], body["days"]) == (ZONE, "USD", 7)
    assert body["today"] == datetime.now(ZoneInfo(ZONE)).date().isoformat()
    assert len(body["daily"]) == 7 and body["daily"][-1]["day"] == body["today"]
    assert body["current"]["totals"]["orders"] == 0 and body["top_by_units"] == []
    assert body["top_products_computed_at"] is None


def _digests(jobs: RecordingQueue) -> list[Job]:
    return [
        job for body in jobs.messages if (job := Job.model_validate_json(body)).kind == JobKind.SALES_DIGEST
    ]


def test_a_period_beside_the_one_before_with_rates_and_top_products(
    merchant: Merchant, store: Store, shop: str, jobs: RecordingQueue
) -> None:
    # Given a shop whose orders were paid today and eight days ago, one cancelled, one returned
    merchant.get("/v1/dashboard")
    today = datetime.now(ZoneInfo(ZONE)).date()
    earlier = (today - timedelta(days=8)).isoformat()
    store.commit_product(
        Product(shop, "501", "Canvas Tote", "live", 1, tiktok_product_id="tt-501", tiktok_status="ACTIVATE"),
        {"products_live": 1},
    )
    orders = [
        _paid(shop, "o1", _sale(today.isoformat(), "501", 2, "20.00", seller="3.00")),
        _paid(
            shop, "o2", _sale(today.isoformat(), "tt:777", 1, "50.00", platform="5.00"), held_for_quota=True
        ),
        _paid(shop, "o3", _sale(today.isoformat(), "501", 1, "20.00")),
        _paid(shop, "o4", _sale(earlier, "501", 1, "30.00")),
    ]
    for order in orders:
        assert store.commit_order(order, {"orders_awaiting_shipment": 1}).value == "applied"
    cancelled = store.get_order(shop, "o3")
    assert cancelled is not None
    store.commit_order(
        replace(cancelled, status=OrderStatus.CANCELLED, tiktok_status="CANCELLED"),
        {"orders_awaiting_shipment": -1, "orders_cancelled": 1},
    )
    returned = store.get_order(shop, "o4")
    assert returned is not None
    store.commit_order(replace(returned, return_status="RETURN_OR_REFUND_REQUEST_COMPLETE"), {})

    # When the merchant asks for the last 7 days
    first = merchant.get("/v1/sales", params={"days": 7}).json()

    # Then the figures are there at once; the top products are asked of a digest, once
    assert first["current"]["totals"]["orders"] == 2 and first["top_by_units"] == []
    merchant.get("/v1/sales", params={"days": 7})
    (digest,) = _digests(jobs)
    run(digest, Harness(store).ports)
    body = merchant.get("/v1/sales", params={"days": 7}).json()
    assert len(_digests(jobs)) == 1  # nothing moved since: no new digest

    # Then this week holds o1 and o2 (o3 was cancelled), last week o4, returned
    week = body["current"]["totals"]
    assert (week["orders"], week["units"], week["cancelled_orders"], week["held_orders"]) == (2, 3, 1, 1)
    assert Decimal(week["gross_sales"]) == Decimal("90.00")
    assert (Decimal(week["seller_discounts"]), Decimal(week["platform_discounts"])) == (3, 5)
    assert Decimal(week["net_sales"]) == Decimal("82.00") and Decimal(week["cancelled_sales"]) == 20
    assert (Decimal(week["shipping"]), Decimal(week["taxes"])) == (Decimal("9.98"), 2)
    assert body["current"]["rates"] == {
        "cancellation_rate": "0.3333",
        "return_rate": "0.0000",
        "held_share": "0.5000",
    }
    before = body["previous"]["totals"]
    assert (before["orders"], before["returned_orders"], Decimal(before["returned_sales"])) == (1, 1, 30)
    assert Decimal(before["net_sales"]) == 0 and body["previous"]["rates"]["return_rate"] == "1.0000"
    assert sum(Decimal(day["net_sales"]) for day in body["daily"]) == Decimal(week["net_sales"])
    by_units = [(p["product_id"], p["title"], p["status"], p["units"]) for p in body["top_by_units"]]
    assert by_units == [("501", "Canvas Tote", "live", 2), (None, "TikTok product 777", None, 1)]
    assert [p["tiktok_product_id"] for p in body["top_by_net_sales"]] == ["777", "tt-501"]
    assert body["top_products_through"] == today.isoformat()
    assert datetime.fromisoformat(body["top_products_computed_at"]) > datetime.now(UTC) - timedelta(minutes=1)


def test_sales_cost_the_same_reads_at_10_and_10000_orders(
    merchant: Merchant, store: Store, shop: str
) -> None:
    merchant.get("/v1/dashboard")
    now = datetime.now(UTC)
    products = [str(600 + n) for n in range(20)]
    history = order_history(shop, 10_010, 90, now, products, ZONE)

    def reads_for_sales() -> tuple[int, dict[str, object]]:
        with counting_dynamodb() as calls:
            answer = merchant.get("/v1/sales", params={"days": 90})
        assert answer.status_code == 200
        return sum(calls.requests.values()), answer.json()

    write_history(store, shop, history[:10])
    small_reads, small = reads_for_sales()
    write_history(store, shop, history[10:], with_orders=False)  # what the read touches: the sales items
    large_reads, large = reads_for_sales()

    standing = [o for o in history if o.status != OrderStatus.CANCELLED]
    assert (
        (small["current"]["totals"]["orders"], large["current"]["totals"]["orders"])
        == (  # type: ignore[index]
            sum(1 for o in standing[:10] if o in history[:10]),
            len(standing),
        )
    )
    # profile, one Query over the spans of both periods, the leaderboard, the top products' titles
    assert small_reads == large_reads == 4
    assert len(large["top_by_units"]) == 5 and large["top_products_computed_at"] is not None  # type: ignore[arg-type]


def test_the_reconciliation_repairs_and_reports_drift(merchant: Merchant, store: Store, shop: str) -> None:
    # Given a shop's sales, folded, whose items then drift (a day's figures, a product's share)
    merchant.get("/v1/dashboard")
    write_history(store, shop, order_history(shop, 40, 10, datetime.now(UTC), ["601", "602"], ZONE))
    day = min(store.sales.held(shop))
    month, dd = day[:7], day[8:]
    TableRow(keys.shop_pk(shop), keys.sales_span_sk(span_of(day))).update(
        actions=day_actions({f"{dd}#net_sales": Decimal("-1.23"), f"{dd}#orders": Decimal(2)})
    )
    TableRow(keys.shop_pk(shop), keys.sales_product_sk(month, "601")).update(
        actions=day_actions({f"u{dd}": Decimal(5)})
    )

    # When the reconciliation runs, twice
    # Then it repairs the three, and finds nothing the second time
    assert reconcile_sales(store, shop) == 3
    assert reconcile_sales(store, shop) == 0
    counted = store.sales.recount(shop)
    assert store.sales.held(shop) == {
        d: {n: a for n, a in f.items() if a} for d, f in counted.items() if any(f.values())
    }
    # And it folded the span and ranked the products again
    assert not store.sales.days(shop, day, day).unfolded
    board, _ = store.sales.leaderboard(shop)
    assert board is not None and board.today == datetime.now(ZoneInfo(ZONE)).date()


def test_a_span_and_a_products_month_are_bounded_items(store: Store, shop: str) -> None:
    # Given a day on which 150 products sold
    today = datetime.now(ZoneInfo(ZONE)).date().isoformat()
    for n in range(150):
        sale = _sale(today, str(1000 + n), 1, "10.00")
        assert (
            store.commit_order(_paid(shop, f"b{n}", sale), {"orders_awaiting_shipment": 1}).value == "applied"
        )

    # Then the span's item holds the day's figures, none of the products
    span = TableRow._get_connection().get_item(keys.shop_pk(shop), keys.sales_span_sk(span_of(today)))["Item"]
    assert sorted(span) == sorted(
        ["pk", "sk", "moves", *(f"{today[8:]}#{name}" for name in ("orders", "units", "gross_sales",
         "shipping", "taxes", "net_sales"))]
    )  # fmt: skip
    assert span["moves"] == {"N": "150"}
    # And each product's share is an item of its own, two numbers a day at most
    shares = store.sales.product_shares(shop, today[:7], today[:7])
    assert len(shares[today]) == 300 and shares[today]["pu#1000"] == 1

    # When the sales are folded, the span keeps its figures in one text, exactly
    before = store.sales.days(shop, today, today)
    assert store.sales.fold(shop) == 1
    span = TableRow._get_connection().get_item(keys.shop_pk(shop), keys.sales_span_sk(span_of(today)))["Item"]
    assert sorted(span) == ["days", "moves", "pk", "sk", "version"]
    after = store.sales.days(shop, today, today)
    assert after.figures == before.figures and after.figures[today]["net_sales"] == 1500
    assert before.unfolded and not after.unfolded


def test_amounts_are_labelled_in_the_tiktok_shops_currency(
    merchant: Merchant, store: Store, shop: str
) -> None:
    # Given a Shopify shop in dollars whose TikTok shop sells in the United Kingdom
    merchant.get("/v1/sales", params={"days": 7})
    store.update_shop(shop, tiktok_region="GB")

    # Then TikTok's amounts are labelled in pounds
    assert merchant.get("/v1/sales", params={"days": 7}).json()["currency"] == "GBP"


def test_a_shop_without_a_time_zone_learns_it_from_its_digest(
    merchant: Merchant, store: Store, shop: str, jobs: RecordingQueue
) -> None:
    # Given a shop provisioned before the sales insight: no time zone, no currency
    merchant.get("/v1/dashboard")
    store.update_shop(shop, iana_timezone=None, currency=None)

    # When the merchant reads the sales, in UTC, and the digest it asked for runs
    assert merchant.get("/v1/sales", params={"days": 7}).json()["time_zone"] == "UTC"
    (digest,) = _digests(jobs)
    run(digest, process_ports())

    # Then the shop's days are its own from now on
    profile = store.get_shop(shop)
    assert profile is not None and (profile.iana_timezone, profile.currency) == (ZONE, "USD")
    assert merchant.get("/v1/sales", params={"days": 7}).json()["time_zone"] == ZONE


def test_only_7_30_or_90_days(merchant: Merchant) -> None:
    answer = merchant.get("/v1/sales", params={"days": 8})
    assert answer.status_code == 422
