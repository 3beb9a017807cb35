"""The merchant's dashboard page in headless Chromium against the local server: counts, live updates
from signed webhooks, activity progress, lists, settings, the setup wizard and the plan upgrade."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from connector.dal.store import Store
from connector.domain.entities import Activity, ActivityState, ActivityType, Order, Product
from connector.values import replace
from local.events import DEMO_SHOP, load, shopify_request
from local.queue import InProcessQueue
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox
from local.token import mint

pytestmark = pytest.mark.integration
SCREENSHOT = Path(__file__).resolve().parents[2] / "web" / "screenshots" / "dashboard.png"
PRODUCT_STATUSES = ("live", "failed", "not_uploaded", "inactive", "pending")
ORDER_STATUSES = (
    "awaiting_shipment",
    "awaiting_collection",
    "in_transit",
    "completed",
    "cancelled",
    "unpaid",
)
WAIT = 15_000  # ms: longer than the page's slowest refresh


def _api(api_url: str, path: str) -> dict[str, Any]:
    response = requests.get(
        api_url + path, headers={"Authorization": f"Bearer {mint(DEMO_SHOP)}"}, timeout=10
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _count(page: Page, kind: str, status: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(f"count-{kind}-{status}")


def _seed_catalog(store: Store) -> None:
    """A catalog in every status, orders in every status, and activities, like a shop in use."""
    titles = [
        ("live", "Linen Summer Shirt", None),
        ("live", "Canvas Tote Bag", None),
        ("live", "Merino Beanie", None),
        ("live", "Ceramic Pour-Over Set", None),
        ("pending", "Bamboo Sunglasses", None),
        ("pending", "Trail Running Socks", None),
        ("failed", "Vintage Denim Jacket", "The main image does not meet TikTok Shop's image requirements."),
        ("failed", "Scented Soy Candle", "Category 'Home Fragrance' requires a certificate of conformity."),
        ("inactive", "Wool Winter Scarf", None),
        *[("not_uploaded", f"Organic Cotton Tee ({size})", None) for size in ("XS", "S", "M", "L", "XL")],
    ]
    for i, (status, title, reason) in enumerate(titles):
        pid = str(9_100_000_000_000 + i)
        on_tiktok = status in ("live", "pending", "inactive")
        product = Product(
            DEMO_SHOP,
            pid,
            title,
            status,
            1_795_700_000 + i,
            tiktok_product_id=f"17295929697{i:08d}" if on_tiktok else None,
            tiktok_status={"live": "ACTIVATE", "pending": "PENDING", "inactive": "SELLER_DEACTIVATED"}.get(
                status
            ),
            failure_reason=reason,
            shopify_updated_at=1_795_700_000 + i,
        )
        store.commit_product(product, {f"products_{status}": 1})
    orders = [*["awaiting_shipment"] * 3, "awaiting_collection", *["in_transit"] * 2, *["completed"] * 4]
    orders += ["cancelled", "unpaid"]
    for i, status in enumerate(orders):
        order = Order(
            DEMO_SHOP,
            str(576_486_316_948_500_000 + i),
            status,
            status.upper(),
            1_795_700_000 + i,
            shopify_order_id=str(5_801_000 + i) if status != "unpaid" else None,
            created_at=1_795_690_000 + i,
        )
        store.commit_order(order, {f"orders_{status}": 1})
    now = datetime.now(UTC)
    store.activities.save_activity(
        Activity(
            DEMO_SHOP,
            f"{int((now - timedelta(hours=2)).timestamp() * 1000):013d}-aaaa0001",
            ActivityType.IMPORT,
            ActivityState.COMPLETED,
            total=14,
            processed=14,
            succeeded=14,
            started_at=now - timedelta(hours=2),
            finished_at=now - timedelta(hours=2) + timedelta(minutes=1),
        )
    )
    store.activities.save_activity(
        Activity(
            DEMO_SHOP,
            f"{int((now - timedelta(hours=1)).timestamp() * 1000):013d}-aaaa0002",
            ActivityType.UPLOAD,
            ActivityState.COMPLETED,
            total=8,
            processed=8,
            succeeded=6,
            failed=2,
            started_at=now - timedelta(hours=1),
            finished_at=now - timedelta(minutes=58),
            errors=("Vintage Denim Jacket: image too small", "Scented Soy Candle: certificate required"),
        )
    )


def test_the_page_shows_the_counts_the_api_returns(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given a shop with products and orders in every status
    _seed_catalog(store)
    summary = _api(api_url, "/v1/dashboard")

    # When the merchant opens the dashboard
    page.goto(api_url + "/")

    # Then every count, the totals and the plan are the API's
    for status in PRODUCT_STATUSES:
        expect(_count(page, "products", status)).to_have_text(str(summary["products"][status]))
    for status in ORDER_STATUSES:
        expect(_count(page, "orders", status)).to_have_text(str(summary["orders"][status]))
    expect(page.get_by_test_id("products-total")).to_have_text(f"{summary['products']['total']} in all")
    expect(page.get_by_test_id("plan-name")).to_have_text(summary["plan"]["name"])
    remaining, limit = summary["plan"]["products_remaining"], summary["plan"]["products_limit"]
    expect(page.get_by_test_id("plan-products-remaining")).to_have_text(f"{remaining} of {limit} left")
    expect(page.locator("#wizard")).to_be_hidden()  # connected and imported: no setup left


def test_a_lost_tiktok_connection_is_shown_with_its_call_to_reconnect(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given a connected shop: the card says so, with no call to act
    page.goto(api_url + "/")
    status = page.get_by_test_id("connection-status")
    expect(status).to_contain_text("Connected")
    expect(page.locator("#connection-button")).to_be_hidden()

    # When TikTok stops accepting the app's authorization (the seller removed it)
    store.revoke_tiktok(demo_shop, int(datetime.now(UTC).timestamp()) + 1)
    page.reload()

    # Then the card says what happened and offers to connect again
    expect(status).to_contain_text("connect again to resume it", timeout=WAIT)
    expect(page.get_by_role("button", name="Reconnect TikTok Shop")).to_be_visible()


def test_a_signed_webhook_changes_the_right_count_without_a_reload(
    page: Page, api_url: str, demo_shop: str, events_queue: InProcessQueue
) -> None:
    # Given the dashboard open on a shop with no products
    page.goto(api_url + "/")
    expect(_count(page, "products", "not_uploaded")).to_have_text("0")
    page.evaluate("window.__sameDocument = true")

    # When Shopify sends a signed products/create for the shop
    body = load("webhooks/shopify/products-create.json")["body"]
    new_id = 8_009_000_000_000_000 + uuid.uuid4().int % 1_000_000
    body = {**body, "id": new_id, "title": "Webhook Shirt"}
    body["variants"] = [{**v, "product_id": new_id} for v in body["variants"]]
    answer = shopify_request(
        "products-create",
        body=body,
        **{"X-Shopify-Shop-Domain": DEMO_SHOP, "X-Shopify-Webhook-Id": str(uuid.uuid4())},
    ).post(api_url)
    assert answer.status_code == 200, answer.text
    events_queue.drain()

    # Then Not Uploaded counts it, and nothing else moved, in the same document
    expect(_count(page, "products", "not_uploaded")).to_have_text("1", timeout=WAIT)
    expect(_count(page, "products", "live")).to_have_text("0")
    assert page.evaluate("window.__sameDocument") is True


def test_an_import_shows_a_progress_bar_that_reaches_its_total(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given the dashboard open
    page.goto(api_url + "/")
    expect(page.get_by_test_id("activities-ongoing")).to_contain_text("Nothing running")

    # When the merchant starts an import and the jobs function works through it
    page.locator("header").get_by_role("button", name="Import products").click()
    ongoing = page.get_by_test_id("activities-ongoing").locator("[data-activity-id]")
    expect(ongoing).to_have_count(1)
    activity_id = ongoing.get_attribute("data-activity-id")
    assert activity_id
    activity = store.activities.get_activity(DEMO_SHOP, activity_id)
    assert activity is not None and activity.type is ActivityType.IMPORT
    bar = page.locator(f'[data-activity-id="{activity_id}"] [role="progressbar"]')
    for processed in (0, 2, 4):
        store.activities.save_activity(replace(activity, total=4, processed=processed, succeeded=processed))
        # Then the bar follows it to its total
        expect(bar).to_have_attribute("aria-valuenow", str(processed), timeout=WAIT)
        expect(bar).to_have_attribute("aria-valuemax", "4")
    expect(bar).to_have_attribute("aria-valuetext", "4 of 4 (100%)")

    # And once done, the activity moves to the finished list with its results
    store.activities.save_activity(
        replace(
            activity,
            state=ActivityState.COMPLETED,
            total=4,
            processed=4,
            succeeded=4,
            finished_at=datetime.now(UTC),
        )
    )
    finished = page.get_by_test_id("activities-completed").locator(f'[data-activity-id="{activity_id}"]')
    expect(finished).to_contain_text("4 of 4 processed · 4 succeeded · 0 failed", timeout=WAIT)
    expect(finished).to_contain_text("Completed")
    expect(ongoing).to_have_count(0)
    expect(page.locator("header").get_by_role("button", name="Import products")).to_be_enabled()


def test_a_count_opens_its_filtered_list_with_reasons_and_pages(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given failed products, and more not-uploaded ones than fit on a page
    _seed_catalog(store)
    for i in range(8):
        pid = str(9_200_000_000_000 + i)
        store.commit_product(
            Product(DEMO_SHOP, pid, f"Extra {i}", "not_uploaded", 1_795_800_000 + i),
            {"products_not_uploaded": 1},
        )
    page.goto(api_url + "/")

    # When the merchant opens Failed with the keyboard
    page.get_by_role("button", name=re.compile(r"^Failed: 2 products")).focus()
    page.keyboard.press("Enter")

    # Then the list shows the failed products with TikTok's reasons
    listing = page.locator("#listing")
    expect(listing.get_by_role("heading")).to_have_text("Failed products")
    expect(listing.locator("tbody tr")).to_have_count(2)
    expect(listing).to_contain_text("requires a certificate of conformity")

    # And Not Uploaded (13) pages by ten with Next and Previous
    _count(page, "products", "not_uploaded").click()
    expect(listing.locator("tbody tr")).to_have_count(10)
    listing.get_by_role("button", name="Next").click()
    expect(listing.locator("tbody tr")).to_have_count(3)
    expect(listing.get_by_role("button", name="Next")).to_be_disabled()
    listing.get_by_role("button", name="Previous").click()
    expect(listing.locator("tbody tr")).to_have_count(10)

    # And selected products upload as one activity
    listing.get_by_label("Select Extra 7 for upload").check()
    listing.get_by_label("Select Extra 6 for upload").check()
    listing.get_by_role("button", name="Upload selected (2)").click()
    upload = page.get_by_test_id("activities-ongoing").locator("[data-activity-id]")
    expect(upload).to_contain_text("Upload to TikTok Shop")
    expect(upload.get_by_role("progressbar")).to_have_attribute("aria-valuemax", "2")


def test_an_order_is_cancelled_with_a_reason_and_a_product_deactivated(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given orders and live products
    _seed_catalog(store)
    page.goto(api_url + "/")

    # When the merchant cancels an order awaiting shipment, first without a reason
    _count(page, "orders", "awaiting_shipment").click()
    listing = page.locator("#listing")
    listing.get_by_role("button", name="Cancel…").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Reason TikTok will show the buyer")).to_be_focused()
    dialog.get_by_role("button", name="Cancel the order").click()
    expect(dialog.get_by_role("alert")).to_have_text("Choose the reason TikTok will show the buyer.")
    dialog.get_by_label("Reason TikTok will show the buyer").select_option(label="Out of stock")
    dialog.get_by_role("button", name="Cancel the order").click()

    # Then TikTok's reason for that status is sent, and the cancellation runs as an activity
    expect(dialog).to_be_hidden()
    running = page.get_by_test_id("activities-ongoing")
    expect(running).to_contain_text("Cancel an order")
    (cancel,) = store.activities.list_activities(DEMO_SHOP, finished=False, limit=5)
    assert cancel.type is ActivityType.CANCEL_ORDER

    # And a live product is deactivated from its list
    _count(page, "products", "live").click()
    listing.get_by_role("button", name="Deactivate").first.click()
    expect(running).to_contain_text("Deactivate on TikTok Shop")


def test_the_upgrade_button_leads_to_the_sandbox_confirmation_url(
    page: Page, api_url: str, demo_shop: str, shopify_partner: ShopifySandbox
) -> None:
    # Given the dashboard of a shop on the free plan (the confirmation page itself is not approved)
    confirmation = re.compile(
        rf"^{re.escape(shopify_partner.url)}/{re.escape(DEMO_SHOP)}/admin/charges/\d+/confirm$"
    )
    page.route(
        confirmation, lambda route: route.fulfill(content_type="text/html", body="<h1>Approve charge</h1>")
    )
    page.goto(api_url + "/")
    expect(page.get_by_test_id("plan-name")).to_have_text("Free")

    # When the merchant chooses Growth
    page.get_by_role("button", name="Upgrade to Growth", exact=True).click()

    # Then the browser goes to Shopify's (the sandbox's) confirmation page for that charge
    expect(page).to_have_url(confirmation)
    expect(page.get_by_role("heading")).to_have_text("Approve charge")


def test_a_new_shop_is_walked_through_setup_and_settings_are_validated(
    page: Page, api_url: str, new_demo_shop: str, tiktok_partner: TikTokSandbox
) -> None:
    # Given a shop opening the app for the first time
    page.goto(api_url + "/")
    wizard = page.locator("#wizard")
    expect(wizard).to_be_visible()
    expect(wizard.locator('[aria-current="step"]')).to_contain_text("Connect your TikTok Shop")

    # When the merchant connects TikTok Shop: TikTok's authorize page of their region opens in a tab
    # of its own; the sandbox's approves at once, and TikTok's redirect leads through our callback
    # to the app, which finishes the link in its own session
    requested: list[str] = []
    page.context.on("request", lambda request: requested.append(request.url))
    with page.expect_popup() as popup:
        wizard.get_by_role("button", name="Connect TikTok Shop").click()
    authorize = popup.value
    expect(authorize).to_have_url(re.compile(rf"^{re.escape(api_url)}/\?shop=[^&]+$"))
    assert any(url.startswith(f"{tiktok_partner.url}/us/open/authorize?service_id=") for url in requested)

    # Then the dashboard shows the connection by itself, and the wizard moves on to the settings
    expect(wizard.locator("li").first).to_have_class("done", timeout=WAIT)
    assert any(url.startswith(f"{api_url}/v1/connections/tiktok/complete") for url in requested)
    authorize.close()
    expect(wizard.locator('[aria-current="step"]')).to_contain_text("Choose what to sync")

    # And settings outside the API's rules are refused before saving, with the reason
    form = page.locator("#settings-form")
    form.get_by_label("Direction").select_option("down")
    form.get_by_label("By", exact=True).fill("150")
    form.get_by_role("button", name="Save settings").click()
    expect(form.get_by_role("alert")).to_contain_text("A percent discount must stay below 100.")
    expect(form.get_by_label("By", exact=True)).to_be_focused()

    # And valid settings save, and the wizard moves on to the import
    form.get_by_label("By", exact=True).fill("12.5")
    form.get_by_role("button", name="Save settings").click()
    expect(form.get_by_role("status")).to_have_text("Saved.")
    expect(form.get_by_label("By", exact=True)).to_have_value("12.5")
    expect(wizard.locator("li").nth(1)).to_have_class("done")
    expect(wizard.locator('[aria-current="step"]')).to_contain_text("Import your products")


def test_server_side_validation_messages_are_shown(page: Page, api_url: str, demo_shop: str) -> None:
    # Given the settings form, with a rule the page does not check itself (an empty field list is
    # fine for both; a sync field unknown to the API is only caught by the server)
    page.goto(api_url + "/")
    form = page.locator("#settings-form")
    expect(form.get_by_label("Title", exact=True)).to_be_checked()
    form.get_by_label("Title", exact=True).evaluate("box => { box.value = 'colour'; }")

    # When the merchant saves
    form.get_by_role("button", name="Save settings").click()

    # Then the API's 422 message is shown in the form
    expect(form.get_by_role("alert")).to_contain_text("sync_fields")


def test_screenshot_of_the_dashboard_with_demo_data(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given the demo shop in use, with a running upload
    _seed_catalog(store)
    now = datetime.now(UTC)
    store.activities.save_activity(
        Activity(
            DEMO_SHOP,
            f"{int(now.timestamp() * 1000):013d}-aaaa0003",
            ActivityType.UPLOAD,
            ActivityState.ONGOING,
            total=5,
            processed=3,
            succeeded=3,
            started_at=now,
        )
    )
    page.goto(api_url + "/")
    expect(_count(page, "products", "live")).to_have_text("4")
    _count(page, "products", "failed").click()
    expect(page.locator("#listing tbody tr")).to_have_count(2)
    page.locator("body").click(position={"x": 1, "y": 1})  # no focus ring in the picture

    # When the picture is taken
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True, animations="disabled")

    # Then it exists, and the page also fits a phone's width without sideways scrolling
    assert SCREENSHOT.stat().st_size > 10_000
    page.set_viewport_size({"width": 375, "height": 800})
    expect(_count(page, "orders", "unpaid")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_real_import_runs_to_its_total_on_the_page(
    page: Page,
    api_url: str,
    demo_shop: str,
    store: Store,
    shopify_partner: ShopifySandbox,
    jobs_worker: InProcessQueue,
) -> None:
    # Given the dashboard open, with the real jobs function consuming the jobs queue
    page.goto(api_url + "/")
    expect(page.get_by_test_id("activities-ongoing")).to_contain_text("Nothing running")

    # When the merchant starts an import of the Shopify sandbox's catalog
    page.locator("header").get_by_role("button", name="Import products").click()
    jobs_worker.drain(timeout=60)

    # Then the activity finishes with every product of the catalog counted once
    size = len(shopify_partner.catalog(DEMO_SHOP))
    finished = page.get_by_test_id("activities-completed").locator("[data-activity-id]").first
    expect(finished).to_contain_text("Import from Shopify", timeout=WAIT)
    expect(finished).to_contain_text(
        f"{size} of {size} processed · {size} succeeded · 0 failed", timeout=WAIT
    )
