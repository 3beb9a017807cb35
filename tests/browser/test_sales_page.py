"""The sales card in headless Chromium: the chart over the chosen period, the comparison, top
products leading to their rows, and a CSV export whose totals are the API's."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
import requests
from playwright.sync_api import Page, expect

from connector.dal.store import Store
from local.events import DEMO_SHOP
from local.token import mint
from tests.browser.test_dashboard_page import _seed_catalog

pytestmark = pytest.mark.integration
CHART_POINTS = "Chart.getChart(document.getElementById('sales-chart')).data.labels.length"


def test_the_chart_follows_the_period_and_the_csv_holds_the_apis_totals(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given the demo shop with its weeks of orders and its catalog
    _seed_catalog(store)
    page.goto(api_url + "/")
    sales = page.get_by_test_id("sales")

    # Then the chart shows the default 30 days, beside the 30 days before
    expect(page.locator("#sales-chart")).to_be_visible()
    page.wait_for_function(
        f"window.Chart && Chart.getChart(document.getElementById('sales-chart')) && {CHART_POINTS} === 30"
    )
    expect(sales.locator('tr[data-figure="net_sales"]')).to_contain_text("$")
    expect(sales.get_by_test_id("sales-top-note")).to_contain_text("Top products as of")

    # When the merchant switches to 90 days
    sales.get_by_role("button", name="90 days").click()
    page.wait_for_function(f"{CHART_POINTS} === 90")
    expect(sales.get_by_role("button", name="90 days")).to_have_attribute("aria-pressed", "true")
    expect(sales.locator("thead")).to_contain_text("Last 90 days")

    # And exports the daily figures
    with page.expect_download() as download:
        sales.get_by_role("button", name="Export CSV").click()
    with open(download.value.path(), newline="") as file:
        rows = list(csv.DictReader(file))

    # Then the CSV's days add up to the API's totals of the period
    answer = requests.get(
        api_url + "/v1/sales",
        params={"days": 90},
        headers={"Authorization": f"Bearer {mint(DEMO_SHOP)}"},
        timeout=15,
    ).json()
    assert len(rows) == 90 and rows[-1]["day"] == answer["today"]
    for name, total in answer["current"]["totals"].items():
        assert sum(Decimal(row[name]) for row in rows) == Decimal(str(total)), name
    assert answer["current"]["totals"]["orders"] > 0

    # And a top product leads to its row in the product list
    first = answer["top_by_units"][0]
    sales.locator("#sales-top-units").get_by_role("button", name=first["title"]).click()
    expect(page.locator(f'#listing tr.highlight[data-product-id="{first["product_id"]}"]')).to_be_visible()
