"""A shop's listings as TikTok will take them: the region and warehouse of the shop, the category of
each product (the merchant's, a mapping of its type, or TikTok's recommendation), what the category
requires, the brand, the hosted images and the stock of each warehouse (from the Shopify locations
that feed it). Used by the upload (Create Product) and the sync (Partial Edit) alike, so both send
the same listing; ``connector.listing.build`` turns what it reads into the body."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import NewProduct
from connector.domain.entities import Product, ProductImage, Shop
from connector.listing.build import (
    MAX_IMAGES,
    ListingIncompleteError,
    ListingInputs,
    build_listing,
    missing_for,
    problems_before_any_call,
)
from connector.listing.images import ATTRIBUTE_IMAGE, MAIN_IMAGE, ImageProblemError, ImageUploader
from connector.listing.regions import Region
from connector.listing.warehouses import sales_warehouses
from connector.values import replace
from connector.wiring import Ports

if TYPE_CHECKING:  # the clients load requests: imported where they are built
    from connector.clients.tiktok.shop import ShopClient

_TAGS = re.compile(r"<[^>]+>")
RECOMMEND_TEXT = 2000  # Recommend Category reads the title and description, not a whole page


def images_to_upload(product: Product) -> dict[str, list[tuple[int, ProductImage]]]:
    """By use case, with their positions in the Shopify gallery: the gallery TikTok shows (its first
    9) as MAIN_IMAGE, and the variants' images as ATTRIBUTE_IMAGE."""
    numbered = list(enumerate(product.images, 1))
    variants = {v.image_id for v in product.variants if v.image_id}
    return {
        MAIN_IMAGE: numbered[:MAX_IMAGES],
        ATTRIBUTE_IMAGE: [(n, image) for n, image in numbered if image.image_id in variants],
    }


class ListingMaker:
    """Listings of one shop, for one job: reads what a chunk shares once."""

    def __init__(self, ports: Ports, shop: Shop, api: ShopClient) -> None:
        self._ports, self.api = ports, api
        self.shop = self._with_tiktok_facts(shop)
        self._uploader = ImageUploader(ports.store, shop.domain, api, ports.fetch_image)
        self._stock: dict[str, dict[str, int]] = {}

    @property
    def region(self) -> Region:
        return Region(self.shop.tiktok_region or "")

    def _with_tiktok_facts(self, shop: Shop) -> Shop:
        """The shop with its TikTok region and sales warehouses, read from TikTok (and kept) the
        first time they are needed: shops connected before they were kept get them now."""
        region, warehouses = shop.tiktok_region, shop.tiktok_warehouses
        if not region:
            authorized = self.api.get_authorized_shops()
            ours = [s for s in authorized if s.shop_id == shop.tiktok_shop_id] or authorized[:1]
            region = ours[0].region if ours else None
        if shop.warehouse_id is None:
            warehouses = sales_warehouses(self.api)
        if (region, warehouses) == (shop.tiktok_region, shop.tiktok_warehouses):
            return shop
        self._ports.store.set_tiktok_facts(shop.domain, region=region, warehouses=warehouses)
        return replace(shop, tiktok_region=region, tiktok_warehouses=warehouses)

    def read_ahead(self, products: Sequence[Product], *, stock: bool = True) -> None:
        """A chunk's remembered image uploads and its stock, in one read each."""
        self._uploader.read_ahead(
            (image.image_id, use)
            for p in products
            for use, images in images_to_upload(p).items()
            for _, image in images
        )
        if not stock:
            return
        items = [v.inventory_item_id for p in products for v in p.variants if v.inventory_item_id]
        missing = [item for item in items if item not in self._stock]
        if missing:
            admin = self._ports.shopify_admin(self.shop)
            self._stock.update(self._ports.listing_facts.warehouse_stock(admin, self.shop, missing))

    def listing(self, product: Product, idempotency_key: str = "", *, stock: bool = True) -> NewProduct:
        """The Create Product body of ``product``. Raises ListingIncompleteError naming what is
        missing, found in this order so that no call is spent on a product that cannot list.
        ``stock=False`` leaves Shopify's levels unread (an edit keeps TikTok's stock: they go
        through Update Inventory), each SKU then holding the variant's total."""
        region = self.region
        if not region.known:
            raise ListingIncompleteError(
                [f"region: TikTok Shop region {region.code!r} is not supported"], None
            )
        problems = problems_before_any_call(product, self.shop.settings, region)
        if self.shop.warehouse_id is None:
            problems.append("warehouse: TikTok Shop lists no sales warehouse for this shop")
        if problems:
            raise ListingIncompleteError(problems, product.tiktok_category_id)
        category_id, source = self.category_and_source(product)
        if source in ("chosen", "mapped"):  # the merchant's: maybe a category since closed or moved
            problem = self.leaf_category_problem(category_id)
            if problem is not None:
                raise ListingIncompleteError([f"category: {problem}"])
        try:
            facts = self._ports.listing_facts.category(self.api, region, category_id)
        except TikTokApiError as refused:
            if not refused.refusal:
                raise
            problem = f"category: TikTok Shop does not take {category_id} ({refused.message}); choose another"
            raise ListingIncompleteError([problem]) from None
        warehouse = self.shop.warehouse_id
        assert warehouse is not None
        inputs = ListingInputs(region, warehouse, facts)
        missing = missing_for(product, self.shop, inputs)
        if missing:
            raise ListingIncompleteError(missing, category_id)
        self.read_ahead([product], stock=stock)
        wanted = images_to_upload(product)
        try:
            uris = self._uploader.uris(wanted[MAIN_IMAGE], MAIN_IMAGE)
            attribute_uris = self._uploader.uris(wanted[ATTRIBUTE_IMAGE], ATTRIBUTE_IMAGE)
        except ImageProblemError as problem:
            raise ListingIncompleteError([str(problem)], category_id) from None
        brand = self._ports.listing_facts.brand_id(
            self.api, self.shop.tiktok_shop_id or "", region, category_id, product.vendor
        )
        inputs = replace(
            inputs, brand_id=brand, image_uris=uris, attribute_image_uris=attribute_uris, stock=self._stock
        )
        return build_listing(product, self.shop, inputs, idempotency_key)

    def category_and_source(self, product: Product) -> tuple[str, str]:
        """The merchant's choice, else their mapping of the product's type or Shopify category, else
        the category it was judged in before, else TikTok's recommendation (a leaf, or the
        merchant chooses); with which of those it is."""
        mapped = self.shop.settings.category_for(product.product_type, product.shopify_category)
        for category_id, source in (
            (product.listing.category_id, "chosen"),
            (mapped, "mapped"),
            (product.tiktok_category_id, "judged"),
        ):
            if category_id:
                return category_id, source
        try:
            recommended = self.api.recommend_category(
                product.title,
                _TAGS.sub(" ", product.description)[:RECOMMEND_TEXT],
                category_version=self.region.category_version,
            )
        except TikTokApiError as refused:
            if not refused.refusal:
                raise
            recommended = None
        if recommended is None or not recommended.is_leaf or not recommended.category_id:
            raise ListingIncompleteError(["category: choose the product's TikTok Shop category"])
        return recommended.category_id, "recommended"

    def leaf_category_problem(self, category_id: str) -> str | None:
        """Why the shop cannot list in ``category_id`` (Get Categories), or None."""
        tree = self._ports.listing_facts.category_tree(self.api, self.shop.tiktok_shop_id or "", self.region)
        category = tree.get(category_id)
        if category is None:
            return f"{category_id} is not a TikTok Shop category in {self.region.code}"
        if not category.is_leaf:
            return f"{category_id} ({category.name}) is not a leaf category: choose one of its subcategories"
        if not category.available:
            return f"{category_id} ({category.name}) is not available to the shop"
        return None
