"""The one data-access interface of the connector. Handlers and domain code never touch rows."""

from __future__ import annotations

import functools
import random
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from connector.dal import convert, keys
from connector.dal.rows import (
    ActivityItemRow,
    ActivityRow,
    CounterShardRow,
    DataRequestRow,
    DedupeRow,
    InventoryLinkRow,
    ListedRow,
    OAuthStateRow,
    OrderRow,
    OrderSyncClaimRow,
    PlanRow,
    ProductLinkRow,
    ProductRow,
    QuotaHoldRow,
    ShopifyOrderLinkRow,
    ShopRow,
    TableRow,
    TikTokShopLookupRow,
)
from connector.domain.entities import (
    Activity,
    ActivityState,
    InstallState,
    Order,
    Plan,
    Product,
    Shop,
    StatusCounts,
    SyncSettings,
)
from connector.domain.status import ALL_COUNTERS

T = TypeVar("T")
MAX_ACTIVITY_ERRORS = 10
# DynamoDB's LastEvaluatedKey, in its wire form ({"pk": {"S": "..."}, ...}).
PageKey = dict[str, Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_key: PageKey | None  # None on the last page


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery, recorded with the change it caused so that a redelivery is a no-op."""

    source: str  # "shopify" or "tiktok"
    delivery_id: str
    expires_at: int  # epoch seconds; past every retry window of the sender


@dataclass(frozen=True)
class Items:
    """What one read of many items found, by shop domain and by (shop, id)."""

    shops: dict[str, Shop]
    products: dict[tuple[str, str], Product]
    orders: dict[tuple[str, str], Order]


@dataclass(frozen=True)
class VersionedWrite:
    """An item's next version, its counter moves, and the delivery that caused it."""

    entity: Product | Order | Plan
    deltas: Mapping[str, int]
    delivery: Delivery | None = None


class CommitOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the delivery was applied before
    CONFLICT = "conflict"  # the item changed since it was read: read again and decide again


CONFLICT_RETRIES = 10
F = TypeVar("F", bound=Callable[..., Any])


MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
BATCH_GET_KEYS = 100  # and for one BatchGetItem
# A plan whose roll-over was missed (the schedule stopped) is still found this many days later.
PLANS_DUE_LOOKBACK_DAYS = 62


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _count_once(
    markers: Sequence[ActivityItemRow], activity: ActivityRow, actions: list[Any], condition: Any = None
) -> bool:
    """Update an activity together with markers that exist only once each: False (nothing written)
    when one of them existed, or when the transaction collided with another writer."""
    try:
        with TransactWrite(connection=_connection()) as transaction:
            for marker in markers:
                transaction.save(marker, condition=ActivityItemRow.pk.does_not_exist())
            transaction.update(activity, actions=actions, condition=condition)
    except TransactWriteError as error:
        reasons = [reason.code if reason else "None" for reason in error.cancellation_reasons]
        if "ConditionalCheckFailed" in reasons[: len(markers)]:
            return False
        raise
    return True


def _end_activity(
    shop: str, activity_id: str, state: ActivityState, at: datetime, condition: Any, *more: Any
) -> bool:
    """Move an ongoing activity (meeting ``condition`` too) to a finished state; False if it was not."""
    ongoing = ActivityRow.state == ActivityState.ONGOING.value
    try:
        ActivityRow(keys.shop_pk(shop), keys.ACTIVITY + activity_id).update(
            actions=[
                ActivityRow.state.set(state.value),
                ActivityRow.finished_at.set(at.isoformat()),
                ActivityRow.gsi1pk.set(keys.listing_pk(shop, "ACTIVITY", convert.activity_listing(state))),
                ActivityRow.resume_cursor.remove(),
                *more,
            ],
            condition=ongoing if condition is None else condition & ongoing,
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _retry_on_conflict(method: F) -> F:
    """Run a transactional write again when it only collided with a concurrent transaction on the
    same item (many workers updating one activity or plan); a failed condition is the method's."""

    @functools.wraps(method)
    def retried(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(CONFLICT_RETRIES):
            try:
                return method(*args, **kwargs)
            except TransactWriteError as error:
                codes = {reason.code for reason in error.cancellation_reasons if reason}
                conflict = (
                    "TransactionConflict" in codes
                    or error.cause_response_code == "TransactionConflictException"
                )
                if not conflict or "ConditionalCheckFailed" in codes or attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter, not security
        raise AssertionError("unreachable")

    return retried  # type: ignore[return-value]


class Store:
    """Reads and writes every item of the connector's table through PynamoDB."""

    def __init__(self, counter_shards: int) -> None:
        self._counter_shards = counter_shards

    # --- health -----------------------------------------------------------------------------
    def ping(self) -> None:
        """A real DynamoDB call that fails unless the table exists and answers."""
        if not TableRow.exists():
            raise LookupError("table does not exist")

    # --- shops ------------------------------------------------------------------------------
    def get_shop(self, domain: str) -> Shop | None:
        row = _get(ShopRow, keys.shop_pk(domain), keys.PROFILE)
        return None if row is None else convert.shop_from_row(row)

    def save_shop(self, shop: Shop) -> None:
        convert.shop_to_row(shop).save()

    def save_settings(self, domain: str, settings: SyncSettings) -> None:
        row = convert.shop_to_row(Shop(domain=domain, settings=settings))
        ShopRow(keys.shop_pk(domain), keys.PROFILE).update([ShopRow.settings.set(row.settings)])

    def link_tiktok_shop(self, domain: str, tiktok_shop_id: str) -> None:
        TikTokShopLookupRow(keys.tiktok_shop_pk(tiktok_shop_id), keys.LOOKUP, shop=domain).save()

    def update_shop(self, domain: str, **fields: Any) -> bool:
        """Set some profile fields of an existing shop without touching the others. False if unknown."""
        actions = [getattr(ShopRow, name).set(_stored(value)) for name, value in fields.items()]
        if "install_state" in fields:
            actions.append(ShopRow.gsi2pk.set(keys.shops_listing_pk(_stored(fields["install_state"]))))
        try:
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update(actions, condition=ShopRow.pk.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_uninstalled(self, domain: str, at: datetime) -> bool:
        """Mark a shop uninstalled unless it was (re)installed after ``at``. False when not applied."""
        installed_before = ShopRow.installed_at.does_not_exist() | (ShopRow.installed_at <= at.isoformat())
        actions = [
            ShopRow.install_state.set(InstallState.UNINSTALLED.value),
            ShopRow.gsi2pk.set(keys.shops_listing_pk(InstallState.UNINSTALLED.value)),
            ShopRow.uninstalled_at.set(at.isoformat()),
        ]
        try:
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update(
                actions, condition=ShopRow.pk.exists() & installed_before
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def shop_for_tiktok(self, tiktok_shop_id: str) -> str | None:
        row = _get(TikTokShopLookupRow, keys.tiktok_shop_pk(tiktok_shop_id), keys.LOOKUP)
        return None if row is None else row.shop

    # --- products and orders ----------------------------------------------------------------
    def get_product(self, shop: str, shopify_product_id: str) -> Product | None:
        row = _get(ProductRow, keys.shop_pk(shop), keys.PRODUCT + shopify_product_id)
        return None if row is None else convert.product_from_row(row)

    def get_products(self, shop: str, shopify_product_ids: Iterable[str]) -> dict[str, Product]:
        found = self.get_many(products=[(shop, pid) for pid in shopify_product_ids]).products
        return {pid: product for (_, pid), product in found.items()}

    def get_order(self, shop: str, tiktok_order_id: str) -> Order | None:
        row = _get(OrderRow, keys.shop_pk(shop), keys.ORDER + tiktok_order_id)
        return None if row is None else convert.order_from_row(row)

    def get_orders(self, shop: str, tiktok_order_ids: Iterable[str]) -> dict[str, Order]:
        found = self.get_many(orders=[(shop, oid) for oid in tiktok_order_ids]).orders
        return {oid: order for (_, oid), order in found.items()}

    def get_many(
        self,
        shops: Iterable[str] = (),
        products: Iterable[tuple[str, str]] = (),
        orders: Iterable[tuple[str, str]] = (),
    ) -> Items:
        """Shop profiles, products and orders (by shop and id) in as few strongly consistent
        BatchGetItem requests as DynamoDB allows: one for up to 100 keys, whatever their kinds.
        PynamoDB's batch_get reads one model class at a time, so this reads the page itself."""
        wanted = {
            **{(keys.shop_pk(domain), keys.PROFILE): None for domain in shops},
            **{(keys.shop_pk(shop), keys.PRODUCT + pid): None for shop, pid in products},
            **{(keys.shop_pk(shop), keys.ORDER + oid): None for shop, oid in orders},
        }
        found = Items({}, {}, {})
        for item in _batch_get(list(wanted)):
            sk = item["sk"]["S"]
            if sk == keys.PROFILE:
                shop = convert.shop_from_row(ShopRow.from_raw_data(item))
                found.shops[shop.domain] = shop
            elif sk.startswith(keys.PRODUCT):
                product = convert.product_from_row(ProductRow.from_raw_data(item))
                found.products[(product.shop, product.shopify_product_id)] = product
            else:
                order = convert.order_from_row(OrderRow.from_raw_data(item))
                found.orders[(order.shop, order.tiktok_order_id)] = order
        return found

    def link_tiktok_product(
        self,
        shop: str,
        tiktok_product_id: str,
        shopify_product_id: str,
        skus_by_inventory_item: Mapping[str, str] | None = None,
    ) -> None:
        """Lead TikTok's webhooks about a listing, and Shopify's stock levels of its variants (by
        inventory item, to the TikTok SKU), to our product: one BatchWriteItem."""
        pk = keys.shop_pk(shop)
        with TableRow.batch_write() as batch:
            batch.save(
                ProductLinkRow(
                    pk, keys.PRODUCT_LINK + tiktok_product_id, shopify_product_id=shopify_product_id
                )
            )
            for inventory_item_id, tiktok_sku_id in (skus_by_inventory_item or {}).items():
                link = InventoryLinkRow(
                    pk,
                    keys.INVENTORY_LINK + inventory_item_id,
                    shopify_product_id=shopify_product_id,
                    tiktok_product_id=tiktok_product_id,
                    tiktok_sku_id=tiktok_sku_id,
                )
                batch.save(link)

    def unlink_tiktok_product(
        self, shop: str, tiktok_product_id: str, inventory_item_ids: Iterable[str]
    ) -> None:
        """The product left TikTok: its TikTok webhooks and stock levels lead nowhere any more."""
        pk = keys.shop_pk(shop)
        ProductLinkRow(pk, keys.PRODUCT_LINK + tiktok_product_id).delete()
        for item_id in inventory_item_ids:
            try:  # only a link to this listing: the item may be linked to a newer one since
                InventoryLinkRow(pk, keys.INVENTORY_LINK + item_id).delete(
                    condition=InventoryLinkRow.tiktok_product_id == tiktok_product_id
                )
            except DeleteError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise

    def link_shopify_order(self, shop: str, shopify_order_id: str, tiktok_order_id: str) -> None:
        ShopifyOrderLinkRow(
            keys.shop_pk(shop), keys.SHOPIFY_ORDER_LINK + shopify_order_id, tiktok_order_id=tiktok_order_id
        ).save()

    def order_for_shopify(self, shop: str, shopify_order_id: str) -> str | None:
        row = _get(ShopifyOrderLinkRow, keys.shop_pk(shop), keys.SHOPIFY_ORDER_LINK + shopify_order_id)
        return None if row is None else row.tiktok_order_id

    def inventory_link(self, shop: str, inventory_item_id: str) -> InventoryLinkRow | None:
        row: InventoryLinkRow | None = _get(
            InventoryLinkRow, keys.shop_pk(shop), keys.INVENTORY_LINK + inventory_item_id
        )
        return row

    def note_inventory_sent(self, shop: str, inventory_item_id: str, updated_at: int) -> bool:
        """Remember the Shopify time of the level sent to TikTok; False when a newer one was sent."""
        try:
            InventoryLinkRow(keys.shop_pk(shop), keys.INVENTORY_LINK + inventory_item_id).update(
                actions=[InventoryLinkRow.inventory_updated_at.set(updated_at)],
                condition=InventoryLinkRow.pk.exists() & (InventoryLinkRow.inventory_updated_at < updated_at),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def claim_order_sync(self, shop: str, tiktok_order_id: str, at: int) -> bool:
        """Claim the one creation of a Shopify order for this TikTok order; False if claimed before."""
        claim = OrderSyncClaimRow(keys.shop_pk(shop), keys.ORDER_SYNC_CLAIM + tiktok_order_id, claimed_at=at)
        try:
            claim.save(condition=OrderSyncClaimRow.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_order_sync(self, shop: str, tiktok_order_id: str) -> None:
        OrderSyncClaimRow(keys.shop_pk(shop), keys.ORDER_SYNC_CLAIM + tiktok_order_id).delete()

    @_retry_on_conflict
    def take_quota(self, shop: str, kind: str, item_id: str, limit: int, at: int) -> bool:
        """Hold one unit of the plan's ``kind`` quota for ``item_id``, atomically and once: True when
        the item holds it (now or from before), False when none is left."""
        pk = keys.shop_pk(shop)
        hold = QuotaHoldRow(pk, f"{keys.QUOTA_HOLD}{kind}#{item_id}", taken_at=at)
        used = getattr(PlanRow, f"{kind}_used")
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.save(hold, condition=QuotaHoldRow.pk.does_not_exist())
                transaction.update(
                    PlanRow(pk, keys.PLAN),
                    actions=[used.add(1)],
                    condition=PlanRow.pk.exists() & (used.does_not_exist() | (used < limit)),
                )
        except TransactWriteError as error:
            reasons = [r.code if r else "None" for r in error.cancellation_reasons]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return True  # held from an earlier try
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    @_retry_on_conflict
    def give_back_quota(self, shop: str, kind: str, item_id: str) -> None:
        """Return an item's unit (its upload was refused, its order is not synced); once."""
        pk = keys.shop_pk(shop)
        used = getattr(PlanRow, f"{kind}_used")
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.delete(
                    QuotaHoldRow(pk, f"{keys.QUOTA_HOLD}{kind}#{item_id}"), condition=QuotaHoldRow.pk.exists()
                )
                transaction.update(PlanRow(pk, keys.PLAN), actions=[used.add(-1)])
        except TransactWriteError as error:
            reasons = [r.code if r else "None" for r in error.cancellation_reasons]
            if reasons[:1] != ["ConditionalCheckFailed"]:
                raise

    def held_orders(self, shop: str) -> list[Order]:
        """Orders held for quota, in the order they arrived (TikTok's time, then id)."""
        rows = OrderRow.query(
            keys.shop_pk(shop),
            OrderRow.sk.startswith(keys.ORDER),
            filter_condition=OrderRow.held_for_quota == True,  # noqa: E712
        )
        held = [convert.order_from_row(row) for row in rows]
        return sorted(held, key=lambda o: (o.created_at or o.update_time, o.tiktok_order_id))

    def plans_due(self, today: date) -> list[Plan]:
        """Plans whose billing date has come, over the last ``PLANS_DUE_LOOKBACK_DAYS``: a Query per
        billing date on the by_status index (plans are listed by date, so no Scan of the table)."""
        due = []
        for back in range(PLANS_DUE_LOOKBACK_DAYS + 1):
            day = (today - timedelta(days=back)).isoformat()
            due += [convert.plan_from_row(row) for row in PlanRow.by_status.query(keys.plans_due_pk(day))]
        return due

    def product_for_tiktok(self, shop: str, tiktok_product_id: str) -> str | None:
        row = _get(ProductLinkRow, keys.shop_pk(shop), keys.PRODUCT_LINK + tiktok_product_id)
        return None if row is None else row.shopify_product_id

    def orders_of_customer(
        self, shop: str, email: str | None, shopify_order_ids: Iterable[str]
    ) -> list[Order]:
        """The shop's orders that name this customer (by email) or that Shopify lists as theirs."""
        wanted_ids = set(shopify_order_ids)
        found = []
        for row in OrderRow.query(keys.shop_pk(shop), OrderRow.sk.startswith(keys.ORDER)):
            order = convert.order_from_row(row)
            by_email = (
                email is not None
                and order.buyer_email is not None
                and order.buyer_email.lower() == email.lower()
            )
            if by_email or (order.shopify_order_id in wanted_ids):
                found.append(order)
        return found

    def save_data_request(
        self,
        shop: str,
        request_id: str,
        customer_id: str | None,
        order_ids: list[str],
        fields: list[str],
        at: int,
    ) -> None:
        DataRequestRow(
            keys.shop_pk(shop),
            keys.DATA_REQUEST + request_id,
            customer_id=customer_id,
            order_ids=order_ids,
            fields_held=fields,
            requested_at=at,
        ).save()

    def get_data_request(self, shop: str, request_id: str) -> dict[str, Any] | None:
        row = _get(DataRequestRow, keys.shop_pk(shop), keys.DATA_REQUEST + request_id)
        if row is None:
            return None
        return {
            "customer_id": row.customer_id,
            "order_ids": list(row.order_ids),
            "fields_held": list(row.fields_held),
        }

    def list_products(
        self, shop: str, status: str | None, limit: int, start: PageKey | None = None
    ) -> Page[Product]:
        page = _newest_first(ProductRow, shop, "PRODUCT", status, limit, start)
        return Page([convert.product_from_row(r) for r in page.items], page.next_key)

    def list_orders(
        self, shop: str, status: str | None, limit: int, start: PageKey | None = None
    ) -> Page[Order]:
        page = _newest_first(OrderRow, shop, "ORDER", status, limit, start)
        return Page([convert.order_from_row(r) for r in page.items], page.next_key)

    def commit(self, write: VersionedWrite) -> CommitOutcome:
        """Write the entity's version ``version + 1`` if the stored one is still ``version``, with its
        delivery marker and counter moves."""
        moves = {name: delta for name, delta in write.deltas.items() if delta}
        if not moves and write.delivery is None:
            row, condition = _row_of(write.entity)
            try:  # a lone item needs no transaction: half the write units
                row.save(condition=condition)
            except PutError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    return CommitOutcome.CONFLICT
                raise
            return CommitOutcome.APPLIED
        try:
            self._transact([write])
        except TransactWriteError as error:
            return _why_cancelled(error, write.delivery is not None)
        return CommitOutcome.APPLIED

    def commit_product(
        self, product: Product, deltas: Mapping[str, int], delivery: Delivery | None = None
    ) -> CommitOutcome:
        return self.commit(VersionedWrite(product, deltas, delivery))

    def commit_order(
        self, order: Order, deltas: Mapping[str, int], delivery: Delivery | None = None
    ) -> CommitOutcome:
        return self.commit(VersionedWrite(order, deltas, delivery))

    def commit_together(self, writes: Sequence[VersionedWrite]) -> bool:
        """Commit versioned writes of distinct items in one transaction (see _transact). False when
        it failed: a redelivery, an item changed since it was read, a concurrent transaction, more
        than DynamoDB's 100 items, or an error that leaves the outcome unknown; committing each on
        its own then tells which, and fails alone. One transaction of 10 events costs DynamoDB
        Local about what 3 single-event ones do."""
        try:
            self._transact(writes)
        except TransactWriteError:
            return False
        return True

    def save_oauth_state(self, shop: str, nonce: str, expires_at: int) -> None:
        expiry = datetime.fromtimestamp(expires_at, UTC)
        OAuthStateRow(keys.shop_pk(shop), keys.OAUTH_STATE + nonce, expires_at=expiry).save()

    def consume_oauth_state(self, shop: str, nonce: str) -> bool:
        """Delete an issued state; False when it was never issued or is already used."""
        try:
            OAuthStateRow(keys.shop_pk(shop), keys.OAUTH_STATE + nonce).delete(
                condition=OAuthStateRow.pk.exists()
            )
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- activities -------------------------------------------------------------------------
    def save_activity(self, activity: Activity) -> None:
        convert.activity_to_row(activity).save()

    def get_activity(self, shop: str, activity_id: str) -> Activity | None:
        row = _get(ActivityRow, keys.shop_pk(shop), keys.ACTIVITY + activity_id)
        return None if row is None else convert.activity_from_row(row)

    def list_activities(self, shop: str, finished: bool, limit: int) -> list[Activity]:
        """Ongoing activities, or finished ones (completed or failed), newest first: one Query."""
        listing = convert.activity_listing(ActivityState.COMPLETED if finished else ActivityState.ONGOING)
        page = _newest_first(ActivityRow, shop, "ACTIVITY", listing, limit, None)
        return [convert.activity_from_row(r) for r in page.items]

    @_retry_on_conflict
    def record_activity_item(
        self, shop: str, activity_id: str, item_id: str, succeeded: bool, error: str | None = None
    ) -> bool:
        """Count one item of an activity as done, exactly once however often its chunk is retried.
        False when it was counted before."""
        pk = keys.shop_pk(shop)
        marker = ActivityItemRow(
            pk, f"{keys.ACTIVITY_ITEM}{activity_id}#{item_id}", succeeded=succeeded, error=error
        )
        activity = ActivityRow(pk, keys.ACTIVITY + activity_id)
        outcome = ActivityRow.succeeded if succeeded else ActivityRow.failed
        actions = [ActivityRow.processed.add(1), outcome.add(1), ActivityRow.progressed_at.set(_now())]
        if not _count_once([marker], activity, actions, condition=ActivityRow.pk.exists()):
            return False
        if error:
            self._note_activity_error(pk, activity_id, f"{item_id}: {error}")
        return True

    @_retry_on_conflict
    def record_activity_successes(self, shop: str, activity_id: str, item_ids: Sequence[str]) -> None:
        """Count a page of succeeded items in one transaction (up to 99). When one of them was
        counted before (a retried page), they are counted one by one instead, so each still counts
        exactly once."""
        pk = keys.shop_pk(shop)
        wanted = list(dict.fromkeys(item_ids))
        for start in range(0, len(wanted), MAX_TRANSACTION_ITEMS - 1):
            chunk = wanted[start : start + MAX_TRANSACTION_ITEMS - 1]
            actions = [
                ActivityRow.processed.add(len(chunk)),
                ActivityRow.succeeded.add(len(chunk)),
                ActivityRow.progressed_at.set(_now()),
            ]
            markers = [
                ActivityItemRow(pk, f"{keys.ACTIVITY_ITEM}{activity_id}#{item_id}", succeeded=True)
                for item_id in chunk
            ]
            activity = ActivityRow(pk, keys.ACTIVITY + activity_id)
            if not _count_once(markers, activity, actions, condition=ActivityRow.pk.exists()):
                for item_id in chunk:  # some were counted before: each on its own, once
                    self.record_activity_item(shop, activity_id, item_id, succeeded=True)

    def _note_activity_error(self, pk: str, activity_id: str, message: str) -> None:
        # The dashboard shows the first errors; later ones stay on their item markers.
        try:
            ActivityRow(pk, keys.ACTIVITY + activity_id).update(
                actions=[ActivityRow.errors.set((ActivityRow.errors | []).append([message[:500]]))],
                condition=ActivityRow.errors.does_not_exist()
                | (size(ActivityRow.errors) < MAX_ACTIVITY_ERRORS),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    @_retry_on_conflict
    def grow_activity(
        self, shop: str, activity_id: str, page_key: str, more: int, final: bool, resume_cursor: str | None
    ) -> bool:
        """An import or upload found ``more`` items on the page ``page_key``; ``final`` when it was
        the last page. Counted once per page however often the page is retried; False if it was."""
        pk = keys.shop_pk(shop)
        marker = ActivityItemRow(pk, f"{keys.ACTIVITY_ITEM}{activity_id}#page#{page_key}", succeeded=True)
        actions = [
            ActivityRow.total.add(more),
            ActivityRow.total_final.set(final),
            ActivityRow.progressed_at.set(_now()),
            ActivityRow.resume_cursor.set(resume_cursor)
            if resume_cursor
            else ActivityRow.resume_cursor.remove(),
        ]
        return _count_once([marker], ActivityRow(pk, keys.ACTIVITY + activity_id), actions)

    def finish_activity_if_done(self, shop: str, activity_id: str, at: datetime) -> bool:
        """Move an ongoing activity to completed once every item is counted; True if this call did."""
        done = (ActivityRow.processed >= ActivityRow.total) & (
            ActivityRow.total_final == True  # noqa: E712 - a DynamoDB condition, not a Python test
        )
        return _end_activity(shop, activity_id, ActivityState.COMPLETED, at, done)

    @_retry_on_conflict
    def count_automatic_item(self, activity: Activity, item_id: str) -> bool:
        """An automatic sync adds one item to its period's activity (created on first use, reopened
        if it had completed), once per item however often the item's job is retried."""
        pk = keys.shop_pk(activity.shop)
        marker = ActivityItemRow(
            pk, f"{keys.ACTIVITY_ITEM}{activity.activity_id}#queued#{item_id}", succeeded=True
        )
        ongoing = keys.listing_pk(activity.shop, "ACTIVITY", convert.activity_listing(ActivityState.ONGOING))
        started = (activity.started_at or datetime.now(UTC)).isoformat()
        actions = [
            ActivityRow.total.add(1),
            *(
                counter.add(0)
                for counter in (ActivityRow.processed, ActivityRow.succeeded, ActivityRow.failed)
            ),
            ActivityRow.activity_id.set(activity.activity_id),
            ActivityRow.type.set(activity.type.value),
            ActivityRow.state.set(ActivityState.ONGOING.value),
            ActivityRow.total_final.set(True),
            ActivityRow.started_at.set(ActivityRow.started_at | started),
            ActivityRow.finished_at.remove(),
            ActivityRow.progressed_at.set(_now()),
            ActivityRow.gsi1pk.set(ongoing),
            ActivityRow.gsi1sk.set(activity.activity_id),
            ActivityRow.gsi2pk.set(keys.listing_pk(activity.shop, "ACTIVITY")),
            ActivityRow.gsi2sk.set(activity.activity_id),
        ]
        return _count_once([marker], ActivityRow(pk, keys.ACTIVITY + activity.activity_id), actions)

    def claim_import_source(self, shop: str, activity_id: str, source: str) -> str:
        """Record how an import reads Shopify (``PAGED_IMPORT`` or a bulk operation's id); the first
        recorded stays, and is returned, so that however often an import starts over, it reads and
        counts one source. LookupError when the activity is gone."""
        try:
            ActivityRow(keys.shop_pk(shop), keys.ACTIVITY + activity_id).update(
                actions=[ActivityRow.import_source.set(source)],
                condition=ActivityRow.pk.exists() & ActivityRow.import_source.does_not_exist(),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            recorded = self.import_source_of(shop, activity_id)
            if recorded is None:
                raise LookupError(f"activity {activity_id} has no recorded source") from error
            return recorded
        return source

    def import_source_of(self, shop: str, activity_id: str) -> str | None:
        """The recorded source of an import, None before one is; LookupError when the activity is gone."""
        row = _get(ActivityRow, keys.shop_pk(shop), keys.ACTIVITY + activity_id)
        if row is None:
            raise LookupError(f"activity {activity_id} is gone")
        return row.import_source

    @_retry_on_conflict
    def note_bulk_poll(self, shop: str, activity_id: str, poll_key: str, resume_cursor: str) -> bool:
        """One look at the bulk operation an ongoing import waits on: the activity is waiting, not
        stalled, and a resumed run picks the wait up at ``resume_cursor``. True the first time
        ``poll_key`` is noted; False for a repeated delivery of that poll (its follow-up is queued
        already) or when the activity has ended (nothing is written then)."""
        pk = keys.shop_pk(shop)
        marker = ActivityItemRow(pk, f"{keys.ACTIVITY_ITEM}{activity_id}#poll#{poll_key}", succeeded=True)
        # The cursor only where none is: a chunk counted meanwhile has moved it past the wait.
        actions = [
            ActivityRow.progressed_at.set(_now()),
            ActivityRow.resume_cursor.set(ActivityRow.resume_cursor | resume_cursor),
        ]
        ongoing = ActivityRow.state == ActivityState.ONGOING.value
        try:
            return _count_once([marker], ActivityRow(pk, keys.ACTIVITY + activity_id), actions, ongoing)
        except TransactWriteError as error:
            reasons = [reason.code if reason else None for reason in error.cancellation_reasons]
            if reasons[-1:] == ["ConditionalCheckFailed"]:  # the activity ended (or is gone)
                return False
            raise

    def note_activity_resumed(self, shop: str, activity_id: str) -> None:
        """The sweep restarted a stalled activity: its clock starts again, and it counts the restart."""
        ActivityRow(keys.shop_pk(shop), keys.ACTIVITY + activity_id).update(
            actions=[ActivityRow.resumes.add(1), ActivityRow.progressed_at.set(_now())]
        )

    def fail_activity(self, shop: str, activity_id: str, reason: str, at: datetime) -> bool:
        """End an ongoing activity as failed with the reason; False if it had finished meanwhile."""
        noted = ActivityRow.errors.set((ActivityRow.errors | []).append([reason[:500]]))
        return _end_activity(shop, activity_id, ActivityState.FAILED, at, None, noted)

    # --- plan -------------------------------------------------------------------------------
    def get_plan(self, shop: str) -> Plan | None:
        row = _get(PlanRow, keys.shop_pk(shop), keys.PLAN)
        return None if row is None else convert.plan_from_row(row)

    def commit_plan(self, plan: Plan) -> CommitOutcome:
        return self.commit(VersionedWrite(plan, {}))

    # --- counters ---------------------------------------------------------------------------
    def status_counts(self, shop: str) -> StatusCounts:
        """Totals per status: one Query over the shop's counter shards, whatever the catalog size."""
        totals = dict.fromkeys(ALL_COUNTERS, 0)
        # BETWEEN rather than begins_with: the same items, and DynamoDB Local answers it without
        # walking the whole partition (20 ms against 3.5 ms at 100,000 products, benchmarks/summary).
        shard_keys = CounterShardRow.sk.between(keys.counter_sk(0), keys.counter_sk(99))  # two digits
        shards = CounterShardRow.query(keys.shop_pk(shop), shard_keys)
        for shard in shards:
            for name in ALL_COUNTERS:
                totals[name] += int(getattr(shard, name) or 0)
        return StatusCounts(totals)

    def recount(self, shop: str) -> StatusCounts:
        """Totals per status counted from the items themselves (reconciliation and tests)."""
        counted: Counter[str] = Counter(dict.fromkeys(ALL_COUNTERS, 0))
        for row in ProductRow.query(keys.shop_pk(shop), ProductRow.sk.startswith(keys.PRODUCT)):
            if not row.deleted:
                counted[f"products_{row.status}"] += 1
        for row in OrderRow.query(keys.shop_pk(shop), OrderRow.sk.startswith(keys.ORDER)):
            counted[f"orders_{row.status}"] += 1
        return StatusCounts(dict(counted))

    def counter_shard(self, entity_id: str) -> int:
        # One entity always lands on the same shard; many entities spread over all of them, so a
        # bulk import does not serialize on one hot counter item.
        return zlib.crc32(entity_id.encode()) % self._counter_shards

    def installed_shops(self) -> list[Shop]:
        """Every installed shop: a Query of the by_kind index, which lists profiles by install state."""
        rows = ShopRow.by_kind.query(keys.shops_listing_pk(InstallState.INSTALLED.value))
        return [convert.shop_from_row(row) for row in rows]

    def repair_counters(self, shop: str, drift: Mapping[str, int]) -> None:
        """Add the drift a reconciliation measured to the shop's first counter shard."""
        moves = {name: delta for name, delta in drift.items() if delta}
        if moves:
            shard = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(0))
            shard.update(actions=[getattr(CounterShardRow, name).add(delta) for name, delta in moves.items()])

    # --- erasure ----------------------------------------------------------------------------
    def erase_shop(self, domain: str) -> int:
        """Delete every item of a shop, its TikTok lookup included. Returns how many were deleted."""
        profile = self.get_shop(domain)
        deleted = 0
        with TableRow.batch_write() as batch:
            for row in TableRow.query(keys.shop_pk(domain), attributes_to_get=["pk", "sk"]):
                batch.delete(row)
                deleted += 1
            if profile is not None and profile.tiktok_shop_id:
                lookup = keys.tiktok_shop_pk(profile.tiktok_shop_id)
                if self.shop_for_tiktok(profile.tiktok_shop_id) == domain:
                    batch.delete(TableRow(lookup, keys.LOOKUP))
                    deleted += 1
        return deleted

    # --- internals --------------------------------------------------------------------------
    def _transact(self, writes: Sequence[VersionedWrite]) -> None:
        """One TransactWriteItems: each row under its condition with its delivery marker, and the
        counter moves summed into one shard per shop. Totals are sums over a shop's shards, so any
        shard can take them: the shard of the shop's first item (concurrent writers start with
        other items)."""
        summed: dict[str, Counter[str]] = {}
        shard_of: dict[str, int] = {}
        with TransactWrite(connection=_connection()) as transaction:
            for write in writes:
                shop = write.entity.shop
                row, condition = _row_of(write.entity)
                if write.delivery is not None:
                    marker = _marker(shop, write.delivery)
                    transaction.save(marker, condition=DedupeRow.pk.does_not_exist())
                transaction.save(row, condition=condition)
                shard_of.setdefault(shop, self.counter_shard(row.sk))
                summed.setdefault(shop, Counter()).update(write.deltas)
            for shop, counted in summed.items():
                actions = [getattr(CounterShardRow, name).add(d) for name, d in counted.items() if d]
                if actions:
                    shard = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(shard_of[shop]))
                    transaction.update(shard, actions=actions)

    def has_delivery(self, shop: str, delivery: Delivery) -> bool:
        return (
            _get(DedupeRow, keys.shop_pk(shop), keys.dedupe_sk(delivery.source, delivery.delivery_id))
            is not None
        )

    def record_delivery(self, shop: str, delivery: Delivery) -> bool:
        """Mark a delivery seen on its own; False when it was seen before."""
        try:
            _marker(shop, delivery).save(condition=DedupeRow.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _stored(value: Any) -> Any:
    """A domain value as its row attribute stores it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def _row_of(entity: Product | Order | Plan) -> tuple[TableRow, Any]:
    """The row of an entity's next version, and the condition that the stored one is still its own."""
    row_type: type[ProductRow] | type[OrderRow] | type[PlanRow]
    if isinstance(entity, Product):
        row, row_type = convert.product_to_row(entity, entity.version + 1), ProductRow
    elif isinstance(entity, Order):
        row, row_type = convert.order_to_row(entity, entity.version + 1), OrderRow
    else:
        row, row_type = convert.plan_to_row(entity, entity.version + 1), PlanRow
    if entity.version == 0:
        return row, row_type.pk.does_not_exist()
    return row, row_type.version == entity.version


def _marker(shop: str, delivery: Delivery) -> DedupeRow:
    return DedupeRow(
        keys.shop_pk(shop),
        keys.dedupe_sk(delivery.source, delivery.delivery_id),
        expires_at=datetime.fromtimestamp(delivery.expires_at, UTC),
    )


def _why_cancelled(error: TransactWriteError, has_delivery: bool) -> CommitOutcome:
    reasons = [reason.code if reason else "None" for reason in error.cancellation_reasons]
    if not reasons or error.cause_response_code != "TransactionCanceledException":
        raise error
    if has_delivery and reasons[0] == "ConditionalCheckFailed":
        return CommitOutcome.DUPLICATE
    if all(code in ("None", "ConditionalCheckFailed", "TransactionConflict") for code in reasons):
        return CommitOutcome.CONFLICT
    raise error


def _connection() -> Connection:
    # The connection PynamoDB built for the bound table (same endpoint, region and session).
    return TableRow._get_connection().connection


def _batch_get(wanted: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The raw items of these (pk, sk) keys that exist, in pages of 100, unprocessed keys asked again."""
    connection = TableRow._get_connection()
    table = connection.table_name
    items: list[dict[str, Any]] = []
    for start in range(0, len(wanted), BATCH_GET_KEYS):
        page = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in wanted[start : start + BATCH_GET_KEYS]]
        while page:
            data = connection.batch_get_item(page, consistent_read=True)
            items += data["Responses"].get(table, [])
            page = data.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return items


def _get(row_type: type[Any], pk: str, sk: str) -> Any | None:
    try:  # strongly consistent: what we read decides a conditional write
        return row_type.get(pk, sk, consistent_read=True)
    except row_type.DoesNotExist:
        return None


def _newest_first(
    row_type: type[ListedRow],
    shop: str,
    kind: str,
    status: str | None,
    limit: int,
    start: PageKey | None,
) -> Page[Any]:
    """One page of a listing, newest first, by status (by_status) or of every status (by_kind).

    Asks for one item more than the page holds, so that the last page says it is the last.
    """
    if status is None:
        index, index_pk, index_sk = row_type.by_kind, "gsi2pk", "gsi2sk"
    else:
        index, index_pk, index_sk = row_type.by_status, "gsi1pk", "gsi1sk"
    rows = list(
        index.query(
            keys.listing_pk(shop, kind, status),
            scan_index_forward=False,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start,
        )
    )
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    next_key = {
        name: {"S": getattr(last, attr)}
        for attr, name in (
            ("pk", "pk"),
            ("sk", "sk"),
            (index_pk, _wire(index_pk)),
            (index_sk, _wire(index_sk)),
        )
    }
    return Page(rows[:limit], next_key)


def _wire(attribute: str) -> str:
    return ListedRow.get_attributes()[attribute].attr_name
