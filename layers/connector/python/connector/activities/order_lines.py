"""The Shopify variant each line of a TikTok order sold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.clients.tiktok.models import TikTokLineItem
    from connector.domain.entities import Product, Shop, Variant
    from connector.wiring import Ports


def variants_of(ports: Ports, shop: Shop, items: Sequence[TikTokLineItem]) -> dict[str, Variant]:
    """TikTok SKU id -> the Shopify variant it sells, for the order's lines (by the SKU id TikTok
    made for the variant; by SKU text for listings made before those were kept)."""
    found: dict[str, Variant] = {}
    products = {}
    for item in items:
        if item.sku_id in found:
            continue
        if item.product_id not in products:
            product_id = ports.store.product_for_tiktok(shop.domain, item.product_id)
            products[item.product_id] = (
                ports.store.get_product(shop.domain, product_id) if product_id else None
            )
        product = products[item.product_id]
        variant = variant_sold(product, item) if product is not None else None
        if variant is not None:
            found[item.sku_id] = variant
    return found


def variant_sold(product: Product, item: TikTokLineItem) -> Variant | None:
    """The variant a TikTok line sold: by the SKU id TikTok made for it (its SKU text may have
    changed since), else by the SKU text (listings made before SKU ids were kept)."""
    by_sku_id = {sku_id: variant_id for variant_id, sku_id in product.tiktok_skus}
    wanted = by_sku_id.get(item.sku_id)
    for variant in product.variants:
        if variant.variant_id == wanted or (wanted is None and item.seller_sku == variant.sku):
            return variant
    return None
