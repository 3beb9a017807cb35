"""Which TikTok SKU each variant of a listing is, as TikTok answered an upload or an edit that lists
every SKU: kept on the product, and on each variant's stock link."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from connector.listing.build import seller_sku

if TYPE_CHECKING:
    from connector.clients.tiktok.models import TikTokSku
    from connector.domain.entities import Product
    from connector.wiring import Ports


def link_skus(
    ports: Ports, shop: str, product: Product, tiktok_product_id: str, answered: Iterable[TikTokSku]
) -> tuple[tuple[str, str], ...]:
    """TikTok answered the listing's SKUs with their ids (Create Product, or a Partial Edit that
    lists them all): lead TikTok's webhooks and each variant's stock to them; the TikTok SKU id of
    each variant, to keep on the product."""
    ids = {sku.seller_sku: sku.sku_id for sku in answered}
    by_variant = {v.variant_id: ids[seller_sku(v)] for v in product.variants if seller_sku(v) in ids}
    stock_links = {
        v.inventory_item_id: by_variant[v.variant_id]
        for v in product.variants
        if v.inventory_item_id and v.variant_id in by_variant
    }
    ports.store.link_tiktok_product(shop, tiktok_product_id, product.shopify_product_id, stock_links)
    return tuple(sorted(by_variant.items()))
