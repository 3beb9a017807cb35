"""Keep a listing on TikTok in step with its Shopify product: changed fields after products/update,
and the listing's removal (and its plan slot back) after products/delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from connector.activities.automatic import tallied
from connector.activities.catalog import NotYetWrittenError
from connector.clients.tiktok.models import (
    NewProduct,
    NewSku,
    ProductEdit,
    SkuPrice,
    TikTokProduct,
    TikTokSku,
)
from connector.domain.changes import LIVE_ON_TIKTOK
from connector.domain.entities import ActivityType, Product
from connector.domain.plans import QuotaKind
from connector.jobs import Job
from connector.listing.build import ListingIncompleteError
from connector.listing.maker import ListingMaker
from connector.wiring import Ports


@dataclass(frozen=True)
class ListingUpdate:
    """What to send so TikTok shows what Shopify has: a partial edit and/or new SKU prices."""

    edit: ProductEdit | None = None
    prices: tuple[SkuPrice, ...] = ()


def listing_update(listed: TikTokProduct, wanted: NewProduct, fields: Sequence[str]) -> ListingUpdate:
    """Compare TikTok's copy with the listing we would send, over the fields the merchant syncs.
    Content goes in a partial edit; prices go through Update Price, which TikTok accepts for live
    products only, so a product that is not live takes its prices inside the edit (with every SKU,
    since an edit drops the SKUs it does not name)."""
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
    wanted_prices = {sku.seller_sku: sku for sku in wanted.skus} if "price" in fields else {}
    prices = tuple(
        SkuPrice(sku.sku_id, wanted_prices[sku.seller_sku].price, wanted_prices[sku.seller_sku].currency)
        for sku in listed.skus
        if sku.seller_sku in wanted_prices
        and Decimal(sku.price or "0") != Decimal(wanted_prices[sku.seller_sku].price)
    )
    edit = ProductEdit(**content) if any(value is not None for value in content.values()) else None
    if prices and listed.status != LIVE_ON_TIKTOK:
        # Every SKU, as the listing has it, under TikTok's ids (an edit drops the SKUs it leaves out),
        # its stock left as TikTok holds it: stock goes through Update Inventory.
        held = {sku.seller_sku: sku for sku in listed.skus}
        skus = tuple(_as_held(sku, held.get(sku.seller_sku)) for sku in wanted.skus)
        return ListingUpdate(edit=replace(edit or ProductEdit(), skus=skus))
    return ListingUpdate(edit=edit, prices=prices)


def _as_held(wanted: NewSku, held: TikTokSku | None) -> NewSku:
    if held is None:
        return wanted  # a SKU TikTok does not have yet: created by the edit
    return replace(NewSku.listed(held, wanted.price), sales_attributes=wanted.sales_attributes)


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
    """Make the TikTok listing of ``product`` (as stored) show what Shopify has, over the fields
    the merchant syncs; None when done, else what stopped it, for the activity. Safe to repeat:
    what TikTok already shows is not sent again."""
    if product.deleted or product.tiktok_product_id is None:
        return None
    shop, api = maker.shop, maker.api
    try:
        wanted = maker.listing(product, stock=False)
    except ListingIncompleteError as refused:
        return f"not sent to TikTok Shop, which needs: {'; '.join(refused.missing)}"
    listed = api.get_product(product.tiktok_product_id)
    update = listing_update(listed, wanted, shop.settings.sync_fields)
    if update.edit is not None:
        api.partial_edit_product(product.tiktok_product_id, update.edit)
    if update.prices:
        api.update_prices(product.tiktok_product_id, update.prices)
    return None


def run_remove_listing(job: Job, ports: Ports) -> None:
    """Delete from TikTok the listing of a product deleted in Shopify, then free its plan slot."""
    shop = ports.shop(job.shop)
    product_id, tiktok_product_id = (
        str(job.params["shopify_product_id"]),
        str(job.params["tiktok_product_id"]),
    )

    def remove() -> str | None:
        product = ports.store.get_product(shop.domain, product_id)
        if product is None or not product.deleted:
            raise NotYetWrittenError(f"product {product_id} is not deleted here yet")
        failures = ports.tiktok_api(shop).delete_products([tiktok_product_id])
        if failures:
            return "; ".join(failure.message for failure in failures)
        ports.store.unlink_tiktok_product(
            shop.domain, tiktok_product_id, job.params.get("inventory_item_ids", ())
        )
        ports.store.give_back_quota(shop.domain, QuotaKind.PRODUCTS, product_id)
        return None

    tallied(job, ports, ActivityType.PRODUCT_SYNC, f"{product_id}:removed", remove)
