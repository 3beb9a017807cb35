"""A batch's plain product and order changes commit in one transaction; what cannot, one by one."""

from __future__ import annotations

from collections import Counter

import pytest

from connector.dal.store import Store
from connector.processing.applier import Applier, Outcome
from local.aws_calls import counting_dynamodb
from tests.helpers import (
    Harness,
    connected_shop,
    product_body,
    shopify_message,
    tiktok_message,
)

pytestmark = pytest.mark.integration


def test_when_one_item_changed_since_it_was_read_its_transaction_commits_nothing(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("1", "Mug", 1000)))
    batch = [  # each moves a counter: one transaction
        shopify_message(shop, "products/delete", {"id": 1}),
        *(shopify_message(shop, "products/create", product_body(str(p), "Cup", 1000)) for p in (2, 3)),
    ]
    applier = Applier(run.ports)
    applier.prefetch(batch)
    run.deliver(shopify_message(shop, "products/update", product_body("1", "Mug v2", 2000)))  # meanwhile

    assert applier.apply_together(batch) == {}
    assert store.get_product(shop, "2") is None  # the transaction wrote nothing

    assert [applier.apply(m) for m in batch] == [Outcome.APPLIED] * 3  # each reads again, on its own
    assert store.get_product(shop, "1").deleted  # type: ignore[union-attr]
    counts = store.status_counts(shop)
    assert counts.products()["not_uploaded"] == 2
    assert counts == store.recount(shop)


def test_an_update_that_moves_no_counter_is_put_alone_and_only_it_is_decided_again(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/create", product_body("1", "Mug", 1000)))
    batch = [
        shopify_message(shop, "products/update", product_body("1", "Mug v3", 3000)),
        *(shopify_message(shop, "products/create", product_body(str(p), "Cup", 1000)) for p in (2, 3)),
    ]
    applier = Applier(run.ports)
    applier.prefetch(batch)
    run.deliver(shopify_message(shop, "products/update", product_body("1", "Mug v2", 2000)))  # meanwhile

    settled = applier.apply_together(batch)
    assert settled == {m.delivery_id: Outcome.APPLIED for m in batch[1:]}

    assert applier.apply(batch[0]) is Outcome.APPLIED  # read again, decided again
    assert store.get_product(shop, "1").title == "Mug v3"  # type: ignore[union-attr]
    counts = store.status_counts(shop)
    assert counts.products()["not_uploaded"] == 3
    assert counts == store.recount(shop)


def test_a_redelivered_batch_is_settled_as_duplicates_without_writes(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    batch = [shopify_message(shop, "products/create", product_body(str(p), "Cup", 1000)) for p in range(1, 6)]
    run.deliver(*batch)

    with counting_dynamodb() as calls:
        assert run.deliver(*batch) == {"batchItemFailures": []}

    assert "TransactWriteItems" not in calls.requests
    assert store.status_counts(shop).products()["not_uploaded"] == 5


def test_the_events_of_one_product_apply_in_their_order_as_one_write(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    batch = [
        shopify_message(shop, "products/create", product_body("1", "Mug", 1000)),
        shopify_message(shop, "products/create", product_body("2", "Cup", 1000)),
        shopify_message(shop, "products/update", product_body("1", "Mug v2", 2000)),
        shopify_message(shop, "products/delete", {"id": 2}),
    ]
    with counting_dynamodb() as calls:
        assert run.deliver(*batch) == {"batchItemFailures": []}

    # Each product's events decided one on another and written once: product 1 moves a counter (a
    # transaction); product 2, created and deleted, moves none (its tombstone is put on its own).
    assert calls.requests["TransactWriteItems"] == 1 and calls.requests["PutItem"] == 1
    assert store.get_product(shop, "1").title == "Mug v2"  # type: ignore[union-attr]
    assert store.get_product(shop, "2").deleted  # type: ignore[union-attr]
    counts = store.status_counts(shop)
    assert counts.products()["total"] == 1
    assert counts == store.recount(shop)


def test_staging_passes_over_job_only_events_and_stops_at_one_whose_order_matters(
    store: Store, shop: str
) -> None:
    connected_shop(store, shop, auto_upload=False)
    order_id = "o-1"
    create = shopify_message(shop, "products/create", product_body("1", "Mug", 1000))
    inventory = shopify_message(
        shop,
        "inventory_levels/update",
        {"inventory_item_id": 9, "location_id": 1, "available": 3, "updated_at": "2026-11-29T10:00:00Z"},
    )
    order = tiktok_message(shop, 1, {"order_id": order_id, "order_status": "UNPAID", "update_time": 5})
    redact = shopify_message(
        shop,
        "customers/redact",
        {"shop_domain": shop, "customer": {"id": 1, "email": "a@example.com"}, "orders_to_redact": []},
    )
    after = shopify_message(shop, "products/create", product_body("2", "Cup", 1000))
    applier = Applier(Harness(store).ports)

    settled = applier.apply_together([create, inventory, order, redact, after])

    assert settled == {create.delivery_id: Outcome.APPLIED, order.delivery_id: Outcome.APPLIED}
    assert store.get_product(shop, "1") is not None
    assert store.get_order(shop, order_id) is not None
    assert store.get_product(shop, "2") is None  # left for apply(), after the redaction
    assert store.status_counts(shop) == store.recount(shop)


def test_an_event_that_does_not_apply_is_settled_without_a_write(store: Store, shop: str) -> None:
    connected_shop(store, shop, auto_upload=False)
    run = Harness(store)
    run.deliver(shopify_message(shop, "products/update", product_body("1", "Newer", 2000)))
    older = shopify_message(shop, "products/create", product_body("1", "Older", 1000))
    applier = Applier(run.ports)
    applier.prefetch([older])

    with counting_dynamodb() as calls:
        settled = applier.apply_together([older])

    assert settled == {older.delivery_id: Outcome.STALE}
    assert calls.requests == Counter()
    assert store.get_product(shop, "1").title == "Newer"  # type: ignore[union-attr]
