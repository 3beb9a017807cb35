"""A connected shop's TikTok webhooks: registered when it connects, checked and repaired daily, and
shown on the dashboard while an event type does not reach us."""

from __future__ import annotations

import time

import pytest

from connector.domain.entities import Shop, TikTokConnection
from connector.schedules import TASKS
from connector.webhooks.tiktok import EVENT_TYPES
from connector.wiring import process_ports
from tests.helpers import LocalStack, provision_connected

pytestmark = pytest.mark.integration

AUDIT_VERDICT = "PRODUCT_AUDIT_STATUS_CHANGE"


def _registered(stack: LocalStack) -> dict[str, str]:
    """The sandbox shop's registrations: event type -> address."""
    profile = _profile(stack)
    assert profile.tiktok_shop_id is not None
    return {
        kind: str(r["address"]) for kind, r in stack.tiktok.shops[profile.tiktok_shop_id].webhooks.items()
    }


def _profile(stack: LocalStack) -> Shop:
    profile = stack.store.get_shop(stack.shop)
    assert profile is not None
    return profile


def _daily_check(stack: LocalStack) -> int:
    """The daily task, as the scheduler runs it for this shop."""
    task = TASKS["check_tiktok_webhooks"].each_shop
    assert task is not None
    registered, _ = task(process_ports(), _profile(stack), int(time.time()), None)  # one step
    return registered


def _notice(stack: LocalStack) -> list[str]:
    answer = stack.merchant_call("GET", "/v1/dashboard")
    assert answer.status_code == 200
    missing: list[str] = answer.json()["tiktok_webhooks_missing"]
    return missing


def test_connecting_registers_every_handled_event_type_at_our_tiktok_door(stack: LocalStack) -> None:
    # When a shop connects its TikTok shop
    provision_connected(stack.api_url, stack.store, stack.shop, stack.tiktok)
    # Then TikTok sends each event type the door takes to the door, and the dashboard shows no notice
    assert _registered(stack) == {kind: f"{stack.api_url}/webhooks/tiktok" for kind in EVENT_TYPES}
    assert set(EVENT_TYPES) == {"ORDER_STATUS_CHANGE", "PRODUCT_STATUS_CHANGE", "SELLER_DEAUTHORIZATION"} | {
        "UPCOMING_AUTHORIZATION_EXPIRATION",
        "CANCELLATION_STATUS_CHANGE",
        "RETURN_STATUS_CHANGE",
        AUDIT_VERDICT,
    }
    assert _notice(stack) == []


def test_an_unsubscribed_type_shows_until_the_daily_check_registers_it_again(stack: LocalStack) -> None:
    # Given a connected shop whose audit-verdict webhook was deleted on TikTok
    provision_connected(stack.api_url, stack.store, stack.shop, stack.tiktok)
    process_ports().tiktok_api(_profile(stack)).delete_shop_webhook(AUDIT_VERDICT)
    assert AUDIT_VERDICT not in _registered(stack)
    # When the daily check runs while TikTok refuses Update Shop Webhook
    stack.tiktok.faults.denied_endpoints = ["Update Shop Webhook"]
    try:
        assert _daily_check(stack) == 0
    finally:
        stack.tiktok.faults.denied_endpoints = []
    # Then the dashboard names the missing type
    assert _notice(stack) == [AUDIT_VERDICT]
    # When the next daily check runs; Then it registers the type again and the notice goes
    assert _daily_check(stack) == 1
    assert _registered(stack)[AUDIT_VERDICT] == f"{stack.api_url}/webhooks/tiktok"
    assert _notice(stack) == []
    # And a check that finds everything registered changes nothing
    assert _daily_check(stack) == 0


def test_a_refused_registration_keeps_the_connection_and_shows_every_type(stack: LocalStack) -> None:
    # Given TikTok refusing Update Shop Webhook
    stack.tiktok.faults.denied_endpoints = ["Update Shop Webhook"]
    try:
        # When the shop connects
        provision_connected(stack.api_url, stack.store, stack.shop, stack.tiktok)
    finally:
        stack.tiktok.faults.denied_endpoints = []
    # Then it is connected, nothing is registered, and every type shows as missing
    assert _profile(stack).tiktok_connection is TikTokConnection.CONNECTED
    assert _registered(stack) == {}
    assert _notice(stack) == list(EVENT_TYPES)
    # And the daily check registers them all
    assert _daily_check(stack) == len(EVENT_TYPES)
    assert _notice(stack) == []
