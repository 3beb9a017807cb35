"""Plans and quotas: the catalogue (config/plans.json) and what a shop has left of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from connector.domain.entities import Plan, StatusCounts

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "config" / "plans.json"


@dataclass(frozen=True)
class PlanOffer:
    id: str
    name: str
    amount: Decimal
    products_limit: int
    orders_limit: int


@dataclass(frozen=True)
class Catalogue:
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


def new_plan(shop: str, today: date) -> Plan:
    """A new shop's plan: the default offer, first billing one cycle ahead."""
    plans = catalogue()
    return Plan(
        shop, plans.default_plan, billing_date=today + timedelta(days=plans.cycle_days), cycle_started=today
    )


@dataclass(frozen=True)
class Usage:
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


def subscription_changed(plan: Plan, subscription_name: str, status: str, updated_at: int) -> Plan:
    """Shopify's app_subscriptions/update, applied to the plan (Shopify's statuses: PENDING, ACTIVE,
    DECLINED, EXPIRED, FROZEN, CANCELLED). ACTIVE switches to the subscribed plan at once; CANCELLED
    returns to the default plan; DECLINED and EXPIRED keep the plan held; FROZEN is recorded (order
    sync pauses while it lasts)."""
    plans = catalogue()
    status = status.strip().upper()
    name = plan.name
    pending = plan.pending_plan
    if status == "ACTIVE":
        offer = plans.by_name(subscription_name)
        if offer is not None and _fits(plan, offer):
            name, pending = offer.id, None
        elif offer is not None:
            # A downgrade below what the shop uses now: it starts with the next cycle.
            pending = offer.id
    elif status == "CANCELLED":
        name = plans.default_plan
    return replace(
        plan, name=name, pending_plan=pending, subscription_status=status, subscription_updated_at=updated_at
    )


def _fits(plan: Plan, offer: PlanOffer) -> bool:
    return plan.products_used <= offer.products_limit and plan.orders_used <= offer.orders_limit


class QuotaKind(StrEnum):
    PRODUCTS = "products"
    ORDERS = "orders"


def limit_of(plan: Plan, kind: QuotaKind) -> int:
    offer = catalogue().offer(plan.name)
    return offer.products_limit if kind is QuotaKind.PRODUCTS else offer.orders_limit


def cycle_rolled(plan: Plan, today: date) -> Plan | None:
    """The plan in its next cycle once its billing date has come (None before): orders used back
    to zero, billing date a cycle later, a pending downgrade applied."""
    if plan.billing_date > today:
        return None
    cycle = timedelta(days=catalogue().cycle_days)
    billing = plan.billing_date
    while billing <= today:  # a schedule that was down for a while still lands on the right cycle
        billing += cycle
    return replace(
        plan,
        name=plan.pending_plan or plan.name,
        pending_plan=None,
        orders_used=0,
        cycle_started=billing - cycle,
        billing_date=billing,
    )
