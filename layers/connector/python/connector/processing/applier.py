"""Applies verified webhooks to the shop's items, each effect exactly once.

Every change is read -> decide (pure, connector.domain.changes) -> conditional write of the new
version, which records the delivery on the item itself (domain/deliveries.py), with the counter
move in the same transaction when there is one. A lost race (the item changed since it was read)
reads again and decides again; a redelivery finds itself on the item and does nothing.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

import msgspec

from connector.dal.store import CommitOutcome, Delivery, VersionedWrite
from connector.dal.table import MAX_TRANSACTION_ITEMS
from connector.domain import changes, plans
from connector.domain.changes import CatalogFacts, Change, Verdict
from connector.domain.deliveries import delivery_digest, holds, remembering
from connector.domain.entities import (
    InstallState,
    Order,
    Plan,
    Product,
    ProductImage,
    Shop,
    SubscriptionState,
    Variant,
)
from connector.domain.status import ProductStatus
from connector.jobs import Job, JobKind
from connector.metric_names import Metric
from connector.observability import count, logger
from connector.values import Value, field, replace
from connector.webhooks import shopify as shopify_payloads
from connector.webhooks import tiktok as tiktok_payloads
from connector.webhooks.envelope import Acceptance
from connector.webhooks.message import QueuedWebhook, Source
from connector.webhooks.shopify_delivery import PRIVACY_TOPICS
from connector.webhooks.tiktok_delivery import TikTokType
from connector.wiring import Ports

MAX_ATTEMPTS = 8
# An audit webhook can overtake the upload that links the TikTok product to ours; it is retried
# from the queue this many times before it counts as a product made on TikTok, not through us.
LINK_WAIT_RECEIVES = 3

E = TypeVar("E", Product, Order)
# A shipment's delivery is remembered past every sender's retry window (Shopify: 4 h, TikTok: ~16 h).
DEDUPE_SECONDS = 7 * 24 * 3600


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    FINAL = "final"
    BACKWARD = "backward"
    IGNORED = "ignored"  # nothing of ours (an unknown TikTok product, a shop already erased)
    QUEUED_JOB = "queued_job"


class ConflictError(RuntimeError):
    """The item kept changing under us: the record goes back to the queue and is tried again."""


class OrderNotYetKnownError(RuntimeError):
    """An order event arrived before the order itself: retried from the queue until it exists."""


class ProductNotYetLinkedError(RuntimeError):
    """A TikTok product we may be about to link (its upload is finishing): retried from the queue."""


class Applier:
    def __init__(self, ports: Ports) -> None:
        self._ports = ports
        self._store = ports.store
        self._products: dict[tuple[str, str], Product | None] = {}
        self._orders: dict[tuple[str, str], Order | None] = {}
        self._shops: dict[str, Shop | None] = {}
        self._tiktok_shops: dict[str, str | None] = {}  # TikTok shop id -> Shopify shop
        self._receive_count = 1
        self._staging: _Staging | None = None  # set while apply_together holds writes and jobs back
        self._entities: dict[str, tuple[str | None, str]] = {}  # by delivery id

    # --- batch ---------------------------------------------------------------------------------
    def prefetch(self, messages: Iterable[QueuedWebhook]) -> None:
        """Read every product and order the batch touches and the profile of every shop it names
        (whether it is installed; its settings decide follow-ups) in one BatchGetItem, after one
        more for the Shopify shops of the TikTok shops the TikTok door could only name."""
        messages = list(messages)
        unresolved = {m.tiktok_shop_id for m in messages if not m.shop and m.tiktok_shop_id}
        unresolved -= set(self._tiktok_shops)
        if unresolved:
            found_shops = self._store.shops_for_tiktok(unresolved)
            self._tiktok_shops.update({tiktok_id: found_shops.get(tiktok_id) for tiktok_id in unresolved})
        wanted: dict[str, set[tuple[str, str]]] = {"product": set(), "order": set()}
        shops: set[str] = set()
        for message in map(self._with_shop, messages):
            if not message.shop:
                continue
            shops.add(message.shop)
            kind, entity_id = self._entity(message)
            if kind is not None:
                wanted[kind].add((message.shop, entity_id))
        found = self._store.get_many(shops, wanted["product"], wanted["order"])
        self._shops.update({domain: found.shops.get(domain) for domain in shops})
        self._products.update({key: found.products.get(key) for key in wanted["product"]})
        self._orders.update({key: found.orders.get(key) for key in wanted["order"]})

    def _with_shop(self, message: QueuedWebhook) -> QueuedWebhook:
        """The message with its Shopify shop, found from its TikTok shop where the door could not
        know it (left empty when no shop holds that TikTok shop)."""
        if message.shop or not message.tiktok_shop_id:
            return message
        if message.tiktok_shop_id not in self._tiktok_shops:
            self._tiktok_shops[message.tiktok_shop_id] = self._store.shop_for_tiktok(message.tiktok_shop_id)
        return message.model_copy(update={"shop": self._tiktok_shops[message.tiktok_shop_id] or ""})

    def _not_for_us(self, message: QueuedWebhook) -> Acceptance | None:
        """Why a delivery is ignored: its shop is unknown, or uninstalled (Shopify's privacy topics
        are still owed then). Decided here rather than at the door, where it cost a read per webhook;
        counted under the door's metric, as the doors count what they queue."""
        profile = self._shop(message.shop) if message.shop else None
        if profile is None:
            return Acceptance.UNKNOWN_SHOP
        still_owed = message.source is Source.SHOPIFY and message.topic in PRIVACY_TOPICS
        if profile.install_state is InstallState.UNINSTALLED and not still_owed:
            return Acceptance.UNINSTALLED_SHOP
        return None

    def apply_together(self, messages: Sequence[QueuedWebhook]) -> dict[str, Outcome]:
        """Apply the batch's plain product and order changes with few writes; their outcomes by
        delivery id.

        Staged, in the batch's order, up to the first event whose effect depends on order (an
        audit, an uninstall, a redaction): events that only queue a job commute with them and are
        passed over. The events of one product or order are decided one on another and written
        once, as the last leaves it, with the sum of their counter moves (a storm of updates of one
        product is one write). Writes that move counters go in one transaction (DynamoDB Local: 10
        events in one cost what 3 on their own do); the others are put one by one. Every event of a
        product or order whose write did not land (a concurrent writer), or after one of its events
        failed, is left for apply() in the batch's order, which sorts out each on its own."""
        settled: dict[str, Outcome] = {}
        chains: dict[tuple[str | None, str, str], _Chain] = {}
        closed: set[tuple[str | None, str, str]] = set()  # an event of it failed: the rest wait
        job_only: list[QueuedWebhook] = []
        for message in map(self._with_shop, messages):
            topic = TOPICS.get((message.source, message.topic))
            if topic is not None and topic.job_only:
                job_only.append(message)
                continue
            if topic is None or topic.changes is None:
                break
            kind, entity_id = self._entity(message)
            entity = (kind, message.shop, entity_id)
            if kind is None or entity in closed:
                continue
            staged = self._apply_staged(message)
            if staged is None:
                closed.add(entity)
                continue
            outcome, staging = staged
            chain = chains.setdefault(entity, _Chain())
            if staging.writes:
                chain.stage(message.delivery_id, staging.writes[-1])
            elif chain.write is None:
                settled[message.delivery_id] = outcome  # duplicate, stale, ...: nothing to write
            else:
                chain.decided[message.delivery_id] = outcome  # judged on the chain: stands if it lands
        written = [(chain, chain.write) for chain in chains.values() if chain.write is not None]
        for start in range(0, len(written), STAGED_PER_TRANSACTION):
            chunk = written[start : start + STAGED_PER_TRANSACTION]
            landed = self._store.commit_together([write for _, write in chunk])
            for (chain, write), landed_one in zip(chunk, landed, strict=True):
                if landed_one:
                    self._remember(write.entity)
                    settled |= chain.decided
                else:
                    self._forget(write.entity)  # apply() reads it again when it takes the events
        return settled | self._queue_jobs_together(job_only)

    def _queue_jobs_together(self, messages: Sequence[QueuedWebhook]) -> dict[str, Outcome]:
        """The batch's events that only queue a job once (a stock level, a shipment), with few
        requests: their deliveries looked up in one read, their jobs sent ten to a request, the new
        deliveries then marked in batch writes (sent first, marked after, as ``_job_once`` does).
        Their outcomes by delivery id; one whose job did not go, or whose mark was not written, is
        left for apply(), which does it on its own."""
        settled: dict[str, Outcome] = {}
        held: dict[str, tuple[QueuedWebhook, Job]] = {}  # by delivery: a second copy goes alone
        for message in messages:
            staged = self._apply_staged(message)
            if staged is None:
                continue
            outcome, staging = staged
            if not staging.jobs:
                settled[message.delivery_id] = outcome  # ignored: an unknown or uninstalled shop
            elif _digest(message) not in held:
                held[_digest(message)] = staging.jobs[-1]
        if not held:
            return settled
        pending = list(held.values())
        seen = self._store.deliveries_seen([(m.shop, _delivery(m)) for m, _ in pending])
        settled |= {
            m.delivery_id: Outcome.DUPLICATE for (m, _), was in zip(pending, seen, strict=True) if was
        }
        fresh = [(m, job) for (m, job), was in zip(pending, seen, strict=True) if not was]
        try:
            sent = self._ports.enqueue_jobs([job for _, job in fresh])
            went = [m for (m, _), queued in zip(fresh, sent, strict=True) if queued]
            self._store.record_deliveries([(m.shop, _delivery(m)) for m in went])
        except Exception:  # noqa: BLE001 - apply() does each on its own; a job sent twice is done once
            logger.warning("a batch's jobs could not be queued together; each goes on its own", exc_info=True)
            return settled
        return settled | {m.delivery_id: Outcome.QUEUED_JOB for m in went}

    def _apply_staged(self, message: QueuedWebhook) -> tuple[Outcome, _Staging] | None:
        """apply(), with the writes and once-only jobs it makes held back for the batch; None when
        it failed (apply() meets it again for its record, and reports it)."""
        self._staging = _Staging()
        try:
            return self.apply(message), self._staging
        except Exception:  # noqa: BLE001 - left for apply() on its record
            return None
        finally:
            self._staging = None

    def _entity(self, message: QueuedWebhook) -> tuple[str | None, str]:
        """What a message is about, parsed once for the read ahead and the staging."""
        if message.delivery_id not in self._entities:
            self._entities[message.delivery_id] = _entity_of(message)
        return self._entities[message.delivery_id]

    def apply(self, message: QueuedWebhook, receive_count: int = 1) -> Outcome:
        """Apply one delivery; ``receive_count`` is how often the queue has handed it over."""
        topic = TOPICS.get((message.source, message.topic))
        if topic is None:
            return Outcome.IGNORED  # the doors queue only subscribed topics; an old message may linger
        message = self._with_shop(message)
        ignored = self._not_for_us(message)
        if ignored is not None:
            sender = Metric.SHOPIFY_WEBHOOK if message.source is Source.SHOPIFY else Metric.TIKTOK_WEBHOOK
            count(sender, per=ignored.value)
            return Outcome.IGNORED
        self._receive_count = receive_count
        return topic.apply(self, message)

    # --- Shopify -------------------------------------------------------------------------------
    def _shopify_product_upsert(self, message: QueuedWebhook) -> Outcome:
        payload = _shopify_payload(message, shopify_payloads.ProductPayload)
        facts = CatalogFacts(
            shop=message.shop,
            shopify_product_id=payload.id,
            title=payload.title,
            variants=tuple(
                Variant(
                    v.id,
                    sku=v.sku or "",
                    price=Decimal(v.price),
                    inventory=v.inventory_quantity,
                    inventory_item_id=v.inventory_item_id,
                    options=tuple(o for o in (v.option1, v.option2, v.option3) if o is not None),
                    image_id=v.image_id,
                    weight_grams=v.weight_in_grams,
                    compare_at_price=Decimal(v.compare_at_price) if v.compare_at_price else None,
                )
                for v in payload.variants
            ),
            updated_at=int(payload.updated_at.timestamp()),
            description=payload.body_html or "",
            images=tuple(ProductImage(image.id or image.src, image.src) for image in payload.images),
            option_names=tuple(option.name for option in payload.options),
            product_type=payload.product_type or "",
            vendor=payload.vendor or "",
            shopify_status=(payload.status or "active").upper(),
        )
        created_at = int(payload.created_at.timestamp()) if payload.created_at else None
        held: list[Product | None] = [None]

        def decide(current: Product | None) -> Change[Product]:
            held[0] = current
            return changes.product_from_shopify(current, facts)

        # Follow-up work is queued before the write that records the delivery (as for orders): a crash
        # in between queues it again with the redelivery; the jobs wait until the write is there.
        return self._change_product(
            message,
            payload.id,
            decide,
            before_commit=lambda product: self._follow_up_product(message, held[0], product, created_at),
        )

    def _product(self, shop: str, shopify_product_id: str) -> Product | None:
        """The product as this batch knows it (read ahead for the whole batch, or now)."""
        key = (shop, shopify_product_id)
        if key not in self._products:
            self._products[key] = self._store.get_product(*key)
        return self._products[key]

    def _shop(self, domain: str) -> Shop | None:
        """The shop's profile, read once per batch."""
        if domain not in self._shops:
            self._shops[domain] = self._store.get_shop(domain)
        return self._shops[domain]

    def _follow_up_product(
        self, message: QueuedWebhook, before: Product | None, product: Product, created_at: int | None
    ) -> None:
        """A new product (to us: its products/update may come before its products/create), or one
        just made active in Shopify, is uploaded when the merchant auto-uploads; a listed one is
        kept in step (its fields, and on sale only while it is active in Shopify)."""
        shop = self._shop(message.shop)
        if shop is None:
            return
        if product.tiktok_product_id is None:
            new = before is None and (message.topic == "products/create" or _since_install(shop, created_at))
            activated = before is not None and not before.sells_in_shopify
            if shop.settings.auto_upload and product.sells_in_shopify and (new or activated):
                self._job(message, JobKind.UPLOAD, {"shopify_product_ids": [product.shopify_product_id]})
            return
        params = {
            "shopify_product_id": product.shopify_product_id,
            "shopify_updated_at": product.shopify_updated_at,
        }
        self._job(message, JobKind.PRODUCT_SYNC, params)

    def _shopify_product_delete(self, message: QueuedWebhook) -> Outcome:
        payload = _shopify_payload(message, shopify_payloads.ProductDeletePayload)
        listed = self._product(message.shop, payload.id)
        if listed is not None and listed.tiktok_product_id is not None:
            # Queued before the tombstone is written: a crash in between cannot leave the listing on
            # TikTok holding a plan slot. The job waits for the tombstone and is safe to run twice.
            params = {
                "shopify_product_id": payload.id,
                "tiktok_product_id": listed.tiktok_product_id,
                "inventory_item_ids": _inventory_items(listed),
            }
            self._job(message, JobKind.REMOVE_LISTING, params)
        return self._change_product(
            message,
            payload.id,
            lambda current: changes.product_deleted_in_shopify(current, message.shop, payload.id),
        )

    def _shopify_inventory(self, message: QueuedWebhook) -> Outcome:
        payload = _shopify_payload(message, shopify_payloads.InventoryLevelPayload)
        params = {
            "inventory_item_id": payload.inventory_item_id,
            "location_id": payload.location_id,
            "available": payload.available,
            "updated_at": int(payload.updated_at.timestamp()) if payload.updated_at else 0,
        }
        return self._job_once(message, JobKind.INVENTORY_SYNC, params)

    def _shopify_fulfilled(self, message: QueuedWebhook) -> Outcome:
        if message.topic in ("fulfillments/create", "fulfillments/update"):
            fulfillment = _shopify_payload(message, shopify_payloads.FulfillmentPayload)
            fulfillments = [fulfillment]
        else:
            fulfillments = list(
                _shopify_payload(message, shopify_payloads.OrderFulfilledPayload).fulfillments
            )
        params = {
            "shipments": [
                {
                    "shopify_order_id": f.order_id,
                    "fulfillment_id": f.id,
                    "tracking_company": f.tracking_company,
                    "tracking_number": f.tracking_number,
                    # What this fulfilment ships: its own packages get its own tracking number.
                    "line_items": [
                        {"variant_id": i.variant_id, "quantity": i.quantity} for i in f.line_items
                    ],
                    "update": message.topic == "fulfillments/update",
                }
                for f in fulfillments
            ]
        }
        return self._job_once(message, JobKind.SHIP_PACKAGE, params)

    def _shopify_uninstalled(self, message: QueuedWebhook) -> Outcome:
        at = datetime.fromtimestamp(message.occurred_at, UTC)
        return Outcome.APPLIED if self._store.mark_uninstalled(message.shop, at) else Outcome.STALE

    def _shopify_subscription(self, message: QueuedWebhook) -> Outcome:
        subscription = _shopify_payload(message, shopify_payloads.AppSubscriptionPayload).app_subscription
        for _ in range(MAX_ATTEMPTS):
            plan = self._store.get_plan(message.shop)
            if plan is None:
                return Outcome.IGNORED
            update = _subscription_state(plan, subscription, message)
            recorded = plans.subscription_changed(plan, update)
            if recorded is None:
                return Outcome.STALE
            current = plans.current_subscription(recorded)
            if current == update and update.status == "ACTIVE":
                # Limits may have risen (or billing thawed): held orders flow, in arrival order; and
                # the cycle follows the subscription's billing period, which only Shopify's API tells.
                self._job(message, JobKind.RELEASE_HELD_ORDERS, {})
                self._job(message, JobKind.BILLING_PERIOD, {"subscription_id": current.id})
            if self._store.commit_plan(recorded) is CommitOutcome.APPLIED:
                return Outcome.APPLIED
        raise ConflictError("plan kept changing")

    def _shopify_data_request(self, message: QueuedWebhook) -> Outcome:
        payload = _shopify_payload(message, shopify_payloads.DataRequestPayload)
        orders = self._store.orders_of_shopify_orders(message.shop, payload.orders_requested)
        held = [changes.HELD_FOR_A_CUSTOMER] if orders else []
        self._store.save_data_request(
            message.shop,
            payload.data_request.id,
            payload.customer.id,
            sorted(o.tiktok_order_id for o in orders),
            held,
            message.occurred_at,
        )
        return Outcome.APPLIED

    def _shopify_customer_redact(self, message: QueuedWebhook) -> Outcome:
        payload = _shopify_payload(message, shopify_payloads.CustomerRedactPayload)
        orders = self._store.orders_of_shopify_orders(message.shop, payload.orders_to_redact)
        self._store.unlink_shopify_orders(message.shop, payload.orders_to_redact)
        for order in orders:
            self._orders[(message.shop, order.tiktok_order_id)] = order
            self._change_order(
                message, order.tiktok_order_id, _require(changes.redact_customer), record=False
            )
        return Outcome.APPLIED

    def _shopify_shop_redact(self, message: QueuedWebhook) -> Outcome:
        self._store.erase_shop(message.shop)
        return Outcome.APPLIED

    # --- TikTok --------------------------------------------------------------------------------
    def _tiktok_order_status(self, message: QueuedWebhook) -> Outcome:
        data = _tiktok_data(message, tiktok_payloads.OrderStatusData)

        def sync_to_shopify(order: Order) -> None:
            # Paid and not in Shopify yet: queued before the write that records the delivery, so a
            # failed send is retried with the event; the job checks the order again and creates the
            # Shopify order exactly once however often it is queued.
            if changes.ready_for_shopify(order):
                self._job(message, JobKind.ORDER_SYNC, {"order_id": data.order_id})
            elif changes.to_cancel_in_shopify(order):
                self._job(message, JobKind.CANCEL_IN_SHOPIFY, {"order_id": data.order_id})

        return self._change_order(
            message,
            data.order_id,
            lambda current: changes.order_status_change(
                current, message.shop, data.order_id, data.order_status, data.update_time
            ),
            before_commit=sync_to_shopify,
        )

    def _tiktok_cancellation(self, message: QueuedWebhook) -> Outcome:
        data = _tiktok_data(message, tiktok_payloads.CancellationData)
        at = data.create_time or message.occurred_at

        def cancel_in_shopify(order: Order) -> None:
            # A cancellation TikTok granted: the job asks TikTok whether the whole order is cancelled.
            granted = (order.cancellation_status or "") in changes.CANCELLATION_GRANTED
            if granted and order.shopify_order_id is not None and not order.cancelled_in_shopify:
                self._job(message, JobKind.CANCEL_IN_SHOPIFY, {"order_id": data.order_id})

        return self._change_order(
            message,
            data.order_id,
            _require(lambda o: changes.cancellation_change(o, data.cancel_status, at)),
            before_commit=cancel_in_shopify,
        )

    def _tiktok_return(self, message: QueuedWebhook) -> Outcome:
        data = _tiktok_data(message, tiktok_payloads.ReturnData)
        at = data.update_time or data.create_time or message.occurred_at

        def restock(order: Order) -> None:
            # Its units back in Shopify's stock, and what the return took back counted in its sales.
            in_shopify_or_sold = order.shopify_order_id is not None or order.sale is not None
            if order.return_status == changes.RETURN_COMPLETE and in_shopify_or_sold:
                self._job(message, JobKind.RESTOCK_RETURN, {"order_id": data.order_id})

        return self._change_order(
            message,
            data.order_id,
            _require(lambda o: changes.return_change(o, data.return_status, at)),
            before_commit=restock,
        )

    def _tiktok_product_status(self, message: QueuedWebhook) -> Outcome:
        """Type 5: an audit event that names no status; TikTok is asked for it, unless a type-37
        audit webhook already told us this or a later status (no Get Product spent on it)."""
        data = _tiktok_data(message, tiktok_payloads.ProductStatusData)
        shopify_id = self._linked_product(message, data.product_id)
        if shopify_id is None:
            return Outcome.IGNORED
        known = self._product(message.shop, shopify_id)
        if known is not None and _audit_known(known, data.update_time):
            return Outcome.DUPLICATE
        decide = self._tiktok_product_state(message, data, known)
        return self._tiktok_product_change(message, shopify_id, data.product_id, decide)

    def _tiktok_product_audit(self, message: QueuedWebhook) -> Outcome:
        """Type 37: the audit result itself. Only a failure is read further (Get Product names its
        reasons, which the webhook does not carry, and tells a refused edit of a live product)."""
        data = _tiktok_data(message, tiktok_payloads.ProductAuditData)
        shopify_id = self._linked_product(message, data.product_id)
        if shopify_id is None:
            return Outcome.IGNORED
        audit = data.audit.status.strip().upper()
        if audit == "FAILED":
            decide = self._tiktok_product_state(message, data, self._product(message.shop, shopify_id))
            return self._tiktok_product_change(message, shopify_id, data.product_id, decide)
        return self._tiktok_product_change(
            message,
            shopify_id,
            data.product_id,
            lambda current: changes.product_audit_from_tiktok(
                current, data.audit.status, data.audit.reasons, None, data.update_time
            ),
        )

    def _linked_product(self, message: QueuedWebhook, tiktok_product_id: str) -> str | None:
        shopify_id = self._store.product_for_tiktok(message.shop, tiktok_product_id)
        if shopify_id is None and self._receive_count < LINK_WAIT_RECEIVES:
            raise ProductNotYetLinkedError(f"TikTok product {tiktok_product_id} is not linked (yet)")
        return shopify_id  # None: a product the seller made on TikTok, not through us

    def _tiktok_product_change(
        self,
        message: QueuedWebhook,
        shopify_id: str,
        tiktok_product_id: str,
        decide: Callable[[Product], Change[Product]],
    ) -> Outcome:
        before = self._product(message.shop, shopify_id)

        def follow_up(after: Product) -> None:
            # Gone live: a stock change held back while it was not live goes to TikTok now (queued
            # before the write: a redelivery after a crash queues it again, it is safe twice).
            went_live = after.tiktok_status == changes.LIVE_ON_TIKTOK and (
                before is None or before.tiktok_status != changes.LIVE_ON_TIKTOK
            )
            if went_live and after.stock_held:
                self._job(message, JobKind.STOCK_PUSH, {"shopify_product_id": shopify_id})

        outcome = self._change_product(message, shopify_id, _require(decide), before_commit=follow_up)
        after = self._products.get((message.shop, shopify_id))
        if after is not None:
            self._settle_product_slot(before, after, tiktok_product_id)
        return outcome

    def _settle_product_slot(self, before: Product | None, after: Product, tiktok_product_id: str) -> None:
        """A product holds a plan slot while TikTok lists it (Pending, Live, Inactive). A deletion
        or a failed audit there gives the slot back; also on a redelivery, since a crash after the
        status write must not keep it taken (giving back is once per product). A failed product
        that TikTok lists again (fixed in Seller Center) takes a slot again even past the limit:
        TikTok lists it whatever we count, and the plan then shows nothing remaining."""
        slot = (after.shop, plans.QuotaKind.PRODUCTS, after.shopify_product_id)
        if after.tiktok_status == changes.TIKTOK_DELETED and after.tiktok_product_id is None:
            self._store.unlink_tiktok_product(after.shop, tiktok_product_id, _inventory_items(after))
            self._store.give_back_quota(*slot)
        elif after.status == ProductStatus.FAILED:
            self._store.give_back_quota(*slot)
        elif before is not None and before.status == ProductStatus.FAILED and after.status in ON_TIKTOK:
            self._store.take_quota(*slot, limit=NO_LIMIT, at=after.status_time)

    def _tiktok_product_state(
        self,
        message: QueuedWebhook,
        data: tiktok_payloads.ProductStatusData | tiktok_payloads.ProductAuditData,
        held: Product | None,
    ) -> Callable[[Product], Change[Product]]:
        """What an audit event that does not carry the product's status means for it. A first
        audit's failure says so itself; otherwise TikTok is asked, and a failure of a product whose
        live version still sells is a refused edit (it stays Live), not a failed product."""
        at = data.update_time
        if isinstance(data, tiktok_payloads.ProductStatusData):
            failed = data.status.upper() == "PRODUCT_AUDIT_FAILURE"
            if failed and (held is None or held.tiktok_status != changes.LIVE_ON_TIKTOK):
                reason = data.suspended_reason or None
                return lambda current: changes.product_status_from_tiktok_event(current, "FAILED", reason, at)
        else:
            failed = data.audit.status.strip().upper() == "FAILED"
        shop = self._shop(message.shop)
        if shop is None:
            raise RuntimeError("cannot read the product's status from TikTok: the shop is gone")
        listed = self._ports.tiktok_products.status_of(shop, data.product_id, at)
        if failed and listed.on_sale:
            return lambda current: changes.edit_rejected_on_tiktok(current, listed.reason, at)
        # Get Product answers for every status but FREEZE and DELETED (TikTok's Get Product docs).
        status = listed.status or "FREEZE"
        return lambda current: changes.product_status_from_tiktok_event(current, status, listed.reason, at)

    def _tiktok_deauthorized(self, message: QueuedWebhook) -> Outcome:
        applied = self._store.revoke_tiktok(message.shop, message.occurred_at)
        return Outcome.APPLIED if applied else Outcome.IGNORED

    def _tiktok_authorization_expiry(self, message: QueuedWebhook) -> Outcome:
        data = _tiktok_data(message, tiktok_payloads.AuthorizationExpiryData)
        expires = datetime.fromtimestamp(data.expiration_time, UTC)
        applied = self._store.update_shop(message.shop, tiktok_authorization_expires_at=expires)
        return Outcome.APPLIED if applied else Outcome.IGNORED

    # --- the read-decide-write loop ------------------------------------------------------------
    def _change_product(
        self,
        message: QueuedWebhook,
        shopify_product_id: str,
        decide: Callable[[Product | None], Change[Product]],
        before_commit: Callable[[Product], None] | None = None,
    ) -> Outcome:
        key = (message.shop, shopify_product_id)

        def load(fresh: bool) -> Product | None:
            if fresh:
                self._products.pop(key, None)
            return self._product(*key)

        def commit(change: Change[Product]) -> CommitOutcome:
            assert change.entity is not None
            if before_commit is not None:
                before_commit(change.entity)
            product = remembering(change.entity, _digest(message))
            return self._commit(message, VersionedWrite(product, change.counter_deltas))

        return self._read_decide_write(load, _once(message, decide), commit)

    def _change_order(
        self,
        message: QueuedWebhook,
        tiktok_order_id: str,
        decide: Callable[[Order | None], Change[Order]],
        record: bool = True,
        before_commit: Callable[[Order], None] | None = None,
    ) -> Outcome:
        key = (message.shop, tiktok_order_id)

        def load(fresh: bool) -> Order | None:
            if fresh or key not in self._orders:
                self._orders[key] = self._store.get_order(*key)
            return self._orders[key]

        def commit(change: Change[Order]) -> CommitOutcome:
            assert change.entity is not None
            if before_commit is not None:
                before_commit(change.entity)
            order = remembering(change.entity, _digest(message)) if record else change.entity
            return self._commit(message, VersionedWrite(order, change.counter_deltas))

        return self._read_decide_write(load, _once(message, decide) if record else decide, commit)

    def _commit(self, message: QueuedWebhook, write: VersionedWrite) -> CommitOutcome:
        if self._staging is not None:  # apply_together commits it with the batch's other events
            self._staging.writes.append(write)
            self._hold(write.entity)  # the batch's next event of it is decided on this state
            return CommitOutcome.APPLIED
        outcome = self._store.commit(write)
        if outcome is CommitOutcome.APPLIED:
            self._remember(write.entity)
        return outcome

    def _remember(self, entity: Product | Order | Plan) -> None:
        """The batch's view of a product or order once its write landed: the version written."""
        if isinstance(entity, Product):
            self._products[(entity.shop, entity.shopify_product_id)] = _next_version(entity)
        elif isinstance(entity, Order):
            self._orders[(entity.shop, entity.tiktok_order_id)] = _next_version(entity)

    def _hold(self, entity: Product | Order | Plan) -> None:
        """The batch's view of a staged write: its state, at the stored version it is written over."""
        if isinstance(entity, Product):
            self._products[(entity.shop, entity.shopify_product_id)] = entity
        elif isinstance(entity, Order):
            self._orders[(entity.shop, entity.tiktok_order_id)] = entity

    def _forget(self, entity: Product | Order | Plan) -> None:
        """Read it again when next asked (a write of it did not land)."""
        if isinstance(entity, Product):
            self._products.pop((entity.shop, entity.shopify_product_id), None)
        elif isinstance(entity, Order):
            self._orders.pop((entity.shop, entity.tiktok_order_id), None)

    def _read_decide_write(
        self,
        load: Callable[[bool], E | None],
        decide: Callable[[E | None], Change[E]],
        commit: Callable[[Change[E]], CommitOutcome],
    ) -> Outcome:
        for attempt in range(MAX_ATTEMPTS):
            change = decide(load(attempt > 0))
            if not change.applies:
                return Outcome(change.verdict.value)  # duplicate, stale, final or backward
            outcome = commit(change)
            if outcome is CommitOutcome.APPLIED:
                return Outcome.APPLIED
            # Lost a race: back off a little (full jitter) before reading again.
            self._ports.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter, not security
        raise ConflictError(f"gave up after {MAX_ATTEMPTS} conflicting attempts")

    # --- jobs ----------------------------------------------------------------------------------
    def _job(self, message: QueuedWebhook, kind: JobKind, params: dict[str, Any]) -> None:
        self._ports.enqueue_job(_job_of(message, kind, params))

    def _job_once(self, message: QueuedWebhook, kind: JobKind, params: dict[str, Any]) -> Outcome:
        """A job queued once per delivery, however often (and through however many doors) it comes:
        a redelivered stock level or shipment reaches TikTok once. (A level's updated_at cannot tell
        a redelivery from a second change in the same second: the delivery is what is remembered.)"""
        # Queue first, then remember the delivery: a crash in between queues the job again, and the
        # job's idempotency key (the delivery id) keeps it from being done twice.
        if self._staging is not None:  # apply_together sends it with the batch's other jobs
            self._staging.jobs.append((message, _job_of(message, kind, params)))
            return Outcome.QUEUED_JOB
        if self._store.has_delivery(message.shop, _delivery(message)):
            return Outcome.DUPLICATE
        self._job(message, kind, params)
        self._store.record_delivery(message.shop, _delivery(message))
        return Outcome.QUEUED_JOB


class _Staging(msgspec.Struct):
    """What one event's apply() holds back for apply_together: its writes, its once-only jobs."""

    writes: list[VersionedWrite] = field(default_factory=list)
    jobs: list[tuple[QueuedWebhook, Job]] = field(default_factory=list)


class _Chain(msgspec.Struct):
    """The staged events of one product or order: one write, as the last leaves it."""

    write: VersionedWrite | None = None
    decided: dict[str, Outcome] = field(default_factory=dict)  # outcome by delivery id, once it lands

    def stage(self, delivery_id: str, write: VersionedWrite) -> None:
        if self.write is not None:  # decided on the staged state: same stored version, moves summed
            moves = Counter(self.write.deltas)
            moves.update(write.deltas)
            write = VersionedWrite(write.entity, dict(moves))
        self.write = write
        self.decided[delivery_id] = Outcome.APPLIED


# A staged event writes its item, at most one sales day and at most one counter shard.
STAGED_PER_TRANSACTION = MAX_TRANSACTION_ITEMS // 3

ON_TIKTOK = frozenset({ProductStatus.PENDING, ProductStatus.LIVE, ProductStatus.INACTIVE})
NO_LIMIT = 2**31


def _inventory_items(product: Product) -> list[str]:
    return [v.inventory_item_id for v in product.variants if v.inventory_item_id]


def _since_install(shop: Shop, created_at: int | None) -> bool:
    """Made in Shopify since the app was installed (an older product comes in with the import)."""
    installed = shop.installed_at
    return created_at is not None and installed is not None and created_at >= int(installed.timestamp())


def _require(decide: Callable[[E], Change[E]]) -> Callable[[E | None], Change[E]]:
    """For events about an order or product that must already exist."""

    def decide_existing(current: E | None) -> Change[E]:
        if current is None:
            raise OrderNotYetKnownError("the order or product this event is about is not here yet")
        return decide(current)

    return decide_existing


def _audit_known(product: Product, update_time: int) -> bool:
    """TikTok told us the audit's outcome (webhook 37) as of ``update_time`` or later. Pending is no
    outcome: the upload records it at our own time, which TikTok's clock may match."""
    settled = product.tiktok_status not in (None, "PENDING")
    return settled and product.status_time >= update_time


def _next_version(entity: E) -> E:
    return replace(entity, version=entity.version + 1)


def _job_of(message: QueuedWebhook, kind: JobKind, params: dict[str, Any]) -> Job:
    """The job a delivery queues, keyed by the delivery."""
    key = f"{message.source.value}:{message.delivery_id}:{kind.value}"
    return Job(kind=kind, shop=message.shop, idempotency_key=key, params=params)


def _delivery(message: QueuedWebhook) -> Delivery:
    return Delivery(message.source.value, message.delivery_id, expires_at=int(time.time()) + DEDUPE_SECONDS)


def _digest(message: QueuedWebhook) -> str:
    return delivery_digest(message.source.value, message.delivery_id)


def _once(message: QueuedWebhook, decide: Callable[[E | None], Change[E]]) -> Callable[[E | None], Change[E]]:
    """A delivery the item already holds changes nothing (its redelivery)."""
    digest = _digest(message)

    def decide_once(current: E | None) -> Change[E]:
        return Change(Verdict.DUPLICATE) if holds(current, digest) else decide(current)

    return decide_once


P = TypeVar("P")


def _shopify_payload(message: QueuedWebhook, model: type[P]) -> P:
    return model.model_validate_json(message.body)  # type: ignore[attr-defined]


def _tiktok_data(message: QueuedWebhook, model: type[P]) -> P:
    notification = tiktok_payloads.Notification.model_validate_json(message.body)
    return model.model_validate(notification.data)  # type: ignore[attr-defined]


def _entity_of(message: QueuedWebhook) -> tuple[str | None, str]:
    """Which product or order a plain change is about (ids only, no validation)."""
    topic = TOPICS.get((message.source, message.topic))
    kind = topic.changes if topic is not None else None
    try:
        if kind == "product":
            return kind, shopify_payloads.ProductDeletePayload.model_validate_json(message.body).id
        if kind == "order":
            return kind, str(tiktok_payloads.Notification.model_validate_json(message.body).data["order_id"])
    except (ValueError, KeyError):
        pass  # a malformed message fails in apply(), with its own record
    return None, ""


class Topic(Value, frozen=True):
    """How the applier takes one webhook topic."""

    apply: Callable[[Applier, QueuedWebhook], Outcome]
    # A plain change of one product or order (read, decide, write; jobs queued before the write),
    # which a batch may commit together. TikTok's audit events are not: they also read TikTok and
    # settle the plan slot.
    changes: str | None = None  # "product" or "order"
    # It only queues a job: applying it before or after a product or order change is the same.
    job_only: bool = False


_TT = TikTokType
# Every topic the processor applies, by sender and topic (TikTok: its type number). The doors
# accept what their field tables know (webhooks/shopify_delivery.py, webhooks/tiktok_delivery.py);
# tests keep those, the payload models and this table equal.
TOPICS: dict[tuple[Source, str], Topic] = {
    (Source.SHOPIFY, "products/create"): Topic(Applier._shopify_product_upsert, changes="product"),
    (Source.SHOPIFY, "products/update"): Topic(Applier._shopify_product_upsert, changes="product"),
    (Source.SHOPIFY, "products/delete"): Topic(Applier._shopify_product_delete, changes="product"),
    (Source.SHOPIFY, "inventory_levels/update"): Topic(Applier._shopify_inventory, job_only=True),
    (Source.SHOPIFY, "orders/fulfilled"): Topic(Applier._shopify_fulfilled, job_only=True),
    (Source.SHOPIFY, "fulfillments/create"): Topic(Applier._shopify_fulfilled, job_only=True),
    (Source.SHOPIFY, "fulfillments/update"): Topic(Applier._shopify_fulfilled, job_only=True),
    (Source.SHOPIFY, "app/uninstalled"): Topic(Applier._shopify_uninstalled),
    (Source.SHOPIFY, "app_subscriptions/update"): Topic(Applier._shopify_subscription),
    (Source.SHOPIFY, "customers/data_request"): Topic(Applier._shopify_data_request),
    (Source.SHOPIFY, "customers/redact"): Topic(Applier._shopify_customer_redact),
    (Source.SHOPIFY, "shop/redact"): Topic(Applier._shopify_shop_redact),
    (Source.TIKTOK, str(_TT.ORDER_STATUS_CHANGE.value)): Topic(Applier._tiktok_order_status, changes="order"),
    (Source.TIKTOK, str(_TT.PRODUCT_STATUS_CHANGE.value)): Topic(Applier._tiktok_product_status),
    (Source.TIKTOK, str(_TT.PRODUCT_AUDIT_STATUS_CHANGE.value)): Topic(Applier._tiktok_product_audit),
    (Source.TIKTOK, str(_TT.SELLER_DEAUTHORIZATION.value)): Topic(Applier._tiktok_deauthorized),
    (Source.TIKTOK, str(_TT.UPCOMING_AUTHORIZATION_EXPIRATION.value)): Topic(
        Applier._tiktok_authorization_expiry
    ),
    (Source.TIKTOK, str(_TT.CANCELLATION_STATUS_CHANGE.value)): Topic(
        Applier._tiktok_cancellation, changes="order"
    ),
    (Source.TIKTOK, str(_TT.RETURN_STATUS_CHANGE.value)): Topic(Applier._tiktok_return, changes="order"),
}


def _subscription_state(
    plan: Plan, subscription: shopify_payloads.AppSubscription, message: QueuedWebhook
) -> SubscriptionState:
    """The update as the domain orders it; a payload without times (never Shopify's) falls back on
    what is known of the subscription, then on the delivery's time."""
    known = next((s for s in plan.subscriptions if s.id == subscription.admin_graphql_api_id), None)
    delivered = datetime.fromtimestamp(message.occurred_at, UTC)
    updated_at = subscription.updated_at or delivered
    created_at = subscription.created_at or (known.created_at if known else updated_at)
    return SubscriptionState(
        id=subscription.admin_graphql_api_id,
        name=subscription.name,
        status=subscription.status.strip().upper(),
        created_at=_aware(created_at),
        updated_at=_aware(updated_at),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
