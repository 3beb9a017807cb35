"""Read models of the dashboard's other pages: the product and order lists, a page at a time, and
the settings form. Their routes import this module when first called."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from connector.api import schemas
from connector.cursor import decode_cursor, encode_cursor
from connector.dal.store import Page, PageKey, Store
from connector.domain.entities import Order, Product, Shop
from connector.domain.status import OrderStatus, ProductStatus

if TYPE_CHECKING:  # an annotation only: the Shopify client's models stay out of every request
    from connector.clients.shopify.models import ShopifyLocation

E = TypeVar("E")
V = TypeVar("V")


def product_view(product: Product) -> schemas.ProductOut:
    return schemas.ProductOut(
        id=product.shopify_product_id,
        title=product.title,
        status=ProductStatus(product.status),
        tiktok_product_id=product.tiktok_product_id,
        tiktok_status=product.tiktok_status,
        failure_reason=product.failure_reason,
        missing=list(product.missing),
        waiting_reason=product.waiting_reason,
        edit_rejected_reason=product.edit_rejected_reason,
        shopify_status=product.shopify_status,
        tiktok_category_id=product.tiktok_category_id,
        variants=len(product.variants),
        updated_at=max(product.status_time, product.shopify_updated_at),
    )


def order_view(order: Order) -> schemas.OrderOut:
    return schemas.OrderOut(
        id=order.tiktok_order_id,
        status=OrderStatus(order.status),
        tiktok_status=order.tiktok_status,
        shopify_order_id=order.shopify_order_id,
        update_time=order.update_time,
        created_at=order.created_at,
        cancellation_status=order.cancellation_status,
        return_status=order.return_status,
        held_for_quota=order.held_for_quota,
        sync_problem=order.sync_problem,
        fulfilled_by_tiktok=order.fulfilled_by_tiktok,
        unmatched_skus=list(order.unmatched_skus),
        cancelled_in_shopify=order.cancelled_in_shopify,
    )


def products(
    store: Store, shop: str, status: str | None, limit: int, cursor: str | None, secret: bytes
) -> schemas.ProductPage:
    items, following = _page(
        store.list_products, product_view, shop, "PRODUCT", status, limit, cursor, secret
    )
    return schemas.ProductPage(items=items, next_cursor=following)


def orders(
    store: Store, shop: str, status: str | None, limit: int, cursor: str | None, secret: bytes
) -> schemas.OrderPage:
    items, following = _page(store.list_orders, order_view, shop, "ORDER", status, limit, cursor, secret)
    return schemas.OrderPage(items=items, next_cursor=following)


def _page(
    lister: Callable[[str, str | None, int, PageKey | None], Page[E]],
    view: Callable[[E], V],
    shop: str,
    kind: str,
    status: str | None,
    limit: int,
    cursor: str | None,
    secret: bytes,
) -> tuple[list[V], str | None]:
    """One page of a listing; the cursor is signed for this shop, kind and filter only."""
    scope = f"{shop}|{kind}|{status or ''}"
    start = decode_cursor(cursor, secret=secret, scope=scope) if cursor else None
    page = lister(shop, status, limit, start)
    following = encode_cursor(page.next_key, secret=secret, scope=scope) if page.next_key else None
    return [view(item) for item in page.items], following


def settings_view(shop: Shop, locations: Sequence[ShopifyLocation] = ()) -> schemas.SettingsOut:
    s, size = shop.settings, shop.settings.package_dimensions
    return schemas.SettingsOut(
        sync_fields=list(s.sync_fields),
        price_rule=schemas.PriceRule(
            kind=s.price_rule_kind, direction=s.price_rule_direction, value=s.price_rule_value
        ),
        inventory_buffer=schemas.InventoryBuffer(
            kind=s.inventory_buffer_kind, value=s.inventory_buffer_value
        ),
        auto_upload=s.auto_upload,
        warehouse_id=s.warehouse_id,
        package_dimensions=None
        if size is None
        else schemas.Dimensions(length_cm=size.length_cm, width_cm=size.width_cm, height_cm=size.height_cm),
        category_mappings=[
            schemas.CategoryMapping(name=name, category_id=category) for name, category in s.category_mappings
        ],
        location_warehouses=[
            schemas.LocationWarehouse(location_id=location, warehouse_id=warehouse)
            for location, warehouse in s.location_warehouses
        ],
        orders_since=datetime.fromtimestamp(shop.orders_since, UTC).date() if shop.orders_since else None,
        warehouses=[
            schemas.WarehouseOut(id=w.warehouse_id, name=w.name, is_default=w.is_default)
            for w in shop.tiktok_warehouses
        ],
        locations=[
            schemas.LocationOut(id=loc.id, name=loc.name, fulfills_online_orders=loc.fulfills_online_orders)
            for loc in locations
            if loc.active
        ],
    )
