"""A changed price rule or stock buffer reaches every live listing on TikTok Shop: one activity per
change, in chunks, each listing counted and changed once (merchant.actions.start_reprice,
activities.reprice). Over HTTP, through the contract-checking sandboxes and DynamoDB Local."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from connector.activities import reprice
from connector.api import schemas
from connector.dal.store import Store
from connector.domain.entities import Product, Shop, TikTokConnection
from connector.domain.status import ProductStatus
from connector.jobs import JobKind
from connector.merchant import actions, pages
from connector.wiring import Ports, process_ports
from tests.helpers import JobRecorder, LocalStack, at_once, connected_shop, process_ports_with

pytestmark = pytest.mark.integration
CENT = Decimal("0.01")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Two products a chunk, so that a small catalog takes several chunks."""
    monkeypatch.setattr(reprice, "REPRICE_CHUNK", 2)
    yield 2


def _live(store: Store, shop: str) -> list[Product]:
    return store.list_products(shop, ProductStatus.LIVE, 100).items


def _reprices(stack: LocalStack) -> list[dict[str, Any]]:
    """The shop's reprice activities as the dashboard lists them, running or finished."""
    listed = [
        activity
        for state in ("ongoing", "completed")
        for activity in stack.merchant_call("GET", "/v1/activities", params={"state": state}).json()
    ]
    return [activity for activity in listed if activity["type"] == "reprice"]


def _sale_prices(stack: LocalStack, product: Product) -> list[Decimal]:
    listed = stack.tiktok.products[product.tiktok_product_id or ""]
    return sorted(Decimal(sku["price"]["sale_price"]) for sku in listed["skus"])


def _quantities(stack: LocalStack, product: Product) -> list[int]:
    listed = stack.tiktok.products[product.tiktok_product_id or ""]
    return [level["quantity"] for sku in listed["skus"] for level in sku["inventory"]]


def test_a_changed_price_rule_reprices_every_live_listing_once_in_one_activity(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str, small_chunks: int
) -> None:
    imported_shop(7)
    stack.upload_all()
    live = _live(store, shop)
    assert len(live) > small_chunks  # more than one chunk
    others = [p for p in store.list_products(shop, None, 100).items if p.status != ProductStatus.LIVE]
    others_before = {p.shopify_product_id: p for p in others if p.tiktok_product_id}
    updates_before = stack.tiktok.calls.get("products/prices", 0)

    # When the merchant raises prices by 10%, and the job the save queued is delivered twice
    recorder = JobRecorder()
    with process_ports_with(jobs=recorder):
        stack.change_settings(price_rule={"kind": "percent", "direction": "up", "value": "10"})
    assert [job.kind for job in recorder.jobs] == [JobKind.REPRICE]
    for _ in range(2):  # SQS delivers at least once: a second delivery fans out again
        stack.jobs.send(recorder.messages[0])
    stack.settle()

    # Then every live listing has the rule's prices, each from one Update Price call
    for product in live:
        expected = sorted((v.price * Decimal("1.10")).quantize(CENT, ROUND_HALF_UP) for v in product.variants)
        assert _sale_prices(stack, product) == expected, product.shopify_product_id
    assert stack.tiktok.calls.get("products/prices", 0) - updates_before == len(live)
    # in one activity that counted each live listing once
    (activity,) = _reprices(stack)
    assert activity["state"] == "completed", activity
    counts = (activity["total"], activity["processed"], activity["succeeded"], activity["failed"])
    assert counts == (len(live), len(live), len(live), 0)
    assert activity["id"] == recorder.jobs[0].params["activity_id"]
    # and what is not live (a failed audit, say) was left alone
    for product_id, before in others_before.items():
        assert _sale_prices(stack, before) == sorted(v.price for v in before.variants), product_id

    # When the same settings are saved again, and then a change that is not about price or stock
    stack.change_settings()
    stack.change_settings(auto_upload=True, sync_fields=["title", "price", "inventory"])
    stack.settle()

    # Then nothing more starts and nothing more is sent
    assert [a["id"] for a in _reprices(stack)] == [activity["id"]]
    assert stack.tiktok.calls.get("products/prices", 0) - updates_before == len(live)


def test_a_chunk_stopped_midway_is_done_again_counting_and_sending_nothing_twice(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str, small_chunks: int
) -> None:
    imported_shop(6)
    stack.upload_all()
    live = _live(store, shop)
    assert len(live) > small_chunks
    updates_before = stack.tiktok.calls.get("products/prices", 0)
    sent = {"n": 0, "stopped": 0}
    tiktok = process_ports().tiktok

    class DiesOnceAfterRepricing:  # the process dies in the second chunk, after TikTok took a price
        def __getattr__(self, name: str) -> Any:
            return getattr(tiktok, name)

        def for_shop(self, *args: Any, **kwargs: Any) -> Any:
            api = tiktok.for_shop(*args, **kwargs)
            update_prices = api.update_prices

            def update_then_die(*given: Any) -> None:
                update_prices(*given)
                sent["n"] += 1
                if sent["n"] == small_chunks + 1 and not sent["stopped"]:
                    sent["stopped"] = 1
                    raise SystemError("process stopped")

            api.update_prices = update_then_die
            return api

    with process_ports_with(tiktok=DiesOnceAfterRepricing()):
        stack.change_settings(price_rule={"kind": "fixed", "direction": "down", "value": "1.50"})
        stack.settle()

    assert sent["stopped"] == 1
    (activity,) = _reprices(stack)
    counts = (activity["total"], activity["processed"], activity["succeeded"], activity["failed"])
    assert (activity["state"], counts) == ("completed", (len(live),) * 3 + (0,))
    for product in live:
        expected = sorted(max(CENT, v.price - Decimal("1.50")) for v in product.variants)
        assert _sale_prices(stack, product) == expected, product.shopify_product_id
    # the chunk's retry found the price TikTok had taken before the stop, and sent it no more
    assert stack.tiktok.calls.get("products/prices", 0) - updates_before == len(live)
    assert stack.jobs.dead_letters == []


def test_a_changed_buffer_restocks_every_live_listing_and_takes_a_sold_out_one_off_sale(
    imported_shop: Callable[[int], str], stack: LocalStack, store: Store, shop: str, small_chunks: int
) -> None:
    imported_shop(5)
    stack.upload_all()
    live = _live(store, shop)
    assert len(live) > small_chunks
    selling, also_selling, retail = stack.shopify.locations(shop)
    scarce, plenty = live[0], live[1:]
    for product in live:  # Shopify's stock now, read by nothing yet
        for variant in stack.shopify.product(shop, product.shopify_product_id).variants:
            variant.levels = (
                {selling.id: 1, also_selling.id: 0, retail.id: 9}
                if product is scarce
                else {selling.id: 7, also_selling.id: 3, retail.id: 50}
            )
    updates_before = stack.tiktok.calls.get("products/inventory", 0)

    # When the merchant keeps 2 units of every variant back
    stack.change_settings(inventory_buffer={"kind": "units", "value": 2})
    stack.settle()

    # Then TikTok offers Shopify's stock less 2 on every live listing, each in one Update Inventory
    for product in plenty:
        assert set(_quantities(stack, product)) == {8}, product.shopify_product_id  # 7 + 3 - 2
    assert stack.tiktok.calls.get("products/inventory", 0) - updates_before == len(plenty)
    # and the one left with nothing to offer is off sale until it has some
    paused = store.get_product(shop, scarce.shopify_product_id)
    assert paused is not None and paused.paused_for_stock
    assert stack.tiktok.products[scarce.tiktok_product_id or ""]["status"] == "SELLER_DEACTIVATED"
    (restocked,) = _reprices(stack)
    counts = (restocked["total"], restocked["processed"], restocked["succeeded"], restocked["failed"])
    assert (restocked["state"], counts) == ("completed", (len(live),) * 3 + (0,))


# --- when a save starts a reprice, and when it is the same save again ---------------------------


def _profile(store: Store, shop: str) -> Shop:
    """The shop as a request reads it now."""
    profile = store.get_shop(shop)
    assert profile is not None
    return profile


def _settings(store: Store, shop: str, **changes: Any) -> schemas.SettingsIO:
    """The shop's settings as the dashboard's form sends them back, with ``changes``."""
    shown = pages.settings_view(_profile(store, shop)).model_dump(
        mode="json", exclude={"warehouses", "locations"}
    )
    return schemas.SettingsIO.model_validate({**shown, **changes})


def _listed_shop(store: Store, shop: str, *, connected: bool = True) -> Shop:
    """A shop with one live listing (the reprice's jobs are recorded here, not run)."""
    connected_shop(store, shop)
    product = Product(shop, "501", "Mug", ProductStatus.LIVE, 1, tiktok_product_id="tt-501")
    store.commit_product(product, {"products_live": 1})
    if not connected:
        store.update_shop(shop, tiktok_connection=TikTokConnection.REVOKED)
    return _profile(store, shop)


def _ports(store: Store) -> tuple[Ports, JobRecorder]:
    recorder = JobRecorder()
    return Ports(store=store, jobs=recorder, sleep=lambda _: None), recorder


UP_10 = {"price_rule": {"kind": "percent", "direction": "up", "value": "10"}}
NO_RULE = {"price_rule": {"kind": "percent", "direction": "up", "value": "0"}}


def test_the_same_save_again_starts_one_reprice_and_each_new_change_one_more(store: Store, shop: str) -> None:
    ports, recorder = _ports(store)
    before = _listed_shop(store, shop)

    # The same save twice from the same page (a retried request: both read the old settings)
    actions.update_settings(ports, before, _settings(store, shop, **UP_10))
    actions.update_settings(ports, before, _settings(store, shop, **UP_10))
    # saved again as it now is, and saves that change nothing about price or stock
    for changes in (
        {},
        {"auto_upload": True},
        {**UP_10, "price_rule": {**UP_10["price_rule"], "value": "10.00"}},
    ):
        actions.update_settings(ports, _profile(store, shop), _settings(store, shop, **changes))
    assert [job.kind for job in recorder.jobs] == [JobKind.REPRICE]
    first = recorder.jobs[0].params
    assert (first["reprice"], first["restock"]) == (True, False)

    # While that one runs: the change undone, made again (the first's very change), and a buffer
    for changes in (NO_RULE, UP_10, {"inventory_buffer": {"kind": "percent", "value": 5}}):
        actions.update_settings(ports, _profile(store, shop), _settings(store, shop, **changes))
    started = [job.params["activity_id"] for job in recorder.jobs]
    assert len(set(started)) == len(started) == 4
    assert [(job.params["reprice"], job.params["restock"]) for job in recorder.jobs][-1] == (False, True)
    ongoing = store.activities.list_activities(shop, finished=False, limit=10)
    assert sorted(a.activity_id for a in ongoing) == sorted(started)


def test_the_same_save_at_the_same_moment_starts_one_reprice(store: Store, shop: str) -> None:
    ports, recorder = _ports(store)
    before = _listed_shop(store, shop)
    wanted = _settings(store, shop, **UP_10)

    assert at_once([lambda: actions.update_settings(ports, before, wanted) for _ in range(4)]) == []

    assert len(recorder.jobs) == 1
    assert len(store.activities.list_activities(shop, finished=False, limit=10)) == 1


@pytest.mark.parametrize(
    "changes, connected",
    [
        (UP_10, False),  # TikTok Shop is not connected
        ({**UP_10, "sync_fields": ["title", "inventory"]}, True),  # prices are not synced
        ({"inventory_buffer": {"kind": "units", "value": 3}, "sync_fields": ["price"]}, True),  # nor stock
        ({"price_rule": {"kind": "fixed", "direction": "down", "value": "0"}}, True),  # 0 either way
    ],
)
def test_a_save_that_sends_nothing_new_starts_nothing(
    store: Store, shop: str, changes: dict[str, Any], connected: bool
) -> None:
    ports, recorder = _ports(store)
    before = _listed_shop(store, shop, connected=connected)

    actions.update_settings(ports, before, _settings(store, shop, **changes))

    assert recorder.jobs == []
    assert store.activities.list_activities(shop, finished=False, limit=10) == []


def test_a_shop_with_nothing_on_tiktok_yet_starts_nothing(store: Store, shop: str) -> None:
    ports, recorder = _ports(store)
    connected_shop(store, shop)

    actions.update_settings(ports, _profile(store, shop), _settings(store, shop, **UP_10))

    assert recorder.jobs == []
