"""The shop's plan as Shopify bills it: read on (re)install, told of the subscriptions we create,
and its cycle set by the current subscription's billing period.

Docs followed (shopify.dev): /docs/api/admin-graphql/2025-10/objects/AppInstallation
(``activeSubscriptions``), /objects/AppSubscription (``currentPeriodEnd``: null unless active),
/enums/AppSubscriptionReplacementBehavior, /docs/apps/launch/billing/subscription-billing (one
active subscription per shop; the replaced one is cancelled once the new one is approved).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from connector.dal.store import CommitOutcome
from connector.domain import plans
from connector.domain.entities import Plan, Shop, SubscriptionState
from connector.wiring import Ports

if TYPE_CHECKING:  # annotations only: the dashboard loads this module for its upgrade route
    from connector.clients.shopify.models import ActiveSubscription, AppSubscription
    from connector.jobs import Job

MAX_ATTEMPTS = 8  # versioned writes lost to a concurrent one before giving up (then retried whole)


class PlanConflictError(RuntimeError):
    """The plan kept changing under us."""


def plan_from_shopify(ports: Ports, shop: Shop, now: datetime) -> Plan:
    """The shop's plan on install or reinstall, from what Shopify bills it now: the active
    subscription's offer with its billing period, or the default offer (none active)."""
    active = _current(ports.shopify_admin(shop).active_subscriptions())
    state = None if active is None else _state(active, now)
    period_end = None if active is None else active.current_period_end
    written = _commit(
        ports, shop.domain, lambda held: plans.installed_plan(held, shop.domain, state, period_end, now)
    )
    assert written is not None  # installed_plan always answers a plan
    return written


def record_created(ports: Ports, domain: str, subscription: AppSubscription) -> None:
    """Remember a subscription we asked Shopify for (PENDING): while it awaits approval, the
    current one's CANCELLED is the replacement under way, not a return to the default plan."""
    if subscription.created_at is None:
        return  # an answer without createdAt cannot be ordered; its webhooks will tell
    state = SubscriptionState(
        id=subscription.gid,
        name=subscription.name,
        status=subscription.status,
        created_at=subscription.created_at,
        updated_at=subscription.created_at,
    )
    _commit(ports, domain, lambda held: None if held is None else plans.subscription_changed(held, state))


def run_billing_period(job: Job, ports: Ports) -> None:
    """A subscription went ACTIVE: its billing period (currentPeriodEnd, which the webhook does not
    carry) becomes the plan's cycle, so quotas roll over when Shopify bills."""
    shop = ports.shop(job.shop)
    subscription_id = str(job.params["subscription_id"])
    found = [s for s in ports.shopify_admin(shop).active_subscriptions() if s.gid == subscription_id]
    period_end = found[0].current_period_end if found else None
    if period_end is None:
        return  # no longer active (replaced or cancelled since): its own webhook says so
    _commit(
        ports,
        shop.domain,
        lambda held: None if held is None else plans.period_followed(held, subscription_id, period_end),
    )


def _current(active: list[ActiveSubscription]) -> ActiveSubscription | None:
    # One at a time per shop; should Shopify list more, the newest is the one that replaces.
    return max(active, key=lambda s: (s.created_at, s.gid), default=None)


def _state(active: ActiveSubscription, read_at: datetime) -> SubscriptionState:
    # True as of the read: a webhook of an earlier status, delivered late, is older news.
    return SubscriptionState(
        id=active.gid,
        name=active.name,
        status=active.status,
        created_at=active.created_at,
        updated_at=read_at,
    )


def _commit(ports: Ports, domain: str, change: Callable[[Plan | None], Plan | None]) -> Plan | None:
    """Apply ``change`` to the held plan with a versioned write, again if another write won."""
    for _ in range(MAX_ATTEMPTS):
        changed = change(ports.store.get_plan(domain))
        if changed is None or ports.store.commit_plan(changed) is CommitOutcome.APPLIED:
            return changed
    raise PlanConflictError(f"the plan of {domain} kept changing")
