"""Keep a listing on TikTok in step with its Shopify product: changed fields after products/update
(its removal after products/delete is ``connector.activities.removal``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from connector.activities.automatic import tallied
from connector.activities.sku_links import link_skus
from connector.activities.stock import ON_SALE_OR_UNDER_AUDIT, PauseReason, set_on_sale
from connector.activities.writes import NotYetWrittenError, change_product
from connector.clients.tiktok.models import (
    NewProduct,
    NewSku,
    ProductEdit,
    SkuPrice,
    TikTokProduct,
    TikTokSku,
)
from connector.domain.changes import LIVE_ON_TIKTOK, Change
from connector.domain.entities import ActivityType, Product
from connector.domain.status import Verdict
from connector.jobs import Job
from connector.listing.build import ListingIncompleteError, seller_sku
from connector.listing.maker import ListingMaker
from connector.values import Value, replace
from connector.wiring import Ports


class ListingUpdate(Value, frozen=True):
    """What to send so TikTok shows what Shopify has: a partial edit and/or new SKU prices."""

    edit: ProductEdit | None = None
    prices: tuple[SkuPrice, ...] = ()


def listed_skus(product: Product, listed: TikTokProduct) -> dict[str, TikTokSku]:
    """The TikTok SKU each variant is listed as, by variant id: by the SKU id recorded when TikTok
    made it (its SKU text may have changed since); by SKU text for listings made before ids were
    recorded. A variant without one is new to TikTok."""
    by_id = {sku.sku_id: sku for sku in listed.skus}
    by_text = {sku.seller_sku: sku for sku in listed.skus}
    matched: dict[str, TikTokSku] = {}
    for variant in product.variants:
        sku_id = product.tiktok_sku_of(variant.variant_id)
        sku = by_id.get(sku_id) if sku_id else by_text.get(seller_sku(variant))
        if sku is not None and sku not in matched.values():
            matched[variant.variant_id] = sku
    return matched


def listing_update(
    product: Product,
    listed: TikTokProduct,
    wanted: NewProduct,
    fields: Sequence[str],
    matched: Mapping[str, TikTokSku] | None = None,
) -> ListingUpdate:
    """Compare TikTok's copy with the listing we would send, over the fields the merchant syncs.
    Content goes in a partial edit; prices go through Update Price, which TikTok accepts for live
    products only. When the SKUs themselves change (a variant added or removed, a SKU text or an
    option value changed), the edit lists every SKU — existing ones under their TikTok ids, new
    ones without — since Partial Edit deletes the SKUs it does not name; prices then travel in it
    (TikTok publishes price edits without a new audit), and so do they for a product not live."""
    content: dict[str, Any] = {
        "title": wanted.title if "title" in fields and listed.title != wanted.title else None,
        "description": (
            wanted.description
            if "description" in fields and listed.description != wanted.description
            else None
        ),
        "main_image_uris": (
            wanted.main_image_uris
            if "images" in fields and listed.main_image_uris != wanted.main_image_uris
            else None
        ),
    }
    edit = ProductEdit(**content) if any(value is not None for value in content.values()) else None
    matched = listed_skus(product, listed) if matched is None else matched
    pairs = list(zip((v.variant_id for v in product.variants), wanted.skus, strict=True))
    prices = tuple(
        SkuPrice(held.sku_id, sku.price, sku.currency, sku.list_price)
        for variant_id, sku in pairs
        if "price" in fields and (held := matched.get(variant_id)) is not None and _repriced(held, sku)
    )
    reshaped = len(matched) < len(pairs) or len(matched) < len(listed.skus)
    reshaped = reshaped or any(
        held.seller_sku != sku.seller_sku or not _same_attributes(held, sku)
        for variant_id, sku in pairs
        if (held := matched.get(variant_id)) is not None
    )
    if reshaped or (prices and listed.status != LIVE_ON_TIKTOK):
        skus = tuple(_as_sent(sku, matched.get(variant_id), "price" in fields) for variant_id, sku in pairs)
        return ListingUpdate(edit=replace(edit or ProductEdit(), skus=skus))
    return ListingUpdate(edit=edit, prices=prices)


def _repriced(held: TikTokSku, wanted: NewSku) -> bool:
    """The price, or the list price (Shopify's compare-at), differs from TikTok's. TikTok answers
    only a list price its audit accepted, so a refused one is offered again with the next change."""
    held_list = Decimal(held.list_price or "0")
    return Decimal(held.price or "0") != Decimal(wanted.price) or (
        bool(wanted.list_price) and held_list != Decimal(wanted.list_price)
    )


def _same_attributes(held: TikTokSku, wanted: NewSku) -> bool:
    """The SKU's sales attributes name the same values (built-in ones by id, custom ones by name)."""
    if len(held.sales_attributes) != len(wanted.sales_attributes):
        return False
    return all(
        (h.value_id == w.value_id if w.value_id else h.value_name.casefold() == w.value_name.casefold())
        and (h.attribute_id == w.attribute_id if w.attribute_id else h.name.casefold() == w.name.casefold())
        for h, w in zip(held.sales_attributes, wanted.sales_attributes, strict=True)
    )


def _as_sent(wanted: NewSku, held: TikTokSku | None, prices_synced: bool) -> NewSku:
    """A SKU of an edit that lists every SKU: a new one as built (with its stock), an existing one
    under its TikTok id with TikTok's stock (stock goes through Update Inventory) and the price the
    merchant's settings say."""
    if held is None:
        return wanted
    listed = NewSku.listed(held, wanted.price, wanted.list_price) if prices_synced else NewSku.listed(held)
    return replace(
        listed,
        seller_sku=wanted.seller_sku,
        sales_attributes=wanted.sales_attributes,
        currency=wanted.currency,
    )


def run_product_sync(job: Job, ports: Ports) -> None:
    shop = ports.shop(job.shop)
    product_id = str(job.params["shopify_product_id"])

    def sync() -> str | None:
        product = ports.store.get_product(shop.domain, product_id)
        if product is None or product.deleted or product.tiktok_product_id is None:
            return None  # no longer on TikTok: nothing to keep in step
        if product.shopify_updated_at < int(job.params.get("shopify_updated_at", 0)):
            raise NotYetWrittenError(f"product {product_id} does not hold the update yet")
        return sync_listing(ports, ListingMaker(ports, shop, ports.tiktok_api(shop)), product)

    tallied(job, ports, ActivityType.PRODUCT_SYNC, product_id, sync)


def sync_listing(ports: Ports, maker: ListingMaker, product: Product) -> str | None:
    """Make the TikTok listing of ``product`` (as stored) show what Shopify has: on sale only while
    the product is active in Shopify, with the fields the merchant syncs. None when done, else what
    stopped it, for the activity. Safe to repeat: what TikTok already shows is not sent again."""
    if product.deleted or product.tiktok_product_id is None:
        return None
    shop, api = maker.shop, maker.api
    listed = api.get_product(product.tiktok_product_id)
    if not product.sells_in_shopify:
        if listed.status in ON_SALE_OR_UNDER_AUDIT:
            set_on_sale(ports, shop, api, product, on_sale=False, reason=PauseReason.SHOPIFY)
        return None
    matched = listed_skus(product, listed)
    new_variants = any(variant.variant_id not in matched for variant in product.variants)
    try:  # new SKUs are created with their stock, read from Shopify's locations
        wanted = maker.listing(product, stock=new_variants)
    except ListingIncompleteError as refused:
        return f"not sent to TikTok Shop, which needs: {'; '.join(refused.missing)}"
    update = listing_update(product, listed, wanted, shop.settings.sync_fields, matched)
    if update.edit is not None:
        edited = api.partial_edit_product(product.tiktok_product_id, update.edit)
        if update.edit.skus is not None:
            _record_skus(ports, shop.domain, product, edited.skus)
    if update.prices:
        api.update_prices(product.tiktok_product_id, update.prices)
    if product.paused_in_shopify:
        set_on_sale(ports, shop, api, product, on_sale=True, reason=PauseReason.SHOPIFY)
    return None


def _record_skus(ports: Ports, shop: str, product: Product, answered: Sequence[TikTokSku]) -> None:
    """Keep the TikTok SKU id of every variant after an edit that listed every SKU (new ones have
    new ids), with each variant's stock led to its SKU."""
    assert product.tiktok_product_id is not None
    skus = link_skus(ports, shop, product, product.tiktok_product_id, answered)

    def decide(current: Product | None) -> Change[Product]:
        if current is None or current.tiktok_skus == skus:
            return Change(Verdict.DUPLICATE)
        return Change(Verdict.APPLY, replace(current, tiktok_skus=skus))

    change_product(ports, shop, product.shopify_product_id, decide, first_read=product)
