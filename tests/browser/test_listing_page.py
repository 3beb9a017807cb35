"""Fixing a product's TikTok listing from the page: what TikTok still needs, the listing dialog
against the TikTok sandbox's category facts, the upload that follows, and the listing settings."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from connector.dal.store import Store
from connector.domain.entities import ActivityType, Product, ProductImage, Variant
from local.events import DEMO_SHOP

pytestmark = pytest.mark.integration
JACKET_ID = "9300000000001"
WOMENS_JACKETS = "601227"  # the TikTok sandbox's leaf category whose Material (101610) is required


def _failed_jacket(store: Store) -> None:
    """A product TikTok refused for want of a Material, with everything else a listing needs."""
    product = Product(
        DEMO_SHOP,
        JACKET_ID,
        "Quilted Field Jacket",
        "failed",
        1_795_700_000,
        variants=(Variant("9300000000101", "JACKET-M", Decimal("89.00"), 5, weight_grams=Decimal(900)),),
        images=(ProductImage("9300000000201", "http://127.0.0.1/jacket.png"),),
        tiktok_category_id=WOMENS_JACKETS,
        failure_reason="TikTok Shop needs more before this product can be listed.",
        missing=("attribute: Material",),
        shopify_updated_at=1_795_700_000,
    )
    store.commit_product(product, {"products_failed": 1})


def test_a_missing_attribute_is_chosen_in_the_dialog_and_the_product_uploaded_again(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given a failed product that lacks the Material its TikTok category requires
    _failed_jacket(store)
    page.goto(api_url + "/")

    # When the merchant opens the failed products
    page.get_by_test_id("count-products-failed").click()
    row = page.locator(f'#listing tr[data-product-id="{JACKET_ID}"]')

    # Then the product names what TikTok still needs
    missing = row.get_by_role("list", name="Missing for Quilted Field Jacket")
    expect(missing).to_have_text("attribute: Material")

    # And the dialog opens on its first field, and Escape closes it back to its button
    fix = row.get_by_role("button", name=re.compile("^Fix listing"))
    fix.click()
    dialog = page.get_by_role("dialog", name="Fix the TikTok listing")
    expect(dialog.get_by_label("TikTok category id")).to_be_focused()
    expect(dialog.get_by_label("TikTok category id")).to_have_value(WOMENS_JACKETS)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(fix).to_be_focused()

    # When they fix its listing: the dialog lists Material's values, marked required; the package
    # size the category also requires may stay empty, as the shop has a default
    fix.click()
    material = dialog.get_by_label(re.compile(r"^Material \(required\)"))
    expect(material.locator("option")).to_have_text(["Choose…", "Cotton", "Polyester"])
    expect(dialog.get_by_role("status")).to_contain_text("attribute: Material")
    expect(dialog.get_by_role("group", name="Package size")).to_contain_text(
        "the shop's default, 20 \u00d7 15 \u00d7 10 cm"  # as the page writes it
    )
    material.select_option(label="Cotton")
    dialog.get_by_role("button", name="Save").click()

    # Then the listing is ready, and Cotton is what it keeps
    expect(dialog.get_by_role("status")).to_have_text("Ready to upload")
    expect(material).to_have_value("1024358")
    (chosen,) = store.get_product(DEMO_SHOP, JACKET_ID).listing.attributes  # type: ignore[union-attr]
    assert (chosen.attribute_id, chosen.value_id) == ("101610", "1024358")

    # And "Upload again" starts an upload of that product and closes the dialog
    dialog.get_by_role("button", name="Upload again").click()
    expect(dialog).to_be_hidden()
    upload = page.get_by_test_id("activities-ongoing").locator("[data-activity-id]")
    expect(upload).to_contain_text("Upload to TikTok Shop")
    (activity,) = store.activities.list_activities(DEMO_SHOP, finished=False, limit=5)
    assert activity.type is ActivityType.UPLOAD


def test_a_pending_product_shows_what_tiktok_waits_for(
    page: Page, api_url: str, demo_shop: str, store: Store
) -> None:
    # Given a product TikTok approved that waits on the seller
    waiting = "TikTok Shop approved it; it goes on sale once the shop's identity check (KYC) is done."
    product = Product(
        DEMO_SHOP, "9300000000002", "Rain Shell", "pending", 1_795_700_000, waiting_reason=waiting
    )
    store.commit_product(product, {"products_pending": 1})

    # When the merchant opens the pending products
    page.goto(api_url + "/")
    page.get_by_test_id("count-products-pending").click()

    # Then the reason shows on its row
    expect(page.locator('#listing tr[data-product-id="9300000000002"]')).to_contain_text(
        "Waiting for you: " + waiting
    )


def test_the_listing_settings_are_saved_and_shown_after_a_reload(
    page: Page, api_url: str, demo_shop: str
) -> None:
    # Given the settings form of a shop connected to TikTok (one sales warehouse)
    page.goto(api_url + "/")
    form = page.locator("#settings-form")
    warehouse = form.get_by_label("Warehouse your listings are stocked in")
    expect(warehouse.locator("option")).to_have_count(2)

    # When the merchant picks the warehouse, a default package size and a category mapping
    warehouse.select_option(index=1)
    chosen = warehouse.input_value()
    form.get_by_label("Length (cm)").fill("30")
    form.get_by_label("Width (cm)").fill("20")
    form.get_by_label("Height (cm)").fill("")  # the demo shop's default had one
    form.get_by_role("button", name="Save settings").click()
    expect(form.get_by_role("alert")).to_contain_text("length, width and height, or none")
    form.get_by_label("Height (cm)").fill("5")
    form.get_by_role("button", name="Add a category mapping").click()
    form.get_by_label("Shopify product type 1").fill("Jackets")
    form.get_by_label("TikTok category id 1").fill(WOMENS_JACKETS)
    # ... and keeps the overflow location's stock off TikTok (by default both selling ones count)
    overflow = form.get_by_label("TikTok warehouse for Overflow Warehouse")
    expect(overflow).to_have_value("default")
    expect(form.get_by_label("TikTok warehouse for Retail Store")).to_have_value("")
    overflow.select_option(label="Not sent to TikTok Shop")
    form.get_by_role("button", name="Save settings").click()
    expect(form.get_by_role("status")).to_have_text("Saved.")

    # Then a reload shows all three as saved
    page.reload()
    expect(form.get_by_label("Shopify product type 1")).to_have_value("Jackets")
    expect(form.get_by_label("TikTok category id 1")).to_have_value(WOMENS_JACKETS)
    expect(warehouse).to_have_value(chosen)
    expect(form.get_by_label("Height (cm)")).to_have_value("5")
    expect(form.get_by_label("Length (cm)")).to_have_value("30")
    expect(overflow).to_have_value("")
    expect(form.get_by_label("TikTok warehouse for Main Warehouse")).to_have_value(chosen)
