"""Issue 22 on the page: a partner outage shows as "… is not answering, retrying…" while reads are
retried after Retry-After, goes away when the partner answers again, and a failed action says so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from local.sandboxes.shopify import ShopifySandbox

pytestmark = pytest.mark.integration


def test_a_first_visit_during_a_shopify_outage_shows_it_retrying_then_the_dashboard(
    page: Page, api_url: str, new_demo_shop: str, shopify_partner: ShopifySandbox
) -> None:
    # Given Shopify fails every GraphQL call until it is back (other work may take some faults too)
    shopify_partner.inject_fault(status=503, times=1000)

    # When the merchant opens the app
    page.goto(api_url + "/")

    # Then the page says Shopify is not answering and retries, then shows the dashboard
    notice = page.get_by_test_id("outage-notice")
    expect(notice).to_have_text("Shopify is not answering, retrying…", timeout=15000)
    shopify_partner.clear_faults()
    expect(page.get_by_test_id("plan-name")).to_have_text("Free", timeout=15000)
    expect(notice).to_be_hidden()


def test_an_upgrade_during_a_shopify_outage_says_so_and_works_when_tried_again(
    page: Page, api_url: str, demo_shop: str, shopify_partner: ShopifySandbox
) -> None:
    # Given the dashboard of a shop on the free plan (the confirmation page itself is not approved)
    page.route("**/admin/charges/*/confirm", lambda route: route.fulfill(content_type="text/html", body="ok"))
    page.goto(api_url + "/")
    expect(page.get_by_test_id("plan-name")).to_have_text("Free")
    upgrade = page.get_by_role("button", name="Upgrade to Growth", exact=True)

    # When Shopify fails the subscription's creation
    shopify_partner.inject_fault(status=502, field="appSubscriptionCreate")
    upgrade.click()

    # Then the merchant reads why, and the same button works once Shopify answers
    expect(page.get_by_role("status").filter(has_text="Shopify is not answering. Try again")).to_be_visible()
    upgrade.click()
    expect(page).to_have_url(re.compile(r"/admin/charges/\d+/confirm$"))
