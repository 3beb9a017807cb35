"""Property: any delivery order, with any duplicates, ends where in-order delivery ends, and every
counter equals a recount. Runs on DynamoDB Local through the real processor handler."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.dal.store import Store
from connector.values import replace
from connector.webhooks.message import QueuedWebhook
from tests.helpers import Harness, connected_shop, product_body, shopify_message, tiktok_message

pytestmark = pytest.mark.integration

LIFECYCLE = [
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
]


@st.composite
def order_history(draw: Any, order_id: str) -> list[tuple[str, int]]:
    """A path TikTok could report: forward along the lifecycle, maybe ending in cancellation."""
    steps = sorted(draw(st.sets(st.sampled_from(range(len(LIFECYCLE))), min_size=1, max_size=4)))
    statuses = [LIFECYCLE[i] for i in steps]
    if statuses[-1] != "COMPLETED" and draw(st.booleans()):
        statuses.append(draw(st.sampled_from(["CANCEL", "CANCELLED"])))
    times = sorted(draw(st.sets(st.integers(1_000, 9_000), min_size=len(statuses), max_size=len(statuses))))
    return list(zip(statuses, times, strict=True))


@st.composite
def histories(draw: Any) -> dict[str, Any]:
    orders = {f"o{i}": draw(order_history(f"o{i}")) for i in range(draw(st.integers(1, 3)))}
    products = {}
    for i in range(draw(st.integers(1, 3))):
        updates = sorted(draw(st.sets(st.integers(100, 900), min_size=1, max_size=3)))
        audits = sorted(draw(st.sets(st.integers(1_000, 2_000), max_size=2)))
        products[str(1000 + i)] = {"updates": updates, "audits": audits, "deleted": draw(st.booleans())}
    return {"orders": orders, "products": products}


def _messages(shop: str, history: dict[str, Any]) -> list[QueuedWebhook]:
    """The history as deliveries, in the order the senders produced them."""
    messages = []
    for pid, product in history["products"].items():
        for n, at in enumerate(product["updates"]):
            topic = "products/create" if n == 0 else "products/update"
            messages.append(shopify_message(shop, topic, product_body(pid, f"title {at}", at)))
        for at in product["audits"]:
            data = {
                "product_id": f"tt{pid}",
                "status": "PRODUCT_AUDIT_FAILURE",
                "suspended_reason": f"r{at}",
                "update_time": at,
            }
            messages.append(tiktok_message(shop, 5, data))
        if product["deleted"]:
            messages.append(shopify_message(shop, "products/delete", {"id": int(pid)}))
    for oid, steps in history["orders"].items():
        for status, at in steps:
            messages.append(
                tiktok_message(shop, 1, {"order_id": oid, "order_status": status, "update_time": at})
            )
    return messages


def _deliver_until_done(run: Harness, messages: list[QueuedWebhook], batch: int) -> None:
    """Deliver like SQS: batches, failed records come back, until every record succeeded."""
    pending = list(messages)
    for _ in range(20):
        if not pending:
            return
        failed: list[QueuedWebhook] = []
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            response = run.deliver(*chunk)
            failed_ids = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            failed += [m for i, m in enumerate(chunk) if f"m-{i}-{m.delivery_id}" in failed_ids]
        pending = failed
    raise AssertionError(f"{len(pending)} records never applied")


def _final_state(store: Store, shop: str, history: dict[str, Any]) -> dict[str, Any]:
    products = store.get_products(shop, history["products"])
    orders = store.get_orders(shop, history["orders"])
    # Bookkeeping that follows arrival, not the events: the version, the deliveries the item last
    # applied, and when it entered the listings (the first event that reached it).
    arrival = {"version": 0, "shop": "", "deliveries": (), "listed_at": 0}
    return {
        "products": {k: replace(v, **arrival) for k, v in products.items()},
        "orders": {k: replace(v, **arrival) for k, v in orders.items()},
    }


def _new_shop(store: Store, history: dict[str, Any]) -> str:
    shop = f"prop-{uuid.uuid4().hex[:10]}.myshopify.com"
    connected_shop(store, shop)
    for pid in history["products"]:
        store.link_tiktok_product(shop, f"tt{pid}", pid)
    return shop


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), data=st.data())
def test_any_order_with_duplicates_ends_like_in_order_delivery(
    store: Store, history: dict[str, Any], data: Any
) -> None:
    in_order_shop = _new_shop(store, history)
    _deliver_until_done(Harness(store), _messages(in_order_shop, history), batch=1)
    expected = _final_state(store, in_order_shop, history)

    shuffled_shop = _new_shop(store, history)
    messages = _messages(shuffled_shop, history)
    duplicates = data.draw(st.lists(st.sampled_from(messages), max_size=len(messages)))
    delivered = data.draw(st.permutations(messages + duplicates))
    _deliver_until_done(Harness(store), delivered, batch=data.draw(st.integers(1, 10)))

    assert _final_state(store, shuffled_shop, history) == expected
    for shop in (in_order_shop, shuffled_shop):
        assert store.status_counts(shop) == store.recount(shop)
