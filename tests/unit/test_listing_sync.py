"""What a product sync sends TikTok, and which carrier a Shopify fulfillment maps to."""

from __future__ import annotations

from connector.activities.listing_sync import listing_update
from connector.activities.runner import WORK, work_of
from connector.activities.shipping import matching_provider
from connector.clients.tiktok.models import (
    InventoryLevel,
    NewProduct,
    NewSku,
    ShippingProvider,
    SkuPrice,
    TikTokProduct,
    TikTokSku,
)
from connector.domain.entities import SYNC_FIELDS, Product, Variant
from connector.jobs import JobKind


def _listed(status: str = "ACTIVATE", price: str = "10.00") -> TikTokProduct:
    sku = TikTokSku("s1", "SKU-1", price, "USD", (InventoryLevel("s1", 7, "w1"),))
    other = TikTokSku("s2", "SKU-2", "5.00", "USD", (InventoryLevel("s2", 3, "w1"),))
    return TikTokProduct("p1", status, "Mug", (), 0, 0, (sku, other), "A mug", ("img-1",))


def _wanted(title: str = "Mug", price: str = "10.00", images: tuple[str, ...] = ("img-1",)) -> NewProduct:
    skus = (
        NewSku("SKU-1", price, "USD", (InventoryLevel("", 7),)),
        NewSku("SKU-2", "5.00", "USD", (InventoryLevel("", 3),)),
    )
    return NewProduct(title, "A mug", "c", images, skus, "0.5")


def _product(*variants: tuple[str, str], skus: tuple[tuple[str, str], ...] = ()) -> Product:
    """A product of (variant id, SKU text) variants, with the TikTok SKU ids recorded for them."""
    shaped = tuple(Variant(variant_id, sku=sku) for variant_id, sku in variants)
    return Product("s.myshopify.com", "1", "Mug", "live", 0, variants=shaped, tiktok_skus=skus)


MUG = _product(("v1", "SKU-1"), ("v2", "SKU-2"), skus=(("v1", "s1"), ("v2", "s2")))


def test_nothing_is_sent_when_tiktok_already_shows_what_shopify_has() -> None:
    update = listing_update(MUG, _listed(), _wanted(), SYNC_FIELDS)
    assert update.edit is None and update.prices == ()


def test_a_live_product_gets_content_in_an_edit_and_prices_through_update_price() -> None:
    update = listing_update(MUG, _listed(), _wanted(title="Big mug", price="12.50"), SYNC_FIELDS)
    assert update.edit is not None and update.edit.to_body() == {"title": "Big mug"}
    assert update.prices == (SkuPrice("s1", "12.50", "USD"),)


def test_a_product_that_is_not_live_takes_new_prices_inside_the_edit_with_every_sku() -> None:
    update = listing_update(MUG, _listed(status="SELLER_DEACTIVATED"), _wanted(price="12.50"), SYNC_FIELDS)
    assert update.prices == ()
    assert update.edit is not None
    skus = update.edit.to_body()["skus"]
    assert [(s["id"], s["price"]["amount"]) for s in skus] == [("s1", "12.50"), ("s2", "5.00")]
    assert skus[0]["inventory"] == [{"quantity": 7, "warehouse_id": "w1"}]  # stock left as TikTok has it


def test_fields_the_merchant_switched_off_are_not_sent() -> None:
    update = listing_update(
        MUG, _listed(), _wanted(title="Big mug", price="12.50", images=("img-2",)), ("inventory",)
    )
    assert update.edit is None and update.prices == ()


def test_a_variant_added_is_a_new_sku_beside_every_existing_one_under_its_id() -> None:
    product = _product(("v1", "SKU-1"), ("v2", "SKU-2"), ("v3", "SKU-3"), skus=MUG.tiktok_skus)
    wanted = _wanted()
    wanted = NewProduct(
        "Mug",
        "A mug",
        "c",
        ("img-1",),
        (*wanted.skus, NewSku("SKU-3", "7.00", "USD", (InventoryLevel("", 4, "w1"),))),
        "0.5",
    )
    update = listing_update(product, _listed(), wanted, SYNC_FIELDS)
    assert update.edit is not None and update.prices == ()
    skus = update.edit.to_body()["skus"]
    assert [(s.get("id"), s["seller_sku"]) for s in skus] == [
        ("s1", "SKU-1"),
        ("s2", "SKU-2"),
        (None, "SKU-3"),
    ]
    assert skus[2]["inventory"] == [{"quantity": 4, "warehouse_id": "w1"}]  # a new SKU comes with its stock


def test_a_variant_removed_leaves_tiktok_by_being_left_out_of_the_skus() -> None:
    product = _product(("v1", "SKU-1"), skus=(("v1", "s1"),))
    wanted = NewProduct("Mug", "A mug", "c", ("img-1",), _wanted().skus[:1], "0.5")
    update = listing_update(product, _listed(), wanted, SYNC_FIELDS)
    assert update.edit is not None
    assert [s.get("id") for s in update.edit.to_body()["skus"]] == ["s1"]


def test_a_changed_sku_text_keeps_its_tiktok_sku() -> None:
    product = _product(("v1", "MUG-RED"), ("v2", "SKU-2"), skus=MUG.tiktok_skus)
    second = _wanted().skus[1]
    wanted = NewProduct("Mug", "A mug", "c", ("img-1",), (NewSku("MUG-RED", "10.00", "USD"), second), "0.5")
    update = listing_update(product, _listed(), wanted, SYNC_FIELDS)
    assert update.edit is not None
    skus = update.edit.to_body()["skus"]
    assert [(s["id"], s["seller_sku"]) for s in skus] == [("s1", "MUG-RED"), ("s2", "SKU-2")]
    assert skus[0]["inventory"] == [{"quantity": 7, "warehouse_id": "w1"}]  # TikTok's stock stays


def test_carriers_match_tiktok_providers_ignoring_case_spacing_and_suffixes() -> None:
    providers = [
        ShippingProvider("1", "USPS"),
        ShippingProvider("2", "UPS Ground"),
        ShippingProvider("3", "DHL eCommerce"),
    ]
    assert matching_provider(providers, "usps") == providers[0]
    assert matching_provider(providers, "UPS") == providers[1]
    assert matching_provider(providers, "DHL e-Commerce") == providers[2]
    assert matching_provider(providers, "Pigeon Post") is None
    assert matching_provider(providers, "") is None


def test_every_job_kind_has_its_work() -> None:
    assert set(WORK) == set(JobKind)


def test_every_job_kinds_work_is_where_the_runner_imports_it_from() -> None:
    # The runner imports a kind's module when its first job runs: a wrong module or name would
    # only show then, in production.
    for kind in JobKind:
        module, name = WORK[kind]
        work = work_of(kind)
        assert callable(work) and work.__name__ == name and work.__module__ == module, kind
