"""One import at a time, on the page: an import started elsewhere (another tab, another staff member)
while this page still offers the button is refused with the running one, which then shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import merchant_call

pytestmark = pytest.mark.integration


def test_an_import_started_in_another_tab_refuses_this_one_and_shows_the_running_import(
    page: Page, api_url: str, demo_shop: str
) -> None:
    # Given the dashboard open with nothing running (its jobs are recorded, not run: it stays running)
    page.goto(api_url + "/")
    expect(page.get_by_test_id("activities-ongoing")).to_contain_text("Nothing running")
    button = page.locator("header").get_by_role("button", name="Import products")
    expect(button).to_be_enabled()

    # When another tab starts an import, and then this page's button is pressed
    assert merchant_call(api_url, demo_shop, "POST", "/v1/imports").status_code == 202
    button.click()

    # Then the merchant reads that one is already running, where it shows, and sees it there
    refusal = page.get_by_role("status").filter(has_text="Import from Shopify is already running")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("(counting what to do)")
    expect(refusal).to_contain_text("and shows under Activities.")
    expect(page.get_by_test_id("activities-ongoing")).to_contain_text("Import from Shopify")
    expect(page.get_by_role("button", name="Import running…")).to_be_disabled()
