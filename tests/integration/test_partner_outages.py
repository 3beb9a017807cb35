"""Issue 22: Shopify or TikTok Shop down, slow or failing inside while a merchant's request needs
them answers 503 with Retry-After and the error shape (never the 502 of a function that raised),
writes nothing half-done, and the same request succeeds once the partner is back."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.helpers import LocalStack, back_from_tiktok, provision_connected

pytestmark = pytest.mark.integration

SHOPIFY_READ_ATTEMPTS = 5  # the Shopify client's attempts at a read, all of which fail here


def assert_outage(answer: requests.Response, partner: str) -> None:
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    error = answer.json()["error"]
    assert error["code"] == "partner_unavailable"
    assert error["message"].startswith(f"{partner} is not answering")


def test_a_first_visit_while_shopify_fails_answers_503_keeps_no_shop_and_then_provisions(
    stack: LocalStack,
) -> None:
    # The token exchange works; every attempt at reading the active subscriptions fails.
    stack.shopify.inject_fault(status=503, times=SHOPIFY_READ_ATTEMPTS)

    assert_outage(stack.merchant_call("GET", "/v1/dashboard"), "Shopify")
    assert stack.store.get_shop(stack.shop) is None and stack.store.get_plan(stack.shop) is None

    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    assert stack.store.get_shop(stack.shop) is not None and stack.store.get_plan(stack.shop) is not None


def test_an_upgrade_while_shopify_fails_answers_503_and_then_gives_the_confirmation(
    stack: LocalStack,
) -> None:
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    stack.shopify.inject_fault(status=502, field="appSubscriptionCreate")  # sent once

    assert_outage(stack.merchant_call("POST", "/v1/plan/upgrade", json={"plan": "growth"}), "Shopify")

    upgrade = stack.merchant_call("POST", "/v1/plan/upgrade", json={"plan": "growth"})
    assert upgrade.status_code == 200, upgrade.text
    assert upgrade.json()["confirmation_url"]


def test_a_tiktok_completion_during_an_outage_answers_503_and_completes_on_the_retry(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    _, state = back_from_tiktok(stack.api_url, stack.shop, stack.tiktok)
    exchanges = stack.tiktok.calls.get("token/get", 0)
    # The auth host trades the code; Get Authorized Shops then fails on every attempt.
    monkeypatch.setattr(stack.tiktok.faults, "server_error_share", 1.0)

    completion: dict[str, Any] = {"state": state}
    assert_outage(
        stack.merchant_call("POST", "/v1/connections/tiktok/complete", json=completion), "TikTok Shop"
    )
    shop = stack.store.get_shop(stack.shop)
    assert shop is not None and shop.tiktok_shop_id is None

    monkeypatch.setattr(stack.tiktok.faults, "server_error_share", 0.0)
    linked = stack.merchant_call("POST", "/v1/connections/tiktok/complete", json=completion)
    assert linked.status_code == 200 and linked.json()["status"] == "connected", linked.text
    # The code TikTok takes once was traded once: the retry used the grant it gave.
    assert stack.tiktok.calls.get("token/get", 0) == exchanges + 1
    # And the state is spent now, as after any completed link.
    again = stack.merchant_call("POST", "/v1/connections/tiktok/complete", json=completion)
    assert again.status_code == 400, again.text


@pytest.mark.parametrize("fault", ["server_error_share", "internal_error_share"])
def test_a_setting_that_asks_tiktok_answers_503_during_an_outage_and_saves_after(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    provision_connected(stack.api_url, stack.store, stack.shop, stack.tiktok)
    settings = stack.merchant_call("GET", "/v1/settings").json()
    for shown in ("warehouses", "locations"):
        settings.pop(shown)
    # A new mapping is checked against the shop's categories (Get Categories).
    settings["category_mappings"] = [{"name": "T-Shirt", "category_id": "601226"}]
    monkeypatch.setattr(stack.tiktok.faults, fault, 1.0)

    assert_outage(stack.merchant_call("PUT", "/v1/settings", json=settings), "TikTok Shop")

    monkeypatch.setattr(stack.tiktok.faults, fault, 0.0)
    saved = stack.merchant_call("PUT", "/v1/settings", json=settings)
    assert saved.status_code == 200, saved.text
    assert saved.json()["category_mappings"] == settings["category_mappings"]
