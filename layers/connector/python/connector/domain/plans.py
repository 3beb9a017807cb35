"""Plans and quotas: the catalogue (config/plans.json) and what a shop has left of it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from connector.domain.entities import Plan, StatusCounts, SubscriptionState
from connector.values import Value, replace

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "config" / "plans.json"


class PlanOffer(Value, frozen=True):
    id: str
    name: str
    amount: Decimal
    products_limit: int
    orders_limit: int


class Catalogue(Value, frozen=True):
    currency: str
    cycle_days: int
    default_plan: str
    offers: tuple[PlanOffer, ...]

    def offer(self, plan_id: str) -> PlanOffer:
        for offer in self.offers:
            if offer.id == plan_id:
                return offer
        raise KeyError(f"no plan {plan_id!r}")

    def by_name(self, name: str) -> PlanOffer | None:
        """The offer a Shopify subscription names (its ``name`` is the plan's display name)."""
        return next((o for o in self.offers if o.name.lower() == name.strip().lower()), None)

    def upgrades_from(self, plan_id: str) -> tuple[PlanOffer, ...]:
        current = self.offer(plan_id)
        return tuple(o for o in self.offers if o.amount > current.amount)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = json.loads(CATALOGUE_FILE.read_text())
    offers = tuple(
        PlanOffer(p["id"], p["name"], Decimal(p["amount"]), int(p["products_limit"]), int(p["orders_limit"]))
        for p in raw["plans"]
    )
    return Catalogue(raw["currency"], int(raw["cycle_days"]), raw["default_plan"], offers)


def cycle() -> timedelta:
    return timedelta(days=catalogue().cycle_days)


def new_plan(shop: str, now: datetime) -> Plan:
    """A new shop's plan: the default offer, its cycle counted from the install."""
    return Plan(shop, catalogue().default_plan, billing_at=now + cycle(), cycle_started_at=now)


class Usage(Value, frozen=True):
    products_used: int
    products_remaining: int
    orders_used: int
    orders_remaining: int


def usage(plan: Plan, counts: StatusCounts) -> Usage:
    """What the plan has left. Product slots are held atomically on the plan as uploads take them;
    the status counters (products on TikTok) are the cross-check the reconciliation can use."""
    offer = catalogue().offer(plan.name)
    products_used = plan.products_used
    return Usage(
        products_used=products_used,
        products_remaining=max(0, offer.products_limit - products_used),
        orders_used=plan.orders_used,
        orders_remaining=max(0, offer.orders_limit - plan.orders_used),
    )


# Shopify's AppSubscriptionStatus values (admin-graphql 2025-10, enums/AppSubscriptionStatus).
IN_EFFECT = frozenset({"ACTIVE", "FROZEN"})
# A subscription Shopify activated at some point: only an activated one is cancelled.
TOOK_EFFECT = IN_EFFECT | {"CANCELLED"}
AWAITING = frozenset({"PENDING", "ACCEPTED"})  # created, not approved (or not applied) yet
# A subscription's life only goes forward through these phases (PENDING -> ACCEPTED -> ACTIVE <->
# FROZEN -> CANCELLED; DECLINED and EXPIRED end a pending one), so a later phase is newer news
# whatever the timestamps' precision; within a phase updated_at decides, then FROZEN (the safer).
_PHASE = {"PENDING": 0, "ACCEPTED": 1, "ACTIVE": 2, "FROZEN": 2, "DECLINED": 3, "EXPIRED": 3, "CANCELLED": 3}


def current_subscription(plan: Plan) -> SubscriptionState | None:
    """The shop's current subscription: the newest one Shopify activated (kept first)."""
    first = plan.subscriptions[:1]
    return first[0] if first and first[0].status in TOOK_EFFECT else None


def subscription_changed(plan: Plan, update: SubscriptionState) -> Plan | None:
    """Shopify's word on one subscription (app_subscriptions/update, or our appSubscriptionCreate's
    answer) applied to the plan; None when it tells nothing new (a duplicate, an older status, a
    replaced subscription).

    Shopify keeps one active subscription per shop and cancels the replaced one as the new one is
    activated (shopify.dev/docs/apps/launch/billing/subscription-billing; enums/
    AppSubscriptionReplacementBehavior), and sends webhooks in no set order. So each subscription's
    statuses are ordered by the way its life goes, then by ``updated_at`` (full precision), and the
    plan follows the newest subscription (``created_at``, then id) Shopify ever activated; an older
    one's update is ignored. Its CANCELLED returns the shop to the default plan, unless a newer
    subscription still awaits approval: that is a replacement whose activation is on its way.
    ACTIVE switches at once (a downgrade below current usage waits for the next cycle), FROZEN
    keeps the offer (order sync pauses), DECLINED and EXPIRED of a newer one change nothing."""
    held = next((s for s in plan.subscriptions if s.id == update.id), None)
    if held is not None and _freshness(update) <= _freshness(held):
        return None
    merged = sorted([*(s for s in plan.subscriptions if s.id != update.id), update], key=_age)
    current = max((i for i, s in enumerate(merged) if s.status in TOOK_EFFECT), default=0)
    kept = tuple(merged[current:])  # older ones were replaced: their later news changes nothing
    if kept == plan.subscriptions:
        return None
    return _following(replace(plan, subscriptions=kept))


def _following(plan: Plan) -> Plan:
    """The plan the subscriptions decide (``plan.subscriptions`` already merged)."""
    current = current_subscription(plan)
    if current is None:  # nothing activated yet: the plan stays as it is
        return plan
    plans = catalogue()
    replacing = any(s.status in AWAITING for s in plan.subscriptions[1:])
    if current.status == "CANCELLED" and not replacing:
        return replace(plan, name=plans.default_plan, pending_plan=None, subscription_status="CANCELLED")
    offer = plans.by_name(current.name)
    name, pending = plan.name, plan.pending_plan
    if offer is None or offer.id == name:
        pending = None
    elif _fits(plan, offer):
        name, pending = offer.id, None
    else:  # a downgrade below what the shop uses now: it starts with the next cycle
        pending = offer.id
    return replace(plan, name=name, pending_plan=pending, subscription_status=current.status)


def _age(state: SubscriptionState) -> tuple[datetime, int, str]:
    # Whole seconds: webhooks and GraphQL may not give created_at to the same precision; within a
    # second, Shopify's ids (which only grow) tell which subscription came later.
    number = state.id.rsplit("/", 1)[-1]
    return (state.created_at.replace(microsecond=0), int(number) if number.isdigit() else 0, state.id)


def _freshness(state: SubscriptionState) -> tuple[int, datetime, bool, str]:
    return (_PHASE.get(state.status, 0), state.updated_at, state.status == "FROZEN", state.status)


def installed_plan(
    held: Plan | None, shop: str, active: SubscriptionState | None, period_end: datetime | None, now: datetime
) -> Plan:
    """The plan on (re)install, from what Shopify says is active (currentAppInstallation.
    activeSubscriptions): its offer, its billing period ending at ``period_end`` (currentPeriodEnd);
    none active: the default offer, whose cycle runs from the install (a held one runs on, so a
    reinstall does not renew the quota). Usage held by products and orders is kept."""
    plans, length = catalogue(), cycle()
    base = held or new_plan(shop, now)
    if active is None:
        if held is not None and held.name == plans.default_plan and current_subscription(held) is None:
            return replace(held, pending_plan=None)
        start = now
        offer_id, status = plans.default_plan, "ACTIVE"
        subscriptions: tuple[SubscriptionState, ...] = ()
    else:
        start = (period_end or now + length) - length
        offer = plans.by_name(active.name)
        offer_id = offer.id if offer is not None else plans.default_plan
        subscriptions, status = (active,), active.status
    same_cycle = start == base.cycle_started_at
    return replace(
        base,
        name=offer_id,
        pending_plan=None,
        subscriptions=subscriptions,
        subscription_status=status,
        cycle_started_at=start,
        billing_at=start + length,
        orders_used=base.orders_used if same_cycle else 0,
    )


def period_followed(plan: Plan, subscription_id: str, period_end: datetime) -> Plan | None:
    """The plan's cycle moved to end with its current subscription's billing period (Shopify's
    currentPeriodEnd, read once the subscription is ACTIVE: the webhook does not carry it); None
    when the subscription is no longer the current one or the cycle already ends there."""
    current = current_subscription(plan)
    if current is None or current.id != subscription_id or current.status not in IN_EFFECT:
        return None
    if plan.billing_at == period_end:
        return None
    return replace(plan, billing_at=period_end, cycle_started_at=period_end - cycle())


def _fits(plan: Plan, offer: PlanOffer) -> bool:
    return plan.products_used <= offer.products_limit and plan.orders_used <= offer.orders_limit


class QuotaKind(StrEnum):
    PRODUCTS = "products"
    ORDERS = "orders"


def limit_of(plan: Plan, kind: QuotaKind) -> int:
    offer = catalogue().offer(plan.name)
    return offer.products_limit if kind is QuotaKind.PRODUCTS else offer.orders_limit


def cycle_rolled(plan: Plan, now: datetime) -> Plan | None:
    """The plan in its next cycle once its billing instant has come (None before): orders used
    back to zero, billing a cycle later, a pending downgrade applied."""
    if plan.billing_at > now:
        return None
    length = cycle()
    billing = plan.billing_at
    while billing <= now:  # a schedule that was down for a while still lands on the right cycle
        billing += length
    return replace(
        plan,
        name=plan.pending_plan or plan.name,
        pending_plan=None,
        orders_used=0,
        cycle_started_at=billing - length,
        billing_at=billing,
    )
