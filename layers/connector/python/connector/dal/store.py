"""The one data-access interface of the connector. Handlers and domain code never touch rows.

Activities are read and written by ActivityProgress (activity_progress.py), the Store's ``activities``;
the helpers both use on the table are in table.py."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from connector.dal import convert, keys
from connector.dal.rows import (
    CounterShardRow,
    DataRequestRow,
    DedupeRow,
    ImageUploadRow,
    InventoryLinkRow,
    OAuthStateRow,
    OrderRow,
    OrderSyncClaimRow,
    ParkedJobRow,
    PendingTikTokGrantRow,
    PlanRow,
    ProductLinkRow,
    ProductRow,
    QuotaHoldRow,
    ShopifyOrderLinkRow,
    ShopRow,
    StockHoldRow,
    TableRow,
    TikTokShopLookupRow,
)
from connector.dal.table import (
    CONDITION_FAILED,
    Page,
    PageKey,
    applied,
    cancellation_codes,
    condition_failed,
    connection,
    get,
    newest_first,
    retry_on_conflict,
    rows_by_key,
)
from connector.domain.entities import (
    ImageUpload,
    InstallState,
    Order,
    Plan,
    Product,
    Shop,
    StatusCounts,
    SyncSettings,
    TikTokConnection,
    Warehouse,
)
from connector.domain.status import ALL_COUNTERS
from connector.values import Value, replace

# The activities' and the sales items' code (dal/activity_progress.py, dal/sales_days.py,
# domain/sales.py) is imported where first used: the processor never reads an activity, only orders
# move sales and only the sales pages and digests read them, so a cold start that does not need
# them does not compile them.
if TYPE_CHECKING:
    from connector.dal.activity_progress import ActivityProgress
    from connector.dal.sales_days import SalesDays
    from connector.domain.sales import DayMoves


class Delivery(Value, frozen=True):
    """One webhook delivery, recorded with the change it caused so that a redelivery is a no-op."""

    source: str  # "shopify" or "tiktok"
    delivery_id: str
    expires_at: int  # epoch seconds; past every retry window of the sender


class Items(Value, frozen=True):
    """What one read of many items found, by shop domain and by (shop, id)."""

    shops: dict[str, Shop]
    products: dict[tuple[str, str], Product]
    orders: dict[tuple[str, str], Order]


class VersionedWrite(Value, frozen=True):
    """An item's next version (recording the delivery that caused it, domain/deliveries.py) and
    its counter moves."""

    entity: Product | Order | Plan
    deltas: Mapping[str, int]

    def with_sales(self) -> tuple[VersionedWrite, DayMoves]:
        """An order's write, recording the state its sale counts in, and the days it moves
        (domain/sales.py): written in the same transaction, like the counters."""
        if not isinstance(self.entity, Order):
            return self, {}
        from connector.domain.sales import sales_move

        order, moves = sales_move(self.entity)
        return replace(self, entity=order), moves


class CommitOutcome(StrEnum):
    APPLIED = "applied"
    CONFLICT = "conflict"  # the item changed since it was read: read again and decide again


BATCH_GET_KEYS = 100  # DynamoDB's limit for one BatchGetItem
# Where a recount is: the kind of item it counts (keys.PRODUCT, then keys.ORDER) and the last key read.
RecountPosition = tuple[str, PageKey | None]
RECOUNT_START: RecountPosition = (keys.PRODUCT, None)
RECOUNT_PAGE = 1000
# A plan whose roll-over was missed (the schedule stopped) is still found this many days later.
PLANS_DUE_LOOKBACK_DAYS = 62


class Store:
    """Reads and writes every item of the connector's table through PynamoDB."""

    def __init__(self, counter_shards: int) -> None:
        self._counter_shards = counter_shards

    @cached_property
    def activities(self) -> ActivityProgress:
        """The shops' activities: started, grown, counted and finished."""
        from connector.dal.activity_progress import ActivityProgress

        return ActivityProgress()

    @cached_property
    def sales(self) -> SalesDays:
        """The shop's sales items: their reads, folds and repairs."""
        from connector.dal.sales_days import SalesDays

        return SalesDays()

    # --- health -----------------------------------------------------------------------------
    def ping(self) -> None:
        """A real DynamoDB call that fails unless the table exists and answers."""
        if not TableRow.exists():
            raise LookupError("table does not exist")

    # --- shops ------------------------------------------------------------------------------
    def get_shop(self, domain: str) -> Shop | None:
        row = get(ShopRow, keys.shop_pk(domain), keys.PROFILE)
        return None if row is None else convert.shop_from_row(row)

    def save_shop(self, shop: Shop) -> None:
        convert.shop_to_row(shop).save()

    def save_settings(self, domain: str, settings: SyncSettings) -> None:
        row = convert.shop_to_row(Shop(domain=domain, settings=settings))
        ShopRow(keys.shop_pk(domain), keys.PROFILE).update([ShopRow.settings.set(row.settings)])

    def link_tiktok_shop(
        self, domain: str, tiktok_shop_id: str, *, taking_over_from: str | None = None
    ) -> bool:
        """Make TikTok webhooks of ``tiktok_shop_id`` lead to ``domain``: only when no other shop
        holds it (or ``taking_over_from`` is the holder whose hold lapsed). False when held."""
        row = TikTokShopLookupRow(keys.tiktok_shop_pk(tiktok_shop_id), keys.LOOKUP, shop=domain)
        held_by = TikTokShopLookupRow.shop
        free = TikTokShopLookupRow.pk.does_not_exist() | (held_by == domain)
        condition = free | (held_by == taking_over_from) if taking_over_from else free
        return applied(row.save, condition=condition)

    def unlink_tiktok_shop(self, domain: str, tiktok_shop_id: str) -> None:
        """Remove the lookup of a TikTok shop, when it is ``domain``'s (never another shop's)."""
        applied(
            TikTokShopLookupRow(keys.tiktok_shop_pk(tiktok_shop_id), keys.LOOKUP).delete,
            condition=TikTokShopLookupRow.shop == domain,
        )

    def update_shop(self, domain: str, **fields: Any) -> bool:
        """Set some profile fields of an existing shop without touching the others (None removes
        one). False if unknown."""
        actions = _profile_actions(fields)
        if "install_state" in fields:
            actions.append(ShopRow.gsi2pk.set(keys.shops_listing_pk(_stored(fields["install_state"]))))
        return applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update, actions, condition=ShopRow.pk.exists()
        )

    # --- the Shopify token's refresh: one instance at a time per shop --------------------------
    def lease_shopify_refresh(self, domain: str, token_ciphertext: str, now: float, seconds: float) -> bool:
        """Take the right to refresh the shop's Shopify token for ``seconds`` (epoch ``now``): only
        while the stored token is still ``token_ciphertext`` and no other lease runs. False when
        another instance holds one, or the token was replaced (read it again)."""
        lease = ShopRow.shopify_token_refresh_lease
        return applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update,
            [lease.set(now + seconds)],
            condition=(ShopRow.shopify_token_ciphertext == token_ciphertext)
            & (lease.does_not_exist() | (lease < now)),
        )

    def keep_shopify_tokens(self, domain: str, replacing: str, **fields: Any) -> bool:
        """A refreshed token pair and its times, in one write that ends the lease (the rotated
        refresh token is never stored apart from its access token): only while the stored token is
        still ``replacing``. False when another instance replaced it meanwhile."""
        actions = [*_profile_actions(fields), ShopRow.shopify_token_refresh_lease.remove()]
        return applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update,
            actions,
            condition=ShopRow.shopify_token_ciphertext == replacing,
        )

    def end_shopify_refresh(self, domain: str, token_ciphertext: str, refused_at: datetime | None) -> None:
        """End a lease that brought no new token: Shopify was unavailable (another may try), or it
        refused the refresh token (``refused_at`` recorded: the next dashboard visit exchanges anew).
        Nothing changes once the token was replaced meanwhile."""
        actions: list[Action] = [ShopRow.shopify_token_refresh_lease.remove()]
        if refused_at is not None:
            actions.append(ShopRow.shopify_token_refresh_refused_at.set(refused_at.isoformat()))
        applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update,
            actions,
            condition=ShopRow.shopify_token_ciphertext == token_ciphertext,
        )

    def set_tiktok_facts(
        self, domain: str, *, region: str | None = None, warehouses: Sequence[Warehouse] | None = None
    ) -> None:
        """Keep what TikTok says of the shop (its region, its sales warehouses)."""
        facts = {"tiktok_region": region, "tiktok_warehouses": warehouses}
        known = {name: value for name, value in facts.items() if value is not None}
        if known:
            self.update_shop(domain, **known)

    def mark_uninstalled(self, domain: str, at: datetime) -> bool:
        """Mark a shop uninstalled unless it was (re)installed after ``at``. False when not applied."""
        installed_before = ShopRow.installed_at.does_not_exist() | (ShopRow.installed_at <= at.isoformat())
        actions: list[Action] = [
            ShopRow.install_state.set(InstallState.UNINSTALLED.value),
            ShopRow.gsi2pk.set(keys.shops_listing_pk(InstallState.UNINSTALLED.value)),
            ShopRow.uninstalled_at.set(at.isoformat()),
        ]
        return applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update,
            actions,
            condition=ShopRow.pk.exists() & installed_before,
        )

    def revoke_tiktok(self, domain: str, at: int) -> bool:
        """The seller deauthorized us (webhook type 6 of time ``at``): tokens erased, connection
        revoked, unless the shop connected again after ``at`` (a late delivery). False if not applied."""
        actions: list[Action] = [
            ShopRow.tiktok_connection.set(TikTokConnection.REVOKED.value),
            ShopRow.tiktok_access_token_ciphertext.remove(),
            ShopRow.tiktok_refresh_token_ciphertext.remove(),
        ]
        linked_before = ShopRow.tiktok_connected_at.does_not_exist() | (ShopRow.tiktok_connected_at <= at)
        return applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update,
            actions,
            condition=ShopRow.pk.exists() & linked_before,
        )

    def lose_tiktok_connection(self, domain: str) -> bool:
        """TikTok refused the shop's tokens and their refresh: a connected shop becomes EXPIRED (a
        revoked or disconnected one stays as it is)."""
        return applied(
            ShopRow(keys.shop_pk(domain), keys.PROFILE).update,
            [ShopRow.tiktok_connection.set(TikTokConnection.EXPIRED.value)],
            condition=ShopRow.tiktok_connection == TikTokConnection.CONNECTED.value,
        )

    def shop_for_tiktok(self, tiktok_shop_id: str) -> str | None:
        row = get(TikTokShopLookupRow, keys.tiktok_shop_pk(tiktok_shop_id), keys.LOOKUP)
        return None if row is None else row.shop

    def shops_for_tiktok(self, tiktok_shop_ids: Iterable[str]) -> dict[str, str]:
        """The Shopify shop of each TikTok shop that one holds, in one BatchGetItem per 100."""
        wanted = [
            (keys.tiktok_shop_pk(tiktok_id), keys.LOOKUP) for tiktok_id in dict.fromkeys(tiktok_shop_ids)
        ]
        rows = [TikTokShopLookupRow.from_raw_data(item) for item in _batch_get(wanted)]
        return {keys.tiktok_shop_id_of(row.pk): row.shop for row in rows}

    # --- products and orders ----------------------------------------------------------------
    def get_product(self, shop: str, shopify_product_id: str) -> Product | None:
        row = get(ProductRow, keys.shop_pk(shop), keys.PRODUCT + shopify_product_id)
        return None if row is None else convert.product_from_row(row)

    def get_products(self, shop: str, shopify_product_ids: Iterable[str]) -> dict[str, Product]:
        found = self.get_many(products=[(shop, pid) for pid in shopify_product_ids]).products
        return {pid: product for (_, pid), product in found.items()}

    def get_order(self, shop: str, tiktok_order_id: str) -> Order | None:
        row = get(OrderRow, keys.shop_pk(shop), keys.ORDER + tiktok_order_id)
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
            # Only a link to this listing: the item may be linked to a newer one since.
            applied(
                InventoryLinkRow(pk, keys.INVENTORY_LINK + item_id).delete,
                condition=InventoryLinkRow.tiktok_product_id == tiktok_product_id,
            )

    def link_shopify_order(self, shop: str, shopify_order_id: str, tiktok_order_id: str) -> None:
        ShopifyOrderLinkRow(
            keys.shop_pk(shop), keys.SHOPIFY_ORDER_LINK + shopify_order_id, tiktok_order_id=tiktok_order_id
        ).save()

    def order_for_shopify(self, shop: str, shopify_order_id: str) -> str | None:
        row = get(ShopifyOrderLinkRow, keys.shop_pk(shop), keys.SHOPIFY_ORDER_LINK + shopify_order_id)
        return None if row is None else row.tiktok_order_id

    def image_uploads(
        self, shop: str, images: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ImageUpload]:
        """What is remembered of these Shopify images' uploads to TikTok, by (image id, use case),
        in one batch read."""
        pk = keys.shop_pk(shop)
        wanted = [(pk, keys.image_upload_sk(image_id, use)) for image_id, use in dict.fromkeys(images)]
        found: dict[tuple[str, str], ImageUpload] = {}
        for item in _batch_get(wanted):
            row = ImageUploadRow.from_raw_data(item)
            use_case, image_id = row.sk.removeprefix(keys.IMAGE_UPLOAD).split("#", 1)
            found[(image_id, use_case)] = ImageUpload(
                image_id, use_case, row.url, row.content_sha256, row.tiktok_uri
            )
        return found

    def remember_image_upload(self, shop: str, upload: ImageUpload) -> None:
        ImageUploadRow(
            keys.shop_pk(shop),
            keys.image_upload_sk(upload.image_id, upload.use_case),
            url=upload.url,
            content_sha256=upload.content_sha256,
            tiktok_uri=upload.tiktok_uri,
        ).save()

    def inventory_link(self, shop: str, inventory_item_id: str) -> InventoryLinkRow | None:
        row: InventoryLinkRow | None = get(
            InventoryLinkRow, keys.shop_pk(shop), keys.INVENTORY_LINK + inventory_item_id
        )
        return row

    def inventory_links(self, shop: str, inventory_item_ids: Iterable[str]) -> dict[str, InventoryLinkRow]:
        """The links of these inventory items that exist, by item id (one batch read)."""
        pk = keys.shop_pk(shop)
        wanted = [(pk, keys.INVENTORY_LINK + item) for item in dict.fromkeys(inventory_item_ids)]
        rows = [InventoryLinkRow.from_raw_data(item) for item in _batch_get(wanted)]
        return {row.sk.removeprefix(keys.INVENTORY_LINK): row for row in rows}

    def note_inventory_sent(self, shop: str, inventory_item_id: str, updated_at: int) -> bool:
        """Remember the Shopify time of the level sent to TikTok; False when a newer one was sent."""
        return applied(
            InventoryLinkRow(keys.shop_pk(shop), keys.INVENTORY_LINK + inventory_item_id).update,
            actions=[InventoryLinkRow.inventory_updated_at.set(updated_at)],
            condition=InventoryLinkRow.pk.exists() & (InventoryLinkRow.inventory_updated_at < updated_at),
        )

    def hold_stock(self, shop: str, tiktok_order_id: str, units: Mapping[str, int]) -> None:
        """Keep a held order's units out of the stock sent to TikTok (written again: the same)."""
        StockHoldRow(keys.shop_pk(shop), keys.STOCK_HOLD + tiktok_order_id, units=dict(units)).save()

    def release_stock(self, shop: str, tiktok_order_id: str) -> None:
        StockHoldRow(keys.shop_pk(shop), keys.STOCK_HOLD + tiktok_order_id).delete()

    def held_stock(self, shop: str) -> dict[str, int]:
        """Units held by the shop's held orders, by inventory item (one Query; none in most shops)."""
        held: dict[str, int] = {}
        for row in StockHoldRow.query(keys.shop_pk(shop), StockHoldRow.sk.startswith(keys.STOCK_HOLD)):
            for item, units in (row.units.as_dict() if row.units else {}).items():
                held[str(item)] = held.get(str(item), 0) + int(units)
        return held

    def claim_order_sync(self, shop: str, tiktok_order_id: str, at: int) -> bool:
        """Claim the one creation of a Shopify order for this TikTok order; False if claimed before."""
        claim = OrderSyncClaimRow(keys.shop_pk(shop), keys.ORDER_SYNC_CLAIM + tiktok_order_id, claimed_at=at)
        return applied(claim.save, condition=OrderSyncClaimRow.pk.does_not_exist())

    def release_order_sync(self, shop: str, tiktok_order_id: str) -> None:
        OrderSyncClaimRow(keys.shop_pk(shop), keys.ORDER_SYNC_CLAIM + tiktok_order_id).delete()

    @retry_on_conflict
    def take_quota(self, shop: str, kind: str, item_id: str, limit: int, at: int) -> bool:
        """Hold one unit of the plan's ``kind`` quota for ``item_id``, atomically and once: True when
        the item holds it (now or from before), False when none is left."""
        pk = keys.shop_pk(shop)
        hold = QuotaHoldRow(pk, keys.quota_hold_sk(kind, item_id), taken_at=at)
        used = getattr(PlanRow, f"{kind}_used")
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(hold, condition=QuotaHoldRow.pk.does_not_exist())
                transaction.update(
                    PlanRow(pk, keys.PLAN),
                    actions=[used.add(1)],
                    condition=PlanRow.pk.exists() & (used.does_not_exist() | (used < limit)),
                )
        except TransactWriteError as error:
            if condition_failed(error, 0):
                return True  # held from an earlier try
            if condition_failed(error, 1):
                return False
            raise
        return True

    @retry_on_conflict
    def give_back_quota(self, shop: str, kind: str, item_id: str) -> None:
        """Return an item's unit (its upload was refused, its order is not synced); once."""
        pk = keys.shop_pk(shop)
        used = getattr(PlanRow, f"{kind}_used")
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.delete(
                    QuotaHoldRow(pk, keys.quota_hold_sk(kind, item_id)), condition=QuotaHoldRow.pk.exists()
                )
                transaction.update(PlanRow(pk, keys.PLAN), actions=[used.add(-1)])
        except TransactWriteError as error:
            if not condition_failed(error, 0):
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
            listed = PlanRow.by_status.query(keys.plans_due_pk(day))
            due += [convert.plan_from_row(row) for row in rows_by_key(PlanRow, listed)]
        return due

    def product_for_tiktok(self, shop: str, tiktok_product_id: str) -> str | None:
        row = get(ProductLinkRow, keys.shop_pk(shop), keys.PRODUCT_LINK + tiktok_product_id)
        return None if row is None else row.shopify_product_id

    def orders_of_shopify_orders(self, shop: str, shopify_order_ids: Iterable[str]) -> list[Order]:
        """The TikTok orders these Shopify orders were made from (by their links: two batch reads)."""
        pk = keys.shop_pk(shop)
        links = _batch_get([(pk, keys.SHOPIFY_ORDER_LINK + oid) for oid in dict.fromkeys(shopify_order_ids)])
        tiktok_ids = sorted({str(item["tiktok_order_id"]["S"]) for item in links})
        return list(self.get_orders(shop, tiktok_ids).values())

    def unlink_shopify_orders(self, shop: str, shopify_order_ids: Iterable[str]) -> None:
        with TableRow.batch_write() as batch:
            for oid in dict.fromkeys(shopify_order_ids):
                batch.delete(ShopifyOrderLinkRow(keys.shop_pk(shop), keys.SHOPIFY_ORDER_LINK + oid))

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
        row = get(DataRequestRow, keys.shop_pk(shop), keys.DATA_REQUEST + request_id)
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
        page = newest_first(ProductRow, shop, "PRODUCT", status, limit, start)
        return Page([convert.product_from_row(r) for r in page.items], page.next_key)

    def list_orders(
        self, shop: str, status: str | None, limit: int, start: PageKey | None = None
    ) -> Page[Order]:
        page = newest_first(OrderRow, shop, "ORDER", status, limit, start)
        return Page([convert.order_from_row(r) for r in page.items], page.next_key)

    def commit(self, write: VersionedWrite) -> CommitOutcome:
        """Write the entity's version ``version + 1`` if the stored one is still ``version``, with its
        counter and sales moves."""
        write, sales = write.with_sales()
        if _alone(write, sales):
            return CommitOutcome.APPLIED if _put(write) else CommitOutcome.CONFLICT
        try:
            self._transact([write], {write.entity.shop: sales})
        except TransactWriteError as error:
            return _why_cancelled(error)
        return CommitOutcome.APPLIED

    def commit_product(self, product: Product, deltas: Mapping[str, int]) -> CommitOutcome:
        return self.commit(VersionedWrite(product, deltas))

    def commit_order(self, order: Order, deltas: Mapping[str, int]) -> CommitOutcome:
        return self.commit(VersionedWrite(order, deltas))

    def commit_together(self, writes: Sequence[VersionedWrite]) -> list[bool]:
        """Commit versioned writes of distinct items; whether each landed. Those that move nothing
        but their item are put one by one (a transaction bills each item twice); the others go in
        one transaction (see _transact), which lands whole or not at all: an item changed since it
        was read, a concurrent transaction, more than DynamoDB's 100 items, or an error that leaves
        the outcome unknown. What did not land is decided again on its own."""
        prepared = [write.with_sales() for write in writes]
        alone = [_alone(write, moves) for write, moves in prepared]
        together = [written for written, by_itself in zip(prepared, alone, strict=True) if not by_itself]
        landed = True
        if together:
            sales: dict[str, DayMoves] = {}
            moved = [(write.entity.shop, moves) for write, moves in together if moves]
            if moved:
                from connector.domain.sales import add_moves

                for shop, moves in moved:
                    add_moves(sales.setdefault(shop, {}), moves)
            try:
                self._transact([write for write, _ in together], sales)
            except TransactWriteError:
                landed = False
        return [
            _put(write) if by_itself else landed
            for (write, _), by_itself in zip(prepared, alone, strict=True)
        ]

    def save_oauth_state(self, shop: str, nonce: str, expires_at: int) -> None:
        expiry = datetime.fromtimestamp(expires_at, UTC)
        OAuthStateRow(keys.shop_pk(shop), keys.OAUTH_STATE + nonce, expires_at=expiry).save()

    def attach_oauth_code(self, shop: str, nonce: str, code_ciphertext: str) -> bool:
        """Park TikTok's auth code beside an issued state; False when the state is unknown, used, or
        already has a code (a replayed redirect)."""
        return applied(
            OAuthStateRow(keys.shop_pk(shop), keys.OAUTH_STATE + nonce).update,
            [OAuthStateRow.code_ciphertext.set(code_ciphertext)],
            condition=OAuthStateRow.pk.exists() & OAuthStateRow.code_ciphertext.does_not_exist(),
        )

    def consume_oauth_code(self, shop: str, nonce: str) -> str | None:
        """Delete an issued state and answer its parked code; None when it was never issued, is
        already used, or has no code yet."""
        row = get(OAuthStateRow, keys.shop_pk(shop), keys.OAUTH_STATE + nonce)
        if row is None or row.code_ciphertext is None:
            return None
        consumed = applied(
            OAuthStateRow(keys.shop_pk(shop), keys.OAUTH_STATE + nonce).delete,
            condition=OAuthStateRow.code_ciphertext == row.code_ciphertext,
        )
        return row.code_ciphertext if consumed else None

    def park_job(self, shop: str, key: str, body: str) -> None:
        """Keep a job for TikTok while the shop is not connected (the same job parked twice is one)."""
        ParkedJobRow(keys.shop_pk(shop), keys.PARKED_JOB + key, body=body).save()

    def parked_jobs(self, shop: str) -> list[tuple[str, str]]:
        """The shop's parked jobs, (key, body), in the order of their keys."""
        rows = ParkedJobRow.query(
            keys.shop_pk(shop), ParkedJobRow.sk.startswith(keys.PARKED_JOB), consistent_read=True
        )
        return [(row.sk.removeprefix(keys.PARKED_JOB), row.body) for row in rows]

    def unpark_job(self, shop: str, key: str) -> None:
        ParkedJobRow(keys.shop_pk(shop), keys.PARKED_JOB + key).delete()

    def save_pending_tiktok_grant(self, shop: str, grant_ciphertext: str, expires_at: int) -> None:
        expiry = datetime.fromtimestamp(expires_at, UTC)
        PendingTikTokGrantRow(
            keys.shop_pk(shop),
            keys.PENDING_TIKTOK_GRANT,
            expires_at=expiry,
            grant_ciphertext=grant_ciphertext,
        ).save()

    def take_pending_tiktok_grant(self, shop: str, now: int) -> str | None:
        """The grant waiting for the merchant's choice, deleted as it is read (once); None when
        there is none or it expired (the TTL deletes late, so expiry is checked here)."""
        row = get(PendingTikTokGrantRow, keys.shop_pk(shop), keys.PENDING_TIKTOK_GRANT)
        if row is None or row.expires_at.timestamp() < now:
            return None
        taken = applied(
            PendingTikTokGrantRow(keys.shop_pk(shop), keys.PENDING_TIKTOK_GRANT).delete,
            condition=PendingTikTokGrantRow.grant_ciphertext == row.grant_ciphertext,
        )
        return row.grant_ciphertext if taken else None

    # --- plan -------------------------------------------------------------------------------
    def get_plan(self, shop: str) -> Plan | None:
        row = get(PlanRow, keys.shop_pk(shop), keys.PLAN)
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
        """Totals per status counted from the items themselves (tests; the reconciliation counts
        page by page with ``recount_page``)."""
        counted: Counter[str] = Counter(dict.fromkeys(ALL_COUNTERS, 0))
        start: RecountPosition | None = RECOUNT_START
        while start is not None:
            part, start = self.recount_page(shop, start, limit=RECOUNT_PAGE)
            counted.update(part)
        return StatusCounts(dict(counted))

    def recount_page(
        self, shop: str, start: RecountPosition, limit: int
    ) -> tuple[Counter[str], RecountPosition | None]:
        """Up to ``limit`` of the shop's products, then orders, counted per status from ``start``;
        where the next page starts (None after the last order)."""
        counted: Counter[str] = Counter()
        kind, key = start
        while limit > 0:
            row_type: type[ProductRow] | type[OrderRow] = ProductRow if kind == keys.PRODUCT else OrderRow
            counter = "products" if kind == keys.PRODUCT else "orders"
            rows = row_type.query(
                keys.shop_pk(shop),
                row_type.sk.startswith(kind),
                limit=limit,
                last_evaluated_key=key,
                attributes_to_get=["pk", "sk", "status", *(["deleted"] if kind == keys.PRODUCT else [])],
            )
            for row in rows:
                limit -= 1
                if not getattr(row, "deleted", False):  # a tombstone counts nowhere
                    counted[f"{counter}_{row.status}"] += 1
            key = rows.last_evaluated_key
            if key is not None:
                return counted, (kind, key)
            if kind == keys.ORDER:
                return counted, None
            kind, key = keys.ORDER, None
        return counted, (kind, key)

    def counter_shard(self, entity_id: str) -> int:
        # One entity always lands on the same shard; many entities spread over all of them, so a
        # bulk import does not serialize on one hot counter item.
        return zlib.crc32(entity_id.encode()) % self._counter_shards

    def installed_shops(self) -> list[Shop]:
        """Every installed shop: a Query of the by_kind index, which lists profiles by install state."""
        listed = ShopRow.by_kind.query(keys.shops_listing_pk(InstallState.INSTALLED.value))
        return [convert.shop_from_row(row) for row in rows_by_key(ShopRow, listed)]

    def installed_shop_domains(self, limit: int, start: PageKey | None) -> Page[str]:
        """One page of the installed shops' domains (the schedules' fan-out), from ``start``."""
        rows = ShopRow.by_kind.query(
            keys.shops_listing_pk(InstallState.INSTALLED.value), limit=limit, last_evaluated_key=start
        )
        domains = [row.pk.removeprefix(keys.SHOP_PREFIX) for row in rows]
        return Page(domains, rows.last_evaluated_key)

    def has_schedule_page(self, task: str, page_id: str) -> bool:
        return get(DedupeRow, keys.schedule_pk(task), keys.dedupe_sk("page", page_id)) is not None

    def note_schedule_page(self, task: str, page_id: str, expires_at: int) -> None:
        """A scheduled task's page of shops was fanned out: a repeated delivery of it does nothing."""
        DedupeRow(
            keys.schedule_pk(task),
            keys.dedupe_sk("page", page_id),
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        ).save()

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
    def _transact(self, writes: Sequence[VersionedWrite], sales: Mapping[str, DayMoves]) -> None:
        """One TransactWriteItems: each row under its condition (it records its own deliveries),
        the counter moves summed into one shard per shop, and the sales moves into their span and
        product-month items (``sales``, by shop; dal/sales_days.py). Totals are sums over a shop's
        shards, so any shard can take them: the shard of the shop's first item (concurrent writers
        start with other items)."""
        summed: dict[str, Counter[str]] = {}
        shard_of: dict[str, int] = {}
        with TransactWrite(connection=connection()) as transaction:
            for write in writes:
                shop = write.entity.shop
                row, condition = _row_of(write.entity)
                transaction.save(row, condition=condition)
                shard_of.setdefault(shop, self.counter_shard(row.sk))
                summed.setdefault(shop, Counter()).update(write.deltas)
            for shop, counted in summed.items():
                actions = [getattr(CounterShardRow, name).add(d) for name, d in counted.items() if d]
                if actions:
                    shard = CounterShardRow(keys.shop_pk(shop), keys.counter_sk(shard_of[shop]))
                    transaction.update(shard, actions=actions)
            moved = {shop: moves for shop, moves in sales.items() if moves}
            if moved:
                from connector.dal.sales_days import add_day_moves

                for shop, moves in moved.items():
                    add_day_moves(transaction, shop, moves)

    def has_delivery(self, shop: str, delivery: Delivery) -> bool:
        return (
            get(DedupeRow, keys.shop_pk(shop), keys.dedupe_sk(delivery.source, delivery.delivery_id))
            is not None
        )

    def record_delivery(self, shop: str, delivery: Delivery) -> bool:
        """Mark a delivery seen on its own; False when it was seen before."""
        return applied(_marker(shop, delivery).save, condition=DedupeRow.pk.does_not_exist())

    def deliveries_seen(self, deliveries: Sequence[tuple[str, Delivery]]) -> list[bool]:
        """Whether each (shop, delivery) was marked seen: one batch read for them all."""
        wanted = [(keys.shop_pk(shop), keys.dedupe_sk(d.source, d.delivery_id)) for shop, d in deliveries]
        found = {(item["pk"]["S"], item["sk"]["S"]) for item in _batch_get(list(dict.fromkeys(wanted)))}
        return [key in found for key in wanted]

    def record_deliveries(self, deliveries: Sequence[tuple[str, Delivery]]) -> None:
        """Mark deliveries seen, 25 to a batch write (a batch write takes no condition: the caller
        has read them unseen)."""
        with TableRow.batch_write() as batch:
            for shop, delivery in deliveries:
                batch.save(_marker(shop, delivery))


def _stored(value: Any) -> Any:
    """A domain value as its row attribute stores it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def _profile_actions(fields: Mapping[str, Any]) -> list[Action]:
    """Profile updates: each field set to its stored form, or removed when None."""
    return [
        getattr(ShopRow, name).remove()
        if value is None
        else getattr(ShopRow, name).set(_profile_value(name, value))
        for name, value in fields.items()
    ]


def _profile_value(name: str, value: Any) -> Any:
    if name == "tiktok_warehouses":  # a list of maps, as the whole profile's row stores it
        return convert.shop_to_row(Shop("", tiktok_warehouses=tuple(value))).tiktok_warehouses
    return _stored(value)


def _row_of(entity: Product | Order | Plan) -> tuple[TableRow, Any]:
    """The row of an entity's next version, and the condition that the stored one is still its own."""
    row_type: type[ProductRow] | type[OrderRow] | type[PlanRow]
    row: TableRow
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


def _alone(write: VersionedWrite, sales: DayMoves) -> bool:
    """Nothing moves but the item: no transaction needed."""
    return not sales and not any(write.deltas.values())


def _put(write: VersionedWrite) -> bool:
    """The item on its own under its version condition; False when the condition failed."""
    row, condition = _row_of(write.entity)
    return applied(row.save, condition=condition)


def _why_cancelled(error: TransactWriteError) -> CommitOutcome:
    reasons = cancellation_codes(error)
    if not reasons or error.cause_response_code != "TransactionCanceledException":
        raise error
    if all(code in ("None", CONDITION_FAILED, "TransactionConflict") for code in reasons):
        return CommitOutcome.CONFLICT
    raise error


def _batch_get(wanted: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The raw items of these (pk, sk) keys that exist, in pages of 100, unprocessed keys asked again."""
    dynamodb = TableRow._get_connection()
    table = dynamodb.table_name
    items: list[dict[str, Any]] = []
    for start in range(0, len(wanted), BATCH_GET_KEYS):
        page = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in wanted[start : start + BATCH_GET_KEYS]]
        while page:
            # PynamoDB's annotation says str keys; its connection takes DynamoDB's own key maps.
            data = dynamodb.batch_get_item(page, consistent_read=True)  # type: ignore[arg-type]
            items += data["Responses"].get(table, [])
            page = data.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return items
