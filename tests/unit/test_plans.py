from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from connector.domain.entities import Plan, SubscriptionState
from connector.domain.plans import (
    catalogue,
    current_subscription,
    cycle_rolled,
    installed_plan,
    new_plan,
    period_followed,
    subscription_changed,
)
from connector.values import replace

SHOP = "a.myshopify.com"
T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
PLAN = Plan(SHOP, "growth", billing_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC), cycle_started_at=T0)


def news(number: int, name: str, status: str, created: int, updated: int) -> SubscriptionState:
    """Shopify's word on subscription ``number`` (times in seconds after T0)."""
    return SubscriptionState(
        f"gid://shopify/AppSubscription/{number}",
        name,
        status,
        T0 + timedelta(seconds=created),
        T0 + timedelta(seconds=updated),
    )


def applied(plan: Plan, *updates: SubscriptionState) -> Plan:
    for update in updates:
        plan = subscription_changed(plan, update) or plan
    return plan


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
    def last(status: str) -> Plan:
        return applied(PLAN, news(2, "Growth Plus", "PENDING", 0, 0), news(2, "Growth Plus", status, 0, 5))

    assert last("ACTIVE").name == "growth_plus"
    assert last("DECLINED").name == "growth"
    assert last("EXPIRED").name == "growth"
    assert last("FROZEN").subscription_status == "FROZEN"
    assert applied(last("ACTIVE"), news(2, "Growth Plus", "CANCELLED", 0, 9)).name == "free"


def test_a_downgrade_below_usage_waits_for_the_next_cycle_and_says_so() -> None:
    busy = replace(PLAN, products_used=300)
    changed = applied(busy, news(1, "Beginner", "ACTIVE", 0, 1))
    assert (changed.name, changed.pending_plan) == ("growth", "beginner")
    rolled = cycle_rolled(changed, PLAN.billing_at)
    assert rolled is not None and (rolled.name, rolled.pending_plan) == ("beginner", None)
    assert applied(replace(PLAN, products_used=50), news(1, "Beginner", "ACTIVE", 0, 1)).name == "beginner"


def test_roll_over_comes_at_the_billing_instant_and_lands_on_the_current_cycle() -> None:
    assert cycle_rolled(PLAN, PLAN.billing_at - timedelta(seconds=1)) is None
    assert cycle_rolled(PLAN, PLAN.billing_at) is not None
    late = cycle_rolled(replace(PLAN, orders_used=5), datetime(2027, 1, 15, tzinfo=UTC))
    assert late is not None and late.orders_used == 0
    assert late.billing_at == datetime(2027, 1, 30, 9, 30, tzinfo=UTC)
    assert late.cycle_started_at == datetime(2026, 12, 31, 9, 30, tzinfo=UTC)


def test_a_stale_or_repeated_status_of_one_subscription_changes_nothing() -> None:
    active = applied(PLAN, news(1, "Beginner", "ACTIVE", 0, 10))
    assert subscription_changed(active, news(1, "Beginner", "ACTIVE", 0, 10)) is None
    assert subscription_changed(active, news(1, "Beginner", "PENDING", 0, 0)) is None
    # The same second: the subscription's life decides (ACTIVE comes after PENDING), not arrival.
    same_second = applied(PLAN, news(1, "Beginner", "ACTIVE", 0, 0), news(1, "Beginner", "PENDING", 0, 0))
    assert same_second.name == "beginner"


def test_the_replaced_subscriptions_cancellation_never_drops_the_shop_to_free() -> None:
    on_beginner = applied(new_plan(SHOP, T0), news(1, "Beginner", "ACTIVE", 0, 10))
    growth_pending = news(2, "Growth", "PENDING", 100, 100)  # recorded by the upgrade action
    growth_active, beginner_cancelled = (
        news(2, "Growth", "ACTIVE", 100, 200),
        news(1, "Beginner", "CANCELLED", 0, 200),
    )

    after = applied(on_beginner, growth_pending, growth_active, beginner_cancelled)
    assert (after.name, after.subscription_status) == ("growth", "ACTIVE")
    assert (
        subscription_changed(applied(on_beginner, growth_pending, growth_active), beginner_cancelled) is None
    )

    cancelled_first = applied(on_beginner, growth_pending, beginner_cancelled)
    assert cancelled_first.name == "beginner"  # a replacement under way, not a cancellation
    assert applied(cancelled_first, growth_active).name == "growth"


def test_a_cancellation_with_nothing_replacing_it_returns_to_free() -> None:
    on_beginner = applied(new_plan(SHOP, T0), news(1, "Beginner", "ACTIVE", 0, 10))
    declined = applied(
        on_beginner, news(2, "Growth", "PENDING", 100, 100), news(2, "Growth", "DECLINED", 100, 150)
    )
    assert declined.name == "beginner"
    assert applied(declined, news(1, "Beginner", "CANCELLED", 0, 300)).name == "free"


def test_an_older_subscriptions_late_activation_does_not_undo_a_newer_one() -> None:
    on_growth = applied(
        new_plan(SHOP, T0), news(2, "Growth", "ACTIVE", 100, 200), news(2, "Growth", "CANCELLED", 100, 900)
    )
    assert on_growth.name == "free"
    assert subscription_changed(on_growth, news(1, "Beginner", "ACTIVE", 0, 10)) is None


# A realistic history: Beginner bought, Growth bought (Beginner cancelled as Growth activates, the
# same second), an abandoned Growth Plus, Growth frozen then thawed.
HISTORY = (
    news(1, "Beginner", "PENDING", 0, 0),
    news(1, "Beginner", "ACTIVE", 0, 30),
    news(2, "Growth", "PENDING", 100, 100),
    news(2, "Growth", "ACTIVE", 100, 160),
    news(1, "Beginner", "CANCELLED", 0, 160),
    news(3, "Growth Plus", "PENDING", 400, 400),
    news(3, "Growth Plus", "DECLINED", 400, 460),
    news(2, "Growth", "FROZEN", 100, 500),
    news(2, "Growth", "ACTIVE", 100, 600),
)


@given(
    st.permutations(HISTORY),
    st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(HISTORY)), max_size=len(HISTORY)),
)
def test_any_order_and_duplication_of_an_upgrade_history_ends_on_the_same_plan(
    order: list[SubscriptionState], duplicates: list[tuple[int, SubscriptionState]]
) -> None:
    updates = list(order)
    for at, again in duplicates:  # redeliveries, anywhere
        updates.insert(at % (len(updates) + 1), again)
    final = applied(new_plan(SHOP, T0), *updates)
    assert (final.name, final.subscription_status, final.pending_plan) == ("growth", "ACTIVE", None)
    current = current_subscription(final)
    assert current is not None and current.id.endswith("/2")


def test_install_starts_from_shopifys_active_subscription_and_its_period() -> None:
    now, period_end = T0 + timedelta(days=3), T0 + timedelta(days=20)
    growth = news(7, "Growth", "ACTIVE", 0, 0)
    plan = installed_plan(None, SHOP, growth, period_end, now)
    assert (plan.name, plan.billing_at, plan.cycle_started_at) == (
        "growth",
        period_end,
        period_end - timedelta(days=30),
    )
    free = installed_plan(None, SHOP, None, None, now)
    assert (free.name, free.billing_at, free.cycle_started_at) == ("free", now + timedelta(days=30), now)
    # A reinstall on the free plan does not renew its quota; usage held by products is kept.
    held = replace(free, orders_used=4, products_used=3, version=2)
    again = installed_plan(held, SHOP, None, None, now + timedelta(days=5))
    assert (again.billing_at, again.orders_used, again.products_used) == (free.billing_at, 4, 3)
    upgraded = installed_plan(held, SHOP, growth, period_end, now + timedelta(days=5))
    assert (upgraded.name, upgraded.orders_used, upgraded.products_used, upgraded.version) == (
        "growth",
        0,
        3,
        2,
    )


def test_the_cycle_follows_the_current_subscriptions_billing_period_only() -> None:
    on_growth = applied(new_plan(SHOP, T0), news(2, "Growth", "ACTIVE", 100, 160))
    period_end = T0 + timedelta(days=30, seconds=160)
    followed = period_followed(on_growth, "gid://shopify/AppSubscription/2", period_end)
    assert followed is not None and (followed.billing_at, followed.billing_date) == (
        period_end,
        period_end.date(),
    )
    assert period_followed(followed, "gid://shopify/AppSubscription/2", period_end) is None
    assert period_followed(on_growth, "gid://shopify/AppSubscription/1", period_end) is None
