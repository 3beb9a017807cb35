"""Every model written and read through the data-access module, on DynamoDB Local."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connector.dal.store import CommitOutcome, Delivery, Store
from connector.domain.deliveries import RECENT_DELIVERIES, delivery_digest, holds, remembering
from connector.domain.entities import (
    Activity,
    ActivityState,
    ActivityType,
    InstallState,
    Order,
    Plan,
    Product,
    Shop,
    SubscriptionState,
    SyncSettings,
    TikTokConnection,
    Variant,
)
from connector.values import replace

pytestmark = pytest.mark.integration


def _product(shop: str, pid: str, status: str = "not_uploaded", at: int = 1_700_000_000) -> Product:
    return Product(
        shop=shop,
        shopify_product_id=pid,
        title=f"Product {pid}",
        status=status,
        status_time=at,
        variants=(Variant("v" + pid, sku="SKU-" + pid, price=Decimal("19.90"), inventory=3),),
    )


def _order(shop: str, oid: str, raw: str = "AWAITING_SHIPMENT", at: int = 1_700_000_000) -> Order:
    return Order(
        shop=shop,
        tiktok_order_id=oid,
        status="awaiting_shipment",
        tiktok_status=raw,
        update_time=at,
        created_at=at,
    )


def test_shop_profile_and_tiktok_lookup_round_trip(store: Store, shop: str) -> None:
    tiktok_shop_id = str(uuid.uuid4().int)[:19]
    profile = Shop(
        domain=shop,
        install_state=InstallState.INSTALLED,
        tiktok_shop_id=tiktok_shop_id,
        tiktok_shop_cipher="ROW_abc",
        tiktok_connection=TikTokConnection.CONNECTED,
        shopify_token_ciphertext="ciphertext",
        tiktok_refresh_token_expires_at=datetime(2027, 6, 1, tzinfo=UTC),
        tiktok_authorization_expires_at=datetime(2027, 1, 1, tzinfo=UTC),
        tiktok_connected_at=1_795_700_000,
        settings=SyncSettings(auto_upload=True, price_rule_value=Decimal("12.5"), inventory_buffer_value=2),
        onboarding_step=3,
        installed_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    store.save_shop(profile)
    assert store.link_tiktok_shop(shop, tiktok_shop_id)

    assert store.get_shop(shop) == profile
    assert store.shop_for_tiktok(tiktok_shop_id) == shop
    assert store.get_shop("missing.myshopify.com") is None
    assert store.shop_for_tiktok("0") is None

    # One Shopify shop per TikTok shop: another is refused unless it takes over from the holder
    other = f"other-{shop}"
    assert store.link_tiktok_shop(shop, tiktok_shop_id)  # the holder again: a no-op
    assert not store.link_tiktok_shop(other, tiktok_shop_id)
    assert not store.link_tiktok_shop(other, tiktok_shop_id, taking_over_from="third.myshopify.com")
    store.unlink_tiktok_shop(other, tiktok_shop_id)  # not its to remove
    assert store.shop_for_tiktok(tiktok_shop_id) == shop
    assert store.link_tiktok_shop(other, tiktok_shop_id, taking_over_from=shop)
    assert store.shop_for_tiktok(tiktok_shop_id) == other


def test_product_and_order_round_trip_with_versions(store: Store, shop: str) -> None:
    product = _product(shop, "8001234567890123456")  # larger than 2^53: kept as text
    assert store.commit_product(product, {"products_not_uploaded": 1}) is CommitOutcome.APPLIED
    stored = store.get_product(shop, "8001234567890123456")
    assert stored is not None
    assert stored.version == 1
    assert stored == replace(product, version=1)

    order = _order(shop, "576486316948490001")
    assert store.commit_order(order, {"orders_awaiting_shipment": 1}) is CommitOutcome.APPLIED
    assert store.get_order(shop, "576486316948490001") == replace(order, version=1)
    assert set(store.get_products(shop, ["8001234567890123456", "nope"])) == {"8001234567890123456"}
    assert set(store.get_orders(shop, ["576486316948490001"])) == {"576486316948490001"}


def test_stale_version_is_a_conflict_and_writes_nothing(store: Store, shop: str) -> None:
    product = _product(shop, "1")
    store.commit_product(product, {"products_not_uploaded": 1})
    # A second writer that read the product before the first commit:
    outcome = store.commit_product(product, {"products_not_uploaded": 1})
    assert outcome is CommitOutcome.CONFLICT
    assert store.status_counts(shop).products()["not_uploaded"] == 1


def test_an_item_keeps_the_deliveries_it_applied(store: Store, shop: str) -> None:
    digest = delivery_digest("tiktok", "notif-1")
    order = remembering(_order(shop, "9"), digest)
    assert store.commit_order(order, {"orders_awaiting_shipment": 1}) is CommitOutcome.APPLIED
    stored = store.get_order(shop, "9")
    assert stored is not None and holds(stored, digest)
    # The redelivery's writer read the order before the first write landed: its version is stale.
    assert store.commit_order(order, {"orders_awaiting_shipment": 1}) is CommitOutcome.CONFLICT
    assert store.status_counts(shop).orders()["awaiting_shipment"] == 1
    for n in range(RECENT_DELIVERIES):
        stored = remembering(stored, delivery_digest("tiktok", f"later-{n}"))
    assert not holds(stored, digest) and len(stored.deliveries) == RECENT_DELIVERIES
    assert store.record_delivery(shop, Delivery("shopify", "w-1", 2_000_000_000)) is True
    assert store.record_delivery(shop, Delivery("shopify", "w-1", 2_000_000_000)) is False


def test_status_listing_pages_newest_first_without_gaps_or_repeats(store: Store, shop: str) -> None:
    for i in range(23):
        status = "live" if i % 3 else "failed"
        store.commit_product(
            _product(shop, f"p{i:02d}", status, at=1_700_000_000 + i), {f"products_{status}": 1}
        )

    seen: list[Product] = []
    page = store.list_products(shop, "live", limit=5)
    pages = 1
    seen += page.items
    while page.next_key is not None:
        page = store.list_products(shop, "live", limit=5, start=page.next_key)
        seen += page.items
        pages += 1

    live_ids = [f"p{i:02d}" for i in range(22, -1, -1) if i % 3]
    assert [p.shopify_product_id for p in seen] == live_ids
    assert pages == 3  # 15 live products in pages of 5: the last page says it is the last
    every = store.list_products(shop, None, limit=100)
    assert len(every.items) == 23 and every.next_key is None
    assert every.items[0].shopify_product_id == "p22"


def test_order_listing_by_status(store: Store, shop: str) -> None:
    for i in range(3):
        store.commit_order(_order(shop, f"o{i}", at=1_700_000_000 + i), {"orders_awaiting_shipment": 1})
    page = store.list_orders(shop, "awaiting_shipment", limit=2)
    assert [o.tiktok_order_id for o in page.items] == ["o2", "o1"]
    rest = store.list_orders(shop, "awaiting_shipment", limit=2, start=page.next_key)
    assert [o.tiktok_order_id for o in rest.items] == ["o0"] and rest.next_key is None
    assert store.list_orders(shop, "completed", limit=2).items == []


def test_counters_are_sharded_and_sum_to_a_recount(store: Store, shop: str) -> None:
    for i in range(40):
        store.commit_product(_product(shop, str(i)), {"products_not_uploaded": 1})
    shards_used = {store.counter_shard(f"PRODUCT#{i}") for i in range(40)}
    assert len(shards_used) > 1
    counts = store.status_counts(shop)
    assert counts == store.recount(shop)
    assert counts.products()["not_uploaded"] == 40 and counts.products()["total"] == 40


def test_deleted_product_leaves_listings_but_keeps_a_tombstone(store: Store, shop: str) -> None:
    store.commit_product(_product(shop, "7", "live"), {"products_live": 1})
    held = store.get_product(shop, "7")
    assert held is not None
    tombstone = replace(held, deleted=True)
    assert store.commit_product(tombstone, {"products_live": -1}) is CommitOutcome.APPLIED
    assert store.list_products(shop, "live", limit=10).items == []
    assert store.get_product(shop, "7").deleted  # type: ignore[union-attr]
    assert store.status_counts(shop) == store.recount(shop)


def test_activities_listed_by_state_newest_first(store: Store, shop: str) -> None:
    started = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    for i, state in enumerate([ActivityState.COMPLETED, ActivityState.ONGOING, ActivityState.ONGOING]):
        store.activities.save_activity(
            Activity(
                shop,
                f"0000{i}",
                ActivityType.IMPORT,
                state,
                total=10,
                processed=5 * i,
                succeeded=4 * i,
                failed=i,
                started_at=started,
                errors=("bad title",) * i,
            )
        )
    ongoing = store.activities.list_activities(shop, finished=False, limit=10)
    assert [a.activity_id for a in ongoing] == ["00002", "00001"]
    assert ongoing[0].progress_percent == 100 and ongoing[1].progress_percent == 50
    assert (
        store.activities.get_activity(shop, "00000")
        == store.activities.list_activities(shop, finished=True, limit=1)[0]
    )


def test_plan_round_trip_with_optimistic_lock(store: Store, shop: str) -> None:
    plan = Plan(
        shop,
        "free",
        billing_at=datetime(2026, 12, 26, 17, 5, 9, 250000, tzinfo=UTC),
        cycle_started_at=datetime(2026, 11, 26, 17, 5, 9, 250000, tzinfo=UTC),
        subscriptions=(
            SubscriptionState(
                "gid://shopify/AppSubscription/9",
                "Growth",
                "CANCELLED",
                datetime(2026, 10, 1, 8, 0, 0, 123456, tzinfo=UTC),
                datetime(2026, 11, 2, 8, 0, 0, 654321, tzinfo=UTC),
            ),
        ),
    )
    assert store.commit_plan(plan) is CommitOutcome.APPLIED
    stored = store.get_plan(shop)
    assert stored == replace(plan, version=1)
    assert store.commit_plan(plan) is CommitOutcome.CONFLICT


def test_erase_shop_leaves_no_item_of_that_shop(store: Store, shop: str) -> None:
    store.save_shop(Shop(domain=shop, tiktok_shop_id="tt-" + shop))
    store.link_tiktok_shop(shop, "tt-" + shop)
    store.record_delivery(shop, Delivery("shopify", "d", 2_000_000_000))
    store.commit_product(_product(shop, "1"), {"products_not_uploaded": 1})
    store.commit_order(_order(shop, "1"), {"orders_awaiting_shipment": 1})
    other = "other-" + shop
    store.save_shop(Shop(domain=other))

    assert store.erase_shop(shop) >= 6
    assert store.get_shop(shop) is None
    assert store.shop_for_tiktok("tt-" + shop) is None
    assert store.recount(shop).values == dict.fromkeys(store.recount(shop).values, 0)
    assert store.status_counts(shop).products()["total"] == 0
    assert store.get_shop(other) is not None


def test_the_schedules_find_installed_shops_and_due_plans_through_indexes_not_scans(
    store: Store, shop: str
) -> None:
    from datetime import timedelta

    from connector.domain.entities import InstallState, Plan, Shop
    from connector.values import replace

    store.save_shop(
        Shop(domain=shop, install_state=InstallState.INSTALLED, installed_at=datetime(2026, 1, 1, tzinfo=UTC))
    )
    assert shop in {s.domain for s in store.installed_shops()}
    store.mark_uninstalled(shop, datetime.now(UTC))
    assert shop not in {s.domain for s in store.installed_shops()}
    store.update_shop(shop, install_state=InstallState.INSTALLED, installed_at=datetime.now(UTC))
    assert shop in {s.domain for s in store.installed_shops()}

    today = date(2031, 5, 17)  # a date no other test bills on
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    plan = Plan(shop, "free", billing_at=midnight + timedelta(days=1, hours=5), cycle_started_at=midnight)
    assert store.commit_plan(plan) is CommitOutcome.APPLIED
    assert shop not in {p.shop for p in store.plans_due(today)}  # billed tomorrow
    stored = store.get_plan(shop)
    assert stored is not None
    earlier = replace(stored, billing_at=midnight - timedelta(days=3) + timedelta(hours=23))
    assert store.commit_plan(earlier) is CommitOutcome.APPLIED
    assert [p.billing_date for p in store.plans_due(today) if p.shop == shop] == [today - timedelta(days=3)]


def test_a_page_of_successes_counts_each_item_once_when_the_page_is_retried(store: Store, shop: str) -> None:
    from connector.domain.entities import Activity, ActivityState, ActivityType

    store.activities.save_activity(
        Activity(shop, "0001-import", ActivityType.IMPORT, ActivityState.ONGOING, total=5)
    )
    store.activities.record_activity_successes(shop, "0001-import", ["a", "b", "c"])
    store.activities.record_activity_successes(shop, "0001-import", ["b", "c", "d", "e"])  # a retry, and more

    activity = store.activities.get_activity(shop, "0001-import")
    assert activity is not None
    assert (activity.processed, activity.succeeded, activity.failed) == (5, 5, 0)


def test_every_row_model_reaches_the_table_through_one_botocore_client(store: Store, shop: str) -> None:
    """PynamoDB builds a botocore session and client per model class unless told otherwise: a cold
    start's first calls paid one per kind of item they touched. Bound, every model shares one, and
    a binding to another endpoint moves them all together."""
    from connector.dal import rows

    models = (
        *rows.ALL_ROWS,
        rows.ListedRow,
        rows.StockHoldRow,
        rows.ParkedJobRow,
        rows.PendingTikTokGrantRow,
    )
    store.save_shop(Shop(domain=shop))
    store.hold_stock(shop, "576486316948490001", {"sku-1": 1})  # a model outside ALL_ROWS, used
    assert len({id(model._get_connection().connection.client) for model in models}) == 1

    meta = rows.TableRow.Meta
    bound = (meta.table_name, meta.region, meta.host)  # type: ignore[attr-defined]
    try:
        rows.bind_rows(meta.table_name, meta.region, "http://127.0.0.1:9")  # type: ignore[attr-defined]
        hosts = {model._get_connection().connection.client.meta.endpoint_url for model in models}
        assert hosts == {"http://127.0.0.1:9"}
    finally:
        rows.bind_rows(*bound)
    assert {model._get_connection().connection.host for model in models} == {bound[2]}
