"""Applies verified webhooks to the shop's items, each effect exactly once.

Every change is read -> decide (pure, connector.domain.changes) -> conditional write of the new
version, which records the delivery on the item itself (domain/deliveries.py), with the counter
move in the same transaction when there is one. A lost race (the item changed since it was read)
reads again and decides again; a redelivery finds itself on the item and does nothing.

This module is the batch and the read-decide-write loop; what each topic means is in a module of
its family (``TOPICS`` names it), imported when the topic's first event arrives.
"""

from __future__ import annotations

import importlib
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

import msgspec

from connector.dal.store import CommitOutcome, Delivery, VersionedWrite
from connector.dal.table import MAX_TRANSACTION_ITEMS
from connector.domain.changes import Change, Verdict
from connector.domain.deliveries import delivery_digest, holds, remembering
from connector.domain.entities import InstallState, Order, Plan, Product, Shop
from connector.metric_names import Metric
from connector.observability import count, logger
from connector.values import Value, field, replace
from connector.webhooks.envelope import PRIVACY_TOPICS, Acceptance
from connector.webhooks.message import QueuedWebhook, Source

if TYPE_CHECKING:
    from types import ModuleType

    from connector.jobs import Job
    from connector.wiring import Ports

MAX_ATTEMPTS = 8

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


class Applier:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.store = ports.store
        self.receive_count = 1  # how often the queue has handed over the delivery being applied
        self._products: dict[tuple[str, str], Product | None] = {}
        self._orders: dict[tuple[str, str], Order | None] = {}
        self._shops: dict[str, Shop | None] = {}
        self._tiktok_shops: dict[str, str | None] = {}  # TikTok shop id -> Shopify shop
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
            found_shops = self.store.shops_for_tiktok(unresolved)
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
        found = self.store.get_many(shops, wanted["product"], wanted["order"])
        self._shops.update({domain: found.shops.get(domain) for domain in shops})
        self._products.update({key: found.products.get(key) for key in wanted["product"]})
        self._orders.update({key: found.orders.get(key) for key in wanted["order"]})

    def _with_shop(self, message: QueuedWebhook) -> QueuedWebhook:
        """The message with its Shopify shop, found from its TikTok shop where the door could not
        know it (left empty when no shop holds that TikTok shop)."""
        if message.shop or not message.tiktok_shop_id:
            return message
        if message.tiktok_shop_id not in self._tiktok_shops:
            self._tiktok_shops[message.tiktok_shop_id] = self.store.shop_for_tiktok(message.tiktok_shop_id)
        return message.model_copy(update={"shop": self._tiktok_shops[message.tiktok_shop_id] or ""})

    def _not_for_us(self, message: QueuedWebhook) -> Acceptance | None:
        """Why a delivery is ignored: its shop is unknown, or uninstalled (Shopify's privacy topics
        are still owed then). Decided here rather than at the door, where it cost a read per webhook;
        counted under the door's metric, as the doors count what they queue."""
        profile = self.shop(message.shop) if message.shop else None
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
            landed = self.store.commit_together([write for _, write in chunk])
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
        deliveries then marked in batch writes (sent first, marked after, as ``job_once`` does).
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
        seen = self.store.deliveries_seen([(m.shop, _delivery(m)) for m, _ in pending])
        settled |= {
            m.delivery_id: Outcome.DUPLICATE for (m, _), was in zip(pending, seen, strict=True) if was
        }
        fresh = [(m, job) for (m, job), was in zip(pending, seen, strict=True) if not was]
        try:
            sent = self.ports.enqueue_jobs([job for _, job in fresh])
            went = [m for (m, _), queued in zip(fresh, sent, strict=True) if queued]
            self.store.record_deliveries([(m.shop, _delivery(m)) for m in went])
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
        self.receive_count = receive_count
        return topic.apply(self, message)

    # --- what topics read and change ---------------------------------------------------------
    def product(self, shop: str, shopify_product_id: str) -> Product | None:
        """The product as this batch knows it (read ahead for the whole batch, or now)."""
        key = (shop, shopify_product_id)
        if key not in self._products:
            self._products[key] = self.store.get_product(*key)
        return self._products[key]

    def known_product(self, shop: str, shopify_product_id: str) -> Product | None:
        """The product as this batch last knew it, without reading it (None: not known)."""
        return self._products.get((shop, shopify_product_id))

    def shop(self, domain: str) -> Shop | None:
        """The shop's profile, read once per batch."""
        if domain not in self._shops:
            self._shops[domain] = self.store.get_shop(domain)
        return self._shops[domain]

    def seen(self, order: Order) -> None:
        """An order a topic read itself: the batch's view of it until it changes."""
        self._orders[(order.shop, order.tiktok_order_id)] = order

    def change_product(
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
            return self.product(*key)

        def commit(change: Change[Product]) -> CommitOutcome:
            assert change.entity is not None
            if before_commit is not None:
                before_commit(change.entity)
            product = remembering(change.entity, _digest(message))
            return self._commit(message, VersionedWrite(product, change.counter_deltas))

        return self._read_decide_write(load, _once(message, decide), commit)

    def change_order(
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
                self._orders[key] = self.store.get_order(*key)
            return self._orders[key]

        def commit(change: Change[Order]) -> CommitOutcome:
            assert change.entity is not None
            if before_commit is not None:
                before_commit(change.entity)
            order = remembering(change.entity, _digest(message)) if record else change.entity
            return self._commit(message, VersionedWrite(order, change.counter_deltas))

        return self._read_decide_write(load, _once(message, decide) if record else decide, commit)

    # --- the read-decide-write loop ------------------------------------------------------------
    def _commit(self, message: QueuedWebhook, write: VersionedWrite) -> CommitOutcome:
        if self._staging is not None:  # apply_together commits it with the batch's other events
            self._staging.writes.append(write)
            self._hold(write.entity)  # the batch's next event of it is decided on this state
            return CommitOutcome.APPLIED
        outcome = self.store.commit(write)
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
            self.ports.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter, not security
        raise ConflictError(f"gave up after {MAX_ATTEMPTS} conflicting attempts")

    # --- jobs ----------------------------------------------------------------------------------
    def job(self, job: Job) -> None:
        self.ports.enqueue_job(job)

    def job_once(self, message: QueuedWebhook, job: Job) -> Outcome:
        """A job queued once per delivery, however often (and through however many doors) it comes:
        a redelivered stock level or shipment reaches TikTok once. (A level's updated_at cannot tell
        a redelivery from a second change in the same second: the delivery is what is remembered.)"""
        # Queue first, then remember the delivery: a crash in between queues the job again, and the
        # job's idempotency key (the delivery id) keeps it from being done twice.
        if self._staging is not None:  # apply_together sends it with the batch's other jobs
            self._staging.jobs.append((message, job))
            return Outcome.QUEUED_JOB
        if self.store.has_delivery(message.shop, _delivery(message)):
            return Outcome.DUPLICATE
        self.job(job)
        self.store.record_delivery(message.shop, _delivery(message))
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


def inventory_items(product: Product) -> list[str]:
    return [v.inventory_item_id for v in product.variants if v.inventory_item_id]


def require(decide: Callable[[E], Change[E]]) -> Callable[[E | None], Change[E]]:
    """For events about an order or product that must already exist."""

    def decide_existing(current: E | None) -> Change[E]:
        if current is None:
            raise OrderNotYetKnownError("the order or product this event is about is not here yet")
        return decide(current)

    return decide_existing


def _next_version(entity: E) -> E:
    return replace(entity, version=entity.version + 1)


def delivery_key(message: QueuedWebhook, kind: str) -> str:
    """The idempotency key of the job of ``kind`` a delivery queues."""
    return f"{message.source.value}:{message.delivery_id}:{kind}"


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


def _entity_of(message: QueuedWebhook) -> tuple[str | None, str]:
    """Which product or order a plain change is about (ids only, no validation)."""
    topic = TOPICS.get((message.source, message.topic))
    kind = topic.changes if topic is not None else None
    if topic is None or kind is None:
        return None, ""
    try:
        return kind, topic.module().changed_id(message)
    except (ValueError, KeyError):
        return None, ""  # a malformed message fails in apply(), with its own record


class Topic(Value, frozen=True):
    """How the applier takes one webhook topic: the function of ``connector.processing.<family>``
    that applies it. A family's module (its code, payload models and what they import) is imported
    when the first event of one of its topics arrives: a cold start pays for the topics its batch
    brings, not for all of them. This is the one place the processor imports anything late."""

    family: str
    function: str
    # A plain change of one product or order (read, decide, write; jobs queued before the write),
    # which a batch may commit together; its family's ``changed_id`` names the product or order.
    # TikTok's audit events are not: they also read TikTok and settle the plan slot.
    changes: str | None = None  # "product" or "order"
    # It only queues a job: applying it before or after a product or order change is the same.
    job_only: bool = False

    def module(self) -> ModuleType:
        return importlib.import_module(f"connector.processing.{self.family}")

    def apply(self, applier: Applier, message: QueuedWebhook) -> Outcome:
        apply: Callable[[Applier, QueuedWebhook], Outcome] = getattr(self.module(), self.function)
        return apply(applier, message)


_SHOPIFY, _SHOP, _ORDERS, _AUDITS = "shopify_topics", "shop_lifecycle", "tiktok_orders", "tiktok_audits"
# Every topic the processor applies, by sender and topic (TikTok: its type number, named as in
# webhooks/tiktok_delivery.py TikTokType). The doors accept what their field tables know
# (webhooks/shopify_delivery.py, webhooks/tiktok_delivery.py); tests keep those, the payload models
# and this table equal.
TOPICS: dict[tuple[Source, str], Topic] = {
    (Source.SHOPIFY, "products/create"): Topic(_SHOPIFY, "product_upsert", changes="product"),
    (Source.SHOPIFY, "products/update"): Topic(_SHOPIFY, "product_upsert", changes="product"),
    (Source.SHOPIFY, "products/delete"): Topic(_SHOPIFY, "product_delete", changes="product"),
    (Source.SHOPIFY, "inventory_levels/update"): Topic(_SHOPIFY, "inventory_level", job_only=True),
    (Source.SHOPIFY, "orders/fulfilled"): Topic(_SHOPIFY, "fulfilled", job_only=True),
    (Source.SHOPIFY, "fulfillments/create"): Topic(_SHOPIFY, "fulfilled", job_only=True),
    (Source.SHOPIFY, "fulfillments/update"): Topic(_SHOPIFY, "fulfilled", job_only=True),
    (Source.SHOPIFY, "app/uninstalled"): Topic(_SHOP, "uninstalled"),
    (Source.SHOPIFY, "app_subscriptions/update"): Topic(_SHOP, "subscription"),
    (Source.SHOPIFY, "customers/data_request"): Topic(_SHOP, "data_request"),
    (Source.SHOPIFY, "customers/redact"): Topic(_SHOP, "customer_redact"),
    (Source.SHOPIFY, "shop/redact"): Topic(_SHOP, "shop_redact"),
    (Source.TIKTOK, "1"): Topic(_ORDERS, "order_status", changes="order"),  # ORDER_STATUS_CHANGE
    (Source.TIKTOK, "5"): Topic(_AUDITS, "product_status"),  # PRODUCT_STATUS_CHANGE
    (Source.TIKTOK, "6"): Topic(_SHOP, "tiktok_deauthorized"),  # SELLER_DEAUTHORIZATION
    (Source.TIKTOK, "7"): Topic(_SHOP, "tiktok_authorization_expiry"),  # UPCOMING_AUTHORIZATION_EXPIRATION
    (Source.TIKTOK, "11"): Topic(_ORDERS, "cancellation", changes="order"),  # CANCELLATION_STATUS_CHANGE
    (Source.TIKTOK, "12"): Topic(_ORDERS, "return_change", changes="order"),  # RETURN_STATUS_CHANGE
    (Source.TIKTOK, "37"): Topic(_AUDITS, "product_audit"),  # PRODUCT_AUDIT_STATUS_CHANGE
}
