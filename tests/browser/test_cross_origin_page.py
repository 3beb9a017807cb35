"""The page served apart from its API, as on AWS (CloudFront for the page, API Gateway for the API):
the browser lets it read the API's answers only if they allow its origin. The rest of the browser
suite serves the page from the API's own origin, as `make run` does."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from connector.dal.store import Store
from tests.browser.test_dashboard_page import _api, _count, _seed_catalog

pytestmark = pytest.mark.integration


def _answers_from(page: Page, api_url: str) -> list[Response]:
    """The API's answers the page receives, kept as they come."""
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if r.url.startswith(api_url + "/v1/") else None)
    return answers


def _allowed_origins(answers: list[Response]) -> set[Any]:
    return {answer.headers.get("access-control-allow-origin") for answer in answers}


def test_the_dashboard_loads_from_another_origin(
    page: Page, api_url: str, hosted_page: str, demo_shop: str, store: Store
) -> None:
    # Given a shop with a catalog, and the page on an origin other than the API's
    _seed_catalog(store)
    summary = _api(api_url, "/v1/dashboard")
    assert urlsplit(hosted_page).netloc != urlsplit(api_url).netloc
    answers = _answers_from(page, api_url)

    # When the merchant opens the dashboard
    page.goto(hosted_page)

    # Then the page shows what the API answered, each answer allowing the page's origin
    expect(_count(page, "products", "live")).to_have_text(str(summary["products"]["live"]))
    expect(page.get_by_test_id("plan-name")).to_have_text(summary["plan"]["name"])
    assert answers
    assert _allowed_origins(answers) == {hosted_page.rstrip("/")}


def test_an_action_answering_202_works_from_another_origin(
    page: Page, api_url: str, hosted_page: str, demo_shop: str
) -> None:
    # Given the dashboard open from its own origin
    page.goto(hosted_page)
    expect(page.get_by_test_id("activities-ongoing")).to_contain_text("Nothing running")

    # When the merchant starts an import (a POST with a session token: preflighted)
    with page.expect_response(lambda r: r.url == f"{api_url}/v1/imports") as started:
        page.locator("header").get_by_role("button", name="Import products").click()

    # Then the API accepts it, the page reads the activity and shows it running
    assert started.value.status == 202
    assert started.value.headers["access-control-allow-origin"] == hosted_page.rstrip("/")
    ongoing = page.get_by_test_id("activities-ongoing").locator("[data-activity-id]")
    expect(ongoing).to_have_count(1)
    expect(ongoing).to_contain_text("Import")


def test_an_error_answer_is_readable_from_another_origin(
    page: Page, api_url: str, hosted_page: str, demo_shop: str
) -> None:
    # Given the settings form, with a sync field only the server refuses
    page.goto(hosted_page)
    form = page.locator("#settings-form")
    expect(form.get_by_label("Title", exact=True)).to_be_checked()
    form.get_by_label("Title", exact=True).evaluate("box => { box.value = 'colour'; }")

    # When the merchant saves
    with page.expect_response(
        lambda r: r.url == f"{api_url}/v1/settings" and r.request.method == "PUT"
    ) as saved:
        form.get_by_role("button", name="Save settings").click()

    # Then the API's 422 reaches the page, which shows its message
    assert saved.value.status == 422
    assert saved.value.headers["access-control-allow-origin"] == hosted_page.rstrip("/")
    expect(form.get_by_role("alert")).to_contain_text("sync_fields")
