from __future__ import annotations

from dataclasses import replace
from datetime import date

from connector.domain.entities import Plan
from connector.domain.plans import catalogue, cycle_rolled, subscription_changed

PLAN = Plan("a.myshopify.com", "growth", billing_date=date(2026, 12, 1), cycle_started=date(2026, 11, 1))


def test_catalogue_comes_from_its_file() -> None:
    offers = {o.id: (str(o.amount), o.products_limit, o.orders_limit) for o in catalogue().offers}
    assert offers == {
        "free": ("0.00", 10, 10),
        "beginner": ("19.00", 100, 100),
        "beginner_plus": ("29.00", 250, 250),
        "growth": ("49.00", 1000, 500),
        "growth_plus": ("99.00", 5000, 1000),
    }


def test_subscription_statuses_drive_the_plan() -> None:
    assert subscription_changed(PLAN, "Growth Plus", "ACTIVE", 1).name == "growth_plus"
    assert subscription_changed(PLAN, "Growth Plus", "DECLINED", 1).name == "growth"
    assert subscription_changed(PLAN, "Growth Plus", "EXPIRED", 1).name == "growth"
    assert subscription_changed(PLAN, "Growth", "CANCELLED", 1).name == "free"
    assert subscription_changed(PLAN, "Growth", "FROZEN", 1).subscription_status == "FROZEN"


def test_a_downgrade_below_usage_waits_for_the_next_cycle_and_says_so() -> None:
    busy = replace(PLAN, products_used=300)
    changed = subscription_changed(busy, "Beginner", "ACTIVE", 1)
    assert (changed.name, changed.pending_plan) == ("growth", "beginner")
    rolled = cycle_rolled(changed, date(2026, 12, 1))
    assert rolled is not None and (rolled.name, rolled.pending_plan) == ("beginner", None)
    assert subscription_changed(replace(PLAN, products_used=50), "Beginner", "ACTIVE", 1).name == "beginner"


def test_roll_over_lands_on_the_current_cycle_and_not_before_its_date() -> None:
    assert cycle_rolled(PLAN, date(2026, 11, 30)) is None
    late = cycle_rolled(replace(PLAN, orders_used=5), date(2027, 1, 15))
    assert late is not None and late.billing_date == date(2027, 1, 30) and late.orders_used == 0
