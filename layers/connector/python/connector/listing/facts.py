"""What TikTok says of categories and brands, and which of a shop's Shopify locations sell online:
asked once and kept a while per process, since every product of a category (or shop) shares them
and each call spends a rate limit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from cachetools import TTLCache

from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import CategoryAttribute, CategoryRules
from connector.values import Value

if TYPE_CHECKING:  # the clients load requests: imported where they are built
    from connector.clients.shopify.models import ShopifyLocation
    from connector.clients.shopify.shop import ShopifyShopClient
    from connector.clients.tiktok.models import TikTokCategory
    from connector.clients.tiktok.shop import ShopClient
    from connector.domain.entities import Shop
    from connector.listing.regions import Region

T = TypeVar("T")
# TikTok changes a category's attributes and rules rarely; an hour bounds how stale they get.
FACTS_SECONDS = 3600
FACTS_KEPT = 2048


class CategoryFacts(Value, frozen=True):
    """What TikTok says of one leaf category in the shop's region."""

    category_id: str
    version: str
    attributes: tuple[CategoryAttribute, ...]
    rules: CategoryRules


class ListingFacts:
    """Category facts, brand ids and selling locations, kept ``FACTS_SECONDS`` (thread-safe)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._cache: TTLCache[Hashable, object] = TTLCache(FACTS_KEPT, FACTS_SECONDS, timer=clock)
        self._lock = threading.Lock()

    def _kept(self, key: Hashable, read: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[return-value]
        value = read()  # outside the lock: a slow call must not hold up the other threads
        with self._lock:
            self._cache[key] = value
        return value

    def category(self, api: ShopClient, region: Region, category_id: str) -> CategoryFacts:
        """Get Attributes and Get Category Rules of one leaf category."""
        version = region.category_version

        def read() -> CategoryFacts:
            attributes = tuple(api.get_attributes(category_id, version))
            return CategoryFacts(
                category_id, version, attributes, api.get_category_rules(category_id, version)
            )

        return self._kept(("category", region.code, category_id), read)

    def category_tree(self, api: ShopClient, shop_id: str, region: Region) -> dict[str, TikTokCategory]:
        """The shop's categories by id (Get Categories; permissions are the shop's own)."""

        def read() -> dict[str, TikTokCategory]:
            return {c.category_id: c for c in api.get_categories(region.category_version)}

        return self._kept(("tree", shop_id, region.code), read)

    def brand_id(self, api: ShopClient, shop_id: str, region: Region, category_id: str, vendor: str) -> str:
        """The id of the brand named like the Shopify vendor, when the shop may select it in this
        category (Get Brands' selection rules); "" otherwise: the brand is optional."""
        if not vendor.strip():
            return ""

        def read() -> str:
            try:
                brands = api.get_brands(
                    category_id=category_id,
                    brand_name=vendor.strip(),
                    category_version=region.category_version,
                )
            except TikTokApiError as refused:
                if not refused.refusal:
                    raise
                return ""  # the brand is optional: listed without one
            wanted = vendor.strip().casefold()
            return next((b.brand_id for b in brands if b.name.casefold() == wanted and b.selectable), "")

        # By shop: a brand's authorization is the shop's own.
        return self._kept(("brand", shop_id, category_id, vendor.strip().casefold()), read)

    def locations(self, admin: ShopifyShopClient, shop: str) -> tuple[ShopifyLocation, ...]:
        """The shop's Shopify locations."""
        return self._kept(("locations", shop), lambda: tuple(admin.locations()))

    def selling_locations(self, admin: ShopifyShopClient, shop: str) -> frozenset[str]:
        """The shop's active Shopify locations that fulfil online orders: TikTok's stock by default."""
        found = self.locations(admin, shop)
        return frozenset(
            location.id for location in found if location.active and location.fulfills_online_orders
        )

    def warehouse_stock(
        self, admin: ShopifyShopClient, shop: Shop, inventory_item_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        """Each inventory item's stock per TikTok warehouse, in one read of Shopify's levels: the
        merchant's location -> warehouse mapping, or by default every selling location summed into
        the listing warehouse. Every mapped warehouse is listed for every item, at 0 when empty."""
        if not inventory_item_ids:
            return {}
        mapping = dict(shop.settings.location_warehouses)
        if not mapping and shop.warehouse_id is not None:
            mapping = dict.fromkeys(self.selling_locations(admin, shop.domain), shop.warehouse_id)
        levels = admin.available_by_location(inventory_item_ids)
        stock: dict[str, dict[str, int]] = {}
        for item in inventory_item_ids:
            per_warehouse = dict.fromkeys(mapping.values(), 0)
            for location, available in levels.get(item, {}).items():
                if location in mapping:
                    per_warehouse[mapping[location]] += max(0, available)
            stock[item] = per_warehouse
        return stock
